#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;

use chrono::{TimeZone, Utc};
use iamsnap_snapshot::{
    Cell, FORMAT_VERSION, ManifestInfo, Snapshot, SnapshotError, SnapshotWriter, Source, TABLES,
    TableBuilder, table,
};

fn info() -> ManifestInfo {
    ManifestInfo {
        captured_at: Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap(),
        source: Source {
            kind: "import".into(),
            inputs: vec![],
        },
        account_ids: vec!["111122223333".into()],
        catalog_date: Some("2026-09-26".into()),
        notes: vec![],
    }
}

/// Writes a snapshot with one group row and every other table empty.
fn write_snapshot(dest: &Path, force: bool) -> Result<(), SnapshotError> {
    let mut w = SnapshotWriter::create(dest, force)?;
    for t in TABLES {
        let mut b = TableBuilder::new(t);
        if t.name == "groups" {
            b.push(&[
                "111122223333".into(),
                "arn:aws:iam::111122223333:group/ops".into(),
                "ops".into(),
                "AGPAEXAMPLE".into(),
                "/".into(),
                Cell::Timestamp(Some(Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap())),
            ])?;
        }
        w.write_table(t, &[b.finish()?])?;
    }
    w.finish(info())?;
    Ok(())
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn write_then_open_round_trips_rows_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    let snap = Snapshot::open(&dest).unwrap();
    assert_eq!(snap.manifest().account_ids, vec!["111122223333"]);
    assert_eq!(snap.manifest().tables.len(), TABLES.len());
    assert_eq!(snap.entry("groups").unwrap().rows, 1);
    let groups = snap.read_table("groups").unwrap();
    assert_eq!(groups.num_rows(), 1);
    assert_eq!(
        groups.schema().fields(),
        table("groups").unwrap().schema().fields()
    );
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn identical_data_gives_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    write_snapshot(&dir.path().join("a"), false).unwrap();
    write_snapshot(&dir.path().join("b"), false).unwrap();
    let a = Snapshot::open(&dir.path().join("a")).unwrap();
    let b = Snapshot::open(&dir.path().join("b")).unwrap();
    assert_eq!(a.manifest(), b.manifest());
}

#[test]
fn existing_output_is_refused_without_force_and_replaced_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    let err = write_snapshot(&dest, false).unwrap_err();
    assert!(matches!(err, SnapshotError::Exists { .. }), "{err}");
    write_snapshot(&dest, true).unwrap();
    Snapshot::open(&dest).unwrap();
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn force_never_replaces_a_folder_that_is_not_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("precious");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("notes.txt"), "keep me").unwrap();
    let err = write_snapshot(&dest, true).unwrap_err();
    assert!(matches!(err, SnapshotError::NotReplaceable { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(dest.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn an_unfinished_writer_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("new/parent/snap");
    {
        let mut w = SnapshotWriter::create(&dest, false).unwrap();
        let t = table("users").unwrap();
        w.write_table(t, &[TableBuilder::new(t).finish().unwrap()])
            .unwrap();
        // Dropped without finish, as on an error part-way through an import.
    }
    assert!(!dest.exists());
    assert!(!dir.path().join("new").exists());
    // Finishing without every table is an error and leaves nothing either.
    let mut w = SnapshotWriter::create(&dest, false).unwrap();
    let t = table("users").unwrap();
    w.write_table(t, &[TableBuilder::new(t).finish().unwrap()])
        .unwrap();
    assert!(w.finish(info()).is_err());
    assert!(!dir.path().join("new").exists());
}

#[test]
fn a_modified_or_truncated_table_is_reported_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    let file = dest.join("groups.parquet");
    let bytes = fs::read(&file).unwrap();
    fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let err = Snapshot::open(&dest).unwrap_err();
    assert!(matches!(err, SnapshotError::HashMismatch { .. }));
    assert!(
        err.to_string()
            .starts_with("table `groups` was modified or truncated"),
        "{err}"
    );

    fs::remove_file(&file).unwrap();
    let err = Snapshot::open(&dest).unwrap_err();
    assert!(matches!(err, SnapshotError::MissingFile { .. }), "{err}");
}

#[test]
fn another_format_version_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    let manifest = dest.join("manifest.json");
    let text = fs::read_to_string(&manifest).unwrap();
    let current = format!("\"format_version\": {FORMAT_VERSION}");
    assert!(text.contains(&current), "{text}");
    for version in [99, 1] {
        fs::write(
            &manifest,
            text.replace(&current, &format!("\"format_version\": {version}")),
        )
        .unwrap();
        let err = Snapshot::open(&dest).unwrap_err();
        assert!(matches!(err, SnapshotError::FormatVersion { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "snapshot `{}` has format version {version}; this iamsnap reads format versions 2 to {FORMAT_VERSION}",
                dest.display(),
            )
        );
    }
}

/// Turns the snapshot at `dest` into what a format-2 writer made: none of the tables added
/// since.
fn downgrade_to_format_2(dest: &Path) {
    let manifest = dest.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    m["format_version"] = 2.into();
    m["tables"]
        .as_array_mut()
        .unwrap()
        .retain(|t| table(t["name"].as_str().unwrap()).unwrap().in_format(2));
    fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    for t in TABLES.iter().filter(|t| !t.in_format(2)) {
        fs::remove_file(dest.join(t.file_name())).unwrap();
    }
}

#[test]
fn a_format_2_snapshot_opens_without_the_tables_added_since() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    downgrade_to_format_2(&dest);
    let snap = Snapshot::open(&dest).unwrap();
    assert_eq!(snap.format_version(), 2);
    assert!(snap.has_table("groups"));
    assert!(!snap.has_table("catalog_actions"));
    assert_eq!(snap.read_table("groups").unwrap().num_rows(), 1);
    let err = snap.read_table("catalog_actions").unwrap_err();
    assert!(matches!(err, SnapshotError::Absent { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "snapshot `{}` has no table `catalog_actions`: it has format version 2, and the table was added in format version 3",
            dest.display()
        )
    );
    // A name no version has is still unknown.
    let err = snap.read_table("nope").unwrap_err();
    assert!(matches!(err, SnapshotError::UnknownTable { .. }), "{err}");

    // A format-2 manifest that lists the table is not what a format-2 writer makes.
    let manifest = dest.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    let groups = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "groups")
        .unwrap()
        .clone();
    let mut listed = groups;
    listed["name"] = "catalog_actions".into();
    m["tables"].as_array_mut().unwrap().push(listed);
    fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let err = Snapshot::open(&dest).unwrap_err();
    assert!(matches!(err, SnapshotError::Tables { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("the manifest lists table `catalog_actions`, which format version 2 does not have (it was added in format version 3)"),
        "{err}"
    );
}

#[test]
fn a_format_3_snapshot_without_its_catalog_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    let file = dest.join("catalog_actions.parquet");
    let bytes = fs::read(&file).unwrap();

    // Truncated.
    fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let err = Snapshot::open(&dest).unwrap_err();
    assert!(matches!(err, SnapshotError::HashMismatch { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("table `catalog_actions` was modified or truncated"),
        "{err}"
    );

    // Removed.
    fs::remove_file(&file).unwrap();
    let err = Snapshot::open(&dest).unwrap_err();
    assert!(matches!(err, SnapshotError::MissingFile { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("table `catalog_actions` is missing"),
        "{err}"
    );

    // Not listed by a format-3 manifest.
    fs::write(&file, &bytes).unwrap();
    let manifest = dest.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    m["tables"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["name"] != "catalog_actions");
    fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let err = Snapshot::open(&dest).unwrap_err();
    assert!(matches!(err, SnapshotError::Tables { .. }), "{err}");
    assert!(
        err.to_string()
            .ends_with("the manifest does not list table `catalog_actions`"),
        "{err}"
    );
}

#[test]
fn a_folder_without_manifest_is_not_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let err = Snapshot::open(dir.path()).unwrap_err();
    assert!(matches!(err, SnapshotError::NotASnapshot { .. }), "{err}");
    let err = Snapshot::open(&dir.path().join("missing")).unwrap_err();
    assert!(err.to_string().contains("cannot open snapshot"), "{err}");
}

#[test]
fn force_replaces_a_snapshot_of_an_older_format_version() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    downgrade_to_format_2(&dest);
    let err = write_snapshot(&dest, false).unwrap_err();
    assert!(matches!(err, SnapshotError::Exists { .. }), "{err}");
    write_snapshot(&dest, true).unwrap();
    let snap = Snapshot::open(&dest).unwrap();
    assert_eq!(snap.format_version(), FORMAT_VERSION);
    assert!(snap.has_table("catalog_actions"));
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn a_writer_can_keep_an_older_format_and_then_writes_only_its_tables() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    let mut w = SnapshotWriter::create(&dest, false).unwrap();
    w.set_format_version(2).unwrap();
    let catalog = table("catalog_actions").unwrap();
    let err = w
        .write_table(catalog, &[TableBuilder::new(catalog).finish().unwrap()])
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("table `catalog_actions` is not part of format version 2"),
        "{err}"
    );
    for t in TABLES.iter().filter(|t| t.in_format(2)) {
        w.write_table(t, &[TableBuilder::new(t).finish().unwrap()])
            .unwrap();
    }
    let m = w.finish(info()).unwrap();
    assert_eq!(m.format_version, 2);
    assert_eq!(
        m.tables.len(),
        TABLES.iter().filter(|t| t.in_format(2)).count()
    );
    let snap = Snapshot::open(&dest).unwrap();
    assert_eq!(snap.format_version(), 2);
    assert!(!snap.has_table("catalog_actions"));

    let mut w = SnapshotWriter::create(&dir.path().join("other"), false).unwrap();
    assert!(w.set_format_version(1).is_err());
    assert!(w.set_format_version(FORMAT_VERSION + 1).is_err());
}
