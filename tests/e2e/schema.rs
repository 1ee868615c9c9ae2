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

/// Every view `iamsnap schema` documents exists in a query session with exactly the
/// documented columns, in order: the rules range over the `entity_*` views, so what a rule
/// sees is what a query can select and what the reference says.
#[test]
fn documented_views_are_the_views_queries_and_rules_see() {
    let demo = root().join("snapshots/demo-2026-11-22");
    let demo = demo.to_str().unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&ok(&["schema", "--format", "json"])).unwrap();
    let views: Vec<&serde_json::Value> = schema
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "view")
        .collect();
    let names: Vec<&str> = views.iter().map(|v| v["table"].as_str().unwrap()).collect();
    for entity in [
        "role",
        "user",
        "access_key",
        "principal",
        "group",
        "policy",
        "statement",
        "trust",
        "credential",
    ] {
        assert!(
            names.contains(&format!("entity_{entity}").as_str()),
            "no view for entity {entity}: {names:?}"
        );
    }
    for view in views {
        let name = view["table"].as_str().unwrap();
        let documented: Vec<&str> = view["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let sql = format!(
            "select column_name from information_schema.columns \
             where table_schema = 'public' and table_name = '{name}' order by ordinal_position"
        );
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&ok(&["query", demo, &sql, "--format", "json"])).unwrap();
        let actual: Vec<&str> = rows
            .iter()
            .map(|r| r["column_name"].as_str().unwrap())
            .collect();
        assert_eq!(actual, documented, "columns of view {name}");
    }
}

/// The rows a rule ranges over are selectable: the users the key rules see.
#[test]
fn entity_views_answer_sql() {
    let demo = root().join("snapshots/demo-2026-11-22");
    let out = ok(&[
        "query",
        demo.to_str().unwrap(),
        "select name, active_keys from entity_user where is_nhi and active_keys > 0 order by name",
        "--format",
        "csv",
    ]);
    assert!(out.starts_with("name,active_keys\n"), "{out}");
    assert!(
        out.lines().count() > 1,
        "no NHI user with an active key in the demo:\n{out}"
    );
}
