//! Warnings about a pack: named predicates and parameters its file declares and nothing
//! uses. They do not stop the pack from running.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::ast::{Context, Expr, InSet, Operand, Relation, Spanned, TrustTarget, Value};
use crate::diag::Diagnostic;
use crate::pack::Pack;
use crate::template::params_used;

/// The named predicates and parameters a piece of a pack refers to.
#[derive(Debug, Default)]
struct Uses {
    /// Names called (named predicates or functions).
    calls: BTreeSet<String>,
    /// Parameters, without `$`.
    params: BTreeSet<String>,
}

impl Uses {
    fn value(&mut self, v: &Value) {
        match v {
            Value::Param(p) => {
                self.params.insert(p.clone());
            }
            Value::List(items) => items.iter().for_each(|i| self.value(&i.node)),
            _ => {}
        }
    }

    fn opt_value(&mut self, v: Option<&Spanned<Value>>) {
        if let Some(v) = v {
            self.value(&v.node);
        }
    }

    fn operand(&mut self, o: &Operand) {
        match o {
            Operand::Value(v) => self.value(v),
            Operand::Count(r) => self.relation(r),
            Operand::Call { name, args } => {
                self.calls.insert(name.node.clone());
                args.iter().for_each(|a| self.operand(&a.node));
            }
            Operand::Paren(e) => self.expr(&e.node),
        }
    }

    fn relation(&mut self, r: &Relation) {
        if let Some(f) = &r.filter {
            self.expr(&f.node);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Or(parts) | Expr::And(parts) => parts.iter().for_each(|p| self.expr(&p.node)),
            Expr::Not(inner) => self.expr(&inner.node),
            Expr::Can {
                action,
                resource,
                context,
                ..
            } => {
                self.value(&action.node);
                self.opt_value(resource.as_ref());
                match context.as_ref().map(|c| &c.node) {
                    Some(Context::Json(v)) => self.value(v),
                    Some(Context::Object(entries)) => {
                        entries.iter().for_each(|e| self.value(&e.value.node));
                    }
                    None => {}
                }
            }
            Expr::Escalate { method, .. } => self.opt_value(method.as_ref()),
            Expr::Admin { .. } | Expr::NeverUsed { .. } => {}
            Expr::Trusts {
                target, qualifiers, ..
            } => {
                match target {
                    TrustTarget::Anyone => {}
                    TrustTarget::Service(v)
                    | TrustTarget::Federated(v)
                    | TrustTarget::External(v)
                    | TrustTarget::Account(v) => self.opt_value(v.as_ref()),
                    TrustTarget::Principal(v) => self.value(&v.node),
                }
                for q in qualifiers {
                    self.value(&q.keys.node);
                    self.opt_value(q.value.as_ref().map(|p| &p.value));
                }
            }
            Expr::Older { operand, days } => {
                self.operand(&operand.node);
                self.value(&days.node);
            }
            Expr::Unused { days, .. } => self.value(&days.node),
            Expr::Exists(r) => self.relation(r),
            Expr::Compare { left, right, .. } => {
                self.operand(&left.node);
                self.operand(&right.node);
            }
            Expr::In { left, set, .. } => {
                self.operand(&left.node);
                if let InSet::Operand(o) = &set.node {
                    self.operand(o);
                }
            }
            Expr::Like { left, pattern, .. } => {
                self.operand(&left.node);
                self.operand(&pattern.node);
            }
            Expr::IsNull { operand, .. } => self.operand(&operand.node),
            Expr::Truth(o) => self.operand(&o.node),
        }
    }

    fn text(&mut self, t: Option<&Spanned<String>>) {
        if let Some(t) = t {
            self.params
                .extend(params_used(&t.node).into_iter().map(str::to_owned));
        }
    }
}

/// Warnings for the named predicates of the pack's own file that no rule uses (directly or
/// through other predicates), and for `params` (the parameters its file declares) that
/// nothing refers to.
pub(crate) fn unused(pack: &Pack, params: &[Spanned<String>]) -> Vec<Diagnostic> {
    let mut uses = Uses::default();
    for r in &pack.rules {
        let rule = &r.rule;
        if let Some(c) = &rule.condition {
            uses.expr(&c.node);
        }
        for t in [
            &rule.title,
            &rule.description,
            &rule.message,
            &rule.remediation,
            &rule.fix,
        ] {
            uses.text(t.as_ref());
        }
    }
    // Predicates used by rules, then those they use, and so on.
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = uses.calls.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        if let Some(d) = pack.defines.get(&name)
            && reached.insert(name)
        {
            let mut inner = Uses::default();
            inner.expr(&d.define.body.node);
            todo.extend(inner.calls);
        }
    }
    // Parameters count as used by any predicate: an unused predicate is warned about
    // already.
    for d in pack.defines.values() {
        uses.expr(&d.define.body.node);
    }
    let mut out = Vec::new();
    let Some(top) = pack.files.first() else {
        return out;
    };
    for (name, d) in &pack.defines {
        if !reached.contains(name) && Arc::ptr_eq(&d.origin, top) {
            out.push(
                Diagnostic::new(
                    &top.source,
                    d.define.name.span,
                    format!("named predicate `{name}` is not used by any rule"),
                )
                .with_help("use it in a rule's condition, or remove it")
                .warning(),
            );
        }
    }
    for p in params {
        if !uses.params.contains(&p.node) {
            out.push(
                Diagnostic::new(
                    &top.source,
                    p.span,
                    format!("parameter `{}` is not used", p.node),
                )
                .with_help(format!(
                    "refer to it as `${}` in a condition or a rule's text, or remove it",
                    p.node
                ))
                .warning(),
            );
        }
    }
    out
}
