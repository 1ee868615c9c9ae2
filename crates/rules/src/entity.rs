//! What a rule can range over (`for role r`), the fields each entity has, and the rows
//! related to it (`exists r.trust t where ...`).
//!
//! Each entity's rows are a view the engine registers (`entity_role`, ...), so whatever
//! rows a rule sees, a SQL user can select too.

use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::execution::context::SessionContext;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{Expr, LogicalPlan, lit};

/// An entity a rule can range over.
#[derive(Debug)]
pub struct Entity {
    /// Name used after `for`; its rows are the engine's view `entity_<name>`, which says
    /// what one row is.
    pub name: &'static str,
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
        resource: "role_arn",
        detail: &["statement_index", "principal"],
        created: None,
        last_used: None,
        principal_arn: None,
        role_arn: Some("role_arn"),
        relations: &[],
    },
    Entity {
        name: "external_access",
        resource: "resource_arn",
        detail: &["principal", "decision"],
        created: None,
        last_used: None,
        principal_arn: None,
        role_arn: None,
        relations: &[],
    },
    Entity {
        name: "credential",
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

/// The rows of an entity, with unqualified columns: the engine's view for it
/// (`entity_role` for `for role`), which SQL users can select too.
pub(crate) async fn base_plan(ctx: &SessionContext, entity: &Entity) -> Result<LogicalPlan> {
    match iamsnap_engine::entity_view(entity.name) {
        Some(view) => scan(ctx, &view.name()).await,
        None => Err(datafusion::error::DataFusionError::Plan(format!(
            "no entity `{}`",
            entity.name
        ))),
    }
}

/// A literal null of no particular type.
pub(crate) fn null() -> Expr {
    lit(ScalarValue::Null)
}

/// `count(*)` as an aggregate expression.
pub(crate) fn count_all() -> Expr {
    count(lit(1i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_has_its_view_and_every_entity_view_an_entity() {
        for e in ENTITIES {
            assert!(
                iamsnap_engine::entity_view(e.name).is_some(),
                "no engine view for entity {}",
                e.name
            );
        }
        for v in iamsnap_engine::ENTITY_VIEWS {
            assert!(
                entity(v.entity).is_some(),
                "no entity for view {}",
                v.name()
            );
        }
    }
}
