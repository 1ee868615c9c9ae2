//! The rule language: parsing, errors with positions and hints, and the printer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use iamsnap_rules::ast::{Expr, Item, TrustTarget};
use iamsnap_rules::{EMBEDDED, Pack, Source, parse_pack, print_pack};

fn parse(text: &str) -> iamsnap_rules::ast::PackFile {
    match parse_pack(&Source::new("t.rules", text)) {
        Ok(p) => p,
        Err(errors) => panic!(
            "{}",
            errors
                .iter()
                .map(|e| e.summary())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn errors(text: &str) -> Vec<String> {
    match parse_pack(&Source::new("t.rules", text)) {
        Ok(_) => panic!("expected errors"),
        Err(errors) => errors
            .iter()
            .map(|e| format!("{} [`{}`]", e.summary(), e.source.slice(e.span)))
            .collect(),
    }
}

/// Every error of a pack, one a line.
fn summaries(errors: &iamsnap_rules::Diagnostics) -> String {
    errors
        .0
        .iter()
        .map(|e| e.summary())
        .collect::<Vec<_>>()
        .join("\n")
}

const EVERY_CONSTRUCT: &str = r#"
pack demo "Every construct"
import "other.rules"
param trusted = ["111122223333", "444455556666"]
param days = 90
param strict = true
define is_compute(r) = r trusts service ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]
define old_and_open(r, k) = r older than $days days and not k never used

rule X-1 everything
  severity high
  title "a \"quoted\" title"
  description "multi\nline"
  tags ["a", "b"]
  for role r
  where (r can "iam:PassRole" on "*" with context "{\"aws:SourceIp\": \"10.0.0.1\"}"
         or r can ["s3:GetObject", "s3:PutObject"] on r.arn
         or r can "iam:PassRole" on any resource with context {"iam:PassedToService": $trusted, "aws:SourceVpc": ["vpc-1", "vpc-2"],}
         or r can "iam:PassRole" on any resource with context {})
    and not r is admin
    and r can escalate via "IAM-PASSROLE-LAMBDA"
    and r trusts anyone with condition "*"
    and r trusts federated "arn:aws:iam::*:oidc-provider/*" without condition ["*:sub", "*:aud"] with condition "*:sub" value like "%*%" with condition "*:aud" value "sts.*" with condition "*:x" value glob $trusted
    and r trusts external account not in $trusted
    and r trusts account "111122223333"
    and r trusts principal "arn:aws:iam::*:role/deploy"
    and r trusts service
    and r.last_used_date older than 30 days
    and r unused for 90 days
    and exists r.trust t where (t.principal_kind = "oidc" and t.condition is not null)
    and count(r.attachments a where a.via = "direct") >= 2
    and r.name in ["a", "b"] and r.name not in $trusted
    and r.arn in sql { select arn from roles where name like 'x%' and '{' <> '}' }
    and r.name like "ci-%" and r.path not glob "/service/*"
    and r.permissions_boundary_arn is null
    and starts_with(r.name, "gh-") and is_compute(r)
    and r.is_service_linked != false and r.create_date < "2026-01-01" and 1.5 <= 2
  message "{r.name} is {{literal}}"
  remediation "fix it"
  references ["https://example.com"]

test "a test" {
  fixture "f.json" credential_report "r.csv" at "2026-11-01T00:00:00Z"
  expect X-1 on ["role/a", "user/b#AKIA1"]
  expect X-2 none
}
"#;

#[test]
fn every_construct_parses_and_prints_back_to_the_same_tree() {
    let pack = parse(EVERY_CONSTRUCT);
    assert_eq!(pack.name.as_ref().unwrap().node, "demo");
    assert_eq!(pack.items.len(), 8);
    let printed = print_pack(&pack);
    let again = parse(&printed);
    assert_eq!(again, pack, "{printed}");
    assert_eq!(print_pack(&again), printed);
}

#[test]
fn shipped_packs_parse_and_round_trip() {
    for (name, file, text) in EMBEDDED {
        let pack = parse_pack(&Source::new(*file, *text)).unwrap_or_else(|e| {
            panic!("{name}: {}", e[0].summary());
        });
        let printed = print_pack(&pack);
        assert_eq!(parse(&printed), pack, "{name}");
        let loaded = Pack::embedded(name).unwrap().unwrap();
        assert!(loaded.rules.len() >= 10, "{name}");
    }
}

#[test]
fn precedence_and_binds_tighter_than_or_and_not_binds_tightest() {
    let pack = parse("rule A\n where a.x = 1 or a.y = 2 and not a.z = 3");
    let Item::Rule(rule) = &pack.items[0] else {
        panic!()
    };
    let Expr::Or(parts) = &rule.condition.as_ref().unwrap().node else {
        panic!("{:?}", rule.condition)
    };
    assert_eq!(parts.len(), 2);
    let Expr::And(and) = &parts[1].node else {
        panic!()
    };
    assert!(matches!(and[1].node, Expr::Not(_)));
}

#[test]
fn trust_targets_are_told_apart() {
    let pack =
        parse("rule A\n where r trusts external account and r trusts account and r trusts anyone");
    let Item::Rule(rule) = &pack.items[0] else {
        panic!()
    };
    let Expr::And(parts) = &rule.condition.as_ref().unwrap().node else {
        panic!()
    };
    let targets: Vec<&TrustTarget> = parts
        .iter()
        .map(|p| match &p.node {
            Expr::Trusts { target, .. } => target,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(matches!(targets[0], TrustTarget::External(None)));
    assert!(matches!(targets[1], TrustTarget::Account(None)));
    assert!(matches!(targets[2], TrustTarget::Anyone));
}

#[test]
fn every_broken_item_is_reported_with_line_column_and_underline() {
    let errs = errors(
        "rule A-1\n  severty high\n  for role r\n\nrule A-2\n  for role r\n  where r trusts nobody\n\nrule A-3\n  for role r\n  where r.name = \n",
    );
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert!(errs[0].contains("t.rules:2:3"), "{}", errs[0]);
    assert!(errs[0].contains("did you mean `severity`?"), "{}", errs[0]);
    assert!(errs[0].contains("[`severty`]"), "{}", errs[0]);
    assert!(errs[1].contains("t.rules:7:18"), "{}", errs[1]);
    assert!(errs[1].contains("`anyone`, `service`"), "{}", errs[1]);
    assert!(errs[2].contains("t.rules:11:"), "{}", errs[2]);
}

#[test]
fn a_clause_given_twice_is_an_error() {
    let errs = errors("rule A\n  tags [\"a\"]\n  for role r\n  tags [\"b\"]\n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("`tags` is given twice in rule A"),
        "{}",
        errs[0]
    );
    assert!(errs[0].contains("t.rules:4:3"), "{}", errs[0]);
}

#[test]
fn keywords_are_not_names() {
    let errs = errors("define and(r) = r.x = 1\n");
    assert_eq!(errs.len(), 1);
}

#[test]
fn an_unterminated_string_is_an_error_not_a_panic() {
    let errs = errors("rule A\n  title \"never closed\n  for role r\n");
    assert!(!errs.is_empty());
}

#[test]
fn duplicate_ids_and_import_cycles_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.rules"),
        "import \"b.rules\"\nrule R-1\n severity low\n title \"t\"\n for role r\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.rules"),
        "import \"a.rules\"\nrule R-1\n severity low\n title \"t\"\n for role r\n",
    )
    .unwrap();
    let err = Pack::load(&dir.path().join("a.rules")).unwrap_err();
    let text = summaries(&err);
    assert!(text.contains("imports itself"), "{text}");
    assert!(text.contains("rule id `R-1` is used twice"), "{text}");
}

#[test]
fn imports_bring_rules_defines_and_params() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.rules"),
        "param p = [\"1\"]\ndefine d(r) = r.name = \"x\"\nrule B-1\n severity low\n title \"t\"\n for role r\n where d(r)\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("top.rules"),
        "pack top \"Top\"\nimport \"base.rules\"\nrule T-1\n severity high\n title \"t\"\n for role r\n where r.name in $p\n",
    )
    .unwrap();
    let mut pack = Pack::load(&dir.path().join("top.rules")).unwrap();
    assert_eq!(pack.name, "top");
    let ids: Vec<&str> = pack.rules.iter().map(|r| r.rule.id.node.as_str()).collect();
    assert_eq!(ids, ["B-1", "T-1"]);
    assert!(pack.defines.contains_key("d"));
    pack.set_params(&["p=a, b".to_owned()]).unwrap();
    let iamsnap_rules::ast::Value::List(items) = &pack.params["p"].node else {
        panic!("{:?}", pack.params["p"]);
    };
    let values: Vec<String> = items
        .iter()
        .map(|i| {
            iamsnap_rules::print_expr(&Expr::Truth(iamsnap_rules::ast::Spanned::new(
                iamsnap_rules::ast::Operand::Value(i.node.clone()),
                i.span,
            )))
        })
        .collect();
    assert_eq!(values, ["\"a\"", "\"b\""]);
    let err = pack.set_params(&["q=1".to_owned()]).unwrap_err();
    assert!(err.contains("no parameter `q`"), "{err}");
    let missing = Pack::load(&dir.path().join("nope.rules")).unwrap_err();
    assert!(summaries(&missing).contains("cannot read the pack"));
}

#[test]
fn nested_parentheses_and_older_than_parse_once_and_too_deep_is_an_error() {
    // `older than` used to be an alternative of its own starting with an operand: each
    // parenthesis was parsed twice, 2^n times in all.
    let cond = |n: usize| {
        format!(
            "rule X-1\n severity low\n title \"t\"\n for role r\n where {}r.create_date older than 1 days{}\n",
            "(".repeat(n),
            ")".repeat(n)
        )
    };
    let pack = parse(&cond(32));
    assert_eq!(parse(&print_pack(&pack)), pack);
    let mixed = format!(
        "rule X-1\n for role r\n where {}r.name = \"x\"{}\n",
        "not (".repeat(16),
        ")".repeat(16)
    );
    let pack = parse(&mixed);
    assert_eq!(parse(&print_pack(&pack)), pack);
    let errs = errors(&cond(33));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("this nests more than 32 levels deep"),
        "{}",
        errs[0]
    );
    assert!(errs[0].contains("t.rules:5:40"), "{}", errs[0]);
    let errs = errors(&format!(
        "rule X-1\n for role r\n where {}r.name = \"x\"\n",
        "not ".repeat(5000)
    ));
    assert!(
        errs[0].contains("this nests more than 32 levels deep"),
        "{}",
        errs[0]
    );
}

#[test]
fn imports_stay_inside_the_pack_folder_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let packs = dir.path().join("packs");
    let shared = dir.path().join("shared");
    std::fs::create_dir_all(&packs).unwrap();
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(
        shared.join("base.rules"),
        "rule B-1\n severity low\n title \"t\"\n for role r\n",
    )
    .unwrap();
    std::fs::write(packs.join("top.rules"), "import \"../shared/base.rules\"\n").unwrap();
    let err = summaries(&Pack::load(&packs.join("top.rules")).unwrap_err());
    assert!(
        err.contains("`../shared/base.rules` is outside the pack's folder"),
        "{err}"
    );
    let pack =
        Pack::load_allowing(&packs.join("top.rules"), std::slice::from_ref(&shared)).unwrap();
    assert_eq!(pack.rules.len(), 1);
    // A file that parses as no pack is named, not shown.
    std::fs::write(shared.join("base.rules"), "password = hunter2\n").unwrap();
    let err = summaries(&Pack::load_allowing(&packs.join("top.rules"), &[shared]).unwrap_err());
    assert!(
        err.contains("is not a valid rule pack: 1 syntax error, the first at line 1, column 1"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn context_objects_and_value_patterns_parse_to_their_trees() {
    use iamsnap_rules::ast::{Context, PatternKind, Value};
    let pack = parse(
        "rule A\n  where r can \"iam:PassRole\" on any resource with context {\"iam:PassedToService\": $services}\n    and r trusts anyone with condition \"*:sub\" value \"repo:*\" with condition \"*:sub\" value like \"%*%\"\n",
    );
    let Item::Rule(rule) = &pack.items[0] else {
        panic!("expected a rule")
    };
    let Expr::And(parts) = &rule.condition.as_ref().unwrap().node else {
        panic!("expected and")
    };
    let Expr::Can { context, .. } = &parts[0].node else {
        panic!("expected can")
    };
    let Context::Object(entries) = &context.as_ref().unwrap().node else {
        panic!("expected an object")
    };
    assert_eq!(entries[0].key.node, "iam:PassedToService");
    assert_eq!(entries[0].value.node, Value::Param("services".into()));
    let Expr::Trusts { qualifiers, .. } = &parts[1].node else {
        panic!("expected trusts")
    };
    let kinds: Vec<PatternKind> = qualifiers
        .iter()
        .map(|q| q.value.as_ref().unwrap().kind)
        .collect();
    assert_eq!(kinds, vec![PatternKind::Glob, PatternKind::Like]);
    // The old form: a JSON text.
    let pack = parse("rule A\n  where r can \"a:B\" on \"*\" with context \"{}\"\n");
    let Item::Rule(rule) = &pack.items[0] else {
        panic!("expected a rule")
    };
    let Expr::Can { context, .. } = &rule.condition.as_ref().unwrap().node else {
        panic!("expected can")
    };
    assert_eq!(
        context.as_ref().unwrap().node,
        Context::Json(Value::Str("{}".into()))
    );
}

#[test]
fn params_fill_rule_texts_and_unknown_ones_are_errors() {
    let text = "param days = 90\nparam who = [\"a\", \"b\"]\nrule A\n  severity low\n  title \"older than $days days\"\n  description \"for $who, $$1\"\n  remediation \"wait $days days\"\n  for role r\n  where r older than $days days\n  message \"{r.name}: $days\"\n";
    let mut pack = Pack::from_text("t.rules", text, None).unwrap();
    let info = pack.rules[0].info();
    assert_eq!(info.title, "older than 90 days");
    assert_eq!(info.description, "for a, b, $1");
    assert_eq!(info.remediation, "wait 90 days");
    pack.set_params(&["days=30".to_owned()]).unwrap();
    let info = pack.rules[0].info();
    assert_eq!(info.title, "older than 30 days");
    assert_eq!(
        pack.rules[0].texts.template.as_ref().unwrap().node,
        "{r.name}: 30"
    );
    assert!(pack.warnings.is_empty(), "{:?}", pack.warnings);

    let bad = text.replace("title \"older than $days", "title \"older than $dyas");
    let err = Pack::from_text("t.rules", &bad, None)
        .unwrap_err()
        .0
        .iter()
        .map(|d| d.summary())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(err.contains("unknown parameter `$dyas`"), "{err}");
    assert!(err.contains("did you mean `$days`?"), "{err}");
    assert!(err.contains("t.rules:5:21"), "{err}");
}

#[test]
fn unused_predicates_and_params_are_warnings() {
    let text = "param used = 1\nparam spare = 2\nparam in_title = 3\ndefine a(r) = b(r)\ndefine b(r) = r.name = \"x\" and r older than $used days\ndefine lonely(r) = r.name = \"y\"\nrule A\n  severity low\n  title \"t $in_title\"\n  for role r\n  where a(r)\n";
    let pack = Pack::from_text("t.rules", text, None).unwrap();
    assert!(
        pack.warnings
            .iter()
            .all(|w| w.level == iamsnap_rules::Level::Warning)
    );
    let warnings: Vec<String> = pack.warnings.iter().map(|w| w.summary()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].starts_with("t.rules:6:8: named predicate `lonely` is not used"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("parameter `spare` is not used"),
        "{warnings:?}"
    );
    // The shipped packs have none.
    for (name, _, _) in EMBEDDED {
        let pack = Pack::embedded(name).unwrap().unwrap();
        let w: Vec<String> = pack.warnings.iter().map(|w| w.summary()).collect();
        assert!(w.is_empty(), "{name}: {w:?}");
    }
}
