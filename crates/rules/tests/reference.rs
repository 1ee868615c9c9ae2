//! `docs/rules.md` is generated from the shipped packs and must be current.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use iamsnap_rules::{EMBEDDED, Pack, reference_markdown};

#[test]
fn the_rule_reference_is_current() {
    let packs: Vec<Pack> = EMBEDDED
        .iter()
        .map(|(name, _, _)| Pack::embedded(name).unwrap().unwrap())
        .collect();
    let text = reference_markdown(&packs);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    if std::env::var_os("IAMSNAP_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == text,
        "docs/rules.md is out of date: run `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-rules --test reference`"
    );
    // Every shipped rule explains itself.
    for pack in &packs {
        for r in &pack.rules {
            let info = r.info();
            assert!(!info.title.is_empty(), "{}", info.id);
            assert!(!info.remediation.is_empty(), "{}", info.id);
            assert!(!info.references.is_empty(), "{}", info.id);
            assert!(!info.tags.is_empty(), "{}", info.id);
        }
    }
}
