//! New privilege-escalation methods: for every user and role, the published methods
//! (`iamsnap_policy::escalation`) it can use in the new snapshot and could not use in the
//! old one, as the access model decides them ([`iamsnap_access::Principal::escalations`],
//! the same answer the query engine's `escalations` gives). A principal whose inputs are
//! the same in both snapshots (ARN, name, tags, the documents of its policies and of its
//! boundary) under the same SCPs cannot differ, so it is not evaluated: only principals
//! that are new, whose policies changed, or over whose account the organization's control
//! policies changed are (a loosened SCP can open a method the principal's own policies
//! always allowed; the risk says so).

use iamsnap_access::{Escalations, Model};

use crate::model::{EscalationMethod, Risk, RiskKind, Unknown};

/// One `new_escalation` risk per user or role that can use a method in `new` it could not
/// use in `old` (or that did not exist in `old`); an [`Unknown`] where a document the
/// snapshot lacks leaves a side's answer open.
pub(crate) fn risks(old: &Model, new: &Model, unknown: &mut Vec<Unknown>) -> Vec<Risk> {
    let mut out = Vec::new();
    for p in new.principals() {
        // No customer can act as it: not worth evaluating (see `risk`).
        if p.nhi.aws_managed {
            continue;
        }
        let before = old.principal(&p.arn);
        let own_same = before.is_some_and(|o| o.same_inputs(p));
        if own_same && before.is_some_and(|o| o.same_guardrails(p)) {
            continue;
        }
        let now = match p.escalations() {
            Escalations::Known(ids) => ids,
            Escalations::Unknown { reason, possible } => {
                if !possible.is_empty() {
                    unknown.push(Unknown::new(&p.arn, "new", "escalation", reason));
                }
                continue;
            }
        };
        if now.is_empty() {
            continue;
        }
        let then: &[String] = match before.map(|o| o.escalations()) {
            None => &[],
            Some(Escalations::Known(ids)) => ids,
            Some(Escalations::Unknown { reason, .. }) => {
                unknown.push(Unknown::new(&p.arn, "old", "escalation", reason));
                continue;
            }
        };
        let gained: Vec<EscalationMethod> = now
            .iter()
            .filter(|id| !then.contains(id))
            .filter_map(|id| iamsnap_policy::escalation::method(id).ok().flatten())
            .map(|m| EscalationMethod {
                id: m.id.clone(),
                name: m.name.clone(),
                severity: m.severity.as_str().to_owned(),
            })
            .collect();
        if gained.is_empty() {
            continue;
        }
        let list = gained
            .iter()
            .map(|m| format!("{} ({})", m.id, m.name))
            .collect::<Vec<_>>()
            .join(", ");
        let kind = p.principal_type.as_str();
        let detail = if before.is_none() {
            format!("new {kind} `{}` can use {list}", p.name)
        } else if own_same {
            format!(
                "{kind} `{}` can now use {list}: its own policies are the same, the organization's control policies over its account changed",
                p.name
            )
        } else {
            format!("{kind} `{}` can now use {list}", p.name)
        };
        out.push(Risk {
            kind: RiskKind::NewEscalation,
            subject: p.arn.clone(),
            detail,
            methods: gained,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::testing::{ROLE, model, role};

    fn doc(statements: Value) -> String {
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    fn allow(actions: &[&str]) -> String {
        doc(json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]))
    }

    fn app(document: &str, boundary: Option<&str>) -> Model {
        model(vec![role(Some(document), boundary.map(Some))])
    }

    fn new_methods(old: &Model, new: &Model) -> Vec<String> {
        risks(old, new, &mut Vec::new())
            .into_iter()
            .flat_map(|r| r.methods.into_iter().map(|m| m.id))
            .collect()
    }

    #[test]
    fn a_policy_change_that_enables_a_method_reports_it() {
        let old = app(&allow(&["s3:GetObject"]), None);
        let new = app(&allow(&["s3:GetObject", "iam:CreatePolicyVersion"]), None);
        let found = new_methods(&old, &new);
        assert_eq!(found, vec!["IAM-CREATE-POLICY-VERSION".to_owned()]);
        let r = risks(&old, &new, &mut Vec::new());
        assert_eq!(r[0].subject, ROLE);
        assert_eq!(r[0].kind, RiskKind::NewEscalation);
        assert!(
            r[0].detail
                .contains("role `app` can now use IAM-CREATE-POLICY-VERSION (")
        );
        // Backwards, the method is lost: no risk.
        assert!(new_methods(&new, &old).is_empty());
    }

    #[test]
    fn a_change_that_enables_no_method_reports_nothing() {
        let old = app(&allow(&["s3:GetObject"]), None);
        let new = app(&allow(&["s3:*", "ec2:Describe*"]), None);
        assert!(new_methods(&old, &new).is_empty());
        // A method possible on both sides is not new.
        let old = app(&allow(&["iam:CreatePolicyVersion"]), None);
        let new = app(&allow(&["iam:CreatePolicyVersion", "s3:*"]), None);
        assert!(new_methods(&old, &new).is_empty());
    }

    #[test]
    fn the_boundary_and_denies_count() {
        let widened = allow(&["iam:CreatePolicyVersion", "s3:*"]);
        let old = app(&allow(&["s3:*"]), None);
        // A boundary that allows only s3 stops the method.
        let s3_only = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        assert!(new_methods(&old, &app(&widened, Some(&s3_only))).is_empty());
        // So does a deny in the same policy.
        let denied = doc(json!([
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreatePolicyVersion", "Resource": "*"}
        ]));
        assert!(
            !new_methods(&old, &app(&denied, None))
                .contains(&"IAM-CREATE-POLICY-VERSION".to_owned())
        );
        // Removing a boundary that held it back enables it.
        let held = app(&widened, Some(&s3_only));
        let freed = app(&widened, None);
        assert_eq!(
            new_methods(&held, &freed),
            vec!["IAM-CREATE-POLICY-VERSION".to_owned()]
        );
    }

    #[test]
    fn a_missing_document_makes_the_answer_unknown_not_empty() {
        let old = app(&allow(&["s3:GetObject"]), None);
        // A boundary that is not in the new snapshot could stop the method, or not.
        let new = model(vec![role(Some(&allow(&["iam:PutRolePolicy"])), Some(None))]);
        let mut unknown = Vec::new();
        assert!(risks(&old, &new, &mut unknown).is_empty());
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].side, "new");
        assert_eq!(unknown[0].what, "escalation");
        assert!(
            unknown[0].missing.contains("permissions boundary"),
            "{:?}",
            unknown[0]
        );
        // A policy without a document in the old snapshot leaves the old answer open.
        let old = model(vec![role(None, None)]);
        let new = app(&allow(&["iam:PutRolePolicy"]), None);
        let mut unknown = Vec::new();
        assert!(risks(&old, &new, &mut unknown).is_empty());
        assert_eq!(unknown[0].side, "old");
    }

    #[test]
    fn a_new_principal_reports_every_method_it_can_use() {
        let old = model(Vec::new());
        let new = app(&allow(&["iam:PutRolePolicy"]), None);
        let r = risks(&old, &new, &mut Vec::new());
        assert_eq!(r.len(), 1);
        assert!(
            r[0].detail.starts_with("new role `app` can use"),
            "{}",
            r[0].detail
        );
        assert!(r[0].methods.iter().any(|m| m.id == "IAM-PUT-ROLE-POLICY"));
    }
}
