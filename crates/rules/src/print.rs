//! AST → pack source, in a canonical layout. Parsing the output gives the same tree.

use std::fmt::Write as _;

use crate::ast::*;

/// The pack as source text.
pub fn print_pack(pack: &PackFile) -> String {
    let mut out = String::new();
    if let Some(name) = &pack.name {
        let _ = write!(out, "pack {}", name.node);
        if let Some(title) = &pack.title {
            let _ = write!(out, " {}", quote(title));
        }
        out.push_str("\n\n");
    }
    for item in &pack.items {
        match item {
            Item::Import(path) => {
                let _ = writeln!(out, "import {}\n", quote(&path.node));
            }
            Item::Param(p) => {
                let _ = writeln!(out, "param {} = {}\n", p.name.node, value(&p.value.node));
            }
            Item::Define(d) => {
                let params: Vec<&str> = d.params.iter().map(|p| p.node.as_str()).collect();
                let _ = writeln!(
                    out,
                    "define {}({}) =\n  {}\n",
                    d.name.node,
                    params.join(", "),
                    expr(&d.body.node)
                );
            }
            Item::Rule(r) => print_rule(&mut out, r),
            Item::Test(t) => print_test(&mut out, t),
        }
    }
    out
}

fn print_rule(out: &mut String, r: &Rule) {
    let _ = write!(out, "rule {}", r.id.node);
    if let Some(name) = &r.name {
        let _ = write!(out, " {name}");
    }
    out.push('\n');
    if let Some(s) = &r.severity {
        let _ = writeln!(out, "  severity {}", s.node);
    }
    if let Some(t) = &r.title {
        let _ = writeln!(out, "  title {}", quote(&t.node));
    }
    if let Some(d) = &r.description {
        let _ = writeln!(out, "  description {}", quote(&d.node));
    }
    if !r.tags.is_empty() {
        let _ = writeln!(out, "  tags {}", string_list(&r.tags));
    }
    if let Some(t) = &r.target {
        let _ = writeln!(out, "  for {} {}", t.entity.node, t.alias.node);
    }
    if let Some(c) = &r.condition {
        let _ = writeln!(out, "  where {}", expr(&c.node));
    }
    if let Some(m) = &r.message {
        let _ = writeln!(out, "  message {}", quote(&m.node));
    }
    if let Some(m) = &r.remediation {
        let _ = writeln!(out, "  remediation {}", quote(&m.node));
    }
    if let Some(f) = &r.fix {
        let _ = writeln!(out, "  fix {}", quote(&f.node));
    }
    if !r.references.is_empty() {
        let _ = writeln!(out, "  references {}", string_list(&r.references));
    }
    out.push('\n');
}

fn print_test(out: &mut String, t: &Test) {
    let _ = writeln!(out, "test {} {{", quote(&t.name));
    if let Some(f) = &t.fixture {
        let _ = write!(out, "  fixture {}", quote(&f.auth_details.node));
        if let Some(r) = &f.credential_report {
            let _ = write!(out, " credential_report {}", quote(&r.node));
        }
        if let Some(r) = &f.service_last_accessed {
            let _ = write!(out, " service_last_accessed {}", quote(&r.node));
        }
        if let Some(a) = &f.at {
            let _ = write!(out, " at {}", quote(&a.node));
        }
        out.push('\n');
    }
    for e in &t.expects {
        if e.resources.is_empty() {
            let _ = writeln!(out, "  expect {} none", e.rule.node);
        } else {
            let _ = writeln!(
                out,
                "  expect {} on {}",
                e.rule.node,
                string_list(&e.resources)
            );
        }
    }
    out.push_str("}\n\n");
}

/// A request context as written after `with context`.
fn context_text(c: &Context) -> String {
    match c {
        Context::Json(v) => value(v),
        Context::Object(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", quote(&e.key.node), value(&e.value.node)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// A string literal with the escapes the grammar reads.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn string_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// A value as written.
pub fn value(v: &Value) -> String {
    match v {
        Value::Str(s) => quote(s),
        Value::Num(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|i| value(&i.node)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Param(p) => format!("${p}"),
        Value::Field { alias, field } => format!("{alias}.{field}"),
        Value::Alias(a) => a.clone(),
    }
}

fn operand(o: &Operand) -> String {
    match o {
        Operand::Value(v) => value(v),
        Operand::Count(r) => format!("count({})", relation(r)),
        Operand::Call { name, args } => {
            let parts: Vec<String> = args.iter().map(|a| operand(&a.node)).collect();
            format!("{}({})", name.node, parts.join(", "))
        }
        Operand::Paren(e) => format!("({})", expr(&e.node)),
    }
}

fn relation(r: &Relation) -> String {
    let mut s = format!("{}.{}", r.owner.node, r.name.node);
    if let Some(a) = &r.alias {
        let _ = write!(s, " {}", a.node);
    }
    if let Some(f) = &r.filter {
        let _ = write!(s, " where {}", atom(&f.node));
    }
    s
}

/// An expression that binds tighter than `and`/`or`: parenthesized when it is not.
fn atom(e: &Expr) -> String {
    match e {
        Expr::Or(_) | Expr::And(_) => format!("({})", expr(e)),
        _ => expr(e),
    }
}

/// A condition as written.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Or(parts) => {
            let p: Vec<String> = parts.iter().map(|p| expr(&p.node)).collect();
            p.join(" or ")
        }
        Expr::And(parts) => {
            let p: Vec<String> = parts
                .iter()
                .map(|p| match &p.node {
                    Expr::Or(_) => format!("({})", expr(&p.node)),
                    other => expr(other),
                })
                .collect();
            p.join(" and ")
        }
        Expr::Not(inner) => format!("not {}", atom(&inner.node)),
        Expr::Can {
            alias,
            action,
            resource,
            context,
        } => {
            let mut s = format!(
                "{} can {} on {}",
                alias.node,
                value(&action.node),
                resource
                    .as_ref()
                    .map_or_else(|| "any resource".to_owned(), |r| value(&r.node))
            );
            if let Some(c) = context {
                let _ = write!(s, " with context {}", context_text(&c.node));
            }
            s
        }
        Expr::Escalate { alias, method } => match method {
            Some(m) => format!("{} can escalate via {}", alias.node, value(&m.node)),
            None => format!("{} can escalate", alias.node),
        },
        Expr::Admin { alias } => format!("{} is admin", alias.node),
        Expr::Trusts {
            alias,
            target,
            qualifiers,
        } => {
            let opt = |v: &Option<Spanned<Value>>| {
                v.as_ref()
                    .map(|v| format!(" {}", value(&v.node)))
                    .unwrap_or_default()
            };
            let whom = match target {
                TrustTarget::Anyone => "anyone".to_owned(),
                TrustTarget::Service(v) => format!("service{}", opt(v)),
                TrustTarget::Federated(v) => format!("federated{}", opt(v)),
                TrustTarget::External(v) => match v {
                    Some(v) => format!("external account not in {}", value(&v.node)),
                    None => "external account".to_owned(),
                },
                TrustTarget::Account(v) => format!("account{}", opt(v)),
                TrustTarget::Principal(v) => format!("principal {}", value(&v.node)),
            };
            let mut s = format!("{} trusts {whom}", alias.node);
            for q in qualifiers {
                let _ = write!(
                    s,
                    " {} condition {}",
                    if q.negated { "without" } else { "with" },
                    value(&q.keys.node)
                );
                if let Some(p) = &q.value {
                    let kind = match p.kind {
                        PatternKind::Glob => "",
                        PatternKind::Like => "like ",
                    };
                    let _ = write!(s, " value {kind}{}", value(&p.value.node));
                }
            }
            s
        }
        Expr::Older { operand: o, days } => {
            format!("{} older than {} days", operand(&o.node), value(&days.node))
        }
        Expr::Unused { alias, days } => {
            format!("{} unused for {} days", alias.node, value(&days.node))
        }
        Expr::NeverUsed { alias } => format!("{} never used", alias.node),
        Expr::Exists(r) => format!("exists {}", relation(r)),
        Expr::Compare { left, op, right } => format!(
            "{} {} {}",
            operand(&left.node),
            op.as_str(),
            operand(&right.node)
        ),
        Expr::In { left, negated, set } => {
            let rhs = match &set.node {
                InSet::Operand(o) => operand(o),
                InSet::Sql(body) => format!("sql {{{body}}}"),
            };
            format!(
                "{} {}in {rhs}",
                operand(&left.node),
                if *negated { "not " } else { "" }
            )
        }
        Expr::Like {
            left,
            negated,
            glob,
            pattern,
        } => format!(
            "{} {}{} {}",
            operand(&left.node),
            if *negated { "not " } else { "" },
            if *glob { "glob" } else { "like" },
            operand(&pattern.node)
        ),
        Expr::IsNull {
            operand: o,
            negated,
        } => format!(
            "{} is {}null",
            operand(&o.node),
            if *negated { "not " } else { "" }
        ),
        Expr::Truth(o) => operand(&o.node),
    }
}
