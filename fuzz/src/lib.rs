//! What the fuzz targets share: the printer's round-trip invariant and building requests
//! from fuzz input.

use iamsnap_policy::{Context, ContextValue, PolicyDocument, Request, parse_document};

/// A parsed document prints to JSON that parses back to the same meaning, and printing
/// that again gives the same JSON. Panics (a finding) otherwise.
pub fn check_round_trip(doc: &PolicyDocument) {
    let printed = doc.to_json();
    let again = match parse_document(&printed) {
        Ok(again) => again,
        Err(e) => panic!("the printed document does not parse: {e}\n{printed}"),
    };
    assert_eq!(again.to_json(), printed, "printing is not a fixed point");
    assert_eq!(
        again.statements.len(),
        doc.statements.len(),
        "statements lost in printing"
    );
    for (a, b) in again.statements.iter().zip(&doc.statements) {
        assert_eq!(a.effect, b.effect);
        assert_eq!(a.action, b.action);
        assert_eq!(a.not_action, b.not_action);
        assert_eq!(a.resource, b.resource);
        assert_eq!(a.not_resource, b.not_resource);
        assert_eq!(a.principal, b.principal);
        assert_eq!(a.not_principal, b.not_principal);
        assert_eq!(a.conditions.len(), b.conditions.len(), "conditions lost");
        for c in &b.conditions {
            assert!(
                a.conditions.contains(c),
                "condition lost in printing: {c:?}\n{printed}"
            );
        }
    }
}

/// A request from lines of text: principal, action, resource, then context entries
/// `key=value` (`key=a,b` for a multivalued key). Missing lines get plausible defaults.
pub fn request_from(text: &str) -> Request {
    let mut lines = text.lines();
    let principal = lines
        .next()
        .unwrap_or("arn:aws:iam::111122223333:user/alice")
        .to_owned();
    let principal_account = principal
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or("111122223333")
        .to_owned();
    let action = lines.next().unwrap_or("s3:GetObject").to_owned();
    let resource = lines.next().unwrap_or("*").to_owned();
    let resource_account = resource
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or("111122223333")
        .to_owned();
    let mut context = Context::default();
    for line in lines {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let value = if value.contains(',') {
            ContextValue::Multi(value.split(',').map(str::to_owned).collect())
        } else {
            ContextValue::Single(value.to_owned())
        };
        context.insert(key, value);
    }
    Request {
        principal,
        principal_account,
        action,
        resource,
        resource_account,
        context,
    }
}
