//! Privilege-escalation methods evaluated with the real evaluator: for representative
//! methods, a policy that enables each one, and variants where an explicit deny, a
//! permissions boundary, an SCP, an unmet condition or a narrower resource must hide it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use iamsnap_policy::escalation::{
    self, AlternativeOutcome, Finding, IdentityKind, Skipped, assess, possible_escalations,
};
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, ImplicitDenyReason, PolicyKind, PolicySet,
    parse_document_text,
};

const ACCT: &str = "111122223333";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/build-42";

fn policy(name: &str, json: &str) -> CompiledPolicy {
    CompiledPolicy::new(name, &parse_document_text(json).unwrap())
}

/// One `Allow` of `actions` on `resource`, with an optional condition block.
fn allow_if(actions: &[&str], resource: &str, condition: &str) -> CompiledPolicy {
    let actions = serde_json::to_string(actions).unwrap();
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    policy(
        "identity",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Grant","Effect":"Allow","Action":{actions},"Resource":"{resource}"{condition}}}]}}"#
        ),
    )
}

fn allow(actions: &[&str], resource: &str) -> CompiledPolicy {
    allow_if(actions, resource, "")
}

fn deny(actions: &[&str]) -> CompiledPolicy {
    let actions = serde_json::to_string(actions).unwrap();
    policy(
        "guardrail",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":{actions},"Resource":"*"}}]}}"#
        ),
    )
}

/// An SCP: everything allowed (`FullAWSAccess`) except `actions`.
fn scp_denying(actions: &[&str]) -> CompiledPolicy {
    let actions = serde_json::to_string(actions).unwrap();
    policy(
        "scp",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":{actions},"Resource":"*"}}]}}"#
        ),
    )
}

fn admin() -> CompiledPolicy {
    allow(&["*"], "*")
}

fn context(pairs: &[(&str, &str)]) -> Context {
    let mut c = Context::default();
    for (k, v) in pairs {
        c.insert(k, ContextValue::Single((*v).to_owned()));
    }
    c
}

fn ids_with(principal: &str, set: &PolicySet<'_>, ctx: &Context) -> BTreeSet<String> {
    possible_escalations(principal, ACCT, set, ctx)
        .into_iter()
        .map(|f| f.method.id.clone())
        .collect()
}

fn ids(principal: &str, identity: &[CompiledPolicy]) -> BTreeSet<String> {
    ids_with(
        principal,
        &PolicySet {
            identity,
            ..Default::default()
        },
        &Context::default(),
    )
}

fn finding(
    principal: &str,
    set: &PolicySet<'_>,
    ctx: &Context,
    id: &str,
) -> Option<Finding<'static>> {
    possible_escalations(principal, ACCT, set, ctx)
        .into_iter()
        .find(|f| f.method.id == id)
}

fn only(identity: &[CompiledPolicy]) -> PolicySet<'_> {
    PolicySet {
        identity,
        ..Default::default()
    }
}

// ---- the data ---------------------------------------------------------------------------

#[test]
fn the_shipped_methods_load_and_cover_the_published_lists() {
    let methods = escalation::methods().unwrap();
    assert!((40..=60).contains(&methods.len()), "{}", methods.len());
    for id in [
        "IAM-CREATE-POLICY-VERSION",
        "IAM-SET-DEFAULT-POLICY-VERSION",
        "IAM-ATTACH-USER-POLICY",
        "IAM-ATTACH-GROUP-POLICY",
        "IAM-ATTACH-ROLE-POLICY",
        "IAM-PUT-USER-POLICY",
        "IAM-PUT-GROUP-POLICY",
        "IAM-PUT-ROLE-POLICY",
        "IAM-ADD-USER-TO-GROUP",
        "IAM-UPDATE-ASSUME-ROLE-POLICY",
        "IAM-CREATE-ACCESS-KEY",
        "IAM-CREATE-LOGIN-PROFILE",
        "IAM-UPDATE-LOGIN-PROFILE",
        "IAM-DELETE-PERMISSIONS-BOUNDARY",
        "IAM-PUT-PERMISSIONS-BOUNDARY",
        "PASSROLE-LAMBDA-CREATE-INVOKE",
        "PASSROLE-LAMBDA-EVENT-SOURCE-MAPPING",
        "PASSROLE-LAMBDA-ADD-PERMISSION",
        "LAMBDA-UPDATE-FUNCTION-CODE",
        "PASSROLE-EC2-RUN-INSTANCES",
        "PASSROLE-ECS-TASK",
        "PASSROLE-CLOUDFORMATION-CREATE-STACK",
        "PASSROLE-GLUE-DEV-ENDPOINT",
        "PASSROLE-DATAPIPELINE",
        "PASSROLE-CODEBUILD-CREATE-PROJECT",
        "CODEBUILD-START-BUILD",
        "PASSROLE-SAGEMAKER-NOTEBOOK",
        "SAGEMAKER-PRESIGNED-NOTEBOOK-URL",
        "SSM-SEND-COMMAND",
        "SSM-START-SESSION",
        "EC2-INSTANCE-CONNECT-SSH",
        "PASSROLE-AUTOSCALING-LAUNCH-CONFIGURATION",
        "EC2-MODIFY-INSTANCE-USER-DATA",
        "STS-ASSUME-ROLE",
        "CLOUDFORMATION-UPDATE-STACK",
    ] {
        assert!(
            escalation::method(id).unwrap().is_some(),
            "missing method {id}"
        );
    }
    assert_eq!(escalation::method("NO-SUCH-METHOD").unwrap(), None);
}

/// Every name of cloudsplaining's `PRIVILEGE_ESCALATION_METHODS` (0.9.1, in its order) is
/// the name of one method here. A combination it lists with a step more than a method
/// needs (`CreatePolicyVersionThenAssumeRole`, a task in a new ECS cluster) is found by
/// that method, which asks for less.
#[test]
fn every_cloudsplaining_method_has_a_counterpart() {
    let methods = escalation::methods().unwrap();
    let names = [
        "CreateAccessKey",
        "CreateLoginProfile",
        "UpdateLoginProfile",
        "AddUserToGroup",
        "CreateNewPolicyVersion",
        "SetExistingDefaultPolicyVersion",
        "AttachUserPolicy",
        "AttachGroupPolicy",
        "AttachRolePolicy",
        "PutUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "UpdateRolePolicyToAssumeIt",
        "CreateEC2WithExistingIP",
        "PassExistingRoleToNewLambdaThenInvoke",
        "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
        "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo",
        "PassExistingRoleToNewGlueDevEndpoint",
        "PassExistingRoleToCloudFormation",
        "PassExistingRoleToNewDataPipeline",
        "UpdateExistingGlueDevEndpoint",
        "EditExistingLambdaFunctionWithRole",
        "AccessExistingBedrockCodeInterpreterSession",
        "ExecuteCloudFormationChangeSet",
        "ModifyEC2InstanceUserDataThenRestart",
        "ModifyExistingEC2LaunchTemplate",
        "EC2InstanceConnectSendSSHPublicKey",
        "ECSExecuteCommandOnRunningTask",
        "UpdateAndInvokeLambdaFunction",
        "UpdateLambdaFunctionAndAddPermission",
        "CreatePresignedSageMakerNotebookUrl",
        "UpdateSageMakerNotebookLifecycleConfig",
        "PassExistingRoleToNewAppRunnerService",
        "PassExistingRoleToNewBedrockCodeInterpreter",
        "PassExistingRoleToNewCloudFormationStackSet",
        "PassRoleToUpdateCloudFormationStackSet",
        "PassExistingRoleToNewCodeBuildProjectThenBuild",
        "PassExistingRoleToNewCodeBuildProjectThenBuildBatch",
        "PassExistingRoleToNewEC2SpotInstance",
        "PassExistingRoleToNewECSClusterServiceTask",
        "PassExistingRoleToNewECSClusterRunTask",
        "PassExistingRoleToNewECSService",
        "PassExistingRoleToNewECSTaskViaRunTask",
        "PassExistingRoleToNewECSTaskViaStartTask",
        "PassExistingRoleToNewGlueJobThenRun",
        "PassExistingRoleToNewGlueJobViaTrigger",
        "PassExistingRoleToUpdatedGlueJobThenRun",
        "PassExistingRoleToUpdatedGlueJobViaTrigger",
        "PassExistingRoleToNewLambdaThenAddPermission",
        "PassExistingRoleToNewSageMakerNotebookInstance",
        "PassExistingRoleToNewSageMakerTrainingJob",
        "PassExistingRoleToNewSageMakerProcessingJob",
        "CreateAndRotateAccessKey",
        "AttachUserPolicyThenCreateAccessKey",
        "CreatePolicyVersionThenAssumeRole",
        "PutUserPolicyThenCreateAccessKey",
        "AttachRolePolicyThenUpdateAssumeRolePolicy",
        "CreatePolicyVersionThenUpdateAssumeRolePolicy",
        "PutRolePolicyThenUpdateAssumeRolePolicy",
    ];
    assert_eq!(names.len(), 59);
    for name in names {
        let known = format!("cloudsplaining: {name}");
        let with: Vec<&str> = methods
            .iter()
            .filter(|m| m.known_as.contains(&known))
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(with.len(), 1, "{name} is known as {with:?}");
    }
    // And no other cloudsplaining name is claimed.
    let claimed = methods
        .iter()
        .flat_map(|m| m.known_as.iter())
        .filter(|k| k.starts_with("cloudsplaining: "))
        .count();
    assert_eq!(claimed, names.len());
}

#[test]
fn docs_escalation_md_is_generated_from_the_data() {
    let expected = escalation::markdown().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/escalation.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == expected {
        return;
    }
    if std::env::var_os("IAMSNAP_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    panic!(
        "docs/escalation.md is stale: regenerate it with \
         `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-policy --test escalation`; \
         its text should be:\n\n{expected}"
    );
}

// ---- the extremes -----------------------------------------------------------------------

#[test]
fn administrator_access_finds_every_method() {
    let identity = [admin()];
    // A user with a boundary that allows everything: every method applies.
    let boundary = admin();
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    let all: BTreeSet<String> = escalation::methods()
        .unwrap()
        .iter()
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(ids_with(USER, &set, &Context::default()), all);

    // A role without a boundary: everything but the user-only and boundary methods.
    let expected: BTreeSet<String> = escalation::methods()
        .unwrap()
        .iter()
        .filter(|m| {
            !m.needs_boundary
                && (m.principals.is_empty() || m.principals.contains(&IdentityKind::Role))
        })
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(ids(ROLE, &identity), expected);
    assert!(!expected.contains("IAM-ADD-USER-TO-GROUP"));
    assert!(!expected.contains("IAM-DELETE-PERMISSIONS-BOUNDARY"));
}

#[test]
fn a_read_only_policy_finds_nothing() {
    let identity = [allow(&["*:Get*", "*:List*", "*:Describe*"], "*")];
    assert_eq!(ids(USER, &identity), BTreeSet::new());
    assert_eq!(ids(ROLE, &identity), BTreeSet::new());
}

#[test]
fn no_policy_finds_nothing() {
    assert_eq!(ids(ROLE, &[]), BTreeSet::new());
}

// ---- PassRole + Lambda ------------------------------------------------------------------

const LAMBDA: [&str; 3] = [
    "iam:PassRole",
    "lambda:CreateFunction",
    "lambda:InvokeFunction",
];

#[test]
fn passrole_with_lambda_create_and_invoke_is_found_with_its_statements() {
    let identity = [allow(&LAMBDA, "*")];
    let f = finding(
        ROLE,
        &only(&identity),
        &Context::default(),
        "PASSROLE-LAMBDA-CREATE-INVOKE",
    )
    .expect("found");
    assert_eq!(f.alternative, 0);
    let actions: Vec<&str> = f.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, LAMBDA);
    assert_eq!(
        f.steps[0].resource,
        "arn:aws:iam::111122223333:role/iamsnap-escalation-target"
    );
    assert_eq!(
        f.steps[1].resource,
        "arn:aws:lambda:us-east-1:111122223333:function:iamsnap-escalation-target"
    );
    for s in &f.steps {
        assert_eq!(s.statements.len(), 1);
        assert_eq!(s.statements[0].kind, PolicyKind::Identity);
        assert_eq!(s.statements[0].sid.as_deref(), Some("Grant"));
    }
}

#[test]
fn passrole_with_lambda_hidden_by_an_explicit_deny_of_one_action() {
    let identity = [allow(&LAMBDA, "*"), deny(&["lambda:InvokeFunction"])];
    assert!(!ids(ROLE, &identity).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
    // The deny is what the evaluator reports on that step.
    let m = escalation::method("PASSROLE-LAMBDA-CREATE-INVOKE")
        .unwrap()
        .unwrap();
    let a = assess(m, ROLE, ACCT, &only(&identity), &Context::default());
    let AlternativeOutcome::Evaluated(steps) = &a.alternatives[0] else {
        panic!("not evaluated");
    };
    assert_eq!(steps[2].evaluation.decision, Decision::ExplicitDeny);
    assert_eq!(steps[2].evaluation.statements[0].policy, "guardrail");
}

#[test]
fn passrole_with_lambda_hidden_by_a_boundary_that_does_not_allow_it() {
    let identity = [allow(&LAMBDA, "*")];
    let boundary = allow(&["lambda:*", "s3:*"], "*");
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert!(!ids_with(ROLE, &set, &Context::default()).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
    let m = escalation::method("PASSROLE-LAMBDA-CREATE-INVOKE")
        .unwrap()
        .unwrap();
    let a = assess(m, ROLE, ACCT, &set, &Context::default());
    let AlternativeOutcome::Evaluated(steps) = &a.alternatives[0] else {
        panic!("not evaluated");
    };
    assert_eq!(
        steps[0].evaluation.implicit_deny,
        Some(ImplicitDenyReason::PermissionsBoundary)
    );
    // A boundary that allows it changes nothing.
    let boundary = allow(&["iam:PassRole", "lambda:*"], "*");
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert!(ids_with(ROLE, &set, &Context::default()).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
}

#[test]
fn passrole_with_lambda_hidden_by_an_scp_deny() {
    let identity = [allow(&LAMBDA, "*")];
    let scps = [vec![scp_denying(&["iam:PassRole"])]];
    let set = PolicySet {
        identity: &identity,
        scps: &scps,
        ..Default::default()
    };
    let found = ids_with(ROLE, &set, &Context::default());
    assert!(
        !found.contains("PASSROLE-LAMBDA-CREATE-INVOKE"),
        "{found:?}"
    );
    // An SCP that denies something else leaves it.
    let scps = [vec![scp_denying(&["organizations:LeaveOrganization"])]];
    let set = PolicySet {
        identity: &identity,
        scps: &scps,
        ..Default::default()
    };
    assert!(ids_with(ROLE, &set, &Context::default()).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
}

#[test]
fn passrole_with_lambda_needs_passed_to_service_lambda() {
    let pass = |service: &str| {
        [
            allow_if(
                &["iam:PassRole"],
                "*",
                &format!(r#"{{"StringEquals":{{"iam:PassedToService":"{service}"}}}}"#),
            ),
            allow(&["lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
        ]
    };
    assert!(ids(ROLE, &pass("lambda.amazonaws.com")).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
    let to_ec2 = ids(ROLE, &pass("ec2.amazonaws.com"));
    assert!(
        !to_ec2.contains("PASSROLE-LAMBDA-CREATE-INVOKE"),
        "{to_ec2:?}"
    );
}

#[test]
fn passrole_limited_to_a_role_path_is_not_a_way_to_any_role() {
    let identity = [
        allow(
            &["iam:PassRole"],
            "arn:aws:iam::111122223333:role/service-role/lambda-*",
        ),
        allow(&["lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
    ];
    assert!(!ids(ROLE, &identity).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
    // The same statement on every role of the account is.
    let identity = [
        allow(&["iam:PassRole"], "arn:aws:iam::111122223333:role/*"),
        allow(&["lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
    ];
    assert!(ids(ROLE, &identity).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
    // Or of another account: not this one's roles.
    let identity = [
        allow(&["iam:PassRole"], "arn:aws:iam::444455556666:role/*"),
        allow(&["lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
    ];
    assert!(!ids(ROLE, &identity).contains("PASSROLE-LAMBDA-CREATE-INVOKE"));
}

#[test]
fn passrole_with_lambda_add_permission_is_stopped_by_a_deny_of_invoke() {
    let identity = [allow(
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:AddPermission",
        ],
        "*",
    )];
    // No identity policy allows the invocation: the attacker's resource policy does.
    let f = finding(
        ROLE,
        &only(&identity),
        &Context::default(),
        "PASSROLE-LAMBDA-ADD-PERMISSION",
    )
    .expect("found");
    assert_eq!(f.steps[3].action, "lambda:InvokeFunction");
    assert_eq!(f.steps[3].statements[0].kind, PolicyKind::Resource);
    let identity = [
        allow(
            &[
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:AddPermission",
            ],
            "*",
        ),
        deny(&["lambda:InvokeFunction"]),
    ];
    assert!(!ids(ROLE, &identity).contains("PASSROLE-LAMBDA-ADD-PERMISSION"));
}

#[test]
fn updating_function_code_reports_the_first_alternative_allowed() {
    let alone = [allow(&["lambda:UpdateFunctionCode"], "*")];
    let f = finding(
        ROLE,
        &only(&alone),
        &Context::default(),
        "LAMBDA-UPDATE-FUNCTION-CODE",
    )
    .expect("found");
    assert_eq!(f.alternative, 2);
    let with_invoke = [allow(
        &["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
        "*",
    )];
    let f = finding(
        ROLE,
        &only(&with_invoke),
        &Context::default(),
        "LAMBDA-UPDATE-FUNCTION-CODE",
    )
    .expect("found");
    assert_eq!(f.alternative, 0);
    assert_eq!(f.steps.len(), 2);
}

// ---- PassRole + EC2 ---------------------------------------------------------------------

#[test]
fn passrole_with_run_instances_needs_every_resource_of_the_launch() {
    let identity = [allow(&["iam:PassRole", "ec2:RunInstances"], "*")];
    assert!(ids(ROLE, &identity).contains("PASSROLE-EC2-RUN-INSTANCES"));
    // `ec2:RunInstances` on instances only: AWS also checks the image, subnet, security
    // group and network interface, so the launch fails.
    let identity = [
        allow(&["iam:PassRole"], "*"),
        allow(&["ec2:RunInstances"], "arn:aws:ec2:*:*:instance/*"),
    ];
    assert!(!ids(ROLE, &identity).contains("PASSROLE-EC2-RUN-INSTANCES"));
}

#[test]
fn a_region_guardrail_applies_to_the_requested_region() {
    let identity = [allow(&["iam:PassRole", "ec2:RunInstances"], "*")];
    let scps = [vec![policy(
        "scp",
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","NotAction":"iam:*","Resource":"*",
             "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#,
    )]];
    let set = PolicySet {
        identity: &identity,
        scps: &scps,
        ..Default::default()
    };
    // Without a region in the context the key is absent, and `StringNotEquals` on an absent
    // key matches: the guardrail denies, as AWS would for a request without the key.
    assert!(!ids_with(ROLE, &set, &Context::default()).contains("PASSROLE-EC2-RUN-INSTANCES"));
    // In the allowed region the launch is possible, and the resources are in that region.
    let ctx = context(&[("aws:RequestedRegion", "eu-west-1")]);
    let f = finding(ROLE, &set, &ctx, "PASSROLE-EC2-RUN-INSTANCES").expect("found");
    assert_eq!(
        f.steps[1].resource,
        "arn:aws:ec2:eu-west-1:111122223333:instance/i-iamsnap-escalation-target"
    );
    let ctx = context(&[("aws:RequestedRegion", "us-west-2")]);
    assert!(!ids_with(ROLE, &set, &ctx).contains("PASSROLE-EC2-RUN-INSTANCES"));
}

// ---- IAM ----------------------------------------------------------------------------------

#[test]
fn create_policy_version_is_found_and_hidden_by_a_deny() {
    let identity = [allow(
        &["iam:CreatePolicyVersion"],
        "arn:aws:iam::111122223333:policy/*",
    )];
    assert_eq!(
        ids(ROLE, &identity),
        BTreeSet::from(["IAM-CREATE-POLICY-VERSION".to_owned()])
    );
    let identity = [allow(&["iam:*"], "*"), deny(&["iam:CreatePolicyVersion"])];
    assert!(!ids(ROLE, &identity).contains("IAM-CREATE-POLICY-VERSION"));
}

#[test]
fn managing_its_own_access_keys_is_not_creating_another_users_key() {
    // The AWS example policy that lets users manage their own credentials.
    let own = [allow(
        &["iam:CreateAccessKey", "iam:UpdateLoginProfile"],
        "arn:aws:iam::111122223333:user/${aws:username}",
    )];
    assert_eq!(ids(USER, &own), BTreeSet::new());
    let any = [allow(
        &["iam:CreateAccessKey"],
        "arn:aws:iam::111122223333:user/*",
    )];
    assert!(ids(USER, &any).contains("IAM-CREATE-ACCESS-KEY"));
}

#[test]
fn an_inline_policy_on_its_own_user_is_found_for_that_user_only() {
    let own = [allow(
        &["iam:PutUserPolicy"],
        "arn:aws:iam::111122223333:user/${aws:username}",
    )];
    let f = finding(
        USER,
        &only(&own),
        &Context::default(),
        "IAM-PUT-USER-POLICY",
    )
    .expect("found");
    assert_eq!(f.alternative, 0);
    assert_eq!(f.steps[0].resource, USER);
    // A role cannot use a policy on users it does not own (it cannot be them).
    assert!(!ids(ROLE, &own).contains("IAM-PUT-USER-POLICY"));
}

#[test]
fn attaching_a_policy_to_its_own_role_honours_the_policy_arn_condition() {
    let any_policy = [allow(&["iam:AttachRolePolicy"], "*")];
    let f = finding(
        ROLE,
        &only(&any_policy),
        &Context::default(),
        "IAM-ATTACH-ROLE-POLICY",
    )
    .expect("found");
    assert_eq!(f.alternative, 0);
    assert_eq!(f.steps[0].resource, ROLE);
    // A role session acts on its role.
    let f = finding(
        SESSION,
        &only(&any_policy),
        &Context::default(),
        "IAM-ATTACH-ROLE-POLICY",
    )
    .expect("found");
    assert_eq!(f.steps[0].resource, ROLE);
    // Only a read-only policy may be attached: AdministratorAccess is refused.
    let read_only = [allow_if(
        &["iam:AttachRolePolicy"],
        "*",
        r#"{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}"#,
    )];
    assert!(!ids(ROLE, &read_only).contains("IAM-ATTACH-ROLE-POLICY"));
    // A user attaching to a role it can assume.
    let user = [allow(&["iam:AttachRolePolicy", "sts:AssumeRole"], "*")];
    let f = finding(
        USER,
        &only(&user),
        &Context::default(),
        "IAM-ATTACH-ROLE-POLICY",
    )
    .expect("found");
    assert_eq!(f.alternative, 1);
}

#[test]
fn rewriting_a_trust_policy_is_stopped_only_by_what_still_applies_to_assume_role() {
    let identity = [allow(&["iam:UpdateAssumeRolePolicy"], "*")];
    // No identity policy allows sts:AssumeRole: the rewritten trust policy does.
    let f = finding(
        USER,
        &only(&identity),
        &Context::default(),
        "IAM-UPDATE-ASSUME-ROLE-POLICY",
    )
    .expect("found");
    assert_eq!(f.steps[1].statements[0].kind, PolicyKind::Resource);
    // An explicit deny of sts:AssumeRole stops it.
    let denied = [
        allow(&["iam:UpdateAssumeRolePolicy"], "*"),
        deny(&["sts:AssumeRole"]),
    ];
    assert!(!ids(USER, &denied).contains("IAM-UPDATE-ASSUME-ROLE-POLICY"));
    // So does an SCP.
    let scps = [vec![scp_denying(&["sts:AssumeRole"])]];
    let set = PolicySet {
        identity: &identity,
        scps: &scps,
        ..Default::default()
    };
    assert!(!ids_with(USER, &set, &Context::default()).contains("IAM-UPDATE-ASSUME-ROLE-POLICY"));
}

#[test]
fn group_methods_apply_to_users_only() {
    let identity = [allow(&["iam:AddUserToGroup", "iam:PutGroupPolicy"], "*")];
    let for_user = ids(USER, &identity);
    assert!(for_user.contains("IAM-ADD-USER-TO-GROUP"));
    assert!(for_user.contains("IAM-PUT-GROUP-POLICY"));
    assert_eq!(ids(ROLE, &identity), BTreeSet::new());
    let m = escalation::method("IAM-ADD-USER-TO-GROUP")
        .unwrap()
        .unwrap();
    let a = assess(m, ROLE, ACCT, &only(&identity), &Context::default());
    assert_eq!(a.skipped, Some(Skipped::PrincipalKind));
}

#[test]
fn removing_a_boundary_matters_only_with_a_boundary_that_allows_it() {
    let identity = [admin()];
    let m = escalation::method("IAM-DELETE-PERMISSIONS-BOUNDARY")
        .unwrap()
        .unwrap();
    let a = assess(m, ROLE, ACCT, &only(&identity), &Context::default());
    assert_eq!(a.skipped, Some(Skipped::NoBoundary));

    let generous = allow(&["iam:*", "s3:*"], "*");
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&generous),
        ..Default::default()
    };
    let f = finding(
        ROLE,
        &set,
        &Context::default(),
        "IAM-DELETE-PERMISSIONS-BOUNDARY",
    )
    .expect("found");
    assert_eq!(f.alternative, 1);
    assert_eq!(f.steps[0].action, "iam:DeleteRolePermissionsBoundary");

    let strict = allow(&["s3:*"], "*");
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&strict),
        ..Default::default()
    };
    let found = ids_with(ROLE, &set, &Context::default());
    assert!(!found.contains("IAM-DELETE-PERMISSIONS-BOUNDARY"));
    assert_eq!(found, BTreeSet::new(), "an s3-only boundary leaves nothing");
}

#[test]
fn replacing_a_boundary_with_a_fixed_one_is_not_an_escalation() {
    // The usual delegation: the principal may only set the boundary it already has.
    let identity = [allow_if(
        &["iam:PutRolePermissionsBoundary"],
        "*",
        r#"{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::111122223333:policy/DevBoundary"}}"#,
    )];
    let boundary = admin();
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: Some(&boundary),
        ..Default::default()
    };
    assert!(!ids_with(ROLE, &set, &Context::default()).contains("IAM-PUT-PERMISSIONS-BOUNDARY"));
}

// ---- existing resources -------------------------------------------------------------------

#[test]
fn send_command_needs_the_shell_document() {
    let identity = [allow(&["ssm:SendCommand"], "*")];
    assert!(ids(ROLE, &identity).contains("SSM-SEND-COMMAND"));
    let custom_document = [
        allow(&["ssm:SendCommand"], "arn:aws:ec2:*:*:instance/*"),
        allow(&["ssm:SendCommand"], "arn:aws:ssm:*:*:document/PatchOnly"),
    ];
    assert!(!ids(ROLE, &custom_document).contains("SSM-SEND-COMMAND"));
}

#[test]
fn an_mfa_condition_holds_only_when_the_context_says_so() {
    let identity = [allow_if(
        &["codebuild:StartBuild"],
        "*",
        r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
    )];
    assert!(!ids(ROLE, &identity).contains("CODEBUILD-START-BUILD"));
    let ctx = context(&[("aws:MultiFactorAuthPresent", "true")]);
    assert!(ids_with(ROLE, &only(&identity), &ctx).contains("CODEBUILD-START-BUILD"));
}

#[test]
fn a_session_policy_limits_like_a_boundary() {
    let identity = [admin()];
    let session = allow(&["s3:*"], "*");
    let set = PolicySet {
        identity: &identity,
        session: Some(&session),
        ..Default::default()
    };
    assert_eq!(
        ids_with(SESSION, &set, &Context::default()),
        BTreeSet::new()
    );
}

#[test]
fn conditions_on_the_principal_see_the_keys_aws_always_sets() {
    // A guardrail that exempts the break-glass role.
    let identity = [admin()];
    let scps = [vec![policy(
        "scp",
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"iam:*","Resource":"*",
             "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/break-glass"}}}]}"#,
    )]];
    let set = PolicySet {
        identity: &identity,
        scps: &scps,
        ..Default::default()
    };
    let app = ids_with(ROLE, &set, &Context::default());
    assert!(!app.contains("IAM-CREATE-POLICY-VERSION"));
    assert!(
        !app.contains("PASSROLE-EC2-RUN-INSTANCES"),
        "iam:PassRole is denied too"
    );
    assert!(app.contains("SSM-SEND-COMMAND"));
    let glass = ids_with(
        "arn:aws:sts::111122223333:assumed-role/break-glass/oncall",
        &set,
        &Context::default(),
    );
    assert!(glass.contains("IAM-CREATE-POLICY-VERSION"));
}

/// `possible_escalations` stops evaluating an alternative at its first denied step; it must
/// report exactly what assessing every step of every method reports, finding included.
#[test]
fn the_short_cut_finds_what_full_assessment_finds() {
    let all = escalation::methods().unwrap();
    // For every method, a policy granting its first alternative, and one granting all but the
    // last action of it; then pairs of those, and with denies of single actions.
    let mut sets: Vec<Vec<CompiledPolicy>> = Vec::new();
    for m in all {
        let actions: Vec<&str> = m.required[0].iter().map(|r| r.action.as_str()).collect();
        sets.push(vec![allow(&actions, "*")]);
        if actions.len() > 1 {
            sets.push(vec![allow(&actions[..actions.len() - 1], "*")]);
            sets.push(vec![allow(&actions, "*"), deny(&actions[1..2])]);
        }
    }
    sets.push(vec![admin()]);
    sets.push(vec![admin(), deny(&["iam:PassRole"])]);
    for identity in &sets {
        for principal in [USER, ROLE, SESSION] {
            let set = only(identity);
            let ctx = Context::default();
            let full: Vec<(String, usize, Vec<escalation::Step>)> = all
                .iter()
                .filter_map(|m| assess(m, principal, ACCT, &set, &ctx).finding())
                .map(|f| (f.method.id.clone(), f.alternative, f.steps))
                .collect();
            let short: Vec<(String, usize, Vec<escalation::Step>)> =
                possible_escalations(principal, ACCT, &set, &ctx)
                    .into_iter()
                    .map(|f| (f.method.id.clone(), f.alternative, f.steps))
                    .collect();
            assert_eq!(short, full, "{principal}");
        }
    }
}
