//! Cases from AWS's documentation of the policy evaluation logic
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//! and the pages it links: cross-account evaluation, permissions boundaries, SCPs, session
//! policies, condition operators and policy variables).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, ImplicitDenyReason, PolicyKind, PolicySet,
    Request, evaluate, parse_document_text,
};

const ACCT: &str = "111122223333";
const OTHER: &str = "444455556666";

fn policy(json: &str) -> CompiledPolicy {
    CompiledPolicy::new("p", &parse_document_text(json).unwrap())
}

fn resource_policy(json: &str) -> CompiledPolicy {
    CompiledPolicy::new_resource_policy("bucket-policy", &parse_document_text(json).unwrap())
}

fn allow(action: &str, resource: &str) -> CompiledPolicy {
    policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

fn deny(action: &str, resource: &str) -> CompiledPolicy {
    policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

fn request(principal: &str, action: &str, resource: &str) -> Request {
    Request {
        principal: principal.to_owned(),
        principal_account: principal.split(':').nth(4).unwrap_or(ACCT).to_owned(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        resource_account: ACCT.to_owned(),
        context: Context::default(),
    }
}

const USER: &str = "arn:aws:iam::111122223333:user/alice";
const OBJECT: &str = "arn:aws:s3:::reports/2026/q3.csv";

fn decide(req: &Request, set: PolicySet<'_>) -> Decision {
    evaluate(req, &set).decision
}

#[test]
fn no_policy_is_an_implicit_deny() {
    let ev = evaluate(
        &request(USER, "s3:GetObject", OBJECT),
        &PolicySet::default(),
    );
    assert_eq!(ev.decision, Decision::ImplicitDeny);
    assert_eq!(ev.implicit_deny, Some(ImplicitDenyReason::NoAllow));
}

#[test]
fn an_identity_allow_grants_and_names_its_statement() {
    let ids = [allow("s3:GetObject", "arn:aws:s3:::reports/*")];
    let ev = evaluate(
        &request(USER, "s3:GetObject", OBJECT),
        &PolicySet {
            identity: &ids,
            ..Default::default()
        },
    );
    assert_eq!(ev.decision, Decision::Allow);
    assert_eq!(ev.statements.len(), 1);
    assert_eq!(ev.statements[0].kind, PolicyKind::Identity);
}

#[test]
fn an_explicit_deny_overrides_any_allow() {
    let ids = [
        allow("s3:*", "*"),
        deny("s3:GetObject", "arn:aws:s3:::reports/2026/*"),
    ];
    let ev = evaluate(
        &request(USER, "s3:GetObject", OBJECT),
        &PolicySet {
            identity: &ids,
            ..Default::default()
        },
    );
    assert_eq!(ev.decision, Decision::ExplicitDeny);
    assert_eq!(ev.statements[0].index, 0);
}

#[test]
fn actions_match_without_case_and_resources_with_case() {
    let ids = [allow("S3:getobject", "arn:aws:s3:::reports/*")];
    let set = PolicySet {
        identity: &ids,
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    assert_eq!(
        decide(
            &request(USER, "s3:GetObject", "arn:aws:s3:::Reports/x"),
            set
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_allows_everything_else() {
    let ids = [policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
    )];
    let set = PolicySet {
        identity: &ids,
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    assert_eq!(
        decide(
            &request(USER, "iam:CreateUser", "arn:aws:iam::111122223333:user/x"),
            set
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_resource_denies_outside_the_listed_resources() {
    let ids = [
        allow("s3:*", "*"),
        policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]}]}"#,
        ),
    ];
    let set = PolicySet {
        identity: &ids,
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    assert_eq!(
        decide(
            &request(USER, "s3:GetObject", "arn:aws:s3:::payroll/x"),
            set
        ),
        Decision::ExplicitDeny
    );
}

#[test]
fn a_permissions_boundary_limits_what_identity_policies_grant() {
    let ids = [allow("s3:*", "*")];
    let boundary = allow("s3:GetObject", "*");
    let set = PolicySet {
        identity: &ids,
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    let ev = evaluate(&request(USER, "s3:PutObject", OBJECT), &set);
    assert_eq!(ev.decision, Decision::ImplicitDeny);
    assert_eq!(
        ev.implicit_deny,
        Some(ImplicitDenyReason::PermissionsBoundary)
    );
    // A boundary alone grants nothing.
    let set = PolicySet {
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::ImplicitDeny
    );
}

#[test]
fn every_scp_level_must_allow_and_an_scp_deny_wins() {
    let ids = [allow("*", "*")];
    let full = vec![allow("*", "*")];
    let s3_only = vec![allow("s3:*", "*")];
    let levels = [full.clone(), s3_only];
    let set = PolicySet {
        identity: &ids,
        scps: &levels,
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    let ev = evaluate(&request(USER, "ec2:RunInstances", "*"), &set);
    assert_eq!(
        ev.implicit_deny,
        Some(ImplicitDenyReason::ServiceControl(1))
    );
    let deny_levels = [vec![allow("*", "*"), deny("s3:GetObject", "*")]];
    let set = PolicySet {
        identity: &ids,
        scps: &deny_levels,
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::ExplicitDeny
    );
    // SCPs grant nothing by themselves.
    let set = PolicySet {
        scps: &levels[..1],
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::ImplicitDeny
    );
}

#[test]
fn a_session_policy_limits_a_role_session() {
    let session_arn = "arn:aws:sts::111122223333:assumed-role/deployer/ci";
    let ids = [allow("s3:*", "*")];
    let session = allow("s3:GetObject", "*");
    let set = PolicySet {
        identity: &ids,
        session: Some(&session),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(session_arn, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    let ev = evaluate(&request(session_arn, "s3:DeleteObject", OBJECT), &set);
    assert_eq!(ev.implicit_deny, Some(ImplicitDenyReason::SessionPolicy));
}

/// AWS, "Session policies": a resource-based policy that names the session ARN
/// specifically grants in addition to the session policy; one naming the role, or
/// everyone, is limited by it.
#[test]
fn a_session_policy_limits_a_resource_policy_unless_it_names_the_session() {
    let session_arn = "arn:aws:sts::111122223333:assumed-role/deployer/ci";
    let only_ec2 = allow("ec2:Describe*", "*");
    let decide_for = |named: &str| {
        let rp = resource_policy(&BUCKET_POLICY_FOR.replace("PRINCIPAL", named));
        let set = PolicySet {
            session: Some(&only_ec2),
            resource: Some(&rp),
            ..Default::default()
        };
        decide(&request(session_arn, "s3:GetObject", OBJECT), set)
    };
    assert_eq!(decide_for(session_arn), Decision::Allow);
    assert_eq!(
        decide_for("arn:aws:iam::111122223333:role/deployer"),
        Decision::ImplicitDeny
    );
    assert_eq!(decide_for("*"), Decision::ImplicitDeny);
}

const BUCKET_POLICY_FOR: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"PRINCIPAL"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;

#[test]
fn within_one_account_a_resource_policy_naming_the_user_grants_alone() {
    let rp = resource_policy(&BUCKET_POLICY_FOR.replace("PRINCIPAL", USER));
    let set = PolicySet {
        resource: Some(&rp),
        ..Default::default()
    };
    let ev = evaluate(&request(USER, "s3:GetObject", OBJECT), &set);
    assert_eq!(ev.decision, Decision::Allow);
    assert_eq!(ev.statements[0].kind, PolicyKind::Resource);
    // It is not limited by an implicit deny of the user's permissions boundary.
    let boundary = allow("ec2:*", "*");
    let set = PolicySet {
        resource: Some(&rp),
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    // Naming the account defers to the identity policies.
    let rp = resource_policy(&BUCKET_POLICY_FOR.replace("PRINCIPAL", ACCT));
    let set = PolicySet {
        resource: Some(&rp),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::ImplicitDeny
    );
}

#[test]
fn a_resource_policy_naming_the_role_is_limited_by_the_sessions_boundary() {
    let session = "arn:aws:sts::111122223333:assumed-role/reader/s1";
    let rp = resource_policy(
        &BUCKET_POLICY_FOR.replace("PRINCIPAL", "arn:aws:iam::111122223333:role/reader"),
    );
    let boundary = allow("ec2:*", "*");
    let set = PolicySet {
        resource: Some(&rp),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(session, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    let set = PolicySet {
        resource: Some(&rp),
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(session, "s3:GetObject", OBJECT), set),
        Decision::ImplicitDeny
    );
    // Naming the session itself is not limited.
    let rp = resource_policy(&BUCKET_POLICY_FOR.replace("PRINCIPAL", session));
    let set = PolicySet {
        resource: Some(&rp),
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(session, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
}

#[test]
fn across_accounts_both_the_identity_and_the_resource_policy_must_allow() {
    let outsider = "arn:aws:iam::444455556666:user/bob";
    let ids = [allow("s3:GetObject", "*")];
    let rp = resource_policy(&BUCKET_POLICY_FOR.replace("PRINCIPAL", OTHER));
    let req = request(outsider, "s3:GetObject", OBJECT);
    let only_identity = PolicySet {
        identity: &ids,
        ..Default::default()
    };
    let ev = evaluate(&req, &only_identity);
    assert_eq!(
        ev.implicit_deny,
        Some(ImplicitDenyReason::CrossAccountResourcePolicy)
    );
    let only_resource = PolicySet {
        resource: Some(&rp),
        ..Default::default()
    };
    let ev = evaluate(&req, &only_resource);
    assert_eq!(
        ev.implicit_deny,
        Some(ImplicitDenyReason::CrossAccountIdentity)
    );
    let both = PolicySet {
        identity: &ids,
        resource: Some(&rp),
        ..Default::default()
    };
    assert_eq!(decide(&req, both), Decision::Allow);
}

#[test]
fn a_deny_in_the_resource_policy_applies_to_the_named_principal_only() {
    let ids = [allow("s3:*", "*")];
    let rp = resource_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/mallory"},"Action":"s3:*","Resource":"arn:aws:s3:::reports/*"}]}"#,
    );
    let set = PolicySet {
        identity: &ids,
        resource: Some(&rp),
        ..Default::default()
    };
    assert_eq!(
        decide(&request(USER, "s3:GetObject", OBJECT), set),
        Decision::Allow
    );
    let mallory = "arn:aws:iam::111122223333:user/mallory";
    assert_eq!(
        decide(&request(mallory, "s3:GetObject", OBJECT), set),
        Decision::ExplicitDeny
    );
}

fn with(mut req: Request, key: &str, value: ContextValue) -> Request {
    req.context.insert(key, value);
    req
}

#[test]
fn require_mfa_with_bool_if_exists_denies_when_the_key_is_missing_or_false() {
    let ids = [
        allow("*", "*"),
        policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        ),
    ];
    let set = PolicySet {
        identity: &ids,
        ..Default::default()
    };
    let req = request(USER, "s3:GetObject", OBJECT);
    assert_eq!(decide(&req, set), Decision::ExplicitDeny);
    let mfa = with(
        req.clone(),
        "aws:MultiFactorAuthPresent",
        ContextValue::Single("true".into()),
    );
    assert_eq!(decide(&mfa, set), Decision::Allow);
    let no = with(
        req,
        "aws:MultiFactorAuthPresent",
        ContextValue::Single("false".into()),
    );
    assert_eq!(decide(&no, set), Decision::ExplicitDeny);
}

#[test]
fn condition_operators_follow_the_documented_semantics() {
    let cond = |c: &str| {
        [policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{c}}}]}}"#
        ))]
    };
    let req = request(USER, "s3:GetObject", OBJECT);
    let check = |c: &str, key: &str, value: Option<ContextValue>, expected: Decision| {
        let ids = cond(c);
        let r = match &value {
            Some(v) => with(req.clone(), key, v.clone()),
            None => req.clone(),
        };
        let got = decide(
            &r,
            PolicySet {
                identity: &ids,
                ..Default::default()
            },
        );
        assert_eq!(got, expected, "{c} with {key}={value:?}");
    };
    let one = |s: &str| Some(ContextValue::Single(s.to_owned()));
    let many = |v: &[&str]| {
        Some(ContextValue::Multi(
            v.iter().map(|s| (*s).to_owned()).collect(),
        ))
    };
    use Decision::{Allow, ImplicitDeny as No};
    check(
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        "aws:SourceIp",
        one("203.0.113.9"),
        Allow,
    );
    check(
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        "aws:SourceIp",
        one("198.51.100.1"),
        No,
    );
    check(
        r#"{"NotIpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
        "aws:SourceIp",
        one("2001:db8::1"),
        No,
    );
    // A negated operator holds when the key is absent.
    check(
        r#"{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}"#,
        "aws:RequestedRegion",
        None,
        Allow,
    );
    check(
        r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#,
        "aws:RequestedRegion",
        None,
        No,
    );
    check(
        r#"{"StringEqualsIfExists":{"aws:RequestedRegion":"eu-west-1"}}"#,
        "aws:RequestedRegion",
        None,
        Allow,
    );
    check(
        r#"{"StringLike":{"aws:PrincipalTag/team":"plat*"}}"#,
        "aws:PrincipalTag/team",
        one("platform"),
        Allow,
    );
    check(
        r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"PLATFORM"}}"#,
        "aws:PrincipalTag/team",
        one("platform"),
        Allow,
    );
    check(
        r#"{"StringEquals":{"aws:PrincipalTag/team":"PLATFORM"}}"#,
        "aws:PrincipalTag/team",
        one("platform"),
        No,
    );
    check(
        r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
        "s3:max-keys",
        one("9"),
        Allow,
    );
    check(
        r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
        "s3:max-keys",
        one("10"),
        No,
    );
    check(
        r#"{"DateLessThan":{"aws:CurrentTime":"2026-12-31T00:00:00Z"}}"#,
        "aws:CurrentTime",
        one("2026-11-25T12:00:00Z"),
        Allow,
    );
    check(
        r#"{"DateGreaterThan":{"aws:EpochTime":"2026-01-01T00:00:00Z"}}"#,
        "aws:EpochTime",
        one("1790000000"),
        Allow,
    );
    check(
        r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ci-*"}}"#,
        "aws:PrincipalArn",
        one("arn:aws:iam::111122223333:role/ci-deploy"),
        Allow,
    );
    check(
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}"#,
        "aws:SourceArn",
        one("arn:aws:sns:us-east-1:111122223333:other"),
        No,
    );
    check(
        r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
        "aws:TokenIssueTime",
        None,
        Allow,
    );
    check(
        r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
        "aws:TokenIssueTime",
        one("2026-11-25T00:00:00Z"),
        No,
    );
    // Set operators: ForAllValues holds for a missing key (the documented pitfall),
    // ForAnyValue does not.
    check(
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
        "aws:TagKeys",
        many(&["env"]),
        Allow,
    );
    check(
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
        "aws:TagKeys",
        many(&["env", "cost"]),
        No,
    );
    check(
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
        "aws:TagKeys",
        None,
        Allow,
    );
    check(
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#,
        "aws:TagKeys",
        many(&["cost", "env"]),
        Allow,
    );
    check(
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#,
        "aws:TagKeys",
        None,
        No,
    );
    // A single-valued operator never matches a multivalued key.
    check(
        r#"{"StringEquals":{"aws:TagKeys":"env"}}"#,
        "aws:TagKeys",
        many(&["env"]),
        No,
    );
    // Several values of one key: any; several keys: all.
    check(
        r#"{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#,
        "aws:RequestedRegion",
        one("eu-west-1"),
        Allow,
    );
}

#[test]
fn policy_variables_resolve_from_the_request_context() {
    let ids = [policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
    )];
    let set = PolicySet {
        identity: &ids,
        ..Default::default()
    };
    let req = with(
        request(USER, "s3:PutObject", "arn:aws:s3:::home/alice/notes.txt"),
        "aws:username",
        ContextValue::Single("alice".into()),
    );
    assert_eq!(decide(&req, set), Decision::Allow);
    let other = with(
        request(USER, "s3:PutObject", "arn:aws:s3:::home/bob/notes.txt"),
        "aws:username",
        ContextValue::Single("alice".into()),
    );
    assert_eq!(decide(&other, set), Decision::ImplicitDeny);
    // Without the key, the resource does not match.
    assert_eq!(
        decide(
            &request(USER, "s3:PutObject", "arn:aws:s3:::home/alice/notes.txt"),
            set
        ),
        Decision::ImplicitDeny
    );
    // In a 2008-10-17 policy, variables are plain text.
    let old = [policy(
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
    )];
    let set = PolicySet {
        identity: &old,
        ..Default::default()
    };
    assert_eq!(decide(&req, set), Decision::ImplicitDeny);
}
