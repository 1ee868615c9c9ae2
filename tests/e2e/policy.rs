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
