//! Rules → DataFusion logical plans.
//!
//! Each rule becomes one plan: the entity's rows (aliased as the rule's alias), left-joined
//! with the aggregates its `count(...)`s need, filtered by its condition, projected to what
//! a finding needs. Relations in `exists` and trust predicates become `IN (subquery)`
//! plans; the IAM-aware predicates call the engine's functions through its typed builders
//! ([`iamsnap_engine::expr`]: `can`, `is_admin`, `escalations`, `condition_has`, `age_days`).

use std::collections::BTreeMap;
use std::ops::Not as _;
use std::sync::Arc;

use datafusion::common::{Column, JoinType};
use datafusion::execution::context::SessionContext;
use datafusion::functions::expr_fn::coalesce;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{
    Expr, LogicalPlan, LogicalPlanBuilder, col, in_subquery, lit, not_in_subquery, when,
};

use iamsnap_engine::expr;

use crate::ast::{
    CompareOp, Context, Expr as Ast, InSet, Operand, PatternKind, Relation, Span, Spanned,
    TrustQualifier, TrustTarget, Value,
};
use crate::diag::{Code, Diagnostic, Diagnostics, Source, nearest};
use crate::entity::{ENTITIES, Entity, base_plan, count_all, entity, null, scan};
use crate::finding::{RuleInfo, Severity};
use crate::fix::FixPiece;
use crate::limits::{
    MAX_CONJUNCTS, MAX_DEFINE_CHAIN, MAX_NESTING, MAX_RULE_CONDITIONS, MAX_RULE_SUBQUERIES,
};
use crate::pack::{Pack, PackRule};

/// Fields computed by a function of the entity's principal ARN.
const VIRTUAL_FIELDS: [(&str, VirtualField); 3] = [
    ("escalations", expr::escalations),
    ("is_admin", expr::is_admin),
    ("admin_via", expr::admin_via),
];

/// A builder of a field computed from a principal ARN.
type VirtualField = fn(&SessionContext, Expr) -> Result<Expr, expr::MissingFunction>;

/// A part of a message template.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Text(String),
    /// Index of a projected message column.
    Field(usize),
}

/// A rule ready to run.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// What the rule says about itself.
    pub info: RuleInfo,
    /// Its plan: columns `__resource`, `__detail`, `__account`, then the message fields.
    pub plan: LogicalPlan,
    pub(crate) message: Vec<Piece>,
    /// The `fix` command's pieces (fields index the same columns as the message's).
    pub(crate) fix: Option<Vec<FixPiece>>,
}

/// Compiles every rule of `pack` against the session of a snapshot; every error of every
/// rule at once.
pub async fn compile_pack(
    ctx: &SessionContext,
    pack: &Pack,
) -> Result<Vec<CompiledRule>, Diagnostics> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for rule in &pack.rules {
        let mut c = Compiler {
            ctx,
            pack,
            errors: Vec::new(),
            joins: Vec::new(),
            defines_in_use: Vec::new(),
            depth: 0,
            conditions: 0,
            subqueries: 0,
        };
        match c.rule(rule).await {
            Some(compiled) if c.errors.is_empty() => out.push(compiled),
            _ => errors.extend(c.errors),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(errors))
    }
}

/// What an alias stands for.
#[derive(Debug, Clone)]
struct Binding {
    /// The qualifier of its columns in the plan.
    qualifier: String,
    /// The entity (for the rule's alias) or `None` for related rows.
    entity: Option<&'static Entity>,
    /// The table of related rows.
    table: String,
    /// Column names.
    fields: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Scope {
    aliases: BTreeMap<String, Binding>,
    /// Whether `count(...)` may be used (only at the rule's top level).
    top: bool,
}

struct Compiler<'a> {
    ctx: &'a SessionContext,
    pack: &'a Pack,
    errors: Vec<Diagnostic>,
    /// Aggregates to left-join: (plan aliased `__cN`, the entity column it joins on, the
    /// aggregate's key column).
    joins: Vec<(LogicalPlan, String, String)>,
    defines_in_use: Vec<String>,
    /// How deep the condition being compiled nests, named predicates expanded.
    depth: usize,
    /// How many conditions the rule has so far, named predicates expanded.
    conditions: usize,
    /// How many subqueries (relations, trust lookups, SQL) the rule has so far.
    subqueries: usize,
}

fn qcol(qualifier: &str, name: &str) -> Expr {
    Expr::Column(Column::new(Some(qualifier), name))
}

impl Compiler<'_> {
    fn error(&mut self, src: &Source, span: Span, message: impl Into<String>) {
        self.errors.push(Diagnostic::new(src, span, message));
    }

    fn error_help(
        &mut self,
        src: &Source,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors
            .push(Diagnostic::new(src, span, message).with_help(help));
    }

    /// An error of kind `code` (a name that does not exist, a limit passed); `help` says
    /// what does exist or what to do.
    fn coded(
        &mut self,
        code: Code,
        src: &Source,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.errors.push(
            Diagnostic::new(src, span, message)
                .with_help(help)
                .with_code(code),
        );
    }

    async fn rule(&mut self, pr: &PackRule) -> Option<CompiledRule> {
        let src = &pr.origin.source;
        let rule = &pr.rule;
        let severity = match &rule.severity {
            None => {
                self.error_help(
                    src,
                    rule.id.span,
                    format!("rule {} has no severity", rule.id.node),
                    "add `severity critical|high|medium|low|info`",
                );
                None
            }
            Some(s) => match Severity::from_name(&s.node) {
                Some(sev) => Some(sev),
                None => {
                    let names: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
                    let help = match nearest(&s.node, names.iter().copied()) {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => format!("one of: {}", names.join(", ")),
                    };
                    self.coded(
                        Code::UnknownName,
                        src,
                        s.span,
                        format!("unknown severity `{}`", s.node),
                        help,
                    );
                    None
                }
            },
        };
        if rule.title.is_none() {
            self.error_help(
                src,
                rule.id.span,
                format!("rule {} has no title", rule.id.node),
                "add `title \"...\"`: one line saying what is wrong",
            );
        }
        let Some(target) = &rule.target else {
            self.error_help(
                src,
                rule.id.span,
                format!("rule {} has no `for` clause", rule.id.node),
                "say what it ranges over, e.g. `for role r`",
            );
            return None;
        };
        let Some(ent) = entity(&target.entity.node) else {
            let names: Vec<&str> = ENTITIES.iter().map(|e| e.name).collect();
            let help = match nearest(&target.entity.node, names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("entities: {}", names.join(", ")),
            };
            self.coded(
                Code::UnknownName,
                src,
                target.entity.span,
                format!("unknown entity `{}`", target.entity.node),
                help,
            );
            return None;
        };
        let base = match base_plan(self.ctx, ent).await {
            Ok(p) => p,
            Err(e) => {
                self.error(
                    src,
                    target.entity.span,
                    format!("cannot read {}: {e}", ent.name),
                );
                return None;
            }
        };
        let alias = target.alias.node.clone();
        let fields: Vec<String> = base
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let main = match LogicalPlanBuilder::from(base).alias(alias.as_str()) {
            Ok(b) => b,
            Err(e) => {
                self.error(src, target.alias.span, e.to_string());
                return None;
            }
        };
        let mut scope = Scope {
            top: true,
            ..Scope::default()
        };
        scope.aliases.insert(
            alias.clone(),
            Binding {
                qualifier: alias.clone(),
                entity: Some(ent),
                table: ent.name.to_owned(),
                fields,
            },
        );
        let filter = match &rule.condition {
            Some(cond) => {
                let x = self.expr(src, &scope, cond).await?;
                Some(self.conjuncts(src, cond.span, x)?)
            }
            None => None,
        };
        // Message and fix fields: one projected column each, in order.
        let mut message_exprs = Vec::new();
        let mut message = Vec::new();
        if let Some(m) = &pr.texts.template {
            for piece in self
                .template_fields(src, &scope, &alias, m, "message", &mut message_exprs)
                .await
            {
                message.push(match piece {
                    FixPiece::Text(t) => Piece::Text(t),
                    FixPiece::Field { index, .. } => Piece::Field(index),
                    FixPiece::RemovePolicy { name, .. } => {
                        self.error_help(
                            src,
                            m.span,
                            format!("`{{{name}}}` gives commands: it can be used in the fix command only"),
                            "write it in the rule's `fix`",
                        );
                        continue;
                    }
                });
            }
        }
        let fix = match pr.texts.fix.as_ref() {
            Some(f) => Some(
                self.template_fields(src, &scope, &alias, f, "fix command", &mut message_exprs)
                    .await,
            ),
            None => None,
        };
        if !self.errors.is_empty() {
            return None;
        }
        // Assemble: joins, filter, projection.
        let mut builder = main;
        for (plan, local, key) in std::mem::take(&mut self.joins) {
            let qualifier = plan_qualifier(&plan);
            builder = match builder.join(
                plan,
                JoinType::Left,
                (
                    vec![Column::new(Some(alias.as_str()), local)],
                    vec![Column::new(Some(qualifier.as_str()), key)],
                ),
                None,
            ) {
                Ok(b) => b,
                Err(e) => {
                    self.error(src, rule.span, e.to_string());
                    return None;
                }
            };
        }
        let result = (|| {
            let mut b = builder;
            if let Some(f) = filter {
                b = b.filter(f)?;
            }
            let detail = if ent.detail.is_empty() {
                lit("")
            } else {
                let parts: Vec<Expr> = ent
                    .detail
                    .iter()
                    .map(|d| {
                        datafusion::functions::expr_fn::concat(vec![coalesce(vec![
                            Expr::Cast(datafusion::logical_expr::Cast::new(
                                Box::new(qcol(&alias, d)),
                                arrow::datatypes::DataType::Utf8,
                            )),
                            lit(""),
                        ])])
                    })
                    .collect();
                datafusion::functions::expr_fn::concat_ws(lit("/"), parts)
            };
            let mut projection = vec![
                Expr::Cast(datafusion::logical_expr::Cast::new(
                    Box::new(qcol(&alias, ent.resource)),
                    arrow::datatypes::DataType::Utf8,
                ))
                .alias("__resource"),
                detail.alias("__detail"),
                qcol(&alias, "account_id").alias("__account"),
            ];
            for (i, e) in message_exprs.into_iter().enumerate() {
                projection.push(e.alias(format!("__m{i}")));
            }
            b.project(projection)?.build()
        })();
        let plan = match result {
            Ok(p) => p,
            Err(e) => {
                self.error(
                    src,
                    rule.span,
                    format!("rule {}: {}", rule.id.node, e.strip_backtrace()),
                );
                return None;
            }
        };
        // Type errors surface when the plan is analyzed: report them now, at the rule.
        if let Err(e) = self.ctx.state().optimize(&plan) {
            let text = e.strip_backtrace();
            self.error_help(
                src,
                rule.condition.as_ref().map_or(rule.span, |c| c.span),
                format!("rule {} does not type-check: {}", rule.id.node, first_line(&text)),
                "compare values of the same kind: text with text, numbers with numbers; `older than` takes a timestamp",
            );
            return None;
        }
        let mut info = pr.info();
        if let Some(sev) = severity {
            info.severity = sev;
        }
        Some(CompiledRule {
            info,
            plan,
            message,
            fix,
        })
    }

    /// The pieces of a text template (`{alias.field}` fields, `{{`/`}}` braces) of a rule
    /// over `alias`; each field's expression is appended to `exprs`, which its piece
    /// indexes. `what` names the clause in errors.
    async fn template_fields(
        &mut self,
        src: &Source,
        scope: &Scope,
        alias: &str,
        text: &Spanned<String>,
        what: &str,
        exprs: &mut Vec<Expr>,
    ) -> Vec<FixPiece> {
        let span = text.span;
        let mut out = Vec::new();
        for piece in split_template(&text.node) {
            match piece {
                TemplatePiece::Text(t) => out.push(FixPiece::Text(t)),
                TemplatePiece::Field(name)
                    if name.split_once('(').is_some_and(|(head, _)| {
                        nearest(head.trim(), ["remove_policy"]).is_some()
                    }) =>
                {
                    if let Some(e) = self.remove_policy(src, scope, alias, &name, span).await {
                        out.push(FixPiece::RemovePolicy {
                            index: exprs.len(),
                            name: name.clone(),
                        });
                        exprs.push(e);
                    }
                }
                TemplatePiece::Field(name) if name.contains('(') => {
                    // A function call: its value, as text, is the field's. Placed in the
                    // pack where it is written, so errors underline it there.
                    let Some(at) = src.slice(span).find(name.as_str()) else {
                        self.error_help(
                            src,
                            span,
                            format!("`{{{name}}}` in the {what} cannot be located in the pack"),
                            "write the call without escapes (`\\`) in it",
                        );
                        continue;
                    };
                    let call = match crate::parse::parse_call(&name, span.start + at) {
                        Ok(c) => c,
                        Err((at, message)) => {
                            self.error_help(
                                src,
                                at,
                                message,
                                format!("write `{{f({alias}.<field>, $param, ...)}}` with a function of `iamsnap query`"),
                            );
                            continue;
                        }
                    };
                    if let Some(e) = self.operand(src, scope, &call).await {
                        out.push(FixPiece::Field {
                            index: exprs.len(),
                            name: name.clone(),
                        });
                        exprs.push(Expr::Cast(datafusion::logical_expr::Cast::new(
                            Box::new(e),
                            arrow::datatypes::DataType::Utf8,
                        )));
                    }
                }
                TemplatePiece::Field(name) => {
                    let Some((a, f)) = name.split_once('.') else {
                        self.error_help(
                            src,
                            span,
                            format!("`{{{name}}}` in the {what} is not a field"),
                            format!("write `{{{alias}.<field>}}`"),
                        );
                        continue;
                    };
                    if a != alias {
                        self.error_help(
                            src,
                            span,
                            format!("`{{{name}}}`: the {what} can use fields of `{alias}` only"),
                            format!("write `{{{alias}.{f}}}`"),
                        );
                        continue;
                    }
                    let value = Value::Field {
                        alias: a.to_owned(),
                        field: f.to_owned(),
                    };
                    if let Some(e) = self.value(src, scope, &value, span) {
                        out.push(FixPiece::Field {
                            index: exprs.len(),
                            name: name.clone(),
                        });
                        exprs.push(e);
                    }
                }
            }
        }
        out
    }

    /// `remove_policy(alias)` or `remove_policy(alias, "POLICY-ARN")` in a template: the
    /// rows of the alias's `attachments` (those of that policy only, when given), as a
    /// list of structs, from an aggregate left-joined on the alias; the fix turns them into
    /// commands ([`crate::fix::remove_policy`]).
    async fn remove_policy(
        &mut self,
        src: &Source,
        scope: &Scope,
        alias: &str,
        call: &str,
        span: Span,
    ) -> Option<Expr> {
        const USAGE: &str = "write `{remove_policy(ALIAS)}`, or `{remove_policy(ALIAS, 'POLICY-ARN')}` for one policy";
        let parsed = call
            .strip_prefix("remove_policy")
            .map(str::trim_start)
            .and_then(|c| c.strip_prefix('('))
            .and_then(|c| c.strip_suffix(')'))
            .map(|args| {
                let (first, policy) = match args.split_once(',') {
                    Some((a, p)) => (a.trim(), Some(p.trim())),
                    None => (args.trim(), None),
                };
                let policy = policy.map(|p| {
                    p.strip_prefix('\'')
                        .and_then(|p| p.strip_suffix('\''))
                        .or_else(|| p.strip_prefix('"').and_then(|p| p.strip_suffix('"')))
                });
                (first, policy)
            });
        let (owner, policy) = match parsed {
            Some((owner, None)) => (owner, None),
            Some((owner, Some(Some(p)))) if !p.contains(['\'', '"']) => (owner, Some(p)),
            _ => {
                let (head, _) = call.split_once('(').unwrap_or((call, ""));
                let head = head.trim();
                if head == "remove_policy" {
                    self.error_help(
                        src,
                        span,
                        format!("`{{{call}}}` is not a call of `remove_policy`"),
                        USAGE,
                    );
                } else {
                    self.error_help(
                        src,
                        span,
                        format!("unknown function `{head}`"),
                        format!("did you mean `remove_policy`? {USAGE}"),
                    );
                }
                return None;
            }
        };
        if owner != alias {
            self.error_help(
                src,
                span,
                format!("`{{{call}}}`: `remove_policy` takes the rule's alias `{alias}`"),
                USAGE,
            );
            return None;
        }
        let spec = scope
            .aliases
            .get(alias)
            .and_then(|b| b.entity)
            .and_then(|e| e.relation("attachments"));
        let Some(spec) = spec else {
            self.error_help(
                src,
                span,
                format!("`{{{call}}}`: the rule's rows have no attachments"),
                "`remove_policy` is for rules over principals, users, roles, groups and policies",
            );
            return None;
        };
        let table = match scan(self.ctx, spec.table).await {
            Ok(t) => t,
            Err(e) => {
                self.error(src, span, e.strip_backtrace());
                return None;
            }
        };
        let name = format!("__c{}", self.joins.len());
        let q = "__attached";
        let text = |c: &str| coalesce(vec![qcol(q, c), lit("")]);
        let plan = (|| {
            let mut b = LogicalPlanBuilder::from(table).alias(q)?;
            if let Some(p) = policy {
                b = b.filter(qcol(q, "policy_arn").eq(lit(p)))?;
            }
            let row = datafusion::functions::expr_fn::named_struct(
                [
                    "principal_type",
                    "principal_name",
                    "policy_type",
                    "policy_arn",
                    "policy_name",
                    "via_group_name",
                ]
                .into_iter()
                .flat_map(|c| [lit(c), text(c)])
                .collect(),
            );
            b.aggregate(
                vec![qcol(q, spec.foreign).alias("__key")],
                vec![datafusion::functions_aggregate::expr_fn::array_agg(row).alias("rows")],
            )?
            .alias(name.as_str())?
            .build()
        })();
        match plan {
            Ok(p) => {
                self.joins
                    .push((p, spec.local.to_owned(), "__key".to_owned()));
                Some(qcol(&name, "rows"))
            }
            Err(e) => {
                self.error(src, span, e.strip_backtrace());
                None
            }
        }
    }

    /// A condition. Boxed because conditions nest.
    fn expr<'s>(
        &'s mut self,
        src: &'s Source,
        scope: &'s Scope,
        e: &'s Spanned<Ast>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<Expr>> + 's>> {
        Box::pin(async move {
            let levels = usize::from(matches!(e.node, Ast::Or(_) | Ast::And(_) | Ast::Not(_)));
            if !self.enter(src, e.span, levels, 1) {
                return None;
            }
            let out = self.condition(src, scope, e).await;
            self.depth -= levels;
            out
        })
    }

    /// Counts `conditions` more conditions of the rule and opens `levels` levels of nesting
    /// at `span`; false (with the error) past [`MAX_RULE_CONDITIONS`] or [`MAX_NESTING`].
    /// The caller closes the levels (`self.depth -= levels`) when it returns true.
    fn enter(&mut self, src: &Source, span: Span, levels: usize, conditions: usize) -> bool {
        let before = self.conditions;
        self.conditions = self.conditions.saturating_add(conditions);
        if self.conditions > MAX_RULE_CONDITIONS {
            // Once per rule: every later part is past the limit too.
            if before <= MAX_RULE_CONDITIONS {
                self.coded(Code::Limit,
                    src,
                    span,
                    format!(
                        "the rule has more than {MAX_RULE_CONDITIONS} conditions once its named predicates are expanded"
                    ),
                    "a named predicate is copied wherever it is used: use large ones less often, or split the rule",
                );
            }
            return false;
        }
        if self.depth + levels > MAX_NESTING {
            self.coded(Code::Limit,
                src,
                span,
                format!(
                    "this nests more than {MAX_NESTING} levels deep once named predicates are expanded"
                ),
                "write it with fewer levels: `not not x` is `x`, `a and (b and c)` is `a and b and c`",
            );
            return false;
        }
        self.depth += levels;
        true
    }

    /// `filter`, if it has at most [`MAX_CONJUNCTS`] parts joined by `and` at its top level
    /// (counted as the optimizer takes them apart: through parentheses and named predicates).
    fn conjuncts(&mut self, src: &Source, span: Span, filter: Expr) -> Option<Expr> {
        let n = datafusion::logical_expr::utils::split_conjunction(&filter).len();
        if n > MAX_CONJUNCTS {
            self.coded(Code::Limit,
                src,
                span,
                format!(
                    "this condition joins {n} parts with `and`; at most {MAX_CONJUNCTS} can be planned"
                ),
                "split the rule into several rules, or test a list at once: `r.name not in [\"a\", \"b\"]`",
            );
            return None;
        }
        Some(filter)
    }

    /// Counts one more subquery of the rule, at `span`; false (with the error) past
    /// [`MAX_RULE_SUBQUERIES`].
    fn subquery(&mut self, src: &Source, span: Span) -> bool {
        self.subqueries += 1;
        if self.subqueries == MAX_RULE_SUBQUERIES + 1 {
            self.coded(Code::Limit,
                src,
                span,
                format!(
                    "the rule has more than {MAX_RULE_SUBQUERIES} subqueries (`exists`, `count(...)`, `trusts`, `in sql {{...}}`) once its named predicates are expanded"
                ),
                "split the rule, or test several things of one relation in one `exists ... where (...)`",
            );
        }
        self.subqueries <= MAX_RULE_SUBQUERIES
    }

    /// A condition (after [`Self::expr`] counted it).
    async fn condition(&mut self, src: &Source, scope: &Scope, e: &Spanned<Ast>) -> Option<Expr> {
        let span = e.span;
        {
            match &e.node {
                Ast::Or(parts) | Ast::And(parts) => {
                    let is_or = matches!(e.node, Ast::Or(_));
                    let mut cheap: Vec<Expr> = Vec::new();
                    let mut costly: Vec<Expr> = Vec::new();
                    let mut ok = true;
                    for p in parts {
                        match self.expr(src, scope, p).await {
                            Some(x) if expr::calls_policy_evaluation(&x) => costly.push(x),
                            Some(x) => cheap.push(x),
                            None => ok = false,
                        }
                    }
                    if !ok {
                        return None;
                    }
                    // The cheap parts first; the policy evaluator runs only for the rows
                    // they leave undecided (CASE evaluates its THEN/ELSE for those rows).
                    // (One CASE per node: nesting one per part makes the plan's optimizer
                    // slow on long `or` chains.)
                    // (Balanced, so that a long chain does not nest as deep as it is long.)
                    let join = |parts: Vec<Expr>| {
                        if is_or {
                            balanced(parts, Expr::or)
                        } else {
                            balanced(parts, Expr::and)
                        }
                    };
                    match (join(cheap), join(costly)) {
                        (Some(c), Some(x)) if is_or => when(c, lit(true)).otherwise(x).ok(),
                        (Some(c), Some(x)) => when(c, x).otherwise(lit(false)).ok(),
                        (Some(c), None) => Some(c),
                        (None, x) => x,
                    }
                }
                Ast::Not(inner) => {
                    let x = self.expr(src, scope, inner).await?;
                    // `not` of an unknown (null) answer is not a finding either way.
                    Some(x.is_not_true())
                }
                Ast::Can {
                    alias,
                    action,
                    resource,
                    context,
                } => {
                    let arn = self.principal_arn(src, scope, alias, "can")?;
                    // A list of actions: any of them.
                    let actions = match self.resolve_param(src, &action.node, action.span)? {
                        Value::List(items) => {
                            let mut out = Vec::new();
                            for i in items {
                                out.push(self.value(src, scope, &i.node, i.span)?);
                            }
                            out
                        }
                        other => vec![self.value(src, scope, &other, action.span)?],
                    };
                    let resource = match resource {
                        Some(r) => Some(self.value(src, scope, &r.node, r.span)?),
                        None => None,
                    };
                    // Each context to try (one without `with context`).
                    let contexts: Vec<Option<Expr>> = match context {
                        Some(c) => self
                            .contexts(src, scope, c)?
                            .into_iter()
                            .map(Some)
                            .collect(),
                        None => vec![None],
                    };
                    let mut any = Vec::with_capacity(actions.len() * contexts.len());
                    for a in actions {
                        for c in &contexts {
                            let (p, a, c) = (arn.clone(), a.clone(), c.clone());
                            let built = match &resource {
                                Some(r) => expr::can(self.ctx, p, a, r.clone(), c),
                                None => expr::can_any(self.ctx, p, a, c),
                            };
                            any.push(self.engine_fn(src, span, built)?.is_true());
                        }
                    }
                    self.any_of(src, span, any)
                }
                Ast::Admin { alias } => {
                    let arn = self.principal_arn(src, scope, alias, "is admin")?;
                    self.engine_fn(src, span, expr::is_admin(self.ctx, arn))
                        .map(Expr::is_true)
                }
                Ast::Escalate { alias, method } => {
                    let arn = self.principal_arn(src, scope, alias, "can escalate")?;
                    let list = self.engine_fn(src, span, expr::escalations(self.ctx, arn))?;
                    match method {
                        None => {
                            let n = self.call_fn(src, span, "cardinality", vec![list])?;
                            Some(coalesce(vec![n, lit(0u64)]).gt(lit(0u64)))
                        }
                        Some(m) => {
                            let ids = self.string_values(src, scope, m)?;
                            let mut any = Vec::with_capacity(ids.len());
                            for id in ids {
                                if !known_method(&id) {
                                    self.error_help(
                                        src,
                                        m.span,
                                        format!("unknown escalation method `{id}`"),
                                        "`iamsnap policy escalations --list` lists the method ids",
                                    );
                                    return None;
                                }
                                let has = self.call_fn(
                                    src,
                                    span,
                                    "array_has",
                                    vec![list.clone(), lit(id)],
                                )?;
                                any.push(has.is_true());
                            }
                            self.any_of(src, m.span, any)
                        }
                    }
                }
                Ast::Trusts {
                    alias,
                    target,
                    qualifiers,
                } => self.trusts(src, scope, alias, target, qualifiers).await,
                Ast::Older { operand, days } => {
                    let days = self.days(src, scope, days)?;
                    let ts = match &operand.node {
                        Operand::Value(Value::Alias(a)) => {
                            let b = self.binding(src, scope, a, operand.span)?;
                            let Some(created) = b.entity.and_then(|e| e.created) else {
                                self.error_help(
                                    src,
                                    operand.span,
                                    format!("`{a}` has no creation date"),
                                    "use a timestamp field: `x.some_date older than 90 days`",
                                );
                                return None;
                            };
                            qcol(&b.qualifier, created)
                        }
                        _ => self.operand(src, scope, operand).await?,
                    };
                    let age = self.engine_fn(src, span, expr::age_days(self.ctx, ts))?;
                    Some(age.gt(lit(days)).is_true())
                }
                Ast::Unused { alias, days } => {
                    let days = self.days(src, scope, days)?;
                    let (created, last) = self.use_columns(src, scope, alias)?;
                    let age_created =
                        self.engine_fn(src, span, expr::age_days(self.ctx, created))?;
                    let age_last =
                        self.engine_fn(src, span, expr::age_days(self.ctx, last.clone()))?;
                    let never = last.is_null().and(age_created.gt(lit(days)));
                    Some(never.or(age_last.gt(lit(days))).is_true())
                }
                Ast::NeverUsed { alias } => {
                    let (_, last) = self.use_columns(src, scope, alias)?;
                    Some(last.is_null())
                }
                Ast::Exists(rel) => {
                    let (local, plan) = self.relation(src, scope, rel).await?;
                    Some(in_subquery(local, Arc::new(plan)))
                }
                Ast::Compare { left, op, right } => {
                    let l = self.operand(src, scope, left).await?;
                    let r = self.operand(src, scope, right).await?;
                    let x = match op {
                        CompareOp::Eq => l.eq(r),
                        CompareOp::NotEq => l.not_eq(r),
                        CompareOp::Lt => l.lt(r),
                        CompareOp::LtEq => l.lt_eq(r),
                        CompareOp::Gt => l.gt(r),
                        CompareOp::GtEq => l.gt_eq(r),
                    };
                    Some(x.is_true())
                }
                Ast::In { left, negated, set } => {
                    let l = self.operand(src, scope, left).await?;
                    match &set.node {
                        InSet::Sql(sql) => {
                            let plan = self.sql(src, set.span, sql).await?;
                            Some(if *negated {
                                not_in_subquery(l, Arc::new(plan))
                            } else {
                                in_subquery(l, Arc::new(plan))
                            })
                        }
                        InSet::Operand(o) => {
                            let items = self.list_items(src, scope, o, set.span)?;
                            if items.is_empty() {
                                return Some(lit(*negated));
                            }
                            Some(l.in_list(items, *negated).is_true())
                        }
                    }
                }
                Ast::Like {
                    left,
                    negated,
                    glob,
                    pattern,
                } => {
                    let l = self.operand(src, scope, left).await?;
                    let p = if *glob {
                        let Operand::Value(v) = &pattern.node else {
                            self.error(src, pattern.span, "`glob` takes a literal pattern");
                            return None;
                        };
                        let text = self.resolve_param(src, v, pattern.span)?;
                        let Value::Str(g) = text else {
                            self.error(src, pattern.span, "`glob` takes a text pattern");
                            return None;
                        };
                        lit(glob_to_like(&g))
                    } else {
                        self.operand(src, scope, pattern).await?
                    };
                    let x = match (glob, negated) {
                        (true, false) => l.ilike(p),
                        (true, true) => l.not_ilike(p),
                        (false, false) => l.like(p),
                        (false, true) => l.not_like(p),
                    };
                    Some(x.is_true())
                }
                Ast::IsNull { operand, negated } => {
                    let x = self.operand(src, scope, operand).await?;
                    Some(if *negated {
                        x.is_not_null()
                    } else {
                        x.is_null()
                    })
                }
                Ast::Truth(o) => {
                    if let Operand::Call { name, args } = &o.node
                        && let Some(def) = self.pack.defines.get(&name.node)
                    {
                        return self.expand(src, scope, def, name, args).await;
                    }
                    let x = self.operand(src, scope, o).await?;
                    Some(x.is_true())
                }
            }
        }
    }

    /// A named predicate used with arguments: its body with the parameters bound to the
    /// argument aliases.
    async fn expand(
        &mut self,
        src: &Source,
        scope: &Scope,
        def: &crate::pack::PackDefine,
        name: &Spanned<String>,
        args: &[Spanned<Operand>],
    ) -> Option<Expr> {
        let d = &def.define;
        if args.len() != d.params.len() {
            self.error_help(
                src,
                name.span,
                format!(
                    "`{}` takes {} argument{}, not {}",
                    name.node,
                    d.params.len(),
                    if d.params.len() == 1 { "" } else { "s" },
                    args.len()
                ),
                format!(
                    "defined as `{}({})`",
                    name.node,
                    d.params
                        .iter()
                        .map(|p| p.node.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        }
        if self.defines_in_use.contains(&name.node) {
            self.error(
                src,
                name.span,
                format!(
                    "`{}` uses itself: named predicates cannot recurse",
                    name.node
                ),
            );
            return None;
        }
        let mut inner = Scope {
            top: scope.top,
            ..Scope::default()
        };
        for (param, arg) in d.params.iter().zip(args) {
            let Operand::Value(Value::Alias(a)) = &arg.node else {
                self.error_help(
                    src,
                    arg.span,
                    format!("argument of `{}` must be an alias", name.node),
                    "pass the alias of the row, e.g. `is_compute_role(r)`",
                );
                return None;
            };
            let b = self.binding(src, scope, a, arg.span)?;
            inner.aliases.insert(param.node.clone(), b);
        }
        if self.defines_in_use.len() >= MAX_DEFINE_CHAIN {
            self.coded(
                Code::Limit,
                src,
                name.span,
                format!(
                    "named predicates use one another more than {MAX_DEFINE_CHAIN} deep: {} → {}",
                    self.defines_in_use.join(" → "),
                    name.node
                ),
                "write some of them out where they are used",
            );
            return None;
        }
        // (The body's levels count where it is used; the chain is bounded on its own.)
        self.defines_in_use.push(name.node.clone());
        let body = d.body.clone();
        let def_src = def.origin.source.clone();
        let out = self.expr(&def_src, &inner, &body).await;
        self.defines_in_use.pop();
        out
    }

    fn binding(&mut self, src: &Source, scope: &Scope, alias: &str, span: Span) -> Option<Binding> {
        if let Some(b) = scope.aliases.get(alias) {
            return Some(b.clone());
        }
        let known: Vec<&str> = scope.aliases.keys().map(String::as_str).collect();
        let help = match nearest(alias, known.iter().copied()) {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!("aliases here: {}", known.join(", ")),
        };
        self.coded(
            Code::UnknownName,
            src,
            span,
            format!("unknown alias `{alias}`"),
            help,
        );
        None
    }

    fn principal_arn(
        &mut self,
        src: &Source,
        scope: &Scope,
        alias: &Spanned<String>,
        what: &str,
    ) -> Option<Expr> {
        let b = self.binding(src, scope, &alias.node, alias.span)?;
        match b.entity.and_then(|e| e.principal_arn) {
            Some(arn) => Some(qcol(&b.qualifier, arn)),
            None => {
                let with: Vec<&str> = ENTITIES
                    .iter()
                    .filter(|e| e.principal_arn.is_some())
                    .map(|e| e.name)
                    .collect();
                self.error_help(
                    src,
                    alias.span,
                    format!(
                        "`{what}` needs a user or role; `{}` is a {}",
                        alias.node, b.table
                    ),
                    format!("it applies to: {}", with.join(", ")),
                );
                None
            }
        }
    }

    fn use_columns(
        &mut self,
        src: &Source,
        scope: &Scope,
        alias: &Spanned<String>,
    ) -> Option<(Expr, Expr)> {
        let b = self.binding(src, scope, &alias.node, alias.span)?;
        match b.entity.and_then(|e| Some((e.created?, e.last_used?))) {
            Some((created, last)) => Some((qcol(&b.qualifier, created), qcol(&b.qualifier, last))),
            None => {
                let with: Vec<&str> = ENTITIES
                    .iter()
                    .filter(|e| e.last_used.is_some())
                    .map(|e| e.name)
                    .collect();
                self.error_help(
                    src,
                    alias.span,
                    format!("`{}` ({}) has no record of use", alias.node, b.table),
                    format!("use is recorded for: {}", with.join(", ")),
                );
                None
            }
        }
    }

    fn days(&mut self, src: &Source, _scope: &Scope, days: &Spanned<Value>) -> Option<i64> {
        let v = self.resolve_param(src, &days.node, days.span)?;
        match v {
            Value::Num(n) => match n.parse::<i64>() {
                Ok(d) if d >= 0 => Some(d),
                _ => {
                    self.error(
                        src,
                        days.span,
                        format!("`{n}` is not a whole number of days"),
                    );
                    None
                }
            },
            _ => {
                self.error(src, days.span, "expected a number of days");
                None
            }
        }
    }

    async fn trusts(
        &mut self,
        src: &Source,
        scope: &Scope,
        alias: &Spanned<String>,
        target: &TrustTarget,
        qualifiers: &[TrustQualifier],
    ) -> Option<Expr> {
        if !self.subquery(src, alias.span) {
            return None;
        }
        let b = self.binding(src, scope, &alias.node, alias.span)?;
        let Some(role_arn) = b.entity.and_then(|e| e.role_arn) else {
            self.error_help(
                src,
                alias.span,
                format!(
                    "`trusts` applies to roles; `{}` is a {}",
                    alias.node, b.table
                ),
                "range over roles: `for role r`",
            );
            return None;
        };
        let allow = col("effect").eq(lit("Allow"));
        let kinds = |ks: &[&str]| {
            col("principal_kind").in_list(ks.iter().map(|k| lit(*k)).collect(), false)
        };
        let target_expr = match target {
            TrustTarget::Anyone => kinds(&["anyone"]).or(col("is_not_principal")),
            TrustTarget::Service(v) => {
                let base = kinds(&["service"]).and(col("is_not_principal").not());
                match v {
                    None => base,
                    Some(v) => base.and(self.glob_any(src, scope, v, vec![col("principal")])?),
                }
            }
            TrustTarget::Federated(v) => {
                let base =
                    kinds(&["oidc", "saml", "web_identity"]).and(col("is_not_principal").not());
                match v {
                    None => base,
                    Some(v) => base.and(self.glob_any(
                        src,
                        scope,
                        v,
                        vec![col("principal"), coalesce(vec![col("provider"), lit("")])],
                    )?),
                }
            }
            TrustTarget::Account(v) => {
                let base = col("principal_account")
                    .is_not_null()
                    .and(col("is_not_principal").not());
                match v {
                    None => base,
                    Some(v) => {
                        let items = self.string_values(src, scope, v)?;
                        base.and(
                            col("principal_account")
                                .in_list(items.into_iter().map(lit).collect(), false),
                        )
                    }
                }
            }
            TrustTarget::External(v) => {
                // Another account of the organization is not external.
                let inside = self.engine_fn(
                    src,
                    alias.span,
                    expr::in_organization(self.ctx, col("principal_account")),
                )?;
                let base = col("is_cross_account")
                    .and(col("is_not_principal").not())
                    .and(inside.is_true().not());
                match v {
                    None => base,
                    Some(v) => {
                        let items = self.string_values(src, scope, v)?;
                        if items.is_empty() {
                            base
                        } else {
                            base.and(coalesce(vec![
                                col("principal_account")
                                    .in_list(items.into_iter().map(lit).collect(), true),
                                lit(true),
                            ]))
                        }
                    }
                }
            }
            TrustTarget::Principal(v) => self.glob_any(src, scope, v, vec![col("principal")])?,
        };
        let mut filter = allow.and(target_expr);
        for q in qualifiers {
            let keys = self.string_values(src, scope, &q.keys)?;
            let like = match &q.value {
                Some(p) => match self.resolve_param(src, &p.value.node, p.value.span)? {
                    Value::Str(s) => Some(match p.kind {
                        PatternKind::Glob => glob_to_like(&s),
                        PatternKind::Like => s,
                    }),
                    _ => {
                        self.error(src, p.value.span, "`value` takes a text pattern");
                        return None;
                    }
                },
                None => None,
            };
            let mut any = Vec::with_capacity(keys.len());
            for k in keys {
                let built =
                    expr::condition_has(self.ctx, col("condition"), lit(k), like.clone().map(lit));
                let has = self.engine_fn(src, q.keys.span, built)?;
                any.push(has.is_true());
            }
            let any = self.any_of(src, q.keys.span, any)?;
            filter = filter.and(if q.negated { any.not() } else { any });
        }
        let plan = (async {
            LogicalPlanBuilder::from(scan(self.ctx, "trust").await?)
                .filter(filter)?
                .project(vec![col("role_arn")])?
                .build()
        })
        .await;
        match plan {
            Ok(p) => Some(in_subquery(qcol(&b.qualifier, role_arn), Arc::new(p))),
            Err(e) => {
                self.error(src, alias.span, e.strip_backtrace());
                None
            }
        }
    }

    /// The request contexts `with context` stands for, as JSON texts: the text itself (or
    /// the parameter's), or for an object one per combination of its keys' values (a list
    /// is any of its values, tried one at a time).
    fn contexts(&mut self, src: &Source, scope: &Scope, c: &Spanned<Context>) -> Option<Vec<Expr>> {
        let entries = match &c.node {
            Context::Json(v) => return Some(vec![self.value(src, scope, v, c.span)?]),
            Context::Object(entries) => entries,
        };
        let mut combos: Vec<serde_json::Map<String, serde_json::Value>> =
            vec![serde_json::Map::new()];
        for e in entries {
            if combos.first().is_some_and(|m| m.contains_key(&e.key.node)) {
                self.error(
                    src,
                    e.key.span,
                    format!("context key `{}` is given twice", e.key.node),
                );
                return None;
            }
            let values = self.string_values(src, scope, &e.value)?;
            if combos.len().saturating_mul(values.len()) > MAX_RULE_CONDITIONS {
                self.error_help(
                    src,
                    c.span,
                    format!(
                        "this context stands for more than {MAX_RULE_CONDITIONS} requests (one per combination of its lists' values)"
                    ),
                    "test fewer values, or split the condition",
                );
                return None;
            }
            let mut next = Vec::with_capacity(combos.len() * values.len());
            for m in &combos {
                for v in &values {
                    let mut m = m.clone();
                    m.insert(e.key.node.clone(), serde_json::Value::String(v.clone()));
                    next.push(m);
                }
            }
            combos = next;
        }
        Some(
            combos
                .into_iter()
                .map(|m| lit(serde_json::Value::Object(m).to_string()))
                .collect(),
        )
    }

    /// `col` matches any of the glob values (case-insensitive), for any of `columns`.
    fn glob_any(
        &mut self,
        src: &Source,
        scope: &Scope,
        v: &Spanned<Value>,
        columns: Vec<Expr>,
    ) -> Option<Expr> {
        let items = self.string_values(src, scope, v)?;
        let mut any = Vec::with_capacity(items.len() * columns.len());
        for item in items {
            for c in &columns {
                let m = if item.contains('*') || item.contains('?') {
                    c.clone().ilike(lit(glob_to_like(&item)))
                } else {
                    datafusion::functions::expr_fn::lower(c.clone()).eq(lit(item.to_lowercase()))
                };
                any.push(m);
            }
        }
        self.any_of(src, v.span, any)
    }

    /// Any of `parts` (false for none), each counted as a condition of the rule.
    fn any_of(&mut self, src: &Source, span: Span, parts: Vec<Expr>) -> Option<Expr> {
        if !self.enter(src, span, 0, parts.len()) {
            return None;
        }
        Some(balanced(parts, Expr::or).unwrap_or(lit(false)))
    }

    /// Rows related to an alias: (the alias's key column, a plan of the related keys).
    async fn relation(
        &mut self,
        src: &Source,
        scope: &Scope,
        rel: &Relation,
    ) -> Option<(Expr, LogicalPlan)> {
        if !self.subquery(src, rel.name.span) {
            return None;
        }
        let b = self.binding(src, scope, &rel.owner.node, rel.owner.span)?;
        let Some(ent) = b.entity else {
            self.error(
                src,
                rel.owner.span,
                format!(
                    "`{}` is a related row; relations start from the rule's alias",
                    rel.owner.node
                ),
            );
            return None;
        };
        let Some(spec) = ent.relation(&rel.name.node) else {
            let names: Vec<&str> = ent.relations.iter().map(|r| r.name).collect();
            let help = if names.is_empty() {
                format!("a {} has no related rows", ent.name)
            } else {
                match nearest(&rel.name.node, names.iter().copied()) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("relations of {}: {}", ent.name, names.join(", ")),
                }
            };
            self.coded(
                Code::UnknownName,
                src,
                rel.name.span,
                format!("{} has no relation `{}`", ent.name, rel.name.node),
                help,
            );
            return None;
        };
        let table = match scan(self.ctx, spec.table).await {
            Ok(t) => t,
            Err(e) => {
                self.error(src, rel.name.span, e.strip_backtrace());
                return None;
            }
        };
        let rel_alias = rel
            .alias
            .as_ref()
            .map_or_else(|| rel.name.node.clone(), |a| a.node.clone());
        let qualifier = format!("__rel_{rel_alias}");
        let fields: Vec<String> = table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let mut inner = Scope::default();
        inner.aliases.insert(
            rel_alias.clone(),
            Binding {
                qualifier: qualifier.clone(),
                entity: None,
                table: spec.table.to_owned(),
                fields,
            },
        );
        let filter = match &rel.filter {
            Some(f) => {
                if !self.enter(src, f.span, 1, 1) {
                    return None;
                }
                let x = self.expr(src, &inner, f).await;
                self.depth -= 1;
                Some(self.conjuncts(src, f.span, x?)?)
            }
            None => None,
        };
        let plan = (|| {
            let mut builder = LogicalPlanBuilder::from(table).alias(qualifier.as_str())?;
            if let Some(f) = filter {
                builder = builder.filter(f)?;
            }
            builder
                .project(vec![qcol(&qualifier, spec.foreign)])?
                .build()
        })();
        match plan {
            Ok(p) => Some((qcol(&b.qualifier, spec.local), p)),
            Err(e) => {
                self.error(src, rel.name.span, e.strip_backtrace());
                None
            }
        }
    }

    /// A value.
    fn operand<'s>(
        &'s mut self,
        src: &'s Source,
        scope: &'s Scope,
        o: &'s Spanned<Operand>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<Expr>> + 's>> {
        Box::pin(async move {
            match &o.node {
                Operand::Value(v) => self.value(src, scope, v, o.span),
                Operand::Paren(e) => {
                    if !self.enter(src, o.span, 1, 0) {
                        return None;
                    }
                    let x = self.expr(src, scope, e).await;
                    self.depth -= 1;
                    x
                }
                Operand::Count(rel) => {
                    if !scope.top {
                        self.error(
                            src,
                            o.span,
                            "`count(...)` can be used in a rule's condition, not inside a relation",
                        );
                        return None;
                    }
                    let (local, plan) = self.relation(src, scope, rel).await?;
                    let Expr::Column(local_col) = local else {
                        return None;
                    };
                    let key = plan.schema().field(0).name().clone();
                    let name = format!("__c{}", self.joins.len());
                    let agg = (|| {
                        LogicalPlanBuilder::from(plan)
                            .aggregate(
                                vec![col(Column::new_unqualified(key.clone())).alias("__key")],
                                vec![count_all().alias("n")],
                            )?
                            .alias(name.as_str())?
                            .build()
                    })();
                    match agg {
                        Ok(p) => {
                            self.joins.push((p, local_col.name, "__key".to_owned()));
                            Some(coalesce(vec![qcol(&name, "n"), lit(0i64)]))
                        }
                        Err(e) => {
                            self.error(src, o.span, e.strip_backtrace());
                            None
                        }
                    }
                }
                Operand::Call { name, args } => {
                    if self.pack.defines.contains_key(&name.node) {
                        let def = self.pack.defines.get(&name.node)?.clone();
                        return self.expand(src, scope, &def, name, args).await;
                    }
                    if !self.enter(src, o.span, 1, 1) {
                        return None;
                    }
                    let mut values = Vec::new();
                    for a in args {
                        // A list (written or a parameter's) is an array argument.
                        if let Some(items) = self.list_argument(src, a) {
                            values.push(datafusion::functions_nested::expr_fn::make_array(items));
                            continue;
                        }
                        match self.operand(src, scope, a).await {
                            Some(v) => values.push(v),
                            None => {
                                self.depth -= 1;
                                return None;
                            }
                        }
                    }
                    self.depth -= 1;
                    self.call_fn(src, name.span, &name.node, values)
                }
            }
        })
    }

    /// The items of a function argument that is a list, written (`["a", "b"]`) or a
    /// parameter's value, as literals; `None` for any other argument.
    fn list_argument(&mut self, src: &Source, a: &Spanned<Operand>) -> Option<Vec<Expr>> {
        let Operand::Value(v) = &a.node else {
            return None;
        };
        let resolved = match v {
            Value::Param(name) => self.pack.params.get(name).map(|p| p.node.clone())?,
            other => other.clone(),
        };
        let Value::List(items) = resolved else {
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            match &item.node {
                Value::Str(s) => out.push(lit(s.clone())),
                Value::Num(n) => out.push(lit(n.clone())),
                Value::Bool(b) => out.push(lit(*b)),
                _ => {
                    self.error(
                        src,
                        a.span,
                        "a list given to a function holds text, numbers or booleans only",
                    );
                    return Some(Vec::new());
                }
            }
        }
        Some(out)
    }

    fn value(&mut self, src: &Source, scope: &Scope, v: &Value, span: Span) -> Option<Expr> {
        match v {
            Value::Str(s) => Some(lit(s.clone())),
            Value::Num(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    Some(lit(i))
                } else if let Ok(f) = n.parse::<f64>() {
                    Some(lit(f))
                } else {
                    self.error(src, span, format!("`{n}` is not a number"));
                    None
                }
            }
            Value::Bool(b) => Some(lit(*b)),
            Value::Null => Some(null()),
            Value::List(_) => {
                self.error_help(
                    src,
                    span,
                    "a list can only follow `in`",
                    "write `x in [\"a\", \"b\"]`",
                );
                None
            }
            Value::Param(_) => {
                let resolved = self.resolve_param(src, v, span)?;
                self.value(src, scope, &resolved, span)
            }
            Value::Alias(a) => {
                if scope.aliases.contains_key(a) {
                    self.error_help(
                        src,
                        span,
                        format!("`{a}` is a row, not a value"),
                        format!("use one of its fields, e.g. `{a}.arn`"),
                    );
                } else {
                    let names: Vec<String> = scope.aliases.keys().cloned().collect();
                    self.error_help(
                        src,
                        span,
                        format!("unknown name `{a}`"),
                        format!(
                            "write text in double quotes (\"{a}\"), a parameter as ${a}, or a field such as {}.name",
                            names.first().map_or("r", String::as_str)
                        ),
                    );
                }
                None
            }
            Value::Field { alias, field } => {
                let b = self.binding(src, scope, alias, span)?;
                if b.fields.iter().any(|f| f == field) {
                    return Some(qcol(&b.qualifier, field));
                }
                if let (Some(ent), Some((_, func))) = (
                    b.entity,
                    VIRTUAL_FIELDS.iter().find(|(name, _)| name == field),
                ) && let Some(arn) = ent.principal_arn
                {
                    let built = func(self.ctx, qcol(&b.qualifier, arn));
                    return self.engine_fn(src, span, built);
                }
                let mut all: Vec<&str> = b.fields.iter().map(String::as_str).collect();
                if b.entity.is_some_and(|e| e.principal_arn.is_some()) {
                    all.extend(VIRTUAL_FIELDS.iter().map(|(n, _)| *n));
                }
                let help = match nearest(field, all.iter().copied()) {
                    Some(n) => format!(
                        "did you mean `{alias}.{n}`? fields of {}: {}",
                        b.table,
                        all.join(", ")
                    ),
                    None => format!("fields of {}: {}", b.table, all.join(", ")),
                };
                self.coded(
                    Code::UnknownName,
                    src,
                    span,
                    format!("{} `{alias}` has no field `{field}`", b.table),
                    help,
                );
                None
            }
        }
    }

    fn resolve_param(&mut self, src: &Source, v: &Value, span: Span) -> Option<Value> {
        match v {
            Value::Param(name) => match self.pack.params.get(name) {
                Some(value) => Some(value.node.clone()),
                None => {
                    let known: Vec<&str> = self.pack.params.keys().map(String::as_str).collect();
                    let help = match nearest(name, known.iter().copied()) {
                        Some(n) => format!("did you mean `${n}`?"),
                        None if known.is_empty() => {
                            format!("declare it: `param {name} = ...`")
                        }
                        None => format!("parameters: {}", known.join(", ")),
                    };
                    self.coded(
                        Code::UnknownName,
                        src,
                        span,
                        format!("unknown parameter `${name}`"),
                        help,
                    );
                    None
                }
            },
            other => Some(other.clone()),
        }
    }

    /// A text or list of texts (literal or parameter).
    fn string_values(
        &mut self,
        src: &Source,
        _scope: &Scope,
        v: &Spanned<Value>,
    ) -> Option<Vec<String>> {
        let resolved = self.resolve_param(src, &v.node, v.span)?;
        match resolved {
            Value::Str(s) => Some(vec![s]),
            Value::List(items) => {
                let mut out = Vec::new();
                for i in items {
                    match self.resolve_param(src, &i.node, i.span)? {
                        Value::Str(s) => out.push(s),
                        _ => {
                            self.error(src, v.span, "expected a list of texts");
                            return None;
                        }
                    }
                }
                Some(out)
            }
            _ => {
                self.error(src, v.span, "expected a text or a list of texts");
                None
            }
        }
    }

    fn list_items(
        &mut self,
        src: &Source,
        scope: &Scope,
        o: &Operand,
        span: Span,
    ) -> Option<Vec<Expr>> {
        let Operand::Value(v) = o else {
            self.error(src, span, "`in` takes a list, a parameter or `sql { ... }`");
            return None;
        };
        match self.resolve_param(src, v, span)? {
            Value::List(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.value(src, scope, &i.node, i.span)?);
                }
                Some(out)
            }
            single @ (Value::Str(_) | Value::Num(_) | Value::Bool(_)) => {
                Some(vec![self.value(src, scope, &single, span)?])
            }
            _ => {
                self.error(src, span, "`in` takes a list, a parameter or `sql { ... }`");
                None
            }
        }
    }

    async fn sql(&mut self, src: &Source, span: Span, sql: &str) -> Option<LogicalPlan> {
        if !self.subquery(src, span) {
            return None;
        }
        let options = datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        match self.ctx.sql_with_options(sql, options).await {
            Ok(df) => {
                let plan = df.into_unoptimized_plan();
                if plan.schema().fields().len() != 1 {
                    self.error_help(
                        src,
                        span,
                        format!(
                            "the query gives {} columns; `in sql {{...}}` needs one",
                            plan.schema().fields().len()
                        ),
                        "select only the column to compare with",
                    );
                    return None;
                }
                Some(plan)
            }
            Err(e) => {
                self.error_help(
                    src,
                    span,
                    format!("in the SQL: {}", first_line(&e.strip_backtrace())),
                    "the query runs over the snapshot's tables and views, read-only",
                );
                None
            }
        }
    }

    /// A call built by one of the engine's typed builders, or the error at `span`.
    fn engine_fn(
        &mut self,
        src: &Source,
        span: Span,
        built: Result<Expr, expr::MissingFunction>,
    ) -> Option<Expr> {
        match built {
            Ok(e) => Some(e),
            Err(e) => {
                self.error(src, span, e.to_string());
                None
            }
        }
    }

    /// Any scalar function of the session, by name (functions written in a pack, and
    /// DataFusion's own).
    fn call_fn(&mut self, src: &Source, span: Span, name: &str, args: Vec<Expr>) -> Option<Expr> {
        let state = self.ctx.state();
        if let Some(f) = state.scalar_functions().get(name) {
            return Some(Expr::ScalarFunction(ScalarFunction::new_udf(
                Arc::clone(f),
                args,
            )));
        }
        let mut names: Vec<&str> = state
            .scalar_functions()
            .keys()
            .map(String::as_str)
            .collect();
        names.extend(self.pack.defines.keys().map(String::as_str));
        let help = match nearest(name, names.iter().copied()) {
            Some(n) => format!("did you mean `{n}`?"),
            None => "named predicates come from `define`; functions are those of `iamsnap query` (see docs/functions.md)".to_owned(),
        };
        self.coded(
            Code::UnknownName,
            src,
            span,
            format!("unknown function or predicate `{name}`"),
            help,
        );
        None
    }
}

/// `parts` joined by `op` as a balanced tree: as deep as the logarithm of their number,
/// where folding them would nest as deep as there are parts (and overflow the stack of
/// whatever walks the expression, given a long `or` chain).
fn balanced(mut parts: Vec<Expr>, op: fn(Expr, Expr) -> Expr) -> Option<Expr> {
    while parts.len() > 1 {
        let mut next = Vec::with_capacity(parts.len().div_ceil(2));
        let mut it = parts.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => op(a, b),
                None => a,
            });
        }
        parts = next;
    }
    parts.pop()
}

fn first_line(text: &str) -> String {
    let t = text.lines().next().unwrap_or_default();
    for prefix in ["Error during planning: ", "Schema error: ", "SQL error: "] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    t.to_owned()
}

fn plan_qualifier(plan: &LogicalPlan) -> String {
    match plan {
        LogicalPlan::SubqueryAlias(a) => a.alias.to_string(),
        _ => String::new(),
    }
}

fn known_method(id: &str) -> bool {
    iamsnap_policy::escalation::methods().is_ok_and(|all| all.iter().any(|m| m.id == id))
}

/// A glob (`*`, `?`) as a `LIKE` pattern.
pub(crate) fn glob_to_like(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    for c in glob.chars() {
        match c {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

enum TemplatePiece {
    Text(String),
    Field(String),
}

/// `"{r.name} can ..."` → text and field pieces; `{{` and `}}` are literal braces.
fn split_template(text: &str) -> Vec<TemplatePiece> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                buf.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                buf.push('}');
            }
            '{' => {
                let mut name = String::new();
                for n in chars.by_ref() {
                    if n == '}' {
                        break;
                    }
                    name.push(n);
                }
                if !buf.is_empty() {
                    out.push(TemplatePiece::Text(std::mem::take(&mut buf)));
                }
                out.push(TemplatePiece::Field(name.trim().to_owned()));
            }
            c => buf.push(c),
        }
    }
    if !buf.is_empty() {
        out.push(TemplatePiece::Text(buf));
    }
    out
}
