//! A program ending on a signal runs no destructor: `remove_unfinished` removes what the
//! unfinished writers made and makes their further writing fail. (Its own test binary: it
//! stops every writer of the process.)

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use iamsnap_snapshot::{SnapshotError, SnapshotWriter, TABLES, TableBuilder, remove_unfinished};

#[test]
fn remove_unfinished_removes_partial_folders_and_stops_the_writers() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = SnapshotWriter::create(&dir.path().join("made/one"), false).unwrap();
    let table = TABLES.first().unwrap();
    first
        .write_table(table, &[TableBuilder::new(table).finish().unwrap()])
        .unwrap();
    let second = SnapshotWriter::create(&dir.path().join("two"), false).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

    assert_eq!(remove_unfinished(), 2);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "partial folders and the created parent are gone"
    );
    // The writers go on in another thread in the real program: nothing new appears.
    let table = TABLES.get(1).unwrap();
    let err = first
        .write_table(table, &[TableBuilder::new(table).finish().unwrap()])
        .unwrap_err();
    assert!(matches!(err, SnapshotError::Io { .. }), "{err}");
    assert!(matches!(
        SnapshotWriter::create(&dir.path().join("three"), false),
        Err(SnapshotError::Io { .. })
    ));
    drop((first, second));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
