//! What data each rule reads, and whether the snapshot holds it: a rule that reads data
//! the snapshot lacks reports nothing about what it cannot see, and `check` says so
//! instead of looking clean.
//!
//! What a rule reads is taken from its compiled plan, not declared by hand: the columns of
//! the snapshot's tables that decide which rows it reports (its filters, the subqueries of
//! `exists`, `count(...)` and `in sql {...}`, inner joins, and the columns naming what a
//! finding is about), followed through views, projections, aggregates and joins; plus the
//! tables behind the IAM-aware functions it calls (the access model's). A table joined to
//! an entity only for fields the rule does not use is not read: `for user u where exists
//! u.attachments ...` does not need the credential report although the `user` entity
//! carries its columns. Whether the snapshot holds a table and its columns is the access
//! model's answer ([`iamsnap_access::coverage`]).
//!
//! A rule is listed when any of the data it reads is missing, even when an `or` could let
//! it report on what is there: its silence then says nothing about what it could not see.
//! Data that is present but incomplete (a credential report without some users) is data:
//! the rule runs on it and is not listed.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::common::tree_node::{TreeNode as _, TreeNodeRecursion};
use datafusion::common::{DFSchema, JoinType};
use datafusion::logical_expr::{Expr, LogicalPlan};
use iamsnap_access::Model;
use iamsnap_access::coverage::availability;
use iamsnap_engine::expr::evaluates_policies;
use iamsnap_snapshot::Snapshot;

use crate::compile::CompiledRule;
use crate::finding::{MissingData, RuleWithoutData};

/// Columns read, by table; a table with no column listed is read for its rows alone.
pub(crate) type Reads = BTreeMap<String, BTreeSet<String>>;

/// Plans nest views in views; deeper than this, the rest is taken as reading everything
/// it could (never less than it reads).
const MAX_DEPTH: usize = 64;

/// What each output column of a plan derives from, and what decides which rows it has.
#[derive(Debug, Clone)]
struct Lineage {
    fields: Vec<Reads>,
    rows: Reads,
}

fn merge(into: &mut Reads, from: &Reads) {
    for (table, cols) in from {
        into.entry(table.clone())
            .or_default()
            .extend(cols.iter().cloned());
    }
}

fn union<'a>(parts: impl IntoIterator<Item = &'a Reads>) -> Reads {
    let mut out = Reads::new();
    for p in parts {
        merge(&mut out, p);
    }
    out
}

/// Everything a lineage reads, rows and fields.
fn everything(l: &Lineage) -> Reads {
    let mut out = l.rows.clone();
    for f in &l.fields {
        merge(&mut out, f);
    }
    out
}

/// What the rows `rule` reports depend on.
pub(crate) fn reads(rule: &CompiledRule) -> Reads {
    let l = lineage(&rule.plan, 0);
    let mut out = l.rows;
    // `__resource`, `__detail`, `__account`: what a finding is about. The message fields
    // after them only describe a finding.
    for f in l.fields.iter().take(3) {
        merge(&mut out, f);
    }
    out
}

/// The rules of `rules` that read data `snapshot` lacks, each with what it lacks, in the
/// order of `rules`.
pub fn without_data(snapshot: &Snapshot, rules: &[CompiledRule]) -> Vec<RuleWithoutData> {
    rules
        .iter()
        .filter_map(|rule| {
            let mut missing: Vec<MissingData> = Vec::new();
            for (table, cols) in reads(rule) {
                let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
                if let Some(u) = availability(snapshot, &table, &cols)
                    && !missing.iter().any(|m| m.what == u.what)
                {
                    missing.push(MissingData {
                        what: u.what,
                        table: u.table,
                        why: u.why,
                        how: u.how,
                    });
                }
            }
            (!missing.is_empty()).then(|| RuleWithoutData {
                rule_id: rule.info.id.clone(),
                missing,
            })
        })
        .collect()
}

/// The lineage of `plan`.
fn lineage(plan: &LogicalPlan, depth: usize) -> Lineage {
    if depth > MAX_DEPTH {
        return everything_below(plan, depth);
    }
    let width = plan.schema().fields().len();
    match plan {
        LogicalPlan::TableScan(scan) => {
            let full = match scan.source.get_logical_plan() {
                // A view: what its own plan reads.
                Some(view) => lineage(&view, depth + 1),
                // A table computed from the access model: what it is made of.
                None if iamsnap_engine::computed_from(scan.table_name.table()).is_some() => {
                    let sources =
                        iamsnap_engine::computed_from(scan.table_name.table()).unwrap_or_default();
                    let all: Reads = sources
                        .iter()
                        .map(|t| ((*t).to_owned(), BTreeSet::new()))
                        .collect();
                    Lineage {
                        fields: vec![all.clone(); scan.source.schema().fields().len()],
                        rows: all,
                    }
                }
                None => {
                    let table = scan.table_name.table().to_owned();
                    let fields = scan
                        .source
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| Reads::from([(table.clone(), BTreeSet::from([f.name().clone()]))]))
                        .collect();
                    Lineage {
                        fields,
                        // Its rows are read even when none of its columns is.
                        rows: Reads::from([(table, BTreeSet::new())]),
                    }
                }
            };
            let fields = match &scan.projection {
                Some(indices) => indices
                    .iter()
                    .map(|i| full.fields.get(*i).cloned().unwrap_or_default())
                    .collect(),
                None => full.fields,
            };
            let mut out = Lineage {
                fields,
                rows: full.rows,
            };
            for f in &scan.filters {
                let r = expr_reads(f, &scan.projected_schema, &out, depth);
                merge(&mut out.rows, &r);
            }
            out
        }
        LogicalPlan::Projection(p) => {
            let input = lineage(&p.input, depth + 1);
            let fields = p
                .expr
                .iter()
                .map(|e| expr_reads(e, p.input.schema(), &input, depth))
                .collect();
            Lineage {
                fields,
                rows: input.rows,
            }
        }
        LogicalPlan::Filter(f) => {
            let mut input = lineage(&f.input, depth + 1);
            let r = expr_reads(&f.predicate, f.input.schema(), &input, depth);
            merge(&mut input.rows, &r);
            input
        }
        LogicalPlan::Join(j) => {
            let (l, r) = (lineage(&j.left, depth + 1), lineage(&j.right, depth + 1));
            let mut keys = Reads::new();
            for (a, b) in &j.on {
                merge(&mut keys, &expr_reads(a, j.left.schema(), &l, depth));
                merge(&mut keys, &expr_reads(b, j.right.schema(), &r, depth));
            }
            if let Some(filter) = &j.filter {
                let both = Lineage {
                    fields: l.fields.iter().chain(&r.fields).cloned().collect(),
                    rows: Reads::new(),
                };
                if let Ok(schema) = j.left.schema().join(j.right.schema()) {
                    merge(&mut keys, &expr_reads(filter, &schema, &both, depth));
                } else {
                    merge(&mut keys, &everything(&both));
                }
            }
            // The side whose rows are kept whatever matches decides the rows; the other
            // side (and what decides its matches) only the values of its columns.
            let with = |side: &Lineage, extra: &Reads| -> Vec<Reads> {
                side.fields
                    .iter()
                    .map(|f| union([f, &side.rows, extra]))
                    .collect()
            };
            let (fields, rows) = match j.join_type {
                JoinType::Left => (
                    l.fields.iter().cloned().chain(with(&r, &keys)).collect(),
                    l.rows,
                ),
                JoinType::Right => (
                    with(&l, &keys).into_iter().chain(r.fields).collect(),
                    r.rows,
                ),
                JoinType::Inner => (
                    l.fields.into_iter().chain(r.fields).collect(),
                    union([&l.rows, &r.rows, &keys]),
                ),
                JoinType::LeftSemi | JoinType::LeftAnti => {
                    (l.fields, union([&l.rows, &r.rows, &keys, &everything(&r)]))
                }
                JoinType::RightSemi | JoinType::RightAnti => {
                    (r.fields, union([&l.rows, &r.rows, &keys, &everything(&l)]))
                }
                // Full, mark joins: every output depends on both sides.
                _ => {
                    let all = union([&everything(&l), &everything(&r), &keys]);
                    (vec![all.clone(); width], all)
                }
            };
            Lineage { fields, rows }
        }
        LogicalPlan::Aggregate(a) => {
            let input = lineage(&a.input, depth + 1);
            let groups: Vec<Reads> = a
                .group_expr
                .iter()
                .map(|e| expr_reads(e, a.input.schema(), &input, depth))
                .collect();
            let all_groups = union(&groups);
            let aggregates: Vec<Reads> = a
                .aggr_expr
                .iter()
                .map(|e| union([&expr_reads(e, a.input.schema(), &input, depth), &all_groups]))
                .collect();
            let fields: Vec<Reads> = groups.into_iter().chain(aggregates).collect();
            if fields.len() == width {
                Lineage {
                    fields,
                    rows: input.rows,
                }
            } else {
                // Grouping sets add columns of their own: take the whole input.
                let all = everything(&input);
                Lineage {
                    fields: vec![all; width],
                    rows: input.rows,
                }
            }
        }
        LogicalPlan::SubqueryAlias(s) => lineage(&s.input, depth + 1),
        LogicalPlan::Subquery(s) => lineage(&s.subquery, depth + 1),
        LogicalPlan::Sort(s) => lineage(&s.input, depth + 1),
        LogicalPlan::Limit(l) => lineage(&l.input, depth + 1),
        LogicalPlan::Repartition(r) => lineage(&r.input, depth + 1),
        LogicalPlan::Distinct(datafusion::logical_expr::Distinct::All(input)) => {
            lineage(input, depth + 1)
        }
        LogicalPlan::Union(u) => {
            let inputs: Vec<Lineage> = u.inputs.iter().map(|i| lineage(i, depth + 1)).collect();
            let fields = (0..width)
                .map(|i| union(inputs.iter().filter_map(|l| l.fields.get(i))))
                .collect();
            Lineage {
                fields,
                rows: union(inputs.iter().map(|l| &l.rows)),
            }
        }
        LogicalPlan::EmptyRelation(_) | LogicalPlan::Values(_) => Lineage {
            fields: vec![Reads::new(); width],
            rows: Reads::new(),
        },
        // Anything else: every output column may depend on everything its inputs read.
        _ => everything_below(plan, depth),
    }
}

/// Every output column of `plan` reading everything its inputs read.
fn everything_below(plan: &LogicalPlan, depth: usize) -> Lineage {
    let width = plan.schema().fields().len();
    let mut all = Reads::new();
    if depth <= MAX_DEPTH {
        for input in plan.inputs() {
            merge(&mut all, &everything(&lineage(input, depth + 1)));
        }
        for e in plan.expressions() {
            merge(&mut all, &subquery_reads(&e, depth));
        }
    }
    Lineage {
        fields: vec![all.clone(); width],
        rows: all,
    }
}

/// What the value of `e` depends on: the lineage of the columns it refers to (in `schema`,
/// the input's, whose columns `input` describes), what its subqueries read, and the tables
/// behind the access model's functions it calls.
fn expr_reads(e: &Expr, schema: &DFSchema, input: &Lineage, depth: usize) -> Reads {
    let mut out = Reads::new();
    // A column not in `schema` is an enclosing query's: what it reads is counted there.
    for c in e.column_refs() {
        if let Some(f) = schema
            .index_of_column(c)
            .ok()
            .and_then(|i| input.fields.get(i))
        {
            merge(&mut out, f);
        }
    }
    merge(&mut out, &subquery_reads(e, depth));
    let _ = e.apply(|node| {
        if let Expr::ScalarFunction(f) = node
            && evaluates_policies(f.name())
        {
            for table in Model::TABLES {
                out.entry((*table).to_owned()).or_default();
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    out
}

/// Everything the subqueries of `e` read: what their rows and values depend on.
fn subquery_reads(e: &Expr, depth: usize) -> Reads {
    let mut out = Reads::new();
    let _ = e.apply(|node| {
        let plan = match node {
            Expr::InSubquery(s) => Some(&s.subquery.subquery),
            Expr::Exists(s) => Some(&s.subquery.subquery),
            Expr::ScalarSubquery(s) => Some(&s.subquery),
            _ => None,
        };
        if let Some(plan) = plan {
            merge(&mut out, &everything(&lineage(plan, depth + 1)));
        }
        Ok(TreeNodeRecursion::Continue)
    });
    out
}
