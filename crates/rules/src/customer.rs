//! Rules range over what customers can act as. A principal only an AWS service can act as
//! (a service-linked role: the access model's [`iamsnap_access::Nhi::aws_managed`]) is left
//! out of the rows of every entity that is, or belongs to, a user or role: no customer can
//! make it act, nor fix what a rule would report on it. SQL still sees it (`principals`,
//! `is_aws_managed`), and so does a rule's `in sql {...}`.

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder, col};
use iamsnap_engine::expr;

use crate::entity::Entity;

/// `base`, the rows of `entity`, without those of principals no customer can act as.
pub(crate) fn customer_rows(
    ctx: &SessionContext,
    entity: &Entity,
    base: LogicalPlan,
) -> Result<LogicalPlan> {
    let Some(arn) = entity.principal_arn.or(entity.role_arn) else {
        return Ok(base);
    };
    let managed =
        expr::is_aws_managed(ctx, col(arn)).map_err(|e| DataFusionError::Plan(e.to_string()))?;
    // Null (an ARN the snapshot does not hold as a user or role) is kept.
    LogicalPlanBuilder::from(base)
        .filter(managed.is_not_true())?
        .build()
}
