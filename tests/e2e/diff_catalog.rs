//! `iamsnap diff` with the action catalog each snapshot carries (`catalog_actions`): access
//! gained only because actions were added to a granted wildcard is reported apart from
//! access gained through a change of the account, and a snapshot of format version 2
//! (without the table) is still compared as before.
//!
//! The older catalog is made by rewriting the `catalog_actions` table of a snapshot written
//! by this iamsnap without a few actions (and its manifest entry and `catalog_date` to
//! match), which is what a snapshot written by an iamsnap with an older catalog holds.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{AsArray, BooleanArray};
use arrow::compute::{concat_batches, filter_record_batch};
use iamsnap_snapshot::{Snapshot, TableBuilder, sha256_file, table};
use serde_json::{Value, json};

use crate::common::*;
use crate::diff::{
    ACCOUNT, APP_ROLE, account, import, json_report, policy_document, record, write_log,
};

/// S3 actions the older catalog lacks: AWS added them between the two captures.
pub(crate) const ADDED: [&str; 3] = ["s3:GetObjectTagging", "s3:ListBucket", "s3:PutObjectAcl"];

/// The catalog date the rewritten (older) catalog claims.
const OLDER_DATE: &str = "2025-01-15";

/// Rewrites the `catalog_actions` table of `snap` without `removed`, with `extra` actions
/// (of no access level), and its manifest to match, `catalog_date` set
/// to `date`.
pub(crate) fn rewrite_catalog(snap: &Path, removed: &[&str], extra: &[&str], date: &str) {
    let def = table("catalog_actions").unwrap();
    let batch = Snapshot::open(snap)
        .unwrap()
        .read_table("catalog_actions")
        .unwrap();
    let names = batch
        .column_by_name("action")
        .unwrap()
        .as_string::<i32>()
        .clone();
    let present: BTreeSet<&str> = names.iter().flatten().collect();
    for r in removed {
        assert!(present.contains(r), "{r} is not in the catalog");
    }
    let keep: BooleanArray = names
        .iter()
        .map(|n| Some(!removed.contains(&n.unwrap())))
        .collect();
    let kept = filter_record_batch(&batch, &keep).unwrap();
    let mut more = TableBuilder::new(def);
    for name in extra {
        let service = name.split(':').next().unwrap();
        more.push(&[
            service.into(),
            (*name).into(),
            Vec::<String>::new().as_slice().into(),
        ])
        .unwrap();
    }
    let all = concat_batches(&def.schema(), [&kept, &more.finish().unwrap()]).unwrap();
    let rows = all.num_rows();
    assert_eq!(rows, batch.num_rows() - removed.len() + extra.len());

    let file = snap.join("catalog_actions.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&file).unwrap(),
        Arc::clone(&def.schema()),
        None,
    )
    .unwrap();
    w.write(&all).unwrap();
    w.close().unwrap();

    let path = snap.join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let entry = m["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["name"] == "catalog_actions")
        .unwrap();
    entry["rows"] = rows.into();
    entry["sha256"] = sha256_file(&file).unwrap().into();
    m["catalog_date"] = date.into();
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// Turns `snap` into what an iamsnap of format version 2 wrote: none of the tables added
/// since (`catalog_actions`, the organization tables).
fn downgrade_to_format_2(snap: &Path, date: &str) {
    let path = snap.join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["format_version"] = 2.into();
    m["catalog_date"] = date.into();
    for t in iamsnap_snapshot::TABLES.iter().filter(|t| t.since > 2) {
        m["tables"]
            .as_array_mut()
            .unwrap()
            .retain(|e| e["name"] != t.name);
        std::fs::remove_file(snap.join(t.file_name())).unwrap();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// Two snapshots of the same account, granting `s3:*` on `*` to role `app` on both sides;
/// the old one written with a catalog that lacks [`ADDED`].
pub(crate) fn grown_pair(
    dir: &Path,
    old_statements: Value,
    new_statements: Value,
) -> (String, String) {
    let old = import(dir, "old", &account(&policy_document(old_statements)), &[]);
    let new = import(dir, "new", &account(&policy_document(new_statements)), &[]);
    rewrite_catalog(Path::new(&old), &ADDED, &[], OLDER_DATE);
    (old, new)
}

fn s3_everything() -> Value {
    json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn exit(args: &[&str]) -> Option<i32> {
    run(args).status.code()
}

#[test]
fn a_snapshot_carries_the_catalog_it_was_written_with() {
    let dir = tempfile::tempdir().unwrap();
    let snap = import(
        dir.path(),
        "snap",
        &account(&policy_document(s3_everything())),
        &[],
    );
    let m: Value = serde_json::from_str(&ok(&["inspect", &snap, "--format", "json"])).unwrap();
    assert_eq!(m["format_version"], iamsnap_snapshot::FORMAT_VERSION);
    let catalog: Vec<String> =
        serde_json::from_str::<Value>(&ok(&["catalog", "actions", "*", "--format", "json"]))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap().to_owned())
            .collect();
    assert!(catalog.len() > 10_000);
    assert_eq!(
        rows(Path::new(&snap), "catalog_actions"),
        catalog.len() as u64
    );
    let q: Value = serde_json::from_str(&ok(&[
        "query",
        &snap,
        "select service, access_levels from catalog_actions where action = 's3:GetObject'",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(q, json!([{"service": "s3", "access_levels": ["Read"]}]));
}

#[test]
fn catalog_growth_is_reported_apart_and_not_as_new_access() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = grown_pair(dir.path(), s3_everything(), s3_everything());

    let r = json_report(&old, &new);
    assert_eq!(r["access"], json!([]), "{r:#}");
    assert_eq!(r["changes"], json!([]), "{r:#}");
    assert_eq!(r["risks"], json!([]), "{r:#}");
    let c = &r["catalog"];
    assert_eq!(c["compared"], true);
    assert_eq!(strings(&c["added"]), ADDED);
    assert_eq!(c["retired"], json!([]));
    assert_eq!(c["unknown"], json!([]));
    let changes = c["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{r:#}");
    let g = &changes[0];
    assert_eq!(g["kind"], "catalog_growth");
    assert_eq!(g["principal_arn"], APP_ROLE);
    assert_eq!(g["principal_type"], "role");
    assert_eq!(g["resource"], "*");
    assert_eq!(strings(&g["actions"]), ADDED);
    assert_eq!(g["levels"]["List"], 1);
    assert_eq!(g["conditional"], false);
    let note = r["catalog_note"].as_str().unwrap();
    assert!(
        note.starts_with(&format!(
            "the snapshots were written with different action catalogs ({OLDER_DATE} and "
        )) && note.contains("3 action(s) were added to the catalog and 0 retired"),
        "{note}"
    );

    // Not new access; growth, and a difference.
    assert_eq!(
        exit(&["diff", &old, &new, "--fail-on", "new-access"]),
        Some(0)
    );
    assert_eq!(
        exit(&["diff", &old, &new, "--fail-on", "new-admin"]),
        Some(0)
    );
    assert_eq!(
        exit(&["diff", &old, &new, "--fail-on", "catalog-growth"]),
        Some(1)
    );
    assert_eq!(exit(&["diff", &old, &new, "--fail-on", "any"]), Some(1));

    let table = ok(&["diff", &old, &new, "--width", "400"]);
    assert!(
        table.lines().nth(1).unwrap().starts_with("note: "),
        "{table}"
    );
    assert!(
        table.contains("\nAccess changed by the action catalog\n"),
        "{table}"
    );
    assert!(!table.contains("Effective access"), "{table}");
    assert!(table.contains("catalog-growth"), "{table}");
    assert!(
        table.contains("s3:GetObjectTagging, s3:ListBucket, s3:PutObjectAcl"),
        "{table}"
    );
    assert!(
        table.trim_end().ends_with(
            "0 structural change(s); access gained on 0 and lost on 0 (principal, resource) pair(s); 0 risk change(s); through the action catalog, access gained on 1 and lost on 0 (principal, resource) pair(s)"
        ),
        "{table}"
    );
    let md = ok(&["diff", &old, &new, "--format", "markdown"]);
    assert!(
        md.contains("\n## Access changed by the action catalog\n"),
        "{md}"
    );
    assert!(md.contains("| catalog-growth | role app | * | s3:GetObjectTagging, s3:ListBucket, s3:PutObjectAcl |"), "{md}");
    assert!(
        md.contains("> **Note:** the snapshots were written with different action catalogs"),
        "{md}"
    );

    // Backwards, the newer catalog's actions are retired, not lost access.
    let back = json_report(&new, &old);
    assert_eq!(back["access"], json!([]), "{back:#}");
    assert_eq!(strings(&back["catalog"]["retired"]), ADDED);
    let changes = back["catalog"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["kind"], "catalog_retirement");
    assert_eq!(strings(&changes[0]["actions"]), ADDED);
    assert_eq!(
        exit(&["diff", &new, &old, "--fail-on", "catalog-growth"]),
        Some(0)
    );
    assert_eq!(exit(&["diff", &new, &old, "--fail-on", "any"]), Some(1));
}

#[test]
fn a_policy_change_beside_catalog_growth_is_still_new_access() {
    let dir = tempfile::tempdir().unwrap();
    // `s3:*` is unchanged; `sqs:SendMessage` is widened to `sqs:*`. `sqs:TagQueue` is new
    // in the catalog too, but the old policy would not have granted it: new access.
    let old = json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
    ]);
    let new = json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}
    ]);
    let (old, new) = {
        let old_snap = import(dir.path(), "old", &account(&policy_document(old)), &[]);
        let new_snap = import(dir.path(), "new", &account(&policy_document(new)), &[]);
        let mut removed = ADDED.to_vec();
        removed.push("sqs:TagQueue");
        rewrite_catalog(Path::new(&old_snap), &removed, &[], OLDER_DATE);
        (old_snap, new_snap)
    };
    let r = json_report(&old, &new);
    let access = r["access"].as_array().unwrap();
    assert_eq!(access.len(), 1, "{r:#}");
    let a = &access[0];
    assert_eq!(a["principal_arn"], APP_ROLE);
    assert_eq!(a["resource"], "*");
    let gained = strings(&a["gained"]);
    assert!(gained.iter().all(|g| g.starts_with("sqs:")), "{gained:?}");
    assert!(gained.contains(&"sqs:TagQueue".to_owned()), "{gained:?}");
    assert!(gained.contains(&"sqs:DeleteQueue".to_owned()), "{gained:?}");
    assert!(
        !gained.contains(&"sqs:SendMessage".to_owned()),
        "{gained:?}"
    );
    assert_eq!(a["lost"], json!([]));
    let changes = r["catalog"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{r:#}");
    assert_eq!(changes[0]["kind"], "catalog_growth");
    assert_eq!(strings(&changes[0]["actions"]), ADDED);
    let mut added = ADDED.to_vec();
    added.push("sqs:TagQueue");
    assert_eq!(strings(&r["catalog"]["added"]), added);
    // The statement change is reported as such.
    let statement = r["changes"].as_array().unwrap();
    assert_eq!(statement.len(), 1, "{r:#}");
    assert_eq!(statement[0]["object"], "statement");

    assert_eq!(
        exit(&["diff", &old, &new, "--fail-on", "new-access"]),
        Some(1)
    );
    assert_eq!(
        exit(&["diff", &old, &new, "--fail-on", "catalog-growth"]),
        Some(1)
    );
}

#[test]
fn actions_a_recorded_catalog_has_and_the_embedded_one_lacks_are_named_in_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let old = import(
        dir.path(),
        "old",
        &account(&policy_document(s3_everything())),
        &[],
    );
    let new = import(
        dir.path(),
        "new",
        &account(&policy_document(s3_everything())),
        &[],
    );
    let date = serde_json::from_str::<Value>(
        &std::fs::read_to_string(Path::new(&new).join("manifest.json")).unwrap(),
    )
    .unwrap()["catalog_date"]
        .as_str()
        .unwrap()
        .to_owned();
    rewrite_catalog(Path::new(&new), &[], &["s3:DoSomethingNew"], &date);
    let r = json_report(&old, &new);
    assert_eq!(r["catalog"]["unknown"], json!(["s3:DoSomethingNew"]));
    assert_eq!(r["access"], json!([]));
    assert_eq!(r["catalog"]["changes"], json!([]));
    let note = r["catalog_note"].as_str().unwrap();
    assert!(
        note.starts_with(
            "the new snapshot's catalog lists 1 action(s) that this iamsnap's catalog"
        ) && note.contains("(e.g. `s3:DoSomethingNew`): wildcards are not expanded to them"),
        "{note}"
    );
    // The same catalog on both sides: no note.
    assert!(json_report(&old, &old).get("catalog_note").is_none());
}

#[test]
fn a_format_2_snapshot_still_diffs_with_the_embedded_catalog_and_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = grown_pair(dir.path(), s3_everything(), s3_everything());
    downgrade_to_format_2(Path::new(&old), OLDER_DATE);
    ok(&["inspect", &old]);

    let r = json_report(&old, &new);
    assert_eq!(r["catalog"]["compared"], false);
    assert_eq!(r["catalog"]["changes"], json!([]));
    assert_eq!(r["access"], json!([]), "{r:#}");
    let note = r["catalog_note"].as_str().unwrap();
    assert!(
        note.starts_with(&format!(
            "the snapshots were written with different action catalogs ({OLDER_DATE} and "
        )) && note.contains("access is computed for both with the embedded catalog")
            && note.contains("the old snapshot does not carry its catalog"),
        "{note}"
    );
    let table = ok(&["diff", &old, &new, "--fail-on", "any"]);
    assert!(table.contains("no changes"), "{table}");
    assert_eq!(
        table.matches("note: the snapshots were written").count(),
        1,
        "{table}"
    );
    let back = json_report(&new, &old);
    assert!(
        back["catalog_note"]
            .as_str()
            .unwrap()
            .contains("the new snapshot does not carry its catalog")
    );

    // Its tables can still be queried; the one it lacks is not there.
    let n = ok(&[
        "query",
        &old,
        "select count(*) as n from roles",
        "--format",
        "csv",
    ]);
    assert!(n.contains('1'), "{n}");
    let err = fails(&["query", &old, "select count(*) from catalog_actions"]);
    assert!(err.contains("catalog_actions"), "{err}");

    // Adding CloudTrail activity keeps its format: this iamsnap's catalog is not recorded
    // as the one it was written with.
    let log = dir.path().join("log.json");
    write_log(
        &log,
        vec![record(
            "role",
            "s3.amazonaws.com",
            "GetObject",
            "10.0.0.1",
            "us-east-1",
            None,
        )],
    );
    ok(&[
        "import",
        "--cloudtrail-logs",
        crate::common::s(&log),
        "--into",
        &old,
    ]);
    let snap = Snapshot::open(Path::new(&old)).unwrap();
    assert_eq!(snap.format_version(), 2);
    assert!(!snap.has_table("catalog_actions"));
    assert_eq!(snap.entry("activity").unwrap().rows, 1);
    assert_eq!(snap.manifest().account_ids, vec![ACCOUNT]);
    assert_eq!(json_report(&old, &new)["access"], json!([]));
}

#[test]
fn a_format_1_snapshot_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = grown_pair(dir.path(), s3_everything(), s3_everything());
    downgrade_to_format_2(Path::new(&old), OLDER_DATE);
    let path = Path::new(&old).join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("\"format_version\": 2,", "\"format_version\": 1,"),
    )
    .unwrap();
    let err = fails(&["diff", &old, &new]);
    assert!(
        err.contains(&format!(
            "has format version 1; this iamsnap reads format versions 2 to {}",
            iamsnap_snapshot::FORMAT_VERSION
        )),
        "{err}"
    );
}

#[test]
fn a_damaged_catalog_table_is_refused_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = grown_pair(dir.path(), s3_everything(), s3_everything());
    let file = Path::new(&new).join("catalog_actions.parquet");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 100]).unwrap();
    let err = fails(&["diff", &old, &new]);
    assert!(
        err.contains("table `catalog_actions` was modified or truncated"),
        "{err}"
    );
    std::fs::remove_file(&file).unwrap();
    let err = fails(&["diff", &old, &new]);
    assert!(err.contains("table `catalog_actions` is missing"), "{err}");

    // A manifest of the current format that does not list it.
    let path = Path::new(&old).join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["tables"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["name"] != "catalog_actions");
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let err = fails(&["diff", &old, &old]);
    assert!(
        err.contains("the manifest does not list table `catalog_actions`"),
        "{err}"
    );
}
