//! `can` and `explain`: the policy evaluator over a principal's policies in the snapshot.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::ColumnarValue;
use iamsnap_policy::{CompiledPolicy, ContextValue, DocumentKind, parse_document_text_as};
use serde_json::Value;

use super::FunctionDoc;
use super::udf::{Udf, at, text_arg};
use crate::model::{SharedModel, Verdict, any_arns};

pub(super) fn docs() -> Vec<FunctionDoc> {
    vec![
        FunctionDoc {
            name: "can",
            signature: "can(principal_arn text, action text, resource text [, context_json text [, session_policy_json text]]) -> boolean",
            description: "Whether the user or role may perform the action on the resource, by AWS's evaluation logic over every document the snapshot holds for the request: its identity policies (direct, inherited from groups, inline) and permissions boundary; the service control policies of every level from the organization's root down to its account (not for the management account or service-linked roles); for a resource ARN, the resource's policy (a role's trust policy for `sts:AssumeRole*`; S3 buckets, KMS keys, SQS queues, SNS topics, secrets, Lambda functions, ECR repositories and the other kinds docs/export.md lists) and the resource control policies over the resource's account (S3, STS, KMS, SQS, Secrets Manager); across accounts both the identity side and the resource side must allow. The resource's account is the one in its ARN, or for an S3 bucket the captured account that holds it; an AWS managed policy (`arn:aws:iam::aws:policy/...`) belongs to AWS, so no customer's policy lets anyone change it. The request context has `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` (`User`, or `AssumedRole` for a role), `aws:username` (users), `aws:PrincipalTag/<key>`, `aws:SecureTransport` (`true`), `aws:userid` (a user's unique id; `<role id>:iamsnap` for a role, whose session name is its caller's choice), `aws:MultiFactorAuthPresent` (`false` for a role's session), `aws:CurrentTime`, `aws:EpochTime` and for a role `aws:TokenIssueTime` (the capture time), `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` (accounts of the organization), `aws:ResourceAccount`, `aws:ResourceOrgID`, `aws:ResourceOrgPaths` and `aws:RequestedRegion` (a regional resource's region), `kms:CallerAccount` (KMS actions), plus the keys of the optional JSON object (`{\"aws:SourceIp\": \"10.0.0.1\", \"aws:TagKeys\": [\"a\", \"b\"]}`); with `aws:SourceVpce` the request goes through that VPC endpoint, whose captured policy must allow it too (an endpoint without one allows everything; one the snapshot lacks makes an allow unknown). A request that names no region may be made in any: when the SCPs lock regions, each region they allow is tried and `explain` says which one allowed it. Null when the ARN is not a user or role of the snapshot, when an input is null, or when the answer depends on a document the snapshot lacks — a permissions boundary or policy without document, the policy of a resource in an account or region that was not captured or of a bucket no captured account holds, the organization's control policies when they were not captured — and no explicit deny settles it. A snapshot without organization data applies no SCP or RCP. A KMS key's grants count: a grant allows its grantee (a user or role, or its account, whose own policies must then allow) its operations whatever the key policy says, across accounts too, unless an explicit deny, an SCP or an RCP stops it; its encryption context constraints are conditions on the `kms:EncryptionContext:<key>` keys of the context. Session policies are not in a snapshot: the optional last argument is one (a JSON policy document, checked as a session policy; pass null as the context to give none), and the request is then that of a session created with it, which it must allow too (`{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}`).",
            example: "select name from principals where is_nhi and can(arn, 'iam:PassRole', '*')",
        },
        FunctionDoc {
            name: "explain",
            signature: "explain(principal_arn text, action text, resource text [, context_json text [, session_policy_json text]]) -> text",
            description: "The decision `can` makes and the statements that made it, e.g. `allow: identity policy arn:aws:iam::111122223333:policy/ci-deploy statement 0 (PassRoles)`, `explicit deny: ...`, `implicit deny: no policy allows it`, or `unknown: <missing document>; without it: ...`. Null when the ARN is not a user or role of the snapshot or an input is null. `EXPLAIN` is an SQL keyword: after a comma in a select list, write `\"explain\"(...)` or the alias `explain_access(...)`.",
            example: "select explain(arn, 's3:GetObject', 'arn:aws:s3:::demo-data/report.csv') from roles limit 5",
        },
        FunctionDoc {
            name: "can_any",
            signature: "can_any(principal_arn text, action text [, context_json text [, session_policy_json text]]) -> boolean",
            description: "Whether the user or role may perform the action on a resource no policy names specifically: `can` on an ARN of the action's first resource type in the principal's account, built from the catalog's ARN format with made-up names (`arn:aws:iam::<account>:role/iamsnap-any-resource`), or on `*` for an action without resource types. True when a wildcard grants it — `*`, `arn:aws:iam::*:role/*` and `arn:aws:iam::<account>:role/*` alike. Null as for `can`.",
            example: "select name from principals where is_nhi and can_any(arn, 'iam:PassRole', '{\"iam:PassedToService\": \"lambda.amazonaws.com\"}')",
        },
        FunctionDoc {
            name: "is_admin",
            signature: "is_admin(principal_arn text) -> boolean",
            description: "Whether the user or role is admin-equivalent: its own documents allow it every action of the catalog on `*` (denies, conditions and its permissions boundary considered). The organization's SCPs are left out: nearly every organization denies leaving it or stopping its trail, and a role granted everything is still its account's administrator; `can` and `explain` say what the SCPs deny. Null when the ARN is not a user or role of the snapshot, or when the answer depends on a document the snapshot lacks.",
            example: "select name from principals where is_nhi and is_admin(arn)",
        },
        FunctionDoc {
            name: "is_nhi",
            signature: "is_nhi(principal_arn text) -> boolean",
            description: "Whether the user or role is a non-human identity — the one classification `check`, `diff` and the `principals` view use. Roles are, unless people reach them (IAM Identity Center `AWSReservedSSO_*` roles, roles whose trust policy allows SAML federation); users are when under a `/service/` path or without a console password in the credential report (a user the report does not list, or a snapshot without one, is treated as non-human: `nhi_reason` says so). Null when the ARN is not a user or role of the snapshot.",
            example: "select name from users where is_nhi(arn)",
        },
        FunctionDoc {
            name: "nhi_reason",
            signature: "nhi_reason(principal_arn text) -> text",
            description: "Why `is_nhi` classifies the user or role so, e.g. `assumed by workloads through OIDC federation`, `no console password: used through access keys`, `the snapshot has no credential report; treated as non-human`. Null when the ARN is not a user or role of the snapshot.",
            example: "select name, nhi_reason(arn) from roles",
        },
        FunctionDoc {
            name: "admin_via",
            signature: "admin_via(principal_arn text) -> text",
            description: "The shortest chain of roles (up to 5 hops, ARNs joined by ` -> `, the principal first) by which the user or role reaches, assuming roles, a role that is admin-equivalent (`is_admin`): an admin path. Each hop is decided as in `assume_paths` (identity policies, boundary and SCPs of the caller; the role's trust policy and the RCPs over its account); the chains of every principal are found in one search backwards from the admin roles, on the first call. Null when there is none, for an admin role itself, when the ARN is not a user or role of the snapshot, and where a hop or a role's admin question depends on a document the snapshot lacks.",
            example: "select name, admin_via(arn) from principals where is_nhi and not is_admin(arn) and admin_via(arn) is not null",
        },
        FunctionDoc {
            name: "can_via",
            signature: "can_via(principal_arn text, action text, resource text [, context_json text]) -> text",
            description: "Access that comes through a chain of roles: the shortest chain (up to 5 hops, ARNs joined by ` -> `, the principal first) by which the user or role, assuming roles, reaches a role that `can` perform the action on the resource, each hop decided as in `assume_paths`. Null when the principal can itself (no chain is needed), when no chain reaches such a role, when the ARN is not a user or role of the snapshot, or an input is null. Each call searches the principal's chains: ask it of the principals that interest you (`where not can(...)`), not of every row of a large table.",
            example: "select name, can_via(arn, 's3:DeleteObject', 'arn:aws:s3:::payroll-exports/q3.csv') as via from principals where is_nhi and not coalesce(can(arn, 's3:DeleteObject', 'arn:aws:s3:::payroll-exports/q3.csv'), false)",
        },
        FunctionDoc {
            name: "in_organization",
            signature: "in_organization(account_id text) -> boolean",
            description: "Whether the account is inside the zone of trust: one of the organization's accounts (the snapshot's organization data), or, for a snapshot without organization data, one of the snapshot's accounts. `external_access` and the rules' `trusts external account` treat every other account as external. Null for a null argument.",
            example: "select role_name, principal from trust where principal_account is not null and not in_organization(principal_account)",
        },
        FunctionDoc {
            name: "is_aws_managed",
            signature: "is_aws_managed(principal_arn text) -> boolean",
            description: "Whether only an AWS service can act as the user or role: a service-linked role, which only its service can assume and whose trust policy and permissions are AWS's to set. Rules leave these principals out (no customer can act as them, nor fix what a rule would report); SQL still sees them. False for every user. Null when the ARN is not a user or role of the snapshot.",
            example: "select name, nhi_reason from principals where is_aws_managed(arn)",
        },
        FunctionDoc {
            name: "escalations",
            signature: "escalations(principal_arn text) -> list<text>",
            description: "The ids of the privilege-escalation methods (see `iamsnap policy escalations --list` and docs/escalation.md) the user or role can use on its own account's resources: for each method, every action of one of its alternatives is allowed by the evaluator, conditions and denies considered. Sorted; empty when none; null when the ARN is not a user or role of the snapshot, or when the answer depends on a document the snapshot lacks (an identity policy without document; a permissions boundary not in `policies` when some method would be possible without it).",
            example: "select name, escalations(arn) from roles where cardinality(escalations(arn)) > 0",
        },
    ]
}

/// The keys of a context JSON object: strings, numbers and booleans become one value,
/// arrays several.
pub(crate) fn parse_context(
    text: &str,
) -> std::result::Result<Vec<(String, ContextValue)>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("context is not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err(
            "context must be a JSON object, e.g. {\"aws:SourceIp\": \"10.0.0.1\"}".to_owned(),
        );
    };
    let scalar = |key: &str, v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!(
            "context key `{key}` must be a string, number, boolean or array of them"
        )),
    };
    let mut out = Vec::new();
    for (key, v) in &map {
        match v {
            Value::Null => {}
            Value::Array(items) => {
                let values = items
                    .iter()
                    .map(|i| scalar(key, i))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                out.push((key.clone(), ContextValue::Multi(values)));
            }
            other => out.push((key.clone(), ContextValue::Single(scalar(key, other)?))),
        }
    }
    Ok(out)
}

/// A session policy given as JSON text, checked as one (`Principal`, `NotPrincipal` and
/// the like are errors, as AWS refuses them in a session policy).
pub(crate) fn session_policy(text: &str) -> std::result::Result<CompiledPolicy, String> {
    let doc = parse_document_text_as(text, DocumentKind::Session)
        .map_err(|e| format!("the session policy is not valid: {e}"))?;
    Ok(CompiledPolicy::new("(the session policy given)", &doc))
}

/// Evaluates every row; `None` where `can` and `explain` return null. With `any_resource`
/// the arguments are (principal, action[, context]) and the resource is one no policy
/// names (see `can_any`).
fn verdicts(
    name: &str,
    model: &SharedModel,
    args: &[ColumnarValue],
    rows: usize,
) -> Result<Vec<Option<Verdict>>> {
    verdicts_of(name, model, args, rows, false)
}

fn verdicts_of(
    name: &str,
    model: &SharedModel,
    args: &[ColumnarValue],
    rows: usize,
    any_resource: bool,
) -> Result<Vec<Option<Verdict>>> {
    let shared = model;
    let model = model.get()?;
    let principals = text_arg(name, args, 0, rows)?;
    let actions = text_arg(name, args, 1, rows)?;
    let context_index = if any_resource { 2 } else { 3 };
    let resources = if any_resource {
        StringArray::from(vec![Some("*"); rows])
    } else {
        text_arg(name, args, 2, rows)?
    };
    let contexts = if args.len() > context_index {
        Some(text_arg(name, args, context_index, rows)?)
    } else {
        None
    };
    let sessions = if args.len() > context_index + 1 {
        Some(text_arg(name, args, context_index + 1, rows)?)
    } else {
        None
    };
    let mut parsed: Option<(&str, Vec<(String, ContextValue)>)> = None;
    let mut parsed_session: Option<(&str, CompiledPolicy)> = None;
    let mut last_any: Option<(&str, &str, Vec<String>)> = None;
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        // A join may hand over millions of rows at once: stop within them when cancelled.
        if row % 4096 == 4095 {
            shared.check_cancelled()?;
        }
        let (Some(principal), Some(action), Some(resource)) =
            (at(&principals, row), at(&actions, row), at(&resources, row))
        else {
            out.push(None);
            continue;
        };
        let Some(principal) = model.principal(principal) else {
            out.push(None);
            continue;
        };
        let context_text = contexts.as_ref().and_then(|c| at(c, row));
        let extra: &[(String, ContextValue)] = match context_text {
            None => &[],
            Some(text) => {
                if parsed.as_ref().is_none_or(|(t, _)| *t != text) {
                    let keys = parse_context(text)
                        .map_err(|e| DataFusionError::Execution(format!("{name}: {e}")))?;
                    parsed = Some((text, keys));
                }
                parsed.as_ref().map_or(&[], |(_, keys)| keys.as_slice())
            }
        };
        let session = match sessions.as_ref().and_then(|c| at(c, row)) {
            None => None,
            Some(text) => {
                if parsed_session.as_ref().is_none_or(|(t, _)| *t != text) {
                    parsed_session = Some((
                        text,
                        session_policy(text)
                            .map_err(|e| DataFusionError::Execution(format!("{name}: {e}")))?,
                    ));
                }
                parsed_session.as_ref().map(|(_, p)| p)
            }
        };
        out.push(Some(if any_resource {
            // Consecutive rows mostly ask the same action in the same account.
            if last_any
                .as_ref()
                .is_none_or(|(a, acct, _)| *a != action || *acct != principal.account_id)
            {
                last_any = Some((
                    action,
                    principal.account_id.as_str(),
                    any_arns(action, &principal.account_id),
                ));
            }
            let arns = last_any
                .as_ref()
                .map_or(&[][..], |(_, _, arns)| arns.as_slice());
            principal.evaluate_on_in_session(action, arns, extra, session)
        } else {
            model.evaluate_in_session(principal, action, resource, extra, session)
        }));
    }
    Ok(out)
}

/// Runs `f` once for each distinct principal of `principals`, on every core: per-principal
/// answers (admin, escalations) are computed once and kept, so the caller then reads them.
fn warm(
    principals: &[Option<&Arc<crate::model::Principal>>],
    f: impl Fn(&crate::model::Principal) + Sync,
) {
    let mut distinct: Vec<&Arc<crate::model::Principal>> =
        principals.iter().flatten().copied().collect();
    distinct.sort_by_key(|p| Arc::as_ptr(p));
    distinct.dedup_by_key(|p| Arc::as_ptr(p));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(distinct.len());
    if threads <= 1 {
        distinct.iter().for_each(|p| f(p));
        return;
    }
    let chunk = distinct.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for part in distinct.chunks(chunk) {
            let f = &f;
            scope.spawn(move || part.iter().for_each(|p| f(p)));
        }
    });
}

/// Registers the access functions over `model`, their names preceded by `prefix` (`old.`
/// and `new.` for the snapshots of a pair).
pub(super) fn register(ctx: &SessionContext, model: Arc<SharedModel>, prefix: &str) {
    let named = |name: &str| format!("{prefix}{name}");
    let for_any = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("can_any"),
        &[2, 3, 4],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let out: BooleanArray = verdicts_of("can_any", &for_any, args, rows, true)?
                .iter()
                .map(|v| v.as_ref().and_then(Verdict::allowed))
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    let for_admin = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("is_admin"),
        &[1],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let model = for_admin.get()?;
            let arns = text_arg("is_admin", args, 0, rows)?;
            let principals: Vec<_> = (0..rows)
                .map(|row| at(&arns, row).and_then(|a| model.principal(a)))
                .collect();
            // Each principal's answer is computed once (and kept); in parallel here.
            warm(&principals, |p| {
                let _ = p.is_admin();
            });
            let mut out = Vec::with_capacity(rows);
            for p in &principals {
                out.push(match p {
                    Some(p) => p.is_admin().map_err(DataFusionError::Execution)?,
                    None => None,
                });
            }
            Ok(Arc::new(BooleanArray::from(out)) as ArrayRef)
        }),
    ));
    let for_nhi = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("is_nhi"),
        &[1],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let model = for_nhi.principals()?;
            let arns = text_arg("is_nhi", args, 0, rows)?;
            let out: BooleanArray = (0..rows)
                .map(|row| {
                    at(&arns, row)
                        .and_then(|a| model.principal(a))
                        .map(|p| p.nhi.is_nhi)
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    let for_reason = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("nhi_reason"),
        &[1],
        DataType::Utf8,
        Arc::new(move |args, rows| {
            let model = for_reason.principals()?;
            let arns = text_arg("nhi_reason", args, 0, rows)?;
            let out: StringArray = (0..rows)
                .map(|row| {
                    at(&arns, row)
                        .and_then(|a| model.principal(a))
                        .map(|p| p.nhi.reason)
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    let for_chain = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("admin_via"),
        &[1],
        DataType::Utf8,
        Arc::new(move |args, rows| {
            let shared = &for_chain;
            let model = shared.get()?;
            let arns = text_arg("admin_via", args, 0, rows)?;
            let principals: Vec<_> = (0..rows)
                .map(|row| at(&arns, row).and_then(|a| model.principal(a)))
                .collect();
            // One search for the whole snapshot, kept with the model.
            let Some(paths) = model.admin_paths(|| shared.check_cancelled().is_ok()) else {
                shared.check_cancelled()?;
                return Err(DataFusionError::Execution(
                    "admin_via: the search stopped".to_owned(),
                ));
            };
            let out: Vec<Option<String>> = principals
                .iter()
                .map(|p| p.and_then(|p| paths.chain(&p.arn)).map(|c| c.join(" -> ")))
                .collect();
            Ok(Arc::new(StringArray::from(out)) as ArrayRef)
        }),
    ));
    let for_via = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("can_via"),
        &[3, 4],
        DataType::Utf8,
        Arc::new(move |args, rows| {
            let shared = &for_via;
            let model = shared.get()?;
            let principals = text_arg("can_via", args, 0, rows)?;
            let actions = text_arg("can_via", args, 1, rows)?;
            let resources = text_arg("can_via", args, 2, rows)?;
            let contexts = if args.len() > 3 {
                Some(text_arg("can_via", args, 3, rows)?)
            } else {
                None
            };
            let mut out: Vec<Option<String>> = Vec::with_capacity(rows);
            for row in 0..rows {
                shared.check_cancelled()?;
                let (Some(principal), Some(action), Some(resource)) =
                    (at(&principals, row), at(&actions, row), at(&resources, row))
                else {
                    out.push(None);
                    continue;
                };
                let Some(principal) = model.principal(principal) else {
                    out.push(None);
                    continue;
                };
                let extra = match contexts.as_ref().and_then(|c| at(c, row)) {
                    Some(text) => parse_context(text)
                        .map_err(|e| DataFusionError::Execution(format!("can_via: {e}")))?,
                    None => Vec::new(),
                };
                let via = model.access_via(principal, action, resource, &extra, || {
                    shared.check_cancelled().is_ok()
                });
                shared.check_cancelled()?;
                out.push(via.map(|(chain, _)| chain.join(" -> ")));
            }
            Ok(Arc::new(StringArray::from(out)) as ArrayRef)
        }),
    ));
    let for_zone = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("in_organization"),
        &[1],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let model = for_zone.principals()?;
            let accounts = text_arg("in_organization", args, 0, rows)?;
            let out: BooleanArray = (0..rows)
                .map(|row| at(&accounts, row).map(|a| model.in_zone(a)))
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    let for_managed = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("is_aws_managed"),
        &[1],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let model = for_managed.principals()?;
            let arns = text_arg("is_aws_managed", args, 0, rows)?;
            let out: BooleanArray = (0..rows)
                .map(|row| {
                    at(&arns, row)
                        .and_then(|a| model.principal(a))
                        .map(|p| p.nhi.aws_managed)
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    let for_escalations = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("escalations"),
        &[1],
        DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
        Arc::new(move |args, rows| {
            let model = for_escalations.get()?;
            let arns = text_arg("escalations", args, 0, rows)?;
            let principals: Vec<_> = (0..rows)
                .map(|row| at(&arns, row).and_then(|a| model.principal(a)))
                .collect();
            warm(&principals, |p| {
                let _ = p.escalations();
            });
            let mut out = ListBuilder::new(StringBuilder::new());
            for p in principals {
                match p {
                    Some(p) => match p.escalations().known() {
                        Some(ids) => {
                            for id in ids {
                                out.values().append_value(id);
                            }
                            out.append(true);
                        }
                        // A document the snapshot lacks could change the answer.
                        None => out.append(false),
                    },
                    None => out.append(false),
                }
            }
            Ok(Arc::new(out.finish()) as ArrayRef)
        }),
    ));
    let for_can = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        named("can"),
        &[3, 4, 5],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let out: BooleanArray = verdicts("can", &for_can, args, rows)?
                .iter()
                .map(|v| v.as_ref().and_then(Verdict::allowed))
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    // `EXPLAIN` is an SQL keyword that ends a select list after a comma (DataFusion's
    // default dialect accepts trailing commas there): the alias always parses.
    ctx.register_udf(Udf::aliased(
        named("explain"),
        vec![named("explain_access")],
        &[3, 4, 5],
        DataType::Utf8,
        Arc::new(move |args, rows| {
            let out: StringArray = verdicts("explain", &model, args, rows)?
                .iter()
                .map(|v| v.as_ref().map(Verdict::explain))
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn context_json_gives_single_and_multi_values() {
        let keys = parse_context(
            r#"{"aws:SourceIp":"1.2.3.4","aws:TagKeys":["a","b"],"n":3,"b":true,"x":null}"#,
        )
        .unwrap();
        assert_eq!(
            keys,
            vec![
                (
                    "aws:SourceIp".to_owned(),
                    ContextValue::Single("1.2.3.4".to_owned())
                ),
                (
                    "aws:TagKeys".to_owned(),
                    ContextValue::Multi(vec!["a".to_owned(), "b".to_owned()])
                ),
                ("n".to_owned(), ContextValue::Single("3".to_owned())),
                ("b".to_owned(), ContextValue::Single("true".to_owned())),
            ]
        );
    }

    #[test]
    fn context_json_must_be_an_object_of_scalars() {
        assert!(parse_context("[1]").unwrap_err().contains("JSON object"));
        assert!(parse_context("{").unwrap_err().contains("not JSON"));
        assert!(
            parse_context(r#"{"k":{"a":1}}"#)
                .unwrap_err()
                .contains("`k`")
        );
    }
}
