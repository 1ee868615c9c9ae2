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

/// The rows each entity of the rule language ranges over (`for role r` reads
/// `entity_role`), as views a SQL user can select too: what a rule sees, a query sees.
/// Principals no customer can act as (`is_aws_managed`: service-linked roles, which only
/// their AWS service can assume) are left out of every entity that is, or belongs to, a
/// user or role: no customer can make them act, nor fix what a rule would report on them.
/// The tables and `principals` still list them; an ARN the snapshot does not hold as a
/// user or role (null) is kept.
/// `{s}` is the schema prefix, as in [`PRINCIPALS`].
pub const ENTITY_VIEWS: &[EntityView] = &[
    EntityView {
        entity: "role",
        base: "roles",
        doc: "One row per IAM role a customer can act as (the rows of `for role`): the `roles` table with the access model's classification, without service-linked roles.",
        extra: &[
            (
                "is_nhi",
                "boolean",
                "Whether it is a non-human identity (see `is_nhi`).",
            ),
            ("nhi_reason", "text", "Why it is classified so."),
        ],
        sql: "SELECT r.*, {s}is_nhi(r.arn) AS is_nhi, {s}nhi_reason(r.arn) AS nhi_reason FROM {s}roles r \
              WHERE {s}is_aws_managed(r.arn) IS NOT TRUE",
    },
    EntityView {
        entity: "user",
        base: "users",
        doc: "One row per IAM user a customer can act as (the rows of `for user`): the `users` table with the access model's classification, the credential report's sign-in facts and the user's access keys summarized.",
        extra: &[
            (
                "is_nhi",
                "boolean",
                "Whether it is a non-human identity (see `is_nhi`).",
            ),
            ("nhi_reason", "text", "Why it is classified so."),
            (
                "password_enabled",
                "boolean",
                "Whether the credential report says it has a console password (false when the report does not list it).",
            ),
            (
                "password_last_used",
                "timestamp (UTC)",
                "When the password was last used (credential report).",
            ),
            (
                "mfa_active",
                "boolean",
                "Whether an MFA device is enabled (credential report; false when the report does not list it).",
            ),
            (
                "active_keys",
                "bigint",
                "How many of its access keys are active.",
            ),
            (
                "keys_last_used",
                "timestamp (UTC)",
                "When any of its access keys was last used.",
            ),
            (
                "last_used_date",
                "timestamp (UTC)",
                "The later of `password_last_used` and `keys_last_used`.",
            ),
        ],
        sql: "SELECT u.*, {s}is_nhi(u.arn) AS is_nhi, {s}nhi_reason(u.arn) AS nhi_reason, \
              coalesce(c.password_enabled, false) AS password_enabled, c.password_last_used, \
              coalesce(c.mfa_active, false) AS mfa_active, coalesce(k.active_keys, 0) AS active_keys, \
              k.keys_last_used, greatest(c.password_last_used, k.keys_last_used) AS last_used_date \
              FROM {s}users u \
              LEFT JOIN (SELECT arn AS c_arn, bool_or(password_enabled) AS password_enabled, \
                max(password_last_used) AS password_last_used, bool_or(mfa_active) AS mfa_active \
                FROM {s}credential_report GROUP BY arn) c ON c.c_arn = u.arn \
              LEFT JOIN (SELECT user_arn AS k_arn, \
                sum(CASE WHEN status = 'Active' THEN 1 ELSE 0 END) AS active_keys, \
                max(last_used_date) AS keys_last_used \
                FROM {s}access_keys GROUP BY user_arn) k ON k.k_arn = u.arn \
              WHERE {s}is_aws_managed(u.arn) IS NOT TRUE",
    },
    EntityView {
        entity: "access_key",
        base: "access_keys",
        doc: "One row per access key of a user a customer can act as (the rows of `for access_key`): the `access_keys` table with its user's classification, creation and password.",
        extra: &[
            (
                "key_ref",
                "text",
                "The key id, or `key 1`/`key 2` when the snapshot has no id (a credential report names keys by position).",
            ),
            (
                "is_nhi",
                "boolean",
                "Whether its user is a non-human identity.",
            ),
            (
                "user_create_date",
                "timestamp (UTC)",
                "When its user was created.",
            ),
            (
                "password_enabled",
                "boolean",
                "Whether its user has a console password (credential report; false when not listed).",
            ),
        ],
        sql: "SELECT k.*, \
              coalesce(nullif(k.access_key_id, ''), concat('key ', CAST(k.key_slot AS VARCHAR))) AS key_ref, \
              {s}is_nhi(k.user_arn) AS is_nhi, u.create_date AS user_create_date, \
              coalesce(c.password_enabled, false) AS password_enabled \
              FROM {s}access_keys k \
              LEFT JOIN (SELECT arn AS u_arn, create_date FROM {s}users) u ON u.u_arn = k.user_arn \
              LEFT JOIN (SELECT arn AS c_arn, bool_or(password_enabled) AS password_enabled \
                FROM {s}credential_report GROUP BY arn) c ON c.c_arn = k.user_arn \
              WHERE {s}is_aws_managed(k.user_arn) IS NOT TRUE",
    },
    EntityView {
        entity: "principal",
        base: "principals",
        doc: "One row per user or role a customer can act as (the rows of `for principal`): the `principals` view without groups and service-linked roles.",
        extra: &[],
        sql: "SELECT * FROM {s}principals WHERE principal_type IN ('user', 'role') \
              AND {s}is_aws_managed(arn) IS NOT TRUE",
    },
    EntityView {
        entity: "group",
        base: "groups",
        doc: "One row per IAM group (the rows of `for group`): the `groups` table.",
        extra: &[],
        sql: "SELECT * FROM {s}groups",
    },
    EntityView {
        entity: "policy",
        base: "policies",
        doc: "One row per policy (the rows of `for policy`): the `policies` table.",
        extra: &[],
        sql: "SELECT * FROM {s}policies",
    },
    EntityView {
        entity: "statement",
        base: "statements",
        doc: "One row per statement of an identity policy (the rows of `for statement`): the `statements` table without trust policies.",
        extra: &[],
        sql: "SELECT * FROM {s}statements WHERE policy_type <> 'trust'",
    },
    EntityView {
        entity: "trust",
        base: "trust",
        doc: "One row per principal named by the trust policy of a role a customer can act as (the rows of `for trust`): the `trust` table without service-linked roles' trust.",
        extra: &[],
        sql: "SELECT * FROM {s}trust WHERE {s}is_aws_managed(role_arn) IS NOT TRUE",
    },
    EntityView {
        entity: "external_access",
        base: "external_access",
        doc: "One row per resource or role, principal outside the zone of trust and decision (the rows of `for external_access`): the `external_access` table.",
        extra: &[],
        sql: "SELECT * FROM {s}external_access",
    },
    EntityView {
        entity: "credential",
        base: "credential_report",
        doc: "One row of the credential report, the root account's included (the rows of `for credential`): the `credential_report` table.",
        extra: &[],
        sql: "SELECT * FROM {s}credential_report",
    },
];

/// A view of the rows an entity of the rule language ranges over.
#[derive(Debug)]
pub struct EntityView {
    /// The entity's name in the rule language (`for role r`).
    pub entity: &'static str,
    /// The table or view whose columns it has first.
    pub base: &'static str,
    /// What one row is.
    pub doc: &'static str,
    /// The columns it adds to the base's: name, SQL type, meaning.
    pub extra: &'static [(&'static str, &'static str, &'static str)],
    /// Its definition; `{s}` stands for the schema prefix.
    sql: &'static str,
}

impl EntityView {
    /// The view's name: `entity_<entity>`.
    pub fn name(&self) -> String {
        format!("entity_{}", self.entity)
    }
}

/// The view an entity's rows come from.
pub fn entity_view(entity: &str) -> Option<&'static EntityView> {
    ENTITY_VIEWS.iter().find(|v| v.entity == entity)
}

async fn register_entity_views(ctx: &SessionContext, prefix: &str) -> Result<(), EngineError> {
    for view in ENTITY_VIEWS {
        let name = format!("{prefix}{}", view.name());
        let sql = format!("CREATE VIEW {name} AS {}", view.sql.replace("{s}", prefix));
        ctx.sql(&sql)
            .await
            .map_err(|e| EngineError::Internal(format!("view `{name}`: {e}")))?;
    }
    Ok(())
}

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
    register_entity_views(ctx, "").await?;
    let batch = actions_table()?;
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]])
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    ctx.register_table("actions", Arc::new(table))
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    Ok(())
}

/// Registers `<schema>.principals` and the entity views over that schema's tables.
pub(crate) async fn register_principals(
    ctx: &SessionContext,
    schema: &str,
) -> Result<(), EngineError> {
    ctx.sql(&PRINCIPALS.replace("{s}", &format!("{schema}.")))
        .await
        .map_err(|e| EngineError::Internal(format!("view `{schema}.principals`: {e}")))?;
    register_entity_views(ctx, &format!("{schema}.")).await?;
    Ok(())
}

pub(crate) fn col(name: &str, ty: &str, doc: &str) -> (String, String, String) {
    (name.to_owned(), ty.to_owned(), doc.to_owned())
}

/// The relations an engine derives from a snapshot's tables at query time (`principals`,
/// `actions`, `permissions`, the entity views), documented like the stored tables.
pub fn derived_tables() -> Vec<TableInfo> {
    docs()
}

/// The derived relations, documented like the stored tables.
pub(crate) fn docs() -> Vec<TableInfo> {
    let mut out = base_docs();
    let entities: Vec<TableInfo> = ENTITY_VIEWS
        .iter()
        .map(|view| {
            let mut columns = match iamsnap_snapshot::table(view.base) {
                Some(table) => table
                    .columns
                    .iter()
                    .map(|c| col(c.name, c.ty.display_name(), c.doc))
                    .collect(),
                None => out
                    .iter()
                    .find(|t| t.name == view.base)
                    .map(|t| t.columns.clone())
                    .unwrap_or_default(),
            };
            columns.extend(view.extra.iter().map(|(n, t, d)| col(n, t, d)));
            TableInfo {
                name: view.name(),
                doc: view.doc.to_owned(),
                columns,
            }
        })
        .collect();
    out.extend(entities);
    out
}

fn base_docs() -> Vec<TableInfo> {
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
        crate::external_access::doc(),
    ]
}
