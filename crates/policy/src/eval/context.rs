//! The request context: condition keys and their values.

use std::collections::HashMap;
use std::sync::Arc;

/// A context key's value: one string, or several for multivalued keys (`aws:TagKeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single value.
    Single(String),
    /// Several values (a multivalued key).
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values, one or many.
    pub fn values(&self) -> &[String] {
        match self {
            Self::Single(v) => std::slice::from_ref(v),
            Self::Multi(v) => v,
        }
    }
}

/// Condition keys of a request. Key names compare without regard to ASCII case. Cloning
/// is cheap (the keys are shared until one side changes), so a principal's context can be
/// the start of every request it makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: Arc<HashMap<String, ContextValue>>,
}

impl Context {
    /// Sets a key.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        Arc::make_mut(&mut self.values).insert(key.to_ascii_lowercase(), value);
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.values.get(&key.to_ascii_lowercase())
    }

    /// The value of a key already in lowercase.
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&ContextValue> {
        self.values.get(key)
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
