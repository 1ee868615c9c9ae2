//! The cases both evaluators see: policy documents as JSON, one request, its context.

use serde_json::{Map, Value, json};

/// A context value: one string, or several for a multivalued key (`aws:TagKeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ctx {
    One(String),
    Many(Vec<String>),
}

/// One request.
#[derive(Debug, Clone)]
pub struct Req {
    pub principal: String,
    pub principal_account: String,
    pub action: String,
    pub resource: String,
    pub resource_account: String,
    /// Keys in insertion order; no key twice.
    pub context: Vec<(String, Ctx)>,
}

impl Req {
    pub fn set(&mut self, key: &str, value: Ctx) {
        if let Some(slot) = self
            .context
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            slot.1 = value;
        } else {
            self.context.push((key.to_owned(), value));
        }
    }

    pub fn context_json(&self) -> Value {
        let mut map = Map::new();
        for (k, v) in &self.context {
            let value = match v {
                Ctx::One(s) => json!(s),
                Ctx::Many(list) => json!(list),
            };
            map.insert(k.clone(), value);
        }
        Value::Object(map)
    }
}

/// One generated case.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: usize,
    pub category: &'static str,
    pub identity: Vec<Value>,
    pub boundary: Option<Value>,
    /// One list of documents per organization level (root first).
    pub scps: Vec<Vec<Value>>,
    /// One list of documents per level, without `RCPFullAWSAccess` (always attached in
    /// AWS; iam-simulate adds it itself, the iamsnap side adds it explicitly).
    pub rcps: Vec<Vec<Value>>,
    pub resource_policy: Option<Value>,
    /// The session policy of a role session, if it has one.
    pub session: Option<Value>,
    pub request: Req,
}

impl Case {
    /// The NDJSON line for `tests/oracle/simulate.mjs`.
    pub fn oracle_line(&self) -> String {
        let mut case = json!({
            "id": self.id,
            "identityPolicies": self.identity,
            "resourcePolicy": self.resource_policy,
            "request": {
                "principal": self.request.principal,
                "action": self.request.action,
                "resource": self.request.resource,
                "resourceAccount": self.request.resource_account,
                "context": self.request.context_json(),
            },
        });
        if let Some(b) = &self.boundary {
            case["permissionBoundaries"] = json!([b]);
        }
        if let Some(session) = &self.session {
            case["sessionPolicy"] = session.clone();
        }
        if !self.scps.is_empty() {
            case["scps"] = json!(self.scps);
        }
        if !self.rcps.is_empty() {
            case["rcps"] = json!(self.rcps);
        }
        case.to_string()
    }

    /// A short, readable rendering for failure messages.
    pub fn render(&self) -> String {
        let r = &self.request;
        let mut out = format!(
            "  request: {} ({}) -> {} on {} (resource account {})\n  context: {}\n",
            r.principal,
            r.principal_account,
            r.action,
            r.resource,
            r.resource_account,
            r.context_json()
        );
        for (i, doc) in self.identity.iter().enumerate() {
            out.push_str(&format!("  identity[{i}]: {doc}\n"));
        }
        if let Some(b) = &self.boundary {
            out.push_str(&format!("  permissions boundary: {b}\n"));
        }
        if let Some(session) = &self.session {
            out.push_str(&format!("  session policy: {session}\n"));
        }
        for (level, docs) in self.scps.iter().enumerate() {
            for doc in docs {
                out.push_str(&format!("  scp level {level}: {doc}\n"));
            }
            if docs.is_empty() {
                out.push_str(&format!("  scp level {level}: (no policies)\n"));
            }
        }
        for (level, docs) in self.rcps.iter().enumerate() {
            out.push_str(&format!("  rcp level {level}: RCPFullAWSAccess\n"));
            for doc in docs {
                out.push_str(&format!("  rcp level {level}: {doc}\n"));
            }
        }
        if let Some(rp) = &self.resource_policy {
            out.push_str(&format!("  resource policy: {rp}\n"));
        }
        out
    }
}

/// `RCPFullAWSAccess`: AWS attaches it to every root, OU and account, and it cannot be
/// detached (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
pub fn rcp_full_aws_access() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    })
}
