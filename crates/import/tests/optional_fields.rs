//! Every field the IAM API's model lets `GetAccountAuthorizationDetails` and
//! `GetServiceLastAccessedDetails` omit reads both absent and `null`, in real-format
//! documents: the AWS CLI's documented example, the raw API's URL-encoded pages, a
//! generated account and the model's own example output. The fields iamsnap cannot do
//! without ([`NEEDED_FIELDS`]) are refused with a message naming the place and saying what
//! is expected, in the user's terms.
//!
//! The model's fields come from `data/iam-model.json`, derived from botocore's
//! `service-2.json` by `iam_model.py`; `model_list_is_current` checks it against the
//! botocore installed with the test tools (`IAMSNAP_UPDATE_DOCS=1` rewrites it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use arrow::array::Array;
use arrow::record_batch::RecordBatch;
use iamsnap_import::auth_details::{AuthDetails, NEEDED_FIELDS};
use iamsnap_import::{ImportError, Page, build_tables, last_accessed};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
struct Member {
    required: bool,
    list: bool,
    #[serde(rename = "type")]
    kind: String,
    shape: String,
}

#[derive(Debug, Deserialize)]
struct Model {
    roots: BTreeMap<String, String>,
    shapes: BTreeMap<String, BTreeMap<String, Member>>,
    examples: BTreeMap<String, Value>,
}

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const MODEL_FILE: &str = "tests/data/iam-model.json";

fn model() -> Model {
    serde_json::from_slice(&std::fs::read(here().join(MODEL_FILE)).unwrap()).unwrap()
}

#[test]
fn model_list_is_current() {
    if std::env::var("IAMSNAP_SKIP_MODEL_CHECK").as_deref() == Ok("1") {
        return;
    }
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "IAMSNAP_TEST_PYTHON is not set: this test derives the IAM model's fields from \
             botocore; run it with scripts/test (it installs botocore with moto), or set \
             IAMSNAP_SKIP_MODEL_CHECK=1 to skip it explicitly"
        )
    });
    let out = std::process::Command::new(&python)
        .arg(here().join("tests/iam_model.py"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(
        out.status.success(),
        "iam_model.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = String::from_utf8(out.stdout).unwrap();
    let path = here().join(MODEL_FILE);
    if std::env::var_os("IAMSNAP_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == fresh,
        "{MODEL_FILE} differs from the installed botocore's IAM model: rewrite it with \
         `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-import --test optional_fields` and review \
         what the import must now accept"
    );
}

/// Every (shape, member) the model leaves optional, with the member.
fn optional_members(model: &Model) -> Vec<(&str, &str, &Member)> {
    model
        .shapes
        .iter()
        .flat_map(|(shape, members)| {
            members
                .iter()
                .filter(|(_, m)| !m.required)
                .map(move |(name, m)| (shape.as_str(), name.as_str(), m))
        })
        .collect()
}

/// The objects of shape `wanted` in `value` (of shape `shape`), as JSON pointers.
fn occurrences(
    model: &Model,
    value: &Value,
    shape: &str,
    at: &str,
    wanted: &str,
    out: &mut Vec<String>,
) {
    let Value::Object(map) = value else { return };
    if shape == wanted {
        out.push(at.to_owned());
    }
    let Some(members) = model.shapes.get(shape) else {
        return;
    };
    for (name, m) in members {
        if m.kind != "structure" {
            continue;
        }
        let Some(child) = map.get(name) else { continue };
        let path = format!("{at}/{name}");
        match child {
            Value::Array(items) if m.list => {
                for (i, item) in items.iter().enumerate() {
                    occurrences(model, item, &m.shape, &format!("{path}/{i}"), wanted, out);
                }
            }
            other => occurrences(model, other, &m.shape, &path, wanted, out),
        }
    }
}

/// `doc` with `member` of every object of shape `shape` set to `null` (or removed);
/// `None` when the document has no such object.
fn variant(
    model: &Model,
    root: &str,
    doc: &Value,
    shape: &str,
    member: &str,
    null: bool,
) -> Option<Value> {
    let mut at = Vec::new();
    occurrences(model, doc, root, "", shape, &mut at);
    if at.is_empty() {
        return None;
    }
    let mut doc = doc.clone();
    for pointer in at {
        let Some(Value::Object(object)) = doc.pointer_mut(&pointer) else {
            panic!("{pointer} is not an object");
        };
        if null {
            object.insert(member.to_owned(), Value::Null);
        } else {
            object.remove(member);
        }
    }
    Some(doc)
}

/// Words that would name a type or construct of the program rather than the input.
const PROGRAM_WORDS: [&str; 10] = [
    "untagged", "enum", "struct", "i64", "u64", "Option", "Vec<", "String", "serde", "variant",
];

fn assert_user_terms(message: &str) {
    for word in PROGRAM_WORDS {
        assert!(
            !message.contains(word),
            "`{word}` in the message: {message}"
        );
    }
}

struct Source {
    name: String,
    doc: Value,
}

fn fixture(name: &str) -> Source {
    let path = here().join("../../tests/fixtures/auth-details").join(name);
    Source {
        name: name.to_owned(),
        doc: serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap(),
    }
}

fn generated() -> Source {
    let opts = iamsnap_generate::GenerateOptions {
        roles: 12,
        seed: 7,
        at: chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .to_utc(),
        account_id: "111122223333".to_owned(),
        drift: true,
        drift_at: None,
        organization: None,
    };
    let account = iamsnap_generate::generate(&opts).unwrap();
    Source {
        name: "generated".to_owned(),
        doc: serde_json::to_value(&account.details).unwrap(),
    }
}

fn import(doc: &Value, file: &str) -> Result<Vec<(String, RecordBatch)>, ImportError> {
    let text = serde_json::to_vec(doc).unwrap();
    let details = AuthDetails::read(text.as_slice(), file)?;
    let pages = [Page {
        file: file.to_owned(),
        details,
        account: None,
    }];
    Ok(build_tables(&pages, &[], true)?
        .tables
        .into_iter()
        .map(|(t, b)| (t.name.to_owned(), b))
        .collect())
}

/// Every cell of `got` equals the baseline's, or is null (the field's documented null).
fn same_or_null(base: &[(String, RecordBatch)], got: &[(String, RecordBatch)], what: &str) {
    assert_eq!(base.len(), got.len());
    for ((name, b), (_, g)) in base.iter().zip(got) {
        assert_eq!(b.num_rows(), g.num_rows(), "{what}: rows of `{name}`");
        for (i, field) in b.schema().fields().iter().enumerate() {
            let (bc, gc) = (b.column(i), g.column(i));
            for row in 0..bc.len() {
                if gc.is_null(row) {
                    assert!(field.is_nullable(), "{what}: {name}.{} null", field.name());
                    continue;
                }
                assert!(
                    bc.slice(row, 1).to_data() == gc.slice(row, 1).to_data(),
                    "{what}: {name}.{} row {row} changed",
                    field.name()
                );
            }
        }
    }
}

#[test]
fn every_optional_auth_details_field_reads_absent_and_null() {
    let model = model();
    let root = &model.roots["GetAccountAuthorizationDetails"];
    let needed: BTreeSet<(&str, &str)> = NEEDED_FIELDS.iter().copied().collect();
    // The needed fields are fields of the model that it leaves optional.
    for (shape, member) in &needed {
        let m = model.shapes.get(*shape).and_then(|s| s.get(*member));
        assert!(
            m.is_some_and(|m| !m.required),
            "{shape}.{member} is not an optional field of the model"
        );
    }
    let sources = [
        fixture("page1.json"),
        fixture("page2.json"),
        fixture("raw-api-page2.json"),
        generated(),
    ];
    let reachable: BTreeSet<&str> = {
        let mut out = BTreeSet::new();
        let mut todo = vec![root.as_str()];
        while let Some(s) = todo.pop() {
            if out.insert(s) {
                for m in model.shapes.get(s).into_iter().flat_map(|m| m.values()) {
                    if m.kind == "structure" {
                        todo.push(&m.shape);
                    }
                }
            }
        }
        out
    };
    let mut exercised: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut checked = 0;
    for source in &sources {
        let base =
            import(&source.doc, &source.name).unwrap_or_else(|e| panic!("{}: {e}", source.name));
        for (shape, member, m) in optional_members(&model) {
            if !reachable.contains(shape) {
                continue;
            }
            let (Some(nulled), Some(removed)) = (
                variant(&model, root, &source.doc, shape, member, true),
                variant(&model, root, &source.doc, shape, member, false),
            ) else {
                continue;
            };
            exercised.insert((shape, member));
            let what = format!("{}: {shape}.{member}", source.name);
            let (with_null, without) = (import(&nulled, "f.json"), import(&removed, "f.json"));
            checked += 1;
            if needed.contains(&(shape, member)) {
                for (how, result) in [("null", with_null), ("absent", without)] {
                    let Err(e) = result else {
                        // A needed field the document does not hold anyway.
                        assert!(
                            removed == source.doc,
                            "{what} {how}: imported without a field iamsnap needs"
                        );
                        continue;
                    };
                    let message = e.to_string();
                    assert!(message.starts_with("`f.json`"), "{what} {how}: {message}");
                    assert!(
                        message.contains(member) || matches!(e, ImportError::Document { .. }),
                        "{what} {how}: the message does not name the field: {message}"
                    );
                    assert_user_terms(&message);
                    assert!(e.help().is_some(), "{what}: no help");
                }
                continue;
            }
            let with_null = with_null.unwrap_or_else(|e| panic!("{what} null: {e}"));
            let without = without.unwrap_or_else(|e| panic!("{what} absent: {e}"));
            assert!(with_null == without, "{what}: null and absent differ");
            if !m.list && m.kind != "structure" {
                same_or_null(&base, &without, &what);
            }
        }
    }
    assert!(checked > 100, "only {checked} checks");
    // Every optional field of a shape iamsnap reads was tried in some document.
    let missed: Vec<String> = optional_members(&model)
        .into_iter()
        .filter(|(s, m, _)| reachable.contains(s) && !exercised.contains(&(*s, *m)))
        .map(|(s, m, _)| format!("{s}.{m}"))
        .collect();
    assert!(missed.is_empty(), "never exercised: {missed:?}");
}

#[test]
fn aws_managed_policy_nulls_of_real_captures_read_as_unknown() {
    let mut doc = fixture("page2.json").doc;
    for p in doc["Policies"].as_array_mut().unwrap() {
        for field in [
            "PermissionsBoundaryUsageCount",
            "AttachmentCount",
            "UpdateDate",
        ] {
            p[field] = Value::Null;
        }
    }
    let tables = import(&doc, "f.json").unwrap();
    let (_, policies) = tables.iter().find(|(n, _)| n == "policies").unwrap();
    for column in [
        "attachment_count",
        "permissions_boundary_usage_count",
        "update_date",
    ] {
        let c = policies.column_by_name(column).unwrap();
        let managed = policies.column_by_name("arn").unwrap();
        for row in 0..c.len() {
            if managed.is_valid(row) {
                assert!(c.is_null(row), "{column} row {row}");
            }
        }
    }
}

#[test]
fn a_wrong_value_names_file_path_and_what_is_expected() {
    let mut doc = fixture("page1.json").doc;
    doc["RoleDetailList"][0]["RoleLastUsed"] = serde_json::json!({"LastUsedDate": true});
    let e = import(&doc, "capture.json").unwrap_err().to_string();
    assert!(
        e.starts_with(
            "`capture.json`: at `RoleDetailList[0].RoleLastUsed.LastUsedDate`: expected a date such as `2014-07-30T17:09:20Z`"
        ),
        "{e}"
    );
    assert!(e.contains("found `true`"), "{e}");
    let mut doc = fixture("page2.json").doc;
    doc["Policies"][0]["AttachmentCount"] = Value::from("three");
    let e = import(&doc, "capture.json").unwrap_err();
    assert_eq!(
        e.to_string().split(" at line ").next().unwrap(),
        "`capture.json`: at `Policies[0].AttachmentCount`: expected a whole number, found the string \"three\""
    );
    assert_user_terms(&e.to_string());
}

#[test]
fn every_optional_last_accessed_field_reads_absent_and_null() {
    let model = model();
    let root = &model.roots["GetServiceLastAccessedDetails"];
    let example = &model.examples["GetServiceLastAccessedDetails"];
    let file = |doc: &Value| {
        serde_json::json!({ "arn:aws:iam::123456789012:user/AWSExampleUser01": doc }).to_string()
    };
    let base = last_accessed::parse(&file(example), "sla.json").unwrap();
    assert_eq!(base.len(), 2);
    let mut checked = 0;
    for (shape, member, m) in optional_members(&model) {
        let (Some(nulled), Some(removed)) = (
            variant(&model, root, example, shape, member, true),
            variant(&model, root, example, shape, member, false),
        ) else {
            continue;
        };
        checked += 1;
        let what = format!("{shape}.{member}");
        let with_null = last_accessed::parse(&file(&nulled), "sla.json")
            .unwrap_or_else(|e| panic!("{what} null: {e}"));
        let without = last_accessed::parse(&file(&removed), "sla.json")
            .unwrap_or_else(|e| panic!("{what} absent: {e}"));
        assert_eq!(with_null, without, "{what}");
        if !m.list {
            assert_eq!(with_null.len(), base.len(), "{what}");
        }
    }
    assert!(checked >= 8, "only {checked} checks");
}
