//! Functions over the action catalog and IAM wildcards: `action_matches`, `arn_matches`,
//! `access_level`, `expand_actions`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::ColumnarValue;
use iamsnap_catalog::Catalog;
use iamsnap_catalog::glob::{Case, Glob};
use iamsnap_policy::{
    CompiledPolicy, Effect, PolicyDocument, PolicySet, Request, Statement, evaluate,
};

use super::FunctionDoc;
use super::udf::{Udf, at, text_arg};

pub(super) fn docs() -> Vec<FunctionDoc> {
    vec![
        FunctionDoc {
            name: "action_matches",
            signature: "action_matches(pattern text, action text) -> boolean",
            description: "Whether an IAM action pattern (`*` and `?` wildcards, as in `Action`) matches an action, without regard to case; null if either is null.",
            example: "select action_matches('s3:Get*', 'S3:GetObject')",
        },
        FunctionDoc {
            name: "arn_matches",
            signature: "arn_matches(pattern text, arn text) -> boolean",
            description: "Whether a resource pattern matches an ARN as IAM matches `Resource`: segment by segment, `*` and `?` wildcards, the resource part case-sensitive; policy variables are not substituted. Null if either is null.",
            example: "select arn from roles where arn_matches('arn:aws:iam::*:role/service-role/*', arn)",
        },
        FunctionDoc {
            name: "access_level",
            signature: "access_level(action text) -> text",
            description: "The access level of an action in the catalog, as AWS writes it (`Read`, `Permissions management, Write`); null for an action not in the catalog.",
            example: "select access_level('iam:PassRole')",
        },
        FunctionDoc {
            name: "expand_actions",
            signature: "expand_actions(pattern text) -> list<text>",
            description: "The catalog actions an IAM action pattern matches, sorted; empty when none, null for null.",
            example: "select unnest(expand_actions('s3:GetObject*'))",
        },
    ]
}

fn catalog() -> Result<&'static Catalog> {
    Catalog::embedded().map_err(|e| DataFusionError::Internal(e.to_string()))
}

/// Applies `f` to every row of two text arguments, compiling each distinct pattern once.
fn pattern_rows<P>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    compile: impl Fn(&str) -> P,
    test: impl Fn(&P, &str) -> bool,
) -> Result<ArrayRef> {
    let patterns = text_arg(name, args, 0, rows)?;
    let values = text_arg(name, args, 1, rows)?;
    let mut compiled: HashMap<&str, P> = HashMap::new();
    let mut out = BooleanArray::builder(rows);
    for row in 0..rows {
        match (at(&patterns, row), at(&values, row)) {
            (Some(pattern), Some(value)) => {
                let p = compiled.entry(pattern).or_insert_with(|| compile(pattern));
                out.append_value(test(p, value));
            }
            _ => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A policy allowing everything on `pattern`: evaluating it decides `Resource` matching
/// exactly as the evaluator does.
fn resource_policy(pattern: &str) -> CompiledPolicy {
    let statement = Statement {
        index: 0,
        sid: None,
        effect: Effect::Allow,
        action: Some(vec!["*".to_owned()]),
        not_action: None,
        resource: Some(vec![pattern.to_owned()]),
        not_resource: None,
        principal: None,
        not_principal: None,
        conditions: Vec::new(),
        principal_json: None,
        not_principal_json: None,
        condition_json: None,
    };
    let doc = PolicyDocument {
        version: None,
        id: None,
        statements: vec![statement],
    };
    CompiledPolicy::new("arn_matches", &doc)
}

pub(crate) fn arn_matches(policy: &CompiledPolicy, arn: &str) -> bool {
    let request = Request {
        principal: String::new(),
        principal_account: String::new(),
        action: "iamsnap:Match".to_owned(),
        resource: arn.to_owned(),
        resource_account: String::new(),
        context: Default::default(),
    };
    let set = PolicySet {
        identity: std::slice::from_ref(policy),
        ..PolicySet::default()
    };
    evaluate(&request, &set).decision == iamsnap_policy::Decision::Allow
}

pub(super) fn register(ctx: &SessionContext) {
    ctx.register_udf(Udf::text(
        "action_matches",
        &[2],
        DataType::Boolean,
        Arc::new(|args, rows| {
            pattern_rows(
                "action_matches",
                args,
                rows,
                |p| Glob::new(p, Case::Insensitive),
                |g, action| g.is_match(action),
            )
        }),
    ));
    ctx.register_udf(Udf::text(
        "arn_matches",
        &[2],
        DataType::Boolean,
        Arc::new(|args, rows| {
            pattern_rows("arn_matches", args, rows, resource_policy, arn_matches)
        }),
    ));
    ctx.register_udf(Udf::text(
        "access_level",
        &[1],
        DataType::Utf8,
        Arc::new(|args, rows| {
            let catalog = catalog()?;
            let actions = text_arg("access_level", args, 0, rows)?;
            let out: StringArray = (0..rows)
                .map(|row| {
                    at(&actions, row)
                        .and_then(|a| catalog.access_level(a))
                        .filter(|levels| !levels.is_empty())
                        .map(|levels| levels.to_string())
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    ctx.register_udf(Udf::text(
        "expand_actions",
        &[1],
        DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
        Arc::new(|args, rows| {
            let catalog = catalog()?;
            let patterns = text_arg("expand_actions", args, 0, rows)?;
            let mut out = ListBuilder::new(StringBuilder::new());
            for row in 0..rows {
                match at(&patterns, row) {
                    Some(pattern) => {
                        let set = catalog.expand(pattern);
                        let mut names: Vec<&str> =
                            catalog.actions_in(&set).map(|a| a.full_name()).collect();
                        names.sort_unstable();
                        for name in names {
                            out.values().append_value(name);
                        }
                        out.append(true);
                    }
                    None => out.append(false),
                }
            }
            Ok(Arc::new(out.finish()) as ArrayRef)
        }),
    ));
}
