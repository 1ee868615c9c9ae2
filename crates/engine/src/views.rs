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

/// Users, roles and groups, with whether each is a non-human identity and why: the
/// classification is the access model's (`is_nhi`, `nhi_reason`), the one `check` and
/// `diff` use. `{s}` stands for the schema prefix (empty, or `old.` / `new.` in a pair),
/// of the tables and of the functions alike.
const PRINCIPALS: &str = r"
CREATE VIEW {s}principals AS
SELECT r.account_id, 'role' AS principal_type, r.arn, r.name, r.path, r.create_date,
       r.permissions_boundary_arn,
       {s}is_nhi(r.arn) AS is_nhi, {s}nhi_reason(r.arn) AS nhi_reason
FROM {s}roles r
UNION ALL
SELECT u.account_id, 'user' AS principal_type, u.arn, u.name, u.path, u.create_date,
       u.permissions_boundary_arn,
       {s}is_nhi(u.arn) AS is_nhi, {s}nhi_reason(u.arn) AS nhi_reason
FROM {s}users u
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
