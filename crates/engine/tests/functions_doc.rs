//! `docs/functions.md` is generated from `function_docs()`: this test fails when it is
//! stale and prints the expected text. `IAMSNAP_UPDATE_DOCS=1` rewrites it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use iamsnap_engine::{function_docs, per_snapshot_functions};

fn render() -> String {
    let mut out = String::from(
        "# SQL functions\n\n\
         <!-- Generated from `iamsnap_engine::function_docs()` by \
         `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-engine --test functions_doc`; do not edit by hand. -->\n\n\
         Functions that `iamsnap query` and the REPL add to SQL. Text arguments accept \
         columns or literals; a null argument gives null unless said otherwise.\n\n",
    );
    let qualified: Vec<String> = per_snapshot_functions()
        .iter()
        .map(|n| format!("`{n}`"))
        .collect();
    out.push_str(&format!(
        "With two snapshots attached (`iamsnap query NEW --old OLD`, `repl --old`), the \
         unqualified functions answer for NEW, and those that depend on a snapshot are also \
         there as `old.<name>` and `new.<name>`, each answering for its own snapshot \
         (`old.can(arn, 's3:PutObject', '*')` evaluates the old snapshot's policies): {}. \
         Likewise `old.permissions` / `new.permissions` and `old.principals` / \
         `new.principals`.\n\n",
        qualified.join(", ")
    ));
    for f in function_docs() {
        out.push_str(&format!("- [`{}`](#{})\n", f.name, f.name));
    }
    for f in function_docs() {
        out.push_str(&format!(
            "\n## {}\n\n```\n{}\n```\n\n{}\n\nExample:\n\n```sql\n{}\n```\n",
            f.name, f.signature, f.description, f.example
        ));
    }
    out
}

#[test]
fn functions_md_matches_function_docs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/functions.md");
    let expected = render();
    if std::env::var("IAMSNAP_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/functions.md is stale: run `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-engine --test functions_doc`, or write this:\n\n{expected}"
    );
}

#[test]
fn every_function_has_a_complete_doc() {
    let docs = function_docs();
    for name in [
        "age_days",
        "account_of",
        "action_matches",
        "arn_matches",
        "access_level",
        "expand_actions",
        "can",
        "explain",
    ] {
        let f = docs.iter().find(|f| f.name == name).unwrap();
        assert!(f.signature.starts_with(&format!("{name}(")), "{name}");
        assert!(
            !f.description.is_empty() && f.example.starts_with("select "),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_example_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/demo-2026-11-22");
    let engine = iamsnap_engine::Engine::open(&dir).await.unwrap();
    for f in function_docs() {
        engine
            .query(f.example)
            .await
            .unwrap_or_else(|e| panic!("example of {}: {e}", f.name));
    }
}
