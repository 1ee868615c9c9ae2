//! Typed builders of expressions that call iamsnap's functions, for code that plans queries
//! itself (the rule compiler) rather than writing SQL: `can(ctx, principal, action,
//! resource, None)` instead of a function looked up by its name. Each builder takes the
//! session the functions are registered in (an [`Engine`](crate::Engine)'s context), since
//! the functions answer for that session's snapshot.

use std::sync::Arc;

use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::expr::ScalarFunction;

/// A function the session does not have: it is not an iamsnap engine's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the session has no function `{0}`: it is not an iamsnap engine's session")]
pub struct MissingFunction(pub &'static str);

/// A call of the session's scalar function `name` with `args`.
fn call(
    ctx: &SessionContext,
    name: &'static str,
    args: Vec<Expr>,
) -> Result<Expr, MissingFunction> {
    let state = ctx.state();
    let f = state
        .scalar_functions()
        .get(name)
        .ok_or(MissingFunction(name))?;
    Ok(Expr::ScalarFunction(ScalarFunction::new_udf(
        Arc::clone(f),
        args,
    )))
}

/// `can(principal, action, resource [, context])`: whether the principal's policies allow
/// the action on the resource (with the request context, JSON text).
pub fn can(
    ctx: &SessionContext,
    principal: Expr,
    action: Expr,
    resource: Expr,
    context: Option<Expr>,
) -> Result<Expr, MissingFunction> {
    let mut args = vec![principal, action, resource];
    args.extend(context);
    call(ctx, "can", args)
}

/// `can_any(principal, action [, context])`: whether the action is allowed on a resource no
/// policy names specifically (what a wildcard covers).
pub fn can_any(
    ctx: &SessionContext,
    principal: Expr,
    action: Expr,
    context: Option<Expr>,
) -> Result<Expr, MissingFunction> {
    let mut args = vec![principal, action];
    args.extend(context);
    call(ctx, "can_any", args)
}

/// `is_admin(principal)`: allowed every action of the catalog on `*`.
pub fn is_admin(ctx: &SessionContext, principal: Expr) -> Result<Expr, MissingFunction> {
    call(ctx, "is_admin", vec![principal])
}

/// `is_aws_managed(principal)`: whether only an AWS service can act as it (a
/// service-linked role).
pub fn is_aws_managed(ctx: &SessionContext, principal: Expr) -> Result<Expr, MissingFunction> {
    call(ctx, "is_aws_managed", vec![principal])
}

/// `in_organization(account)`: whether the account is inside the zone of trust (the
/// organization's accounts; without organization data, the snapshot's).
pub fn in_organization(ctx: &SessionContext, account: Expr) -> Result<Expr, MissingFunction> {
    call(ctx, "in_organization", vec![account])
}

/// `admin_via(principal)`: the chain of roles to an admin role, or null.
pub fn admin_via(ctx: &SessionContext, principal: Expr) -> Result<Expr, MissingFunction> {
    call(ctx, "admin_via", vec![principal])
}

/// `escalations(principal)`: the ids of the privilege-escalation methods open to it.
pub fn escalations(ctx: &SessionContext, principal: Expr) -> Result<Expr, MissingFunction> {
    call(ctx, "escalations", vec![principal])
}

/// `age_days(timestamp)`: whole days from the timestamp to the snapshot's capture time.
pub fn age_days(ctx: &SessionContext, timestamp: Expr) -> Result<Expr, MissingFunction> {
    call(ctx, "age_days", vec![timestamp])
}

/// `condition_has(condition, key_glob [, value_like])`: whether a `Condition` element (JSON
/// text) tests a key matching the glob, with a value matching the `LIKE` pattern if given.
pub fn condition_has(
    ctx: &SessionContext,
    condition: Expr,
    key_glob: Expr,
    value_like: Option<Expr>,
) -> Result<Expr, MissingFunction> {
    let mut args = vec![condition, key_glob];
    args.extend(value_like);
    call(ctx, "condition_has", args)
}

/// Whether the function called `name` (bare, or qualified by a snapshot of a pair:
/// `old.can`) evaluates policies: the functions of access evaluation, whose answers are
/// worth computing only for rows nothing cheaper has decided.
pub fn evaluates_policies(name: &str) -> bool {
    let bare = name.rsplit('.').next().unwrap_or(name);
    super::access::docs().iter().any(|d| d.name == bare)
}

/// Whether evaluating `e` calls a function that evaluates policies.
pub fn calls_policy_evaluation(e: &Expr) -> bool {
    use datafusion::common::tree_node::TreeNode as _;
    e.exists(|n| Ok(matches!(n, Expr::ScalarFunction(f) if evaluates_policies(f.name()))))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn access_functions_evaluate_policies_and_others_do_not() {
        for name in [
            "can",
            "can_any",
            "is_admin",
            "escalations",
            "explain",
            "old.can",
        ] {
            assert!(evaluates_policies(name), "{name}");
        }
        for name in ["age_days", "condition_has", "lower", "new.age_days"] {
            assert!(!evaluates_policies(name), "{name}");
        }
    }

    #[test]
    fn a_plain_session_has_no_functions_to_build() {
        let ctx = SessionContext::new();
        let e = can(
            &ctx,
            datafusion::logical_expr::lit("a"),
            datafusion::logical_expr::lit("b"),
            datafusion::logical_expr::lit("*"),
            None,
        );
        assert_eq!(e.unwrap_err(), MissingFunction("can"));
    }
}
