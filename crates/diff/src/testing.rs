//! Access models for the tests of the comparisons.

use std::sync::Arc;

use iamsnap_access::nhi::{RoleTrust, classify_role};
use iamsnap_access::{AttachedPolicy, Document, Model, Principal, PrincipalParts};
use iamsnap_policy::Requester;

pub(crate) const ROLE: &str = "arn:aws:iam::111122223333:role/app";
pub(crate) const POLICY: &str = "arn:aws:iam::111122223333:policy/p";
pub(crate) const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/b";

/// The role `app` with policy `p` (`None`: listed without a document) and, when given,
/// boundary `b` (`Some(None)`: set but not in the snapshot).
pub(crate) fn role(policy: Option<&str>, boundary: Option<Option<&str>>) -> Principal {
    let document =
        |key: &str, text: Option<&str>| Arc::new(Document::new(key, text.map(Arc::from)));
    Principal::new(PrincipalParts {
        account_id: "111122223333".to_owned(),
        principal_type: Requester::Role,
        arn: ROLE.to_owned(),
        name: "app".to_owned(),
        path: "/".to_owned(),
        tags: Vec::new(),
        policies: vec![AttachedPolicy {
            key: POLICY.to_owned(),
            name: "p".to_owned(),
            via_group: None,
            document: document(POLICY, policy),
        }],
        boundary: boundary.map(|b| match b {
            Some(text) => document(BOUNDARY, Some(text)),
            None => Arc::new(Document::not_captured(BOUNDARY)),
        }),
        nhi: classify_role("app", false, RoleTrust::default()),
        service_linked: false,
    })
}

/// A model of these principals.
pub(crate) fn model(principals: Vec<Principal>) -> Model {
    Model::from_principals(principals)
}
