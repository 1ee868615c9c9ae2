//! What a pack may ask of iamsnap: how deep its conditions nest, how far its named
//! predicates chain, how large its rules grow once expanded, which files it may read and how
//! large they may be. Packs may come from anyone; these bounds keep parsing, compiling and
//! printing a pack linear in its size, free of stack overflows, and confined to the files
//! the user named.

use crate::ast::{Expr, Operand, Span, Spanned};

/// How deep conditions may nest: `not`, `and`/`or` groups, parentheses, the arguments of a
/// call and the `where` of a relation each open a level (also brackets and braces, counted
/// before parsing).
pub const MAX_NESTING: usize = 32;

/// How long a chain of named predicates may be (`a` uses `b`, which uses `c`, ...).
pub const MAX_DEFINE_CHAIN: usize = 32;

/// How many conditions one rule may have once its named predicates are expanded (each
/// comparison, predicate, `not`, `and`/`or` group and relation counts once).
pub const MAX_RULE_CONDITIONS: usize = 10_000;

/// How many subqueries one rule may have once its named predicates are expanded: each
/// `exists`, `count(...)`, `trusts` and `in sql { ... }` is one, and each nests the rule's
/// plan one level deeper (a join), which DataFusion plans and runs recursively.
pub const MAX_RULE_SUBQUERIES: usize = 16;

/// How many parts a rule's condition (or a relation's `where`) may join with `and` at its
/// top level, through parentheses and named predicates: DataFusion takes a filter's `and`s
/// apart and joins them again one inside the other, and plans them recursively, as deep as
/// they are many. (`or` chains are not taken apart: they may be as long as
/// [`MAX_RULE_CONDITIONS`] allows.)
pub const MAX_CONJUNCTS: usize = 32;

/// The size of a pack file (the one named and every one it imports).
pub const MAX_PACK_BYTES: u64 = 4 * 1024 * 1024;

/// The size of a test fixture file.
pub const MAX_FIXTURE_BYTES: u64 = 64 * 1024 * 1024;

/// How many files a fixture folder (a capture) may hold, and how deep its folders go.
pub const MAX_FIXTURE_FILES: usize = 10_000;
pub const MAX_FIXTURE_DEPTH: usize = 12;

/// How many files a pack and its imports may span.
pub const MAX_PACK_FILES: usize = 256;

/// `n` bytes for messages: `4 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Where the first opening bracket (`(`, `[`, `{`) nesting deeper than [`MAX_NESTING`] is in
/// `text` (outside strings and comments); `None` when none does. Checked before parsing, so
/// that neither the parser nor the tree built from its output recurses that deep.
pub(crate) fn too_deep_brackets(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
            }
        } else if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                '"' => in_string = true,
                '#' => in_comment = true,
                '/' if prev == '/' => in_comment = true,
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(i);
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = c;
    }
    None
}

/// Whether an expression node opens a nesting level.
fn level(e: &Expr) -> usize {
    usize::from(matches!(e, Expr::Or(_) | Expr::And(_) | Expr::Not(_)))
}

/// A node of a condition, for walking it without recursion.
enum Node<'a> {
    Expr(&'a Spanned<Expr>),
    Operand(&'a Spanned<Operand>),
}

/// The span of the first part of `e` nested deeper than [`MAX_NESTING`] (counted as in
/// its documentation), walking the tree without recursion.
pub(crate) fn too_deep(e: &Spanned<Expr>) -> Option<Span> {
    let mut stack = vec![(Node::Expr(e), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        match node {
            Node::Expr(x) => {
                let depth = depth + level(&x.node);
                if depth > MAX_NESTING {
                    return Some(x.span);
                }
                match &x.node {
                    Expr::Or(parts) | Expr::And(parts) => {
                        stack.extend(parts.iter().map(|p| (Node::Expr(p), depth)));
                    }
                    Expr::Not(inner) => stack.push((Node::Expr(inner), depth)),
                    Expr::Exists(rel) => {
                        if let Some(f) = &rel.filter {
                            stack.push((Node::Expr(f), depth + 1));
                        }
                    }
                    Expr::Older { operand, .. } => stack.push((Node::Operand(operand), depth)),
                    Expr::Compare { left, right, .. } => {
                        stack.push((Node::Operand(left), depth));
                        stack.push((Node::Operand(right), depth));
                    }
                    Expr::In { left, .. } => stack.push((Node::Operand(left), depth)),
                    Expr::Like { left, pattern, .. } => {
                        stack.push((Node::Operand(left), depth));
                        stack.push((Node::Operand(pattern), depth));
                    }
                    Expr::IsNull { operand, .. } => stack.push((Node::Operand(operand), depth)),
                    Expr::Truth(o) => stack.push((Node::Operand(o), depth)),
                    Expr::Can { .. }
                    | Expr::Escalate { .. }
                    | Expr::Admin { .. }
                    | Expr::Trusts { .. }
                    | Expr::Unused { .. }
                    | Expr::NeverUsed { .. } => {}
                }
            }
            Node::Operand(o) => match &o.node {
                Operand::Value(_) => {}
                Operand::Paren(inner) => {
                    if depth + 1 > MAX_NESTING {
                        return Some(o.span);
                    }
                    stack.push((Node::Expr(inner), depth + 1));
                }
                Operand::Call { args, .. } => {
                    if !args.is_empty() && depth + 1 > MAX_NESTING {
                        return Some(o.span);
                    }
                    stack.extend(args.iter().map(|a| (Node::Operand(a), depth + 1)));
                }
                Operand::Count(rel) => {
                    if let Some(f) = &rel.filter {
                        stack.push((Node::Expr(f), depth + 1));
                    }
                }
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "(".repeat(MAX_NESTING + 1);
        assert_eq!(too_deep_brackets(&deep), Some(MAX_NESTING));
        assert_eq!(too_deep_brackets(&"(".repeat(MAX_NESTING)), None);
        assert_eq!(too_deep_brackets(&format!("\"{deep}\"")), None);
        assert_eq!(too_deep_brackets(&format!("# {deep}\n")), None);
        assert_eq!(too_deep_brackets(&format!("// {deep}\n")), None);
        assert_eq!(
            too_deep_brackets(&format!("\"\\\"\" {deep}")),
            Some(5 + MAX_NESTING)
        );
    }

    #[test]
    fn sizes_read_as_units() {
        assert_eq!(bytes(MAX_PACK_BYTES), "4 MiB");
        assert_eq!(bytes(2048), "2 KiB");
        assert_eq!(bytes(100), "100 bytes");
    }
}
