use std::fs;

use serde_json::Value;

use crate::common::*;

#[test]
fn generation_is_deterministic_by_seed_and_imports_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |name: &str, seed: &str| {
        let json = dir.path().join(format!("{name}.json"));
        let csv = dir.path().join(format!("{name}.csv"));
        ok(&[
            "generate",
            "--roles",
            "300",
            "--seed",
            seed,
            "-o",
            s(&json),
            "--credential-report",
            s(&csv),
        ]);
        (fs::read(&json).unwrap(), fs::read(&csv).unwrap(), json, csv)
    };
    let (a_json, a_csv, json, csv) = generate("a", "7");
    let (b_json, b_csv, _, _) = generate("b", "7");
    let (c_json, _, _, _) = generate("c", "8");
    assert!(
        a_json == b_json && a_csv == b_csv,
        "same seed, different output"
    );
    assert!(a_json != c_json, "different seeds, same output");

    let d: Value = serde_json::from_slice(&a_json).unwrap();
    let users = d["UserDetailList"].as_array().unwrap().len() as u64;
    assert_eq!(d["RoleDetailList"].as_array().unwrap().len(), 300);
    let snap = dir.path().join("snap");
    ok(&[
        "import",
        "--auth-details",
        s(&json),
        "--credential-report",
        s(&csv),
        "-o",
        s(&snap),
    ]);
    assert_eq!(rows(&snap, "roles"), 300);
    assert_eq!(rows(&snap, "users"), users);
    assert_eq!(rows(&snap, "credential_report"), users + 1);
    assert!(rows(&snap, "access_keys") > 0);
    assert!(rows(&snap, "statements") > 300);
}

#[test]
fn existing_output_files_are_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("a.json");
    fs::write(&json, "mine").unwrap();
    let err = fails(&["generate", "--roles", "5", "-o", s(&json)]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_to_string(&json).unwrap(), "mine");
    assert_eq!(listing(dir.path()), vec!["a.json"]);
}
