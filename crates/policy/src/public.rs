//! Whether an S3 bucket policy is *public* in the sense of S3 Block Public Access: with
//! `RestrictPublicBuckets` on, a bucket whose policy is public can be reached only by AWS
//! service principals and by principals of the bucket owner's account.
//!
//! As Amazon S3 defines it (`PublicAccessBlockConfiguration` in the S3 API reference,
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PublicAccessBlockConfiguration.html>):
//! a policy is public unless each statement that allows a "bad action" (`s3:Get*`,
//! `s3:List*`, `s3:AbortMultipartUpload`, `s3:Delete*`, `s3:Put*`, `s3:RestoreObject`) to
//! everyone limits it to a set of CIDRs with `aws:SourceIp`, or to a fixed value of
//! `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceOwner`,
//! `aws:SourceAccount`, `s3:x-amz-server-side-encryption-aws-kms-key-id`, or `aws:userid`
//! outside the pattern `AROLEID:*`. A statement naming fixed principals is not public.

use iamsnap_catalog::glob::{Case, Glob};

use crate::condition::OperatorFamily;
use crate::document::{Condition, Effect, PolicyDocument, Statement};
use crate::principal::PrincipalType;

/// The actions that expose a bucket's data to reads or writes.
const BAD_ACTIONS: &[&str] = &[
    "s3:Get*",
    "s3:List*",
    "s3:AbortMultipartUpload",
    "s3:Delete*",
    "s3:Put*",
    "s3:RestoreObject",
];

/// Keys whose fixed value makes a grant to everyone non-public.
const FIXING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
];

/// Whether the statement's actions include a bad action: a pattern that matches one of
/// them or that one of them matches (`s3:*`, `*`, `s3:GetObject`).
fn allows_bad_action(s: &Statement) -> bool {
    let bad = |pattern: &str| {
        BAD_ACTIONS.iter().any(|b| {
            Glob::new(pattern, Case::Insensitive).is_match(b)
                || Glob::new(b, Case::Insensitive).is_match(pattern)
        })
    };
    match (&s.action, &s.not_action) {
        (Some(list), _) => list.iter().any(|a| bad(a)),
        // `NotAction` leaves bad actions in unless it names them all.
        (None, Some(list)) => !BAD_ACTIONS.iter().all(|b| {
            list.iter()
                .any(|a| Glob::new(a, Case::Insensitive).is_match(b))
        }),
        (None, None) => false,
    }
}

/// Whether the statement names everyone (`*`, or `AWS: *`), or everyone but some.
fn names_everyone(s: &Statement) -> bool {
    s.not_principal.is_some()
        || s.principal.as_ref().is_some_and(|p| {
            p.entries.iter().any(|(ty, v)| {
                *ty == PrincipalType::Wildcard || (*ty == PrincipalType::Aws && v == "*")
            })
        })
}

/// Whether a condition fixes the request to a value that makes the grant non-public.
fn fixes(c: &Condition) -> bool {
    if c.operator.negated || c.values.is_empty() {
        return false;
    }
    let key = c.key.to_ascii_lowercase();
    if key == "aws:sourceip" {
        return c.operator.family == OperatorFamily::IpAddress
            && c.values.iter().all(|v| !v.ends_with("/0"));
    }
    if !FIXING_KEYS.contains(&key.as_str()) {
        return false;
    }
    if !matches!(
        c.operator.family,
        OperatorFamily::String | OperatorFamily::Arn
    ) {
        return false;
    }
    c.values.iter().all(|v| {
        !v.contains(['*', '?'])
            || (key == "aws:userid"
                && v.strip_suffix(":*")
                    .is_some_and(|id| !id.is_empty() && !id.contains(['*', '?'])))
    }) && !(key == "aws:userid" && c.values.iter().all(|v| v.ends_with(":*")))
}

/// Whether `doc`, as a bucket policy, is public for S3 Block Public Access.
pub fn is_public_bucket_policy(doc: &PolicyDocument) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && names_everyone(s)
            && allows_bad_action(s)
            && !s.conditions.iter().any(fixes)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::parse_document_text;

    fn public(statement: &str) -> bool {
        let doc = parse_document_text(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#
        ))
        .unwrap();
        is_public_bucket_policy(&doc)
    }

    #[test]
    fn grants_to_everyone_are_public_unless_fixed_by_a_listed_key() {
        let base = r#""Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*""#;
        assert!(public(&format!("{{{base}}}")));
        assert!(!public(&format!(
            r#"{{{base},"Condition":{{"StringEquals":{{"aws:SourceVpce":"vpce-1a2b"}}}}}}"#
        )));
        assert!(!public(&format!(
            r#"{{{base},"Condition":{{"IpAddress":{{"aws:SourceIp":"203.0.113.0/24"}}}}}}"#
        )));
        assert!(public(&format!(
            r#"{{{base},"Condition":{{"IpAddress":{{"aws:SourceIp":"0.0.0.0/0"}}}}}}"#
        )));
        assert!(public(&format!(
            r#"{{{base},"Condition":{{"StringLike":{{"aws:SourceArn":"arn:aws:sns:*"}}}}}}"#
        )));
        assert!(public(&format!(
            r#"{{{base},"Condition":{{"StringNotEquals":{{"aws:SourceAccount":"111122223333"}}}}}}"#
        )));
        // A key AWS does not list (the organization) leaves the policy public.
        assert!(public(&format!(
            r#"{{{base},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-1"}}}}}}"#
        )));
        // Fixed principals, and actions that expose no data, are not public.
        assert!(!public(
            r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#
        ));
        assert!(!public(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:CreateJob","Resource":"*"}"#
        ));
        assert!(public(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#
        ));
        assert!(!public(
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#
        ));
    }
}
