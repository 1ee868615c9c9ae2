use serde_json::Value;

use crate::condition::ConditionOperator;
use crate::principal::Principal;

/// A parsed IAM policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// `Version`: `2012-10-17` (policy variables are substituted) or `2008-10-17` (they are
    /// literal text). `None` when absent, which AWS treats as `2008-10-17`.
    pub version: Option<String>,
    /// `Id`, if present.
    pub id: Option<String>,
    /// The statements in document order; a single statement object becomes a list of one.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Whether `${...}` policy variables are substituted (only with `Version` `2012-10-17`).
    pub fn substitutes_variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl Effect {
    /// The element value as written in a policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        }
    }
}

/// A list of names from an element that takes a string or an array of strings
/// (`Action`, `NotAction`, `Resource`, `NotResource`).
pub type NameList = Vec<String>;

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// 0-based position in the document's `Statement` list.
    pub index: usize,
    /// `Sid`, if present.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action`, if present.
    pub action: Option<NameList>,
    /// `NotAction`, if present.
    pub not_action: Option<NameList>,
    /// `Resource`, if present.
    pub resource: Option<NameList>,
    /// `NotResource`, if present.
    pub not_resource: Option<NameList>,
    /// `Principal`, if present.
    pub principal: Option<Principal>,
    /// `NotPrincipal`, if present.
    pub not_principal: Option<Principal>,
    /// Every (operator, key, values) triple of the `Condition` block, in document order.
    pub conditions: Vec<Condition>,
    /// The `Principal` element exactly as written, for display and storage.
    pub principal_json: Option<Value>,
    /// The `NotPrincipal` element exactly as written.
    pub not_principal_json: Option<Value>,
    /// The `Condition` element exactly as written.
    pub condition_json: Option<Value>,
}

impl Statement {
    /// The distinct condition keys this statement tests, in first-seen order.
    pub fn condition_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for c in &self.conditions {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(&c.key)) {
                keys.push(&c.key);
            }
        }
        keys
    }
}

/// One condition: an operator applied to a context key with one or more values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator, e.g. `StringLike`.
    pub operator: ConditionOperator,
    /// The condition key as written, e.g. `token.actions.githubusercontent.com:sub`.
    pub key: String,
    /// The values; JSON booleans and numbers are kept as their text (`true`, `3600`).
    pub values: Vec<String>,
}
