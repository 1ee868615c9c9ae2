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
    assert_eq!(json["format_version"], 3);
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
