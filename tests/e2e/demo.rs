use crate::common::*;

/// The committed demo snapshots are what `scripts/demo-snapshots` makes today.
#[test]
fn committed_demo_snapshots_are_current() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(root().join("scripts/demo-snapshots"))
        .arg(dir.path())
        .env("IAMSNAP", env!("CARGO_BIN_EXE_iamsnap"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for name in ["demo-2026-11-01", "demo-2026-11-22", "demo-org-2026-11-22"] {
        let fresh = iamsnap_snapshot::Snapshot::open(&dir.path().join(name)).unwrap();
        let committed = iamsnap_snapshot::Snapshot::open(&root().join("snapshots").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}; run scripts/demo-snapshots snapshots"));
        assert!(
            fresh.manifest() == committed.manifest(),
            "snapshots/{name} is stale: run `scripts/demo-snapshots snapshots`"
        );
    }
}
