//! Relations derived from the snapshot tables at query time.

use std::sync::Arc;

use arrow::array::{ArrayRef, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use iamsnap_catalog::{AccessLevel, Catalog};

use crate::engine::TableInfo;
use crate::error::EngineError;

/// Which principals are non-human, and why. Roles are non-human unless people reach them
/// through SAML or IAM Identity Center; users are non-human when they have no console
/// password (so only keys), or live under a `/service/` path.
/// `{s}` stands for the schema prefix (empty, or `old.` / `new.` in a pair).
const PRINCIPALS: &str = r"
CREATE VIEW {s}principals AS
WITH trusted AS (
  SELECT role_arn,
         bool_or(principal_kind = 'saml') AS by_saml,
         bool_or(principal_kind = 'service') AS by_service,
         bool_or(principal_kind IN ('oidc', 'web_identity')) AS by_oidc,
         bool_or(is_cross_account) AS by_other_account
  FROM {s}trust GROUP BY role_arn
), passwords AS (
  SELECT arn, bool_or(password_enabled) AS has_password FROM {s}credential_report GROUP BY arn
)
SELECT r.account_id, 'role' AS principal_type, r.arn, r.name, r.path, r.create_date,
       r.permissions_boundary_arn,
       NOT (starts_with(r.name, 'AWSReservedSSO_') OR COALESCE(t.by_saml, false)) AS is_nhi,
       CASE
         WHEN r.is_service_linked THEN 'service-linked role, managed by an AWS service'
         WHEN starts_with(r.name, 'AWSReservedSSO_') THEN 'IAM Identity Center role: assumed by people'
         WHEN COALESCE(t.by_saml, false) THEN 'SAML-federated role: assumed by people'
         WHEN COALESCE(t.by_service, false) THEN 'assumed by an AWS service'
         WHEN COALESCE(t.by_oidc, false) THEN 'assumed by workloads through OIDC federation'
         WHEN COALESCE(t.by_other_account, false) THEN 'assumed from another account'
         ELSE 'assumed by other principals of the account'
       END AS nhi_reason
FROM {s}roles r LEFT JOIN trusted t ON t.role_arn = r.arn
UNION ALL
SELECT u.account_id, 'user' AS principal_type, u.arn, u.name, u.path, u.create_date,
       u.permissions_boundary_arn,
       starts_with(u.path, '/service/') OR NOT COALESCE(p.has_password, false) AS is_nhi,
       CASE
         WHEN starts_with(u.path, '/service/') THEN 'user under a /service/ path'
         WHEN COALESCE(p.has_password, false) THEN 'has a console password: a person'
         WHEN p.arn IS NULL THEN 'not in the credential report; treated as non-human'
         ELSE 'no console password: used through access keys'
       END AS nhi_reason
FROM {s}users u LEFT JOIN passwords p ON p.arn = u.arn
UNION ALL
SELECT g.account_id, 'group' AS principal_type, g.arn, g.name, g.path, g.create_date,
       CAST(NULL AS VARCHAR) AS permissions_boundary_arn,
       CAST(NULL AS BOOLEAN) AS is_nhi,
       'a group is not a principal: its members are' AS nhi_reason
FROM {s}groups g
";

fn actions_table() -> Result<RecordBatch, EngineError> {
    let catalog = Catalog::embedded().map_err(|e| EngineError::Internal(e.to_string()))?;
    let mut service = StringBuilder::new();
    let mut action = StringBuilder::new();
    let mut name = StringBuilder::new();
    let mut levels = ListBuilder::new(StringBuilder::new());
    let mut resource_types = ListBuilder::new(StringBuilder::new());
    let mut condition_keys = ListBuilder::new(StringBuilder::new());
    let all = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];
    for a in catalog.actions() {
        service.append_value(a.service());
        action.append_value(a.full_name());
        name.append_value(a.name());
        let own = a.access_levels();
        for level in all {
            if own.contains(level) {
                levels.values().append_value(level.to_string());
            }
        }
        levels.append(true);
        for r in a.resource_types() {
            resource_types.values().append_value(r.name());
        }
        resource_types.append(true);
        for k in a.condition_keys() {
            condition_keys.values().append_value(k);
        }
        condition_keys.append(true);
    }
    let list = || DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
    let schema = Arc::new(Schema::new(vec![
        Field::new("service", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("access_levels", list(), true),
        Field::new("resource_types", list(), true),
        Field::new("condition_keys", list(), true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(service.finish()),
        Arc::new(action.finish()),
        Arc::new(name.finish()),
        Arc::new(levels.finish()),
        Arc::new(resource_types.finish()),
        Arc::new(condition_keys.finish()),
    ];
    RecordBatch::try_new(schema, columns).map_err(|e| EngineError::Internal(e.to_string()))
}

/// Registers the derived relations.
pub(crate) async fn register(ctx: &SessionContext) -> Result<(), EngineError> {
    ctx.sql(&PRINCIPALS.replace("{s}", ""))
        .await
        .map_err(|e| EngineError::Internal(format!("view `principals`: {e}")))?;
    let batch = actions_table()?;
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]])
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    ctx.register_table("actions", Arc::new(table))
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    Ok(())
}

/// Registers `<schema>.principals` over that schema's tables.
pub(crate) async fn register_principals(
    ctx: &SessionContext,
    schema: &str,
) -> Result<(), EngineError> {
    ctx.sql(&PRINCIPALS.replace("{s}", &format!("{schema}.")))
        .await
        .map_err(|e| EngineError::Internal(format!("view `{schema}.principals`: {e}")))?;
    Ok(())
}

pub(crate) fn col(name: &str, ty: &str, doc: &str) -> (String, String, String) {
    (name.to_owned(), ty.to_owned(), doc.to_owned())
}

/// The derived relations, documented like the stored tables.
pub(crate) fn docs() -> Vec<TableInfo> {
    vec![
        TableInfo {
            name: "principals".to_owned(),
            doc: "Users, roles and groups, with whether each is a non-human identity and why."
                .to_owned(),
            columns: vec![
                col("account_id", "text", "Account id."),
                col("principal_type", "text", "`user`, `role` or `group`."),
                col("arn", "text", "ARN."),
                col("name", "text", "Name."),
                col("path", "text", "IAM path."),
                col("create_date", "timestamp (UTC)", "When it was created."),
                col(
                    "permissions_boundary_arn",
                    "text",
                    "Its permissions boundary, if any.",
                ),
                col(
                    "is_nhi",
                    "boolean",
                    "Whether it is a non-human identity (null for groups).",
                ),
                col("nhi_reason", "text", "Why it is classified so."),
            ],
        },
        TableInfo {
            name: "actions".to_owned(),
            doc: "The AWS action catalog: one row per action.".to_owned(),
            columns: vec![
                col("service", "text", "Service prefix, e.g. `s3`."),
                col("action", "text", "Full name, e.g. `s3:GetObject`."),
                col("name", "text", "Action name, e.g. `GetObject`."),
                col(
                    "access_levels",
                    "list<text>",
                    "List, Read, Write, Permissions management, Tagging.",
                ),
                col(
                    "resource_types",
                    "list<text>",
                    "Resource types the action applies to.",
                ),
                col(
                    "condition_keys",
                    "list<text>",
                    "Condition keys the action supports.",
                ),
            ],
        },
        crate::permissions::doc(),
    ]
}
