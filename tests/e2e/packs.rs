//! The tests that the rule packs of `queries/` carry, run through `iamsnap test`.

use std::path::Path;

use crate::common::*;

#[test]
fn every_rule_of_the_packs_is_tested_both_ways_and_passes() {
    let queries = root().join("queries");
    let out = run(&["test", s(&queries), "--require-coverage"]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "iamsnap test failed:\n{text}\n{}",
        stderr(&out)
    );
    assert!(text.contains(" passed, 0 failed\n"), "{text}");
    assert!(!text.contains("FAIL"), "{text}");
    assert!(
        !text.contains("rules without a positive and a negative test"),
        "{text}"
    );
    for pack in ["queries/nhi.rules", "queries/cis.rules"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("ok ") && l.contains(pack)),
            "no passing test of {pack}:\n{text}"
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn a_wrong_expectation_fails_and_names_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let queries = root().join("queries");
    copy_dir(
        &queries.join("fixtures/nhi"),
        &dir.path().join("fixtures/nhi"),
    );
    let pack = std::fs::read_to_string(queries.join("nhi.rules")).unwrap();
    let right = "expect NHI-KEY-003 on [\"user/svc/data-sync\"]";
    assert_eq!(pack.matches(right).count(), 1, "the pack changed: {right}");
    let path = dir.path().join("nhi.rules");
    std::fs::write(&path, pack.replace(right, "expect NHI-KEY-003 none")).unwrap();

    let out = run(&["test", s(&path), "--require-coverage"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("FAIL ") && text.contains(":: access keys and machine users"),
        "{text}"
    );
    assert!(
        text.contains(
            "NHI-KEY-003: expected no finding, got arn:aws:iam::111122223333:user/svc/data-sync"
        ),
        "{text}"
    );
    assert!(text.contains(" passed, 1 failed\n"), "{text}");
    // The untouched copy passes: the failure is the changed expectation's.
    std::fs::write(&path, &pack).unwrap();
    let out = run(&["test", s(&path), "--require-coverage"]);
    assert!(out.status.success(), "{}", stdout(&out));
}
