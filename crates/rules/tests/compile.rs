//! Packs compiled and run over the committed demo snapshot: parameters in texts, context
//! objects, value globs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use iamsnap_engine::Engine;
use iamsnap_rules::{Finding, Pack, compile_pack, run_rules};

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/demo-2026-11-22")
}

/// The findings of `pack` over the demo snapshot, with the rule titles.
async fn run(pack: &Pack) -> (Vec<Finding>, Vec<String>) {
    let engine = Engine::open(&demo()).await.unwrap();
    let rules = compile_pack(engine.context(), pack)
        .await
        .unwrap_or_else(|d| {
            panic!(
                "{}",
                d.0.iter()
                    .map(|x| x.summary())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
    let titles = rules.iter().map(|r| r.info.title.clone()).collect();
    (run_rules(&engine, &rules, None).await.unwrap(), titles)
}

#[tokio::test]
async fn a_parameter_in_the_texts_leaves_fingerprints_alone() {
    let text = "param label = \"some\"\nrule P-1\n  severity low\n  title \"$label roles\"\n  for role r\n  message \"{r.name} is one of $label {{roles}}\"\n";
    let mut pack = Pack::from_text("t.rules", text, None).unwrap();
    let (before, titles) = run(&pack).await;
    assert_eq!(titles, vec!["some roles"]);
    assert!(!before.is_empty());
    assert!(
        before[0].message.ends_with(" is one of some {roles}"),
        "{}",
        before[0].message
    );
    pack.set_params(&["label={other}".to_owned()]).unwrap();
    let (after, titles) = run(&pack).await;
    assert_eq!(titles, vec!["{other} roles"]);
    assert!(
        after[0].message.ends_with(" is one of {other} {roles}"),
        "{}",
        after[0].message
    );
    let prints = |f: &[Finding]| f.iter().map(|f| f.fingerprint.clone()).collect::<Vec<_>>();
    assert_eq!(prints(&before), prints(&after));
}

#[tokio::test]
async fn a_context_object_is_any_of_its_values() {
    // One request per service, OR-ed, is the same as the requests written one by one.
    let services = [
        "lambda.amazonaws.com",
        "ec2.amazonaws.com",
        "glue.amazonaws.com",
    ];
    let one_by_one: Vec<String> = services
        .iter()
        .map(|s| {
            format!(
                "p can \"iam:PassRole\" on any resource with context \"{{\\\"iam:PassedToService\\\": \\\"{s}\\\"}}\""
            )
        })
        .collect();
    let text = format!(
        "param services = [{}]\nrule A-1\n  severity low\n  title \"t\"\n  for principal p\n  where p can \"iam:PassRole\" on any resource with context {{\"iam:PassedToService\": $services}}\nrule A-2\n  severity low\n  title \"t\"\n  for principal p\n  where {}\nrule A-3\n  severity low\n  title \"t\"\n  for principal p\n  where p can \"iam:PassRole\" on any resource with context {{\"iam:PassedToService\": []}}\n",
        services
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", "),
        one_by_one.join(" or ")
    );
    let pack = Pack::from_text("t.rules", &text, None).unwrap();
    let (findings, _) = run(&pack).await;
    let of = |id: &str| {
        findings
            .iter()
            .filter(|f| f.rule_id == id)
            .map(|f| f.resource.clone())
            .collect::<Vec<_>>()
    };
    assert!(!of("A-1").is_empty());
    assert_eq!(of("A-1"), of("A-2"));
    assert!(of("A-3").is_empty());
}

#[tokio::test]
async fn a_value_pattern_is_a_glob_unless_written_like() {
    // The demo's OIDC roles test `...:sub` with values such as `repo:org/name:...`.
    let text = "rule G-1\n  severity low\n  title \"t\"\n  for role r\n  where r trusts federated with condition \"*:sub\" value \"repo:*\"\nrule G-2\n  severity low\n  title \"t\"\n  for role r\n  where r trusts federated with condition \"*:sub\" value like \"repo:%\"\nrule G-3\n  severity low\n  title \"t\"\n  for role r\n  where r trusts federated with condition \"*:sub\" value like \"repo:*\"\n";
    let pack = Pack::from_text("t.rules", text, None).unwrap();
    let (findings, _) = run(&pack).await;
    let of = |id: &str| {
        findings
            .iter()
            .filter(|f| f.rule_id == id)
            .map(|f| f.resource.clone())
            .collect::<Vec<_>>()
    };
    assert!(!of("G-1").is_empty());
    assert_eq!(of("G-1"), of("G-2"));
    // In `LIKE`, `*` is itself.
    assert!(of("G-3").is_empty());
}

#[tokio::test]
async fn a_fix_command_is_filled_in_with_quoted_fields_and_parameters() {
    let text = "param note = \"it's {fine}\"\nrule F-1\n  severity low\n  title \"roles\"\n  for role r\n  where r.name = \"AWSGlueServiceRole-telemetryprod\"\n  fix \"aws iam update-role --role-name {r.name} --description $note {{x}}\"\n";
    let pack = Pack::from_text("t.rules", text, None).unwrap();
    assert_eq!(
        pack.rules[0].info().fix,
        "aws iam update-role --role-name {r.name} --description \"it's {{fine}}\" {{x}}"
    );
    let (findings, _) = run(&pack).await;
    assert_eq!(findings.len(), 1);
    let fix = findings[0].fix.as_ref().unwrap();
    assert_eq!(
        fix.command.as_deref(),
        Some(
            "aws iam update-role --role-name AWSGlueServiceRole-telemetryprod --description \"it's {fine}\" {x}"
        )
    );
    // A field of another alias, and a control character in the command, are errors.
    let bad =
        "rule F-2\n  title \"t\"\n  for role r\n  fix \"aws iam get-role --role-name {u.name}\"\n";
    let pack = Pack::from_text("t.rules", bad, None).unwrap();
    let engine = Engine::open(&demo()).await.unwrap();
    let err = compile_pack(engine.context(), &pack).await.unwrap_err();
    assert!(
        err.0.iter().any(|d| d
            .message
            .contains("the fix command can use fields of `r` only")),
        "{err}"
    );
    let bad = "rule F-3\n  title \"t\"\n  for role r\n  fix \"aws iam get-role\\t--role-name {r.name}\"\n";
    let err = Pack::from_text("t.rules", bad, None).unwrap_err();
    assert!(
        err.0.iter().any(|d| d
            .message
            .contains("the fix command cannot be shown as written")),
        "{err}"
    );
}
