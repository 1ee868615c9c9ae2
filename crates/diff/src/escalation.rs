//! New privilege-escalation methods: for every user and role, the published methods
//! (`iamsnap_policy::escalation`) its policies allow in the new snapshot and did not allow
//! in the old one.
//!
//! A principal's policies are compiled from the snapshot's `policies` (the document in
//! force) and `attachments` (direct and via groups) tables, with its permissions boundary,
//! and the evaluator decides every requirement of every method, as `iamsnap policy
//! escalations` and the query engine do. A principal whose inputs are the same in both
//! snapshots (ARN, name, tags, the documents of its policies and of its boundary) cannot
//! differ, so it is not evaluated: only principals that are new or whose policies changed
//! are.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use iamsnap_policy::escalation::{Method, escalations_in};
use iamsnap_policy::{CompiledPolicy, Context, ContextValue, PolicySet, parse_document_text};

use crate::Tables;
use crate::model::{EscalationMethod, Risk, RiskKind};
use crate::rows::Row;

/// What decides a principal's escalation methods.
#[derive(Debug, PartialEq)]
struct Inputs<'a> {
    kind: &'static str,
    account: &'a str,
    name: &'a str,
    tags: Vec<(String, String)>,
    /// Policy key and document text (`None` when the snapshot lacks it), sorted.
    identity: Vec<(&'a str, Option<&'a str>)>,
    boundary: Option<(&'a str, Option<&'a str>)>,
}

/// One snapshot's principals and policy documents.
struct Principals<'a> {
    documents: HashMap<&'a str, &'a str>,
    inputs: BTreeMap<&'a str, Inputs<'a>>,
}

fn tags(r: &Row) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r
        .get("tags")
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
        .collect();
    out.sort();
    out
}

/// The account of an IAM ARN (`arn:aws:iam::<account>:...`).
fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

impl<'a> Principals<'a> {
    fn new(t: &'a Tables) -> Self {
        let documents: HashMap<&str, &str> = t
            .policies
            .iter()
            .filter_map(|r| Some((r.opt_str("policy_key")?, r.opt_str("document")?)))
            .collect();
        let mut attached: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for r in t
            .attachments
            .iter()
            .filter(|r| r.str("principal_type") != "group")
        {
            attached
                .entry(r.str("principal_arn"))
                .or_default()
                .insert(r.str("policy_key"));
        }
        let mut inputs = BTreeMap::new();
        let principals = t
            .users
            .iter()
            .map(|r| ("user", r))
            .chain(t.roles.iter().map(|r| ("role", r)));
        for (kind, p) in principals {
            let arn = p.str("arn");
            let identity = attached
                .remove(arn)
                .unwrap_or_default()
                .into_iter()
                .map(|k| (k, documents.get(k).copied()))
                .collect();
            let boundary = p
                .opt_str("permissions_boundary_arn")
                .map(|b| (b, documents.get(b).copied()));
            let account = match p.opt_str("account_id") {
                Some(a) if !a.is_empty() => a,
                _ => arn_account(arn),
            };
            inputs.insert(
                arn,
                Inputs {
                    kind,
                    account,
                    name: p.str("name"),
                    tags: tags(p),
                    identity,
                    boundary,
                },
            );
        }
        Self { documents, inputs }
    }
}

/// Compiles each policy of a snapshot once, on first use.
struct Compiler<'a> {
    documents: &'a HashMap<&'a str, &'a str>,
    compiled: HashMap<&'a str, Option<CompiledPolicy>>,
}

impl<'a> Compiler<'a> {
    fn new(documents: &'a HashMap<&'a str, &'a str>) -> Self {
        Self {
            documents,
            compiled: HashMap::new(),
        }
    }

    /// The compiled document of a policy; `None` when the snapshot lacks it or it does
    /// not parse (the import parses every document, so only a damaged snapshot has one).
    fn get(&mut self, key: &'a str) -> Option<CompiledPolicy> {
        let documents = self.documents;
        self.compiled
            .entry(key)
            .or_insert_with(|| {
                let text = documents.get(key)?;
                let doc = parse_document_text(text).ok()?;
                Some(CompiledPolicy::new(key, &doc))
            })
            .clone()
    }
}

/// The request context AWS sets from the principal, as the query engine builds it:
/// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:username` (users) and
/// `aws:PrincipalTag/<key>`.
fn context(arn: &str, p: &Inputs<'_>) -> Context {
    let mut context = Context::default();
    let single = |v: &str| ContextValue::Single(v.to_owned());
    context.insert("aws:PrincipalArn", single(arn));
    context.insert("aws:PrincipalAccount", single(p.account));
    if p.kind == "user" {
        context.insert("aws:username", single(p.name));
    }
    for (key, value) in &p.tags {
        context.insert(&format!("aws:PrincipalTag/{key}"), single(value));
    }
    context
}

/// The methods `p` can use, by id. A boundary whose document the snapshot lacks does not
/// restrict (as for effective access); a missing identity document grants nothing.
fn possible<'m, 'a>(
    methods: &'m [Method],
    compiler: &mut Compiler<'a>,
    arn: &str,
    p: &Inputs<'a>,
) -> BTreeMap<&'m str, &'m Method> {
    let identity: Vec<CompiledPolicy> = p
        .identity
        .iter()
        .filter_map(|(k, _)| compiler.get(k))
        .collect();
    let boundary = p.boundary.and_then(|(k, _)| compiler.get(k));
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: boundary.as_ref(),
        ..PolicySet::default()
    };
    escalations_in(methods, arn, p.account, &set, &context(arn, p))
        .into_iter()
        .map(|f| (f.method.id.as_str(), f.method))
        .collect()
}

/// One `new_escalation` risk per user or role that can use a method in `new` it could not
/// use in `old` (or that did not exist in `old`).
pub(crate) fn risks(methods: &[Method], old: &Tables, new: &Tables) -> Vec<Risk> {
    let (a, b) = (Principals::new(old), Principals::new(new));
    let mut old_compiler = Compiler::new(&a.documents);
    let mut new_compiler = Compiler::new(&b.documents);
    let mut out = Vec::new();
    for (arn, p) in &b.inputs {
        let before = a.inputs.get(arn);
        if before == Some(p) {
            continue;
        }
        let now = possible(methods, &mut new_compiler, arn, p);
        if now.is_empty() {
            continue;
        }
        let then = before
            .map(|o| possible(methods, &mut old_compiler, arn, o))
            .unwrap_or_default();
        let gained: Vec<EscalationMethod> = now
            .iter()
            .filter(|(id, _)| !then.contains_key(*id))
            .map(|(id, m)| EscalationMethod {
                id: (*id).to_owned(),
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
        let detail = if before.is_none() {
            format!("new {} `{}` can use {list}", p.kind, p.name)
        } else {
            format!("{} `{}` can now use {list}", p.kind, p.name)
        };
        out.push(Risk {
            kind: RiskKind::NewEscalation,
            subject: (*arn).to_owned(),
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

    const ROLE: &str = "arn:aws:iam::111122223333:role/app";
    const POLICY: &str = "arn:aws:iam::111122223333:policy/p";
    const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/b";

    fn doc(statements: Value) -> String {
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    fn tables(document: &str, boundary: Option<&str>) -> Tables {
        let mut role = json!({"arn": ROLE, "name": "app", "account_id": "111122223333"});
        let mut policies = vec![Row::from_json(
            json!({"policy_key": POLICY, "document": document}),
        )];
        if let Some(b) = boundary {
            role["permissions_boundary_arn"] = BOUNDARY.into();
            policies.push(Row::from_json(
                json!({"policy_key": BOUNDARY, "document": b}),
            ));
        }
        Tables {
            users: Vec::new(),
            roles: vec![Row::from_json(role)],
            groups: Vec::new(),
            group_members: Vec::new(),
            policies,
            attachments: vec![Row::from_json(json!({
                "principal_arn": ROLE, "principal_type": "role", "policy_key": POLICY
            }))],
            statements: Vec::new(),
            trust: Vec::new(),
            access_keys: Vec::new(),
            credential_report: Vec::new(),
            activity: Vec::new(),
        }
    }

    fn allow(actions: &[&str]) -> String {
        doc(json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]))
    }

    fn new_methods(old: &Tables, new: &Tables) -> Vec<String> {
        let methods = iamsnap_policy::escalation::methods().unwrap();
        risks(methods, old, new)
            .into_iter()
            .flat_map(|r| r.methods.into_iter().map(|m| m.id))
            .collect()
    }

    #[test]
    fn a_policy_change_that_enables_a_method_reports_it() {
        let old = tables(&allow(&["s3:GetObject"]), None);
        let new = tables(&allow(&["s3:GetObject", "iam:CreatePolicyVersion"]), None);
        let found = new_methods(&old, &new);
        assert_eq!(found, vec!["IAM-CREATE-POLICY-VERSION".to_owned()]);
        let methods = iamsnap_policy::escalation::methods().unwrap();
        let r = risks(methods, &old, &new);
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
        let old = tables(&allow(&["s3:GetObject"]), None);
        let new = tables(&allow(&["s3:*", "ec2:Describe*"]), None);
        assert!(new_methods(&old, &new).is_empty());
        // A method possible on both sides is not new.
        let old = tables(&allow(&["iam:CreatePolicyVersion"]), None);
        let new = tables(&allow(&["iam:CreatePolicyVersion", "s3:*"]), None);
        assert!(new_methods(&old, &new).is_empty());
    }

    #[test]
    fn the_boundary_and_denies_count() {
        let widened = allow(&["iam:CreatePolicyVersion", "s3:*"]);
        let old = tables(&allow(&["s3:*"]), None);
        // A boundary that allows only s3 stops the method.
        let s3_only = doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        assert!(new_methods(&old, &tables(&widened, Some(&s3_only))).is_empty());
        // So does a deny in the same policy.
        let denied = doc(json!([
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreatePolicyVersion", "Resource": "*"}
        ]));
        assert!(
            !new_methods(&old, &tables(&denied, None))
                .contains(&"IAM-CREATE-POLICY-VERSION".to_owned())
        );
        // Removing a boundary that held it back enables it.
        let held = tables(&widened, Some(&s3_only));
        let freed = tables(&widened, None);
        assert_eq!(
            new_methods(&held, &freed),
            vec!["IAM-CREATE-POLICY-VERSION".to_owned()]
        );
    }

    #[test]
    fn a_new_principal_reports_every_method_it_can_use() {
        let mut old = tables(&allow(&["s3:GetObject"]), None);
        old.roles.clear();
        old.attachments.clear();
        let new = tables(&allow(&["iam:PutRolePolicy"]), None);
        let methods = iamsnap_policy::escalation::methods().unwrap();
        let r = risks(methods, &old, &new);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].detail.starts_with("new role `app` can use"),
            "{}",
            r[0].detail
        );
        assert!(r[0].methods.iter().any(|m| m.id == "IAM-PUT-ROLE-POLICY"));
    }
}
