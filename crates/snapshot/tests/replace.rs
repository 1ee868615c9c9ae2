//! What a writer may delete: a snapshot it replaces (only when its folder holds nothing
//! else), its own partial folder and the parent folders it created (only when empty).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;

use chrono::{TimeZone, Utc};
use iamsnap_snapshot::{ManifestInfo, SnapshotError, SnapshotWriter, Source, TABLES, TableBuilder};

fn info() -> ManifestInfo {
    ManifestInfo {
        captured_at: Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap(),
        source: Source {
            kind: "import".into(),
            inputs: vec![],
        },
        account_ids: vec!["111122223333".into()],
        catalog_date: None,
        notes: vec![],
    }
}

fn write_snapshot(dest: &Path, force: bool) -> Result<(), SnapshotError> {
    let mut w = SnapshotWriter::create(dest, force)?;
    for t in TABLES {
        w.write_table(t, &[TableBuilder::new(t).finish()?])?;
    }
    w.finish(info())?;
    Ok(())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_snapshot_is_replaced_only_when_its_folder_holds_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("snap");
    write_snapshot(&dest, false).unwrap();
    let snapshot_files = names(&dest);
    fs::write(dest.join("notes.txt"), "keep").unwrap();
    fs::create_dir(dest.join("sub")).unwrap();
    let err = write_snapshot(&dest, true).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, SnapshotError::NotReplaceable { .. }),
        "{text}"
    );
    assert!(
        text.ends_with("besides its snapshot it holds 2 other files: `notes.txt`, `sub/`"),
        "{text}"
    );
    assert_eq!(fs::read_to_string(dest.join("notes.txt")).unwrap(), "keep");
    assert_eq!(names(dir.path()), vec!["snap"], "no partial folder left");

    fs::remove_file(dest.join("notes.txt")).unwrap();
    fs::remove_dir(dest.join("sub")).unwrap();
    write_snapshot(&dest, true).unwrap();
    assert_eq!(names(&dest), snapshot_files);
    assert_eq!(
        names(dir.path()),
        vec!["snap"],
        "the old snapshot is gone, not kept aside"
    );
}

#[test]
fn a_file_or_a_link_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "data").unwrap();
    let err = write_snapshot(&file, true).unwrap_err().to_string();
    assert!(err.contains("it is a file"), "{err}");
    let real = dir.path().join("real");
    write_snapshot(&real, false).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = write_snapshot(&link, true).unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert!(real.join("manifest.json").is_file());
    assert_eq!(fs::read_to_string(&file).unwrap(), "data");
}

#[test]
fn created_parent_folders_are_removed_only_while_empty() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a/b/snap");
    let w = SnapshotWriter::create(&dest, false).unwrap();
    // Someone else puts a file in a folder the writer created.
    fs::write(dir.path().join("a/theirs.txt"), "theirs").unwrap();
    drop(w);
    assert_eq!(names(&dir.path().join("a")), vec!["theirs.txt"]);

    let dest = dir.path().join("c/d/snap");
    drop(SnapshotWriter::create(&dest, false).unwrap());
    assert_eq!(
        names(dir.path()),
        vec!["a"],
        "`c/d` was made by the writer and is gone"
    );
}

#[test]
fn a_partial_folder_with_foreign_files_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    // A dead process's partial folder holding a file that is no snapshot file.
    let stale = dir.path().join(".snap.partial-4000000000");
    fs::create_dir(&stale).unwrap();
    fs::write(stale.join("roles.parquet"), "x").unwrap();
    fs::write(stale.join("mine.txt"), "y").unwrap();
    write_snapshot(&dir.path().join("snap"), false).unwrap();
    assert_eq!(names(&stale), vec!["mine.txt", "roles.parquet"]);
}
