//! What a rule can range over (`for role r`), the fields each entity has, and the rows
//! related to it (`exists r.trust t where ...`).
//!
//! Each entity is a logical plan over the snapshot's tables (some joined with the
//! `principals` view and aggregates), built with DataFusion's plan builder.

use datafusion::common::{Column, JoinType, ScalarValue};
use datafusion::error::Result;
use datafusion::execution::context::SessionContext;
use datafusion::functions::expr_fn::{coalesce, concat, greatest, nullif};
use datafusion::functions_aggregate::expr_fn::{bool_or, count, max, sum};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, case, col, lit};

/// An entity a rule can range over.
#[derive(Debug)]
pub struct Entity {
    /// Name used after `for`.
    pub name: &'static str,
    /// What one row is.
    pub doc: &'static str,
    /// The column naming what a finding is about.
    pub resource: &'static str,
    /// Columns that tell apart findings on the same resource.
    pub detail: &'static [&'static str],
    /// When it was created (`older than`).
    pub created: Option<&'static str>,
    /// When it was last used (`unused for`, `never used`).
    pub last_used: Option<&'static str>,
    /// The ARN of the user or role it is, or belongs to (`can`, `is admin`, `escalate`).
    pub principal_arn: Option<&'static str>,
    /// The ARN of the role whose trust policy applies (`trusts`).
    pub role_arn: Option<&'static str>,
    /// Related rows.
    pub relations: &'static [RelationSpec],
}

/// Rows related to an entity: `table.foreign = entity.local`.
#[derive(Debug)]
pub struct RelationSpec {
    /// Name after the alias: `r.trust`.
    pub name: &'static str,
    /// What the rows are.
    pub doc: &'static str,
    /// The table.
    pub table: &'static str,
    /// The entity's column.
    pub local: &'static str,
    /// The table's column.
    pub foreign: &'static str,
}

const LAST_ACCESSED: RelationSpec = RelationSpec {
    name: "last_accessed",
    doc: "the services its policies grant, with when it last used each (table `service_last_accessed`; empty unless the snapshot has that data)",
    table: "service_last_accessed",
    local: "arn",
    foreign: "principal_arn",
};

const ATTACHMENTS: RelationSpec = RelationSpec {
    name: "attachments",
    doc: "policies attached to it, directly or through a group",
    table: "attachments",
    local: "arn",
    foreign: "principal_arn",
};

/// Every entity.
pub static ENTITIES: &[Entity] = &[
    Entity {
        name: "role",
        doc: "an IAM role, with `is_nhi` and `nhi_reason` from `principals`",
        resource: "arn",
        detail: &[],
        created: Some("create_date"),
        last_used: Some("last_used_date"),
        principal_arn: Some("arn"),
        role_arn: Some("arn"),
        relations: &[
            RelationSpec {
                name: "trust",
                doc: "the principals its trust policy names (table `trust`)",
                table: "trust",
                local: "arn",
                foreign: "role_arn",
            },
            ATTACHMENTS,
            LAST_ACCESSED,
            RelationSpec {
                name: "instance_profiles",
                doc: "instance profiles that hold it",
                table: "instance_profiles",
                local: "arn",
                foreign: "role_arn",
            },
        ],
    },
    Entity {
        name: "user",
        doc: "an IAM user, with `is_nhi`, `nhi_reason`, the credential report's `password_enabled`, `password_last_used`, `mfa_active`, and `active_keys`, `keys_last_used`, `last_used_date` (password or key, the later)",
        resource: "arn",
        detail: &[],
        created: Some("create_date"),
        last_used: Some("last_used_date"),
        principal_arn: Some("arn"),
        role_arn: None,
        relations: &[
            RelationSpec {
                name: "access_keys",
                doc: "its access keys (table `access_keys`)",
                table: "access_keys",
                local: "arn",
                foreign: "user_arn",
            },
            ATTACHMENTS,
            LAST_ACCESSED,
            RelationSpec {
                name: "groups",
                doc: "its group memberships (table `group_members`)",
                table: "group_members",
                local: "arn",
                foreign: "user_arn",
            },
        ],
    },
    Entity {
        name: "access_key",
        doc: "an access key, with its user's `is_nhi`, `user_create_date` and `password_enabled`, and `key_ref` (the key id, or `key 1`/`key 2` when the snapshot has no id: a credential report names keys by position)",
        resource: "user_arn",
        detail: &["key_ref"],
        created: Some("create_date"),
        last_used: Some("last_used_date"),
        principal_arn: Some("user_arn"),
        role_arn: None,
        relations: &[],
    },
    Entity {
        name: "principal",
        doc: "a user or role (the `principals` view without groups)",
        resource: "arn",
        detail: &[],
        created: Some("create_date"),
        last_used: None,
        principal_arn: Some("arn"),
        role_arn: None,
        relations: &[ATTACHMENTS, LAST_ACCESSED],
    },
    Entity {
        name: "group",
        doc: "an IAM group",
        resource: "arn",
        detail: &[],
        created: Some("create_date"),
        last_used: None,
        principal_arn: None,
        role_arn: None,
        relations: &[
            RelationSpec {
                name: "members",
                doc: "its members (table `group_members`)",
                table: "group_members",
                local: "arn",
                foreign: "group_arn",
            },
            ATTACHMENTS,
        ],
    },
    Entity {
        name: "policy",
        doc: "a managed or inline policy (table `policies`)",
        resource: "policy_key",
        detail: &[],
        created: Some("create_date"),
        last_used: None,
        principal_arn: None,
        role_arn: None,
        relations: &[
            RelationSpec {
                name: "statements",
                doc: "its statements (table `statements`)",
                table: "statements",
                local: "policy_key",
                foreign: "policy_key",
            },
            RelationSpec {
                name: "attachments",
                doc: "where it is attached",
                table: "attachments",
                local: "policy_key",
                foreign: "policy_key",
            },
        ],
    },
    Entity {
        name: "statement",
        doc: "a statement of an identity policy (table `statements` without trust policies)",
        resource: "policy_key",
        detail: &["statement_index"],
        created: None,
        last_used: None,
        principal_arn: None,
        role_arn: None,
        relations: &[],
    },
    Entity {
        name: "trust",
        doc: "a principal named by a role's trust policy (table `trust`)",
        resource: "role_arn",
        detail: &["statement_index", "principal"],
        created: None,
        last_used: None,
        principal_arn: None,
        role_arn: Some("role_arn"),
        relations: &[],
    },
    Entity {
        name: "credential",
        doc: "a row of the credential report (table `credential_report`), the root account's included",
        resource: "arn",
        detail: &[],
        created: Some("user_creation_time"),
        last_used: None,
        principal_arn: None,
        role_arn: None,
        relations: &[],
    },
];

/// The entity with this name.
pub fn entity(name: &str) -> Option<&'static Entity> {
    ENTITIES.iter().find(|e| e.name == name)
}

impl Entity {
    /// The relation with this name.
    pub fn relation(&self, name: &str) -> Option<&'static RelationSpec> {
        self.relations.iter().find(|r| r.name == name)
    }
}

pub(crate) async fn scan(ctx: &SessionContext, table: &str) -> Result<LogicalPlan> {
    Ok(ctx.table(table).await?.into_unoptimized_plan())
}

fn qcol(qualifier: &str, name: &str) -> Expr {
    Expr::Column(Column::new(Some(qualifier), name))
}

/// Every column of `plan`, qualified by `qualifier`, under its own name.
fn all_columns(plan: &LogicalPlan, qualifier: &str) -> Vec<Expr> {
    plan.schema()
        .fields()
        .iter()
        .map(|f| qcol(qualifier, f.name()).alias(f.name()))
        .collect()
}

/// The `principals` view's classification, keyed by `__p_arn`.
async fn classification(ctx: &SessionContext) -> Result<LogicalPlan> {
    LogicalPlanBuilder::from(scan(ctx, "principals").await?)
        .project(vec![
            col("arn").alias("__p_arn"),
            col("is_nhi"),
            col("nhi_reason"),
        ])?
        .alias("__p")?
        .build()
}

/// The rows of an entity, with unqualified columns.
pub(crate) async fn base_plan(ctx: &SessionContext, entity: &Entity) -> Result<LogicalPlan> {
    match entity.name {
        "role" => {
            let roles = scan(ctx, "roles").await?;
            let mut cols = all_columns(&roles, "__b");
            cols.push(qcol("__p", "is_nhi"));
            cols.push(qcol("__p", "nhi_reason"));
            LogicalPlanBuilder::from(roles)
                .alias("__b")?
                .join(
                    classification(ctx).await?,
                    JoinType::Left,
                    (vec![qcol_c("__b", "arn")], vec![qcol_c("__p", "__p_arn")]),
                    None,
                )?
                .project(cols)?
                .build()
        }
        "user" => {
            let users = scan(ctx, "users").await?;
            let report = LogicalPlanBuilder::from(scan(ctx, "credential_report").await?)
                .aggregate(
                    vec![col("arn").alias("__c_arn")],
                    vec![
                        bool_or(col("password_enabled")).alias("password_enabled"),
                        max(col("password_last_used")).alias("password_last_used"),
                        bool_or(col("mfa_active")).alias("mfa_active"),
                    ],
                )?
                .alias("__c")?
                .build()?;
            let keys = LogicalPlanBuilder::from(scan(ctx, "access_keys").await?)
                .aggregate(
                    vec![col("user_arn").alias("__k_arn")],
                    vec![
                        sum(case(col("status"))
                            .when(lit("Active"), lit(1i64))
                            .otherwise(lit(0i64))?)
                        .alias("active_keys"),
                        max(col("last_used_date")).alias("keys_last_used"),
                    ],
                )?
                .alias("__k")?
                .build()?;
            let mut cols = all_columns(&users, "__b");
            cols.extend([
                qcol("__p", "is_nhi"),
                qcol("__p", "nhi_reason"),
                coalesce(vec![qcol("__c", "password_enabled"), lit(false)])
                    .alias("password_enabled"),
                qcol("__c", "password_last_used"),
                coalesce(vec![qcol("__c", "mfa_active"), lit(false)]).alias("mfa_active"),
                coalesce(vec![qcol("__k", "active_keys"), lit(0i64)]).alias("active_keys"),
                qcol("__k", "keys_last_used"),
                greatest(vec![
                    qcol("__c", "password_last_used"),
                    qcol("__k", "keys_last_used"),
                ])
                .alias("last_used_date"),
            ]);
            LogicalPlanBuilder::from(users)
                .alias("__b")?
                .join(
                    classification(ctx).await?,
                    JoinType::Left,
                    (vec![qcol_c("__b", "arn")], vec![qcol_c("__p", "__p_arn")]),
                    None,
                )?
                .join(
                    report,
                    JoinType::Left,
                    (vec![qcol_c("__b", "arn")], vec![qcol_c("__c", "__c_arn")]),
                    None,
                )?
                .join(
                    keys,
                    JoinType::Left,
                    (vec![qcol_c("__b", "arn")], vec![qcol_c("__k", "__k_arn")]),
                    None,
                )?
                .project(cols)?
                .build()
        }
        "access_key" => {
            let keys = scan(ctx, "access_keys").await?;
            let users = LogicalPlanBuilder::from(scan(ctx, "users").await?)
                .project(vec![
                    col("arn").alias("__u_arn"),
                    col("create_date").alias("user_create_date"),
                ])?
                .alias("__u")?
                .build()?;
            let report = LogicalPlanBuilder::from(scan(ctx, "credential_report").await?)
                .aggregate(
                    vec![col("arn").alias("__c_arn")],
                    vec![bool_or(col("password_enabled")).alias("password_enabled")],
                )?
                .alias("__c")?
                .build()?;
            let mut cols = all_columns(&keys, "__b");
            let slot = Expr::Cast(datafusion::logical_expr::Cast::new(
                Box::new(qcol("__b", "key_slot")),
                arrow::datatypes::DataType::Utf8,
            ));
            cols.extend([
                coalesce(vec![
                    nullif(qcol("__b", "access_key_id"), lit("")),
                    concat(vec![lit("key "), slot]),
                ])
                .alias("key_ref"),
                qcol("__p", "is_nhi"),
                qcol("__u", "user_create_date"),
                coalesce(vec![qcol("__c", "password_enabled"), lit(false)])
                    .alias("password_enabled"),
            ]);
            LogicalPlanBuilder::from(keys)
                .alias("__b")?
                .join(
                    classification(ctx).await?,
                    JoinType::Left,
                    (
                        vec![qcol_c("__b", "user_arn")],
                        vec![qcol_c("__p", "__p_arn")],
                    ),
                    None,
                )?
                .join(
                    users,
                    JoinType::Left,
                    (
                        vec![qcol_c("__b", "user_arn")],
                        vec![qcol_c("__u", "__u_arn")],
                    ),
                    None,
                )?
                .join(
                    report,
                    JoinType::Left,
                    (
                        vec![qcol_c("__b", "user_arn")],
                        vec![qcol_c("__c", "__c_arn")],
                    ),
                    None,
                )?
                .project(cols)?
                .build()
        }
        "principal" => LogicalPlanBuilder::from(scan(ctx, "principals").await?)
            .filter(col("principal_type").in_list(vec![lit("user"), lit("role")], false))?
            .build(),
        "statement" => LogicalPlanBuilder::from(scan(ctx, "statements").await?)
            .filter(col("policy_type").not_eq(lit("trust")))?
            .build(),
        "group" => scan(ctx, "groups").await,
        "policy" => scan(ctx, "policies").await,
        "trust" => scan(ctx, "trust").await,
        "credential" => scan(ctx, "credential_report").await,
        other => Err(datafusion::error::DataFusionError::Plan(format!(
            "no entity `{other}`"
        ))),
    }
}

fn qcol_c(qualifier: &str, name: &str) -> Column {
    Column::new(Some(qualifier), name)
}

/// A literal null of no particular type.
pub(crate) fn null() -> Expr {
    lit(ScalarValue::Null)
}

/// `count(*)` as an aggregate expression.
pub(crate) fn count_all() -> Expr {
    count(lit(1i64))
}
