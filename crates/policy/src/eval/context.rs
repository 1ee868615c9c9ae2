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

/// The kind of IAM principal a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// An IAM user.
    User,
    /// A session of an IAM role.
    Role,
}

impl Requester {
    /// `user` or `role`, as the snapshot's tables name them.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }
}

impl Context {
    /// The keys AWS sets on every request of an IAM user, or of a session of an IAM role:
    /// `aws:PrincipalArn` (the user's or the role's ARN, also for a role session),
    /// `aws:PrincipalAccount`, `aws:PrincipalType` (`User` or `AssumedRole`),
    /// `aws:username` (users only) and `aws:PrincipalTag/<key>` for each tag. The one
    /// place iamsnap derives a principal's context from: evaluation, escalation checks and
    /// the access model all start from it.
    pub fn for_principal(
        requester: Requester,
        arn: &str,
        account: &str,
        name: &str,
        tags: &[(String, String)],
    ) -> Self {
        let mut context = Self::default();
        let single = |v: &str| ContextValue::Single(v.to_owned());
        context.insert("aws:PrincipalArn", single(arn));
        context.insert("aws:PrincipalAccount", single(account));
        match requester {
            Requester::User => {
                context.insert("aws:PrincipalType", single("User"));
                context.insert("aws:username", single(name));
            }
            Requester::Role => context.insert("aws:PrincipalType", single("AssumedRole")),
        }
        for (key, value) in tags {
            context.insert(&format!("aws:PrincipalTag/{key}"), single(value));
        }
        context
    }

    /// Sets every key of `other`, replacing the keys both have.
    pub fn extend(&mut self, other: &Context) {
        if other.is_empty() {
            return;
        }
        let values = Arc::make_mut(&mut self.values);
        for (key, value) in other.values.iter() {
            values.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_context_has_the_keys_aws_sets() {
        let tags = [("team".to_owned(), "payments".to_owned())];
        let user = Context::for_principal(
            Requester::User,
            "arn:aws:iam::111122223333:user/ci/deploy-bot",
            "111122223333",
            "deploy-bot",
            &tags,
        );
        let single = |v: &str| Some(ContextValue::Single(v.to_owned()));
        assert_eq!(user.get("aws:PrincipalType").cloned(), single("User"));
        assert_eq!(user.get("aws:username").cloned(), single("deploy-bot"));
        assert_eq!(
            user.get("aws:PrincipalTag/team").cloned(),
            single("payments")
        );
        let role = Context::for_principal(
            Requester::Role,
            "arn:aws:iam::111122223333:role/app",
            "111122223333",
            "app",
            &[],
        );
        assert_eq!(
            role.get("aws:PrincipalType").cloned(),
            single("AssumedRole")
        );
        assert_eq!(
            role.get("aws:PrincipalArn").cloned(),
            single("arn:aws:iam::111122223333:role/app")
        );
        assert_eq!(role.get("aws:username"), None);
        // The caller's keys win.
        let mut extended = role.clone();
        let mut given = Context::default();
        given.insert("aws:PrincipalType", ContextValue::Single("X".to_owned()));
        extended.extend(&given);
        assert_eq!(extended.get("aws:PrincipalType").cloned(), single("X"));
        assert_eq!(
            role.get("aws:PrincipalType").cloned(),
            single("AssumedRole")
        );
    }
}
