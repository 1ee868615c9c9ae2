use crate::common::*;

#[test]
fn docs_schema_md_is_generated_from_the_schemas() {
    let generated = ok(&["schema", "--format", "markdown"]);
    let committed = std::fs::read_to_string(root().join("docs/schema.md")).unwrap();
    assert!(
        generated == committed,
        "docs/schema.md is stale: run `cargo run -- schema --format markdown > docs/schema.md`"
    );
}

#[test]
fn schema_shows_one_table_with_every_column() {
    let out = ok(&["schema", "trust"]);
    let table = iamsnap_snapshot::table("trust").unwrap();
    for c in table.columns {
        assert!(out.contains(c.name), "{} missing:\n{out}", c.name);
    }
    assert!(!out.contains("instance_profile_id"));
}
