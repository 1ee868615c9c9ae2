use crate::common::*;

fn demo(name: &str) -> String {
    s(&root().join("snapshots").join(name)).to_owned()
}

fn pair() -> (String, String) {
    (demo("demo-2026-11-01"), demo("demo-2026-11-22"))
}

#[test]
fn diff_table_reports_the_planted_drift() {
    let (old, new) = pair();
    let out = ok(&["diff", &old, &new]);
    for expected in [
        "Risk changes",
        "Structural changes",
        "Effective access",
        "partner-data-sync",
        "999988887777",
        "without an sts:ExternalId condition",
        "gh-actions-deploy-new",
        "no `sub` condition",
        "ci-deployer",
        "Action [s3:GetObject] → [s3:*]",
        "user svc-reporting",
        "Permissions management",
        "8 structural change(s)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn diff_of_a_snapshot_with_itself_is_clean() {
    let (old, _) = pair();
    let out = ok(&["diff", &old, &old, "--fail-on", "any"]);
    assert!(out.contains("no changes"), "{out}");
}

#[test]
fn diff_json_is_the_report() {
    let (old, new) = pair();
    let out = ok(&["diff", &old, &new, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["changes"].as_array().unwrap().len(), 8);
    assert_eq!(v["risks"].as_array().unwrap().len(), 3);
    let kinds: Vec<&str> = v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"new_trust") && kinds.contains(&"new_key"));
    let gained = v["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principal_name"] == "svc-reporting")
        .unwrap();
    assert!(
        gained["gained"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "s3:PutObject")
    );
}

#[test]
fn diff_markdown_has_sections_and_tables() {
    let (old, new) = pair();
    let out = ok(&["diff", &old, &new, "--format", "markdown"]);
    assert!(out.starts_with("# iamsnap diff\n"), "{out}");
    for expected in [
        "## Risk changes",
        "## Structural changes",
        "## Effective access",
        "| risk | subject | detail |",
        "| new-key |",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn diff_fail_on_sets_the_exit_code() {
    let (old, new) = pair();
    let code = |args: &[&str]| run(args).status.code();
    // Nothing in the demo drift makes a principal admin-equivalent.
    assert_eq!(
        code(&["diff", &old, &new, "--fail-on", "new-admin"]),
        Some(0)
    );
    for category in ["new-access", "new-trust", "new-key", "any"] {
        assert_eq!(
            code(&["diff", &old, &new, "--fail-on", category]),
            Some(1),
            "{category}"
        );
    }
    // Backwards everything is a removal: no new access, trust or key.
    for category in ["new-access", "new-trust", "new-key", "new-admin"] {
        assert_eq!(
            code(&["diff", &new, &old, "--fail-on", category]),
            Some(0),
            "{category}"
        );
    }
    assert_eq!(code(&["diff", &new, &old, "--fail-on", "any"]), Some(1));
}

#[test]
fn diff_bad_input_exits_2() {
    let (old, _) = pair();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = fails(&["diff", &old, s(&missing)]);
    assert!(err.contains("nope"), "{err}");
    let err = fails(&["diff", s(dir.path()), &old]);
    assert!(err.contains("not an iamsnap snapshot"), "{err}");

    // A snapshot of another format version.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(&old).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
    }
    let manifest = copy.join("manifest.json");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"format_version\": 1", "\"format_version\": 99");
    std::fs::write(&manifest, text).unwrap();
    let err = fails(&["diff", &old, s(&copy)]);
    assert!(err.contains("format version 99"), "{err}");

    fails(&["diff", &old, &old, "--fail-on", "sometimes"]);
    fails(&["diff", &old, &old, "--format", "xml"]);
}
