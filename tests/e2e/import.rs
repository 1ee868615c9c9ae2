use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::*;

fn pages() -> [std::path::PathBuf; 2] {
    [
        fixture("auth-details/page1.json"),
        fixture("auth-details/page2.json"),
    ]
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => vec![],
        one => vec![one],
    }
}

/// Row counts computed straight from the input JSON, independently of the importer.
fn expected_counts(files: &[std::path::PathBuf]) -> BTreeMap<&'static str, u64> {
    let mut c: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut groups: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut users = Vec::new();
    for f in files {
        let d: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        for g in as_list(&d["GroupDetailList"]) {
            let managed = as_list(&g["AttachedManagedPolicies"]).len() as u64;
            let inline = as_list(&g["GroupPolicyList"]).len() as u64;
            groups.insert(
                g["GroupName"].as_str().unwrap().to_owned(),
                (managed, inline),
            );
            *c.entry("groups").or_default() += 1;
            *c.entry("attachments").or_default() += managed + inline;
            *c.entry("policies").or_default() += inline;
        }
        for u in as_list(&d["UserDetailList"]) {
            users.push(u.clone());
        }
        for r in as_list(&d["RoleDetailList"]) {
            let managed = as_list(&r["AttachedManagedPolicies"]).len() as u64;
            let inline = as_list(&r["RolePolicyList"]).len() as u64;
            *c.entry("roles").or_default() += 1;
            *c.entry("attachments").or_default() += managed + inline;
            *c.entry("policies").or_default() += inline;
            let trust = &r["AssumeRolePolicyDocument"];
            let trust: Value = match trust {
                Value::String(s) => serde_json::from_str(
                    &percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .unwrap(),
                )
                .unwrap(),
                v => v.clone(),
            };
            for st in as_list(&trust["Statement"]) {
                match &st["Principal"] {
                    Value::String(_) => *c.entry("trust").or_default() += 1,
                    Value::Object(m) => {
                        for v in m.values() {
                            *c.entry("trust").or_default() += as_list(v).len() as u64;
                        }
                    }
                    _ => {}
                }
            }
            *c.entry("instance_profiles").or_default() +=
                as_list(&r["InstanceProfileList"]).len() as u64;
        }
        for p in as_list(&d["Policies"]) {
            *c.entry("policies").or_default() += 1;
            *c.entry("policy_versions").or_default() +=
                as_list(&p["PolicyVersionList"]).len() as u64;
        }
    }
    for u in &users {
        let managed = as_list(&u["AttachedManagedPolicies"]).len() as u64;
        let inline = as_list(&u["UserPolicyList"]).len() as u64;
        *c.entry("users").or_default() += 1;
        *c.entry("policies").or_default() += inline;
        *c.entry("attachments").or_default() += managed + inline;
        for g in as_list(&u["GroupList"]) {
            *c.entry("group_members").or_default() += 1;
            let (m, i) = groups[g.as_str().unwrap()];
            *c.entry("attachments").or_default() += m + i;
        }
    }
    c
}

#[test]
fn cli_pages_import_with_row_counts_matching_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("acme");
    let [p1, p2] = pages();
    let out = ok(&[
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "--credential-report",
        s(&fixture("credential-report/report.csv")),
        "-o",
        s(&snap),
        "--captured-at",
        "2026-11-22T00:00:00Z",
    ]);
    assert!(
        out.starts_with("imported account 123456789012 into"),
        "{out}"
    );
    for (table, n) in expected_counts(&pages()) {
        assert_eq!(rows(&snap, table), n, "table {table}");
    }
    // 3 users + root; Bob has two keys, Charlie one inactive key.
    assert_eq!(rows(&snap, "credential_report"), 4);
    assert_eq!(rows(&snap, "access_keys"), 3);
    // The example's AWS managed policies that are attached but not listed are noted.
    assert!(
        out.contains(
            "note: 5 managed policies are attached or used as boundaries but absent from the input"
        ),
        "{out}"
    );

    let inspect = ok(&["inspect", s(&snap)]);
    assert!(inspect.contains("123456789012"), "{inspect}");
    assert!(inspect.contains("2026-11-22T00:00:00+00:00"), "{inspect}");
    assert!(inspect.contains("all files match the manifest's sha256"));
    let json: Value =
        serde_json::from_str(&ok(&["inspect", s(&snap), "--format", "json"])).unwrap();
    assert_eq!(json["format_version"], iamsnap_snapshot::FORMAT_VERSION);
    assert_eq!(json["source"]["inputs"][0]["name"], "page1.json");
    assert_eq!(json["source"]["inputs"][2]["kind"], "credential_report");
    // Roles were created from 2014 on; the OIDC role was last used 2026-11-20.
    assert_eq!(
        json["table_data"]["roles"]["earliest"],
        "2014-07-30T17:09:20+00:00"
    );
    assert_eq!(
        json["table_data"]["roles"]["latest"],
        "2026-11-20T08:15:00+00:00"
    );
}

#[test]
fn url_encoded_raw_api_pages_give_the_same_snapshot_as_decoded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let decoded = dir.path().join("decoded");
    let raw = dir.path().join("raw");
    let [p1, p2] = pages();
    let at = "2026-11-22T00:00:00Z";
    ok(&[
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "-o",
        s(&decoded),
        "--captured-at",
        at,
    ]);
    ok(&[
        "import",
        "--auth-details",
        s(&fixture("auth-details/raw-api-page1.json")),
        "--auth-details",
        s(&fixture("auth-details/raw-api-page2.json")),
        "-o",
        s(&raw),
        "--captured-at",
        at,
    ]);
    let a = iamsnap_snapshot::Snapshot::open(&decoded).unwrap();
    let b = iamsnap_snapshot::Snapshot::open(&raw).unwrap();
    // Same documents, same dates: every table is byte-identical.
    assert_eq!(a.manifest().tables, b.manifest().tables);
}

#[test]
fn trust_rows_classify_principals_and_keep_conditions() {
    use arrow::array::{Array, AsArray};
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s");
    let [p1, p2] = pages();
    ok(&[
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "-o",
        s(&snap),
    ]);
    let trust = iamsnap_snapshot::Snapshot::open(&snap)
        .unwrap()
        .read_table("trust")
        .unwrap();
    let col = |name: &str| {
        trust
            .column_by_name(name)
            .unwrap()
            .as_string::<i32>()
            .clone()
    };
    let (principal, kind, provider) = (col("principal"), col("principal_kind"), col("provider"));
    let cross = trust
        .column_by_name("is_cross_account")
        .unwrap()
        .as_boolean()
        .clone();
    let keys = trust
        .column_by_name("condition_keys")
        .unwrap()
        .as_list::<i32>()
        .clone();
    let mut seen = Vec::new();
    for i in 0..trust.num_rows() {
        let k = keys.value(i);
        let k = k.as_string::<i32>();
        seen.push((
            principal.value(i).to_owned(),
            kind.value(i).to_owned(),
            cross.value(i),
            (!provider.is_null(i)).then(|| provider.value(i).to_owned()),
            (0..k.len())
                .map(|j| k.value(j).to_owned())
                .collect::<Vec<_>>(),
        ));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("444455556666".into(), "account".into(), true, None, vec![]),
            (
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
                    .into(),
                "oidc".into(),
                false,
                Some("token.actions.githubusercontent.com".into()),
                vec![
                    "token.actions.githubusercontent.com:aud".into(),
                    "token.actions.githubusercontent.com:sub".into()
                ]
            ),
            (
                "arn:aws:iam::999988887777:root".into(),
                "account".into(),
                true,
                None,
                vec![]
            ),
            (
                "ec2.amazonaws.com".into(),
                "service".into(),
                false,
                None,
                vec![]
            ),
        ]
    );
}

#[test]
fn force_replaces_an_existing_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s");
    let [p1, p2] = pages();
    let args = [
        "import",
        "--auth-details",
        s(&p1),
        "--auth-details",
        s(&p2),
        "-o",
        s(&snap),
    ];
    ok(&args);
    let err = fails(&args);
    assert!(err.contains("already exists"), "{err}");
    assert!(err.contains("pass --force"), "{err}");
    let mut forced = args.to_vec();
    forced.push("--force");
    ok(&forced);
    assert_eq!(
        listing(dir.path())
            .iter()
            .filter(|p| p.starts_with('.'))
            .count(),
        0
    );
}

#[test]
fn a_truncated_capture_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s");
    let p1 = fixture("auth-details/page1.json");
    let err = fails(&["import", "--auth-details", s(&p1), "-o", s(&snap)]);
    assert!(
        err.contains("the input is incomplete: every page has `IsTruncated: true`"),
        "{err}"
    );
    assert!(err.contains("--starting-token"), "{err}");
    assert!(listing(dir.path()).is_empty());
    let out = ok(&[
        "import",
        "--auth-details",
        s(&p1),
        "-o",
        s(&snap),
        "--allow-truncated",
    ]);
    assert!(out.contains("note: the input is incomplete"), "{out}");
}

#[test]
fn service_last_accessed_data_is_imported_and_a_bad_file_refused() {
    let dir = tempfile::tempdir().unwrap();
    let queries = root().join("queries/fixtures/nhi");
    let auth = queries.join("last-accessed.json");
    let sla = queries.join("last-accessed-services.json");
    let snap = dir.path().join("snap");
    ok(&[
        "import",
        "--auth-details",
        auth.to_str().unwrap(),
        "--service-last-accessed",
        sla.to_str().unwrap(),
        "--captured-at",
        "2026-11-01T00:00:00Z",
        "-o",
        snap.to_str().unwrap(),
    ]);
    let out = ok(&[
        "query",
        snap.to_str().unwrap(),
        "select principal_name, service_namespace, last_authenticated is null as never from service_last_accessed order by 1, 2",
        "--format",
        "csv",
    ]);
    assert_eq!(
        out,
        "principal_name,service_namespace,never\nlambda-any-object,kms,true\nlambda-any-object,s3,false\nlambda-bounded,s3,true\nlambda-deployer,iam,false\nlambda-deployer,lambda,false\nlambda-pass-to-lambda,iam,false\n"
    );
    // A report for something that is not a user or role: exit 2, nothing written.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"arn:aws:s3:::bucket": {"ServicesLastAccessed": []}}"#,
    )
    .unwrap();
    let out2 = dir.path().join("snap2");
    let err = fails(&[
        "import",
        "--auth-details",
        auth.to_str().unwrap(),
        "--service-last-accessed",
        bad.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
    ]);
    assert!(err.contains("not the ARN of an IAM user or role"), "{err}");
    assert!(!out2.exists());
}

/// Generates an account of `roles` roles with id `account` into `dir`, returning the JSON.
fn generated(dir: &std::path::Path, account: &str, seed: &str) -> std::path::PathBuf {
    let json = dir.join(format!("{account}.json"));
    ok(&[
        "generate",
        "--roles",
        "12",
        "--seed",
        seed,
        "--account-id",
        account,
        "-o",
        s(&json),
    ]);
    json
}

/// The findings of `check` as comparable rows.
fn findings(snapshot: &std::path::Path) -> std::collections::BTreeSet<String> {
    let out = run(&["check", s(snapshot), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["account_id"], f["rule_id"], f["resource"], f["detail"], f["message"]
            )
        })
        .collect()
}

fn inspect_json(snapshot: &std::path::Path) -> Value {
    serde_json::from_str(&ok(&["inspect", s(snapshot), "--format", "json"])).unwrap()
}

#[test]
fn a_file_of_two_accounts_imports_as_two_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = ("111122223333", "444455556666");
    let a_json = generated(dir.path(), a, "3");
    let b_json = generated(dir.path(), b, "4");
    // One file holding both, as tools that merge captures write it.
    let read = |p: &std::path::Path| -> Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let (da, db) = (read(&a_json), read(&b_json));
    let mut merged = serde_json::Map::new();
    for list in [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ] {
        let mut items = da[list].as_array().unwrap().clone();
        items.extend(db[list].as_array().unwrap().iter().cloned());
        merged.insert(list.to_owned(), Value::Array(items));
    }
    merged.insert("IsTruncated".to_owned(), Value::Bool(false));
    let both = dir.path().join("both.json");
    std::fs::write(&both, serde_json::to_vec(&merged).unwrap()).unwrap();

    let import = |input: &std::path::Path, name: &str, extra: &[&str]| {
        let snap = dir.path().join(name);
        let mut args = vec!["import", "--auth-details", s(input), "-o", s(&snap)];
        args.extend(extra);
        let out = run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        (snap, stdout(&out), stderr(&out))
    };
    let (sa, _, _) = import(&a_json, "a", &[]);
    let (sb, _, _) = import(&b_json, "b", &[]);
    let (sm, out, err) = import(&both, "both", &[]);
    assert!(
        out.starts_with(&format!("imported accounts {a}, {b} into")),
        "{out}"
    );
    assert!(err.contains("the input holds 2 accounts"), "{err}");
    assert!(err.contains(&format!("account {a}: ")), "{err}");
    assert!(err.contains(&format!("account {b}: ")), "{err}");

    // Each account's rows are what the account imported alone has.
    let merged_info = inspect_json(&sm);
    assert_eq!(merged_info["account_ids"], serde_json::json!([a, b]));
    for (alone, account) in [(&sa, a), (&sb, b)] {
        let info = inspect_json(alone);
        for (table, data) in info["table_data"].as_object().unwrap() {
            let Some(counts) = data["rows_by_account"].as_object() else {
                assert_eq!(table, "catalog_actions");
                continue;
            };
            let alone_rows = counts.get(account).and_then(Value::as_u64).unwrap_or(0);
            let merged_rows = merged_info["table_data"][table]["rows_by_account"][account]
                .as_u64()
                .unwrap_or(0);
            assert_eq!(merged_rows, alone_rows, "{table} of {account}");
        }
    }
    // The table format shows them too.
    let text = ok(&["inspect", s(&sm)]);
    let header = text
        .lines()
        .find(|l| l.contains("rows per account"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(header.contains(a) && header.contains(b), "{header}");
    assert!(
        text.lines()
            .any(|l| l.contains("roles") && l.matches(" 12 ").count() == 2),
        "{text}"
    );

    // The rules find in each account what they find in it alone.
    let mut expected = findings(&sa);
    expected.extend(findings(&sb));
    assert_eq!(findings(&sm), expected);

    // `--account` imports one of them.
    let (only_b, out, err) = import(&both, "only-b", &["--account", b]);
    assert!(
        out.starts_with(&format!("imported account {b} into")),
        "{out}"
    );
    assert!(out.contains(&format!("the input also holds {a}")), "{out}");
    assert!(
        err.contains(&format!("importing account {b} only")),
        "{err}"
    );
    assert_eq!(findings(&only_b), findings(&sb));
    for table in [
        "users",
        "roles",
        "groups",
        "policies",
        "statements",
        "trust",
    ] {
        assert_eq!(rows(&only_b, table), rows(&sb, table), "{table}");
    }

    // An account the input does not hold: the accounts found, exit 2, nothing written.
    let before = listing(dir.path());
    let wrong = dir.path().join("wrong");
    let err = fails(&[
        "import",
        "--auth-details",
        s(&both),
        "--account",
        "999999999999",
        "-o",
        s(&wrong),
    ]);
    assert!(
        err.contains(&format!(
            "the input holds no account `999999999999`: the accounts found are {a}, {b}"
        )),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");
    assert_eq!(listing(dir.path()), before);
    let err = fails(&[
        "import",
        "--auth-details",
        s(&both),
        "--account",
        "12345",
        "-o",
        s(&wrong),
    ]);
    assert!(err.contains("not an AWS account id"), "{err}");
}

#[test]
fn nulls_of_real_captures_import_and_bad_values_are_told_in_user_terms() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(fixture("auth-details/page2.json")).unwrap())
            .unwrap();
    for p in doc["Policies"].as_array_mut().unwrap() {
        p["PermissionsBoundaryUsageCount"] = Value::Null;
        p["AttachmentCount"] = Value::Null;
        p["UpdateDate"] = Value::Null;
    }
    let file = dir.path().join("capture.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let snap = dir.path().join("s");
    ok(&["import", "--auth-details", s(&file), "-o", s(&snap)]);
    let q = ok(&[
        "query",
        s(&snap),
        "SELECT count(*) AS n FROM policies WHERE arn IS NOT NULL AND attachment_count IS NULL AND update_date IS NULL",
        "--format",
        "csv",
    ]);
    let managed = doc["Policies"].as_array().unwrap().len().to_string();
    assert_eq!(q.lines().nth(1), Some(managed.as_str()), "{q}");

    // A value of the wrong kind: the file, the path, what is expected and what was found.
    doc["RoleDetailList"][1]["RoleLastUsed"] = serde_json::json!({"LastUsedDate": false});
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let err = fails(&[
        "import",
        "--auth-details",
        s(&file),
        "-o",
        s(&dir.path().join("t")),
    ]);
    assert!(
        err.contains("at `RoleDetailList[1].RoleLastUsed.LastUsedDate`: expected a date such as"),
        "{err}"
    );
    assert!(err.contains("found `false`"), "{err}");
    for word in ["untagged", "enum", "i64", "struct"] {
        assert!(!err.contains(word), "{err}");
    }
    // The help does not ask for the output the user gave.
    assert!(!err.contains("give the output of"), "{err}");
    assert!(err.contains("help:"), "{err}");
}
