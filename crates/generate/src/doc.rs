//! Building IAM policy documents as JSON values, and URL-encoding them as the IAM API does.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

/// The policy language version of every generated document.
pub(super) const POLICY_VERSION: &str = "2012-10-17";

/// RFC 3986: everything but the unreserved characters is encoded.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A string value.
pub(super) fn text(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

/// A name list as IAM writes it: a single string, or an array of several.
pub(super) fn names<S: AsRef<str>>(items: &[S]) -> Value {
    match items {
        [one] => text(one.as_ref()),
        many => Value::Array(many.iter().map(|s| text(s.as_ref())).collect()),
    }
}

/// `{"Version": "2012-10-17", "Statement": [...]}`.
pub(super) fn document(statements: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert("Version".to_owned(), text(POLICY_VERSION));
    m.insert("Statement".to_owned(), Value::Array(statements));
    Value::Object(m)
}

/// The compact JSON of `doc`, percent-encoded, as a JSON string.
pub(super) fn url_encoded(doc: &Value) -> Value {
    text(utf8_percent_encode(&doc.to_string(), ENCODED).to_string())
}

/// A statement under construction; keys keep the order they are added in.
#[derive(Debug, Clone)]
pub(super) struct Stmt(Map<String, Value>);

impl Stmt {
    fn new(sid: Option<&str>, effect: &str) -> Self {
        let mut m = Map::new();
        if let Some(sid) = sid {
            m.insert("Sid".to_owned(), text(sid));
        }
        m.insert("Effect".to_owned(), text(effect));
        Self(m)
    }

    /// An `Allow` statement.
    pub(super) fn allow() -> Self {
        Self::new(None, "Allow")
    }

    /// A `Deny` statement.
    pub(super) fn deny() -> Self {
        Self::new(None, "Deny")
    }

    /// An `Allow` statement with a `Sid`.
    pub(super) fn allow_sid(sid: &str) -> Self {
        Self::new(Some(sid), "Allow")
    }

    /// A `Deny` statement with a `Sid`.
    pub(super) fn deny_sid(sid: &str) -> Self {
        Self::new(Some(sid), "Deny")
    }

    /// `Principal: {ty: values}`.
    pub(super) fn principal<S: AsRef<str>>(mut self, ty: &str, values: &[S]) -> Self {
        let mut p = Map::new();
        p.insert(ty.to_owned(), names(values));
        self.0.insert("Principal".to_owned(), Value::Object(p));
        self
    }

    /// `Action`.
    pub(super) fn action<S: AsRef<str>>(mut self, actions: &[S]) -> Self {
        self.0.insert("Action".to_owned(), names(actions));
        self
    }

    /// `NotAction`.
    pub(super) fn not_action<S: AsRef<str>>(mut self, actions: &[S]) -> Self {
        self.0.insert("NotAction".to_owned(), names(actions));
        self
    }

    /// `Resource`.
    pub(super) fn resource<S: AsRef<str>>(mut self, resources: &[S]) -> Self {
        self.0.insert("Resource".to_owned(), names(resources));
        self
    }

    /// Adds `key: values` under the operator `op` of `Condition`.
    pub(super) fn condition<S: AsRef<str>>(self, op: &str, key: &str, values: &[S]) -> Self {
        self.condition_value(op, key, names(values))
    }

    /// Adds `key: value` under the operator `op` of `Condition`.
    pub(super) fn condition_value(mut self, op: &str, key: &str, value: Value) -> Self {
        let cond = self
            .0
            .entry("Condition")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(ops) = cond {
            let keys = ops.entry(op).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = keys {
                keys.insert(key.to_owned(), value);
            }
        }
        self
    }

    /// The statement as a JSON value.
    pub(super) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A document of the given statements.
pub(super) fn doc_of(statements: Vec<Stmt>) -> Value {
    document(statements.into_iter().map(Stmt::build).collect())
}

/// An older version of `doc`: its last statement dropped, or, for a single statement, its
/// action list halved; as it was before the policy was last edited.
pub(super) fn older_version(doc: &Value) -> Value {
    let mut old = doc.clone();
    if let Some(Value::Array(statements)) = old.get_mut("Statement") {
        if statements.len() > 1 {
            statements.pop();
        } else if let Some(Value::Array(actions)) =
            statements.first_mut().and_then(|s| s.get_mut("Action"))
            && actions.len() > 1
        {
            let keep = actions.len().div_ceil(2);
            actions.truncate(keep);
        }
    }
    old
}
