use crate::common::*;

fn p(name: &str) -> String {
    s(&fixture(&format!("policies/{name}"))).to_owned()
}

#[test]
fn validate_counts_what_each_statement_grants_and_flags_unknown_actions() {
    let out = ok(&["policy", "validate", &p("deployer.json")]);
    assert!(out.contains("0 (ReadReports)"), "{out}");
    assert!(!out.contains("warning"), "{out}");
    let out = run(&["policy", "validate", &p("typo.json"), "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("unknown action `s3:GetObjekt`, did you mean `s3:GetObject`?"),
        "{text}"
    );
    assert!(text.contains("`foo:*` matches no known action"), "{text}");
}

#[test]
fn validate_rejects_an_unknown_condition_operator_with_its_place() {
    let err = fails(&["policy", "validate", &p("invalid.json")]);
    assert!(
        err.contains("error: invalid policy document: unknown condition operator `StringEqual`, did you mean `StringEquals`?"),
        "{err}"
    );
    // The place: file, line and column, and the operator underlined with its path.
    assert!(err.contains("invalid.json:1:108\n"), "{err}");
    assert!(
        err.contains("^^^^^^^^^^^^^ at `Statement[0].Condition`"),
        "{err}"
    );
    assert!(err.contains("help: "), "{err}");
}

#[test]
fn simulate_explains_allow_deny_and_boundaries() {
    let base = ["policy", "simulate", "--policy"];
    let deployer = p("deployer.json");
    let sim = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.push(&deployer);
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = sim(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::reports/q3.csv",
        "--context",
        "aws:RequestedRegion=eu-west-1",
    ]);
    assert_eq!(
        stdout(&out),
        "decision: allow\n  identity policy `".to_owned()
            + &deployer
            + "`, statement 0 (ReadReports)\n"
    );
    let out = sim(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::reports/q3.csv",
        "--context",
        "aws:RequestedRegion=us-east-1",
        "--expect",
        "allow",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("decision: explicit deny\n"),
        "{}",
        stdout(&out)
    );
    let boundary = p("boundary.json");
    let out = sim(&[
        "--boundary",
        &boundary,
        "--action",
        "iam:PassRole",
        "--resource",
        "arn:aws:iam::111122223333:role/app",
        "--expect",
        "deny",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "decision: implicit deny: the permissions boundary does not allow it\n"
    );
    let err = fails(&[
        "policy",
        "simulate",
        "--policy",
        &deployer,
        "--action",
        "lambda:CreateFunktion",
    ]);
    assert!(
        err.contains("did you mean `lambda:CreateFunction`?"),
        "{err}"
    );
}

#[test]
fn simulate_takes_the_resource_account_from_its_arn_and_trust_policies_for_assume_role() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let allow_all = write(
        "all.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    // A queue of another account, without its policy: across accounts, denied — the
    // resource's account comes from its ARN, not the principal's.
    let out = run(&[
        "policy",
        "simulate",
        "--policy",
        &allow_all,
        "--action",
        "sqs:SendMessage",
        "--resource",
        "arn:aws:sqs:eu-west-1:444455556666:jobs",
    ]);
    assert_eq!(
        stdout(&out),
        "decision: implicit deny: across accounts, the resource's policy must allow the principal\n  across accounts: the principal's 111122223333 and the resource's 444455556666 (from the resource's ARN)\n"
    );
    // An AWS managed policy belongs to AWS: no customer's policy lets anyone change it.
    let out = run(&[
        "policy",
        "simulate",
        "--policy",
        &allow_all,
        "--action",
        "iam:CreatePolicyVersion",
        "--resource",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
    assert_eq!(
        stdout(&out),
        "decision: implicit deny: across accounts, the resource's policy must allow the principal\n  across accounts: the principal's 111122223333 and the resource's aws (AWS's: an AWS managed policy belongs to no customer's account)\n"
    );
    // A trust policy is the resource policy of sts:AssumeRole.
    let trust = write(
        "trust.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#,
    );
    let out = run(&[
        "policy",
        "simulate",
        "--policy",
        &allow_all,
        "--resource-policy",
        &trust,
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::444455556666:role/deploy",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["decision"], "allow", "{v}");
    assert_eq!(v["request"]["resource_account"], "444455556666");
    assert_eq!(v["statements"][1]["kind"], "resource", "{v}");
    // Several SCPs at one level: each level must allow, any policy of a level may.
    let scp_allow = write(
        "scp-allow.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let scp_s3 = write(
        "scp-s3.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
    );
    let scp_sqs = write(
        "scp-sqs.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#,
    );
    let level = format!("{scp_s3},{scp_sqs}");
    let ask = |action: &str| {
        run(&[
            "policy", "simulate", "--policy", &allow_all, "--scp", &scp_allow, "--scp", &level,
            "--action", action,
        ])
    };
    assert_eq!(
        stdout(&ask("sqs:ListQueues")),
        format!("decision: allow\n  identity policy `{allow_all}`, statement 0\n")
    );
    assert_eq!(
        stdout(&ask("ec2:RunInstances")),
        format!(
            "decision: implicit deny: no service control policy at {scp_s3}, {scp_sqs} allows it\n"
        )
    );
}

#[test]
fn escalations_are_found_with_the_statements_that_enable_them() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = dir.path().join("lambda.json");
    std::fs::write(
        &lambda,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}]}"#,
    )
    .unwrap();
    let out = run(&["policy", "escalations", "--policy", s(&lambda)]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("PASSROLE-LAMBDA-CREATE-INVOKE"), "{text}");
    // A boundary that does not allow iam:PassRole removes the method.
    let boundary = p("boundary.json");
    let out = run(&[
        "policy",
        "escalations",
        "--policy",
        s(&lambda),
        "--boundary",
        &boundary,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A read-only policy finds nothing.
    let read = dir.path().join("read.json");
    std::fs::write(
        &read,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","ec2:Describe*"],"Resource":"*"}]}"#,
    )
    .unwrap();
    assert_eq!(
        run(&["policy", "escalations", "--policy", s(&read)])
            .status
            .code(),
        Some(0)
    );
}
