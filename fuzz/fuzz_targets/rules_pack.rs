//! The rule language. Any bytes, as the text of a pack: parsing returns a pack or
//! diagnostics and never panics (nor overflows the stack, however deep the input nests);
//! every diagnostic renders; no condition of a parsed pack nests deeper than the limit; a
//! parsed pack prints to text that parses back to the same tree, and printing that again
//! gives the same text. The pack is also loaded as a pack (parameters, named predicates,
//! rules and tests gathered; imports only of shipped packs, as no folder is given), which
//! must not panic either. Compiling rules needs a snapshot and DataFusion, which this
//! target does not build; the compiler's own limits are tested in `crates/rules`.

#![no_main]

use iamsnap_rules::ast::{Expr, Item, Operand};
use iamsnap_rules::limits::MAX_NESTING;
use iamsnap_rules::{Pack, Source, parse_pack, print_pack};
use libfuzzer_sys::fuzz_target;

/// How deep `e` nests, counted as `limits::MAX_NESTING` documents (recursion is fine here:
/// the parser guarantees the depth is bounded).
fn depth(e: &Expr) -> usize {
    match e {
        Expr::Or(parts) | Expr::And(parts) => {
            1 + parts.iter().map(|p| depth(&p.node)).max().unwrap_or(0)
        }
        Expr::Not(inner) => 1 + depth(&inner.node),
        Expr::Exists(rel) => rel.filter.as_ref().map_or(0, |f| 1 + depth(&f.node)),
        Expr::Older { operand: o, .. } | Expr::IsNull { operand: o, .. } | Expr::Truth(o) => {
            operand(&o.node)
        }
        Expr::Compare { left, right, .. } => operand(&left.node).max(operand(&right.node)),
        Expr::In { left, .. } => operand(&left.node),
        Expr::Like { left, pattern, .. } => operand(&left.node).max(operand(&pattern.node)),
        _ => 0,
    }
}

fn operand(o: &Operand) -> usize {
    match o {
        Operand::Value(_) => 0,
        Operand::Paren(inner) => 1 + depth(&inner.node),
        Operand::Call { args, .. } => args
            .iter()
            .map(|a| 1 + operand(&a.node))
            .max()
            .unwrap_or(0),
        Operand::Count(rel) => rel.filter.as_ref().map_or(0, |f| 1 + depth(&f.node)),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let source = Source::new("fuzz.rules", text.as_ref());
    match Pack::from_text("fuzz.rules", text.as_ref(), None) {
        Ok(pack) => {
            for r in &pack.rules {
                let _ = r.info();
            }
        }
        Err(errors) => {
            let _ = errors.to_string();
            for e in &errors.0 {
                let _ = e.summary();
            }
        }
    }
    match parse_pack(&source) {
        Err(errors) => {
            for e in errors {
                let _ = e.summary();
            }
        }
        Ok(pack) => {
            for item in &pack.items {
                let condition = match item {
                    Item::Define(d) => Some(&d.body),
                    Item::Rule(r) => r.condition.as_ref(),
                    _ => None,
                };
                if let Some(c) = condition {
                    let d = depth(&c.node);
                    assert!(d <= MAX_NESTING, "a condition nests {d} deep");
                }
            }
            let printed = print_pack(&pack);
            let again = match parse_pack(&Source::new("printed.rules", printed.as_str())) {
                Ok(again) => again,
                Err(e) => panic!(
                    "the printed pack does not parse: {}\n{printed}",
                    e.first().map(|d| d.summary()).unwrap_or_default()
                ),
            };
            assert_eq!(again, pack, "printing changed the pack\n{printed}");
            assert_eq!(print_pack(&again), printed, "printing is not a fixed point");
        }
    }
});
