//! `can` and `explain`: the policy evaluator over a principal's policies in the snapshot.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::ColumnarValue;
use iamsnap_policy::ContextValue;
use serde_json::Value;

use super::FunctionDoc;
use super::udf::{Udf, at, text_arg};
use crate::model::{SharedModel, Verdict};

pub(super) fn docs() -> Vec<FunctionDoc> {
    vec![
        FunctionDoc {
            name: "can",
            signature: "can(principal_arn text, action text, resource text [, context_json text]) -> boolean",
            description: "Whether the user or role may perform the action on the resource, by AWS's evaluation logic over its identity policies (direct, inherited from groups, inline) and its permissions boundary. The request context has `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:username` (users) and `aws:PrincipalTag/<key>`, plus the keys of the optional JSON object (`{\"aws:SourceIp\": \"10.0.0.1\", \"aws:TagKeys\": [\"a\", \"b\"]}`). The resource's account is the one in its ARN, else the principal's. No resource policies, SCPs or session policies are in a snapshot, so none apply. Null when the ARN is not a user or role of the snapshot, when an input is null, or when the answer depends on a document the snapshot lacks (a permissions boundary not in `policies`, a policy without document) and no explicit deny settles it.",
            example: "select name from principals where is_nhi and can(arn, 'iam:PassRole', '*')",
        },
        FunctionDoc {
            name: "explain",
            signature: "explain(principal_arn text, action text, resource text [, context_json text]) -> text",
            description: "The decision `can` makes and the statements that made it, e.g. `allow: identity policy arn:aws:iam::111122223333:policy/ci-deploy statement 0 (PassRoles)`, `explicit deny: ...`, `implicit deny: no policy allows it`, or `unknown: <missing document>; without it: ...`. Null when the ARN is not a user or role of the snapshot or an input is null. `EXPLAIN` is an SQL keyword: after a comma in a select list, write `\"explain\"(...)` or the alias `explain_access(...)`.",
            example: "select explain(arn, 's3:GetObject', 'arn:aws:s3:::demo-data/report.csv') from roles limit 5",
        },
    ]
}

/// The keys of a context JSON object: strings, numbers and booleans become one value,
/// arrays several.
pub(crate) fn parse_context(
    text: &str,
) -> std::result::Result<Vec<(String, ContextValue)>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("context is not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err(
            "context must be a JSON object, e.g. {\"aws:SourceIp\": \"10.0.0.1\"}".to_owned(),
        );
    };
    let scalar = |key: &str, v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!(
            "context key `{key}` must be a string, number, boolean or array of them"
        )),
    };
    let mut out = Vec::new();
    for (key, v) in &map {
        match v {
            Value::Null => {}
            Value::Array(items) => {
                let values = items
                    .iter()
                    .map(|i| scalar(key, i))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                out.push((key.clone(), ContextValue::Multi(values)));
            }
            other => out.push((key.clone(), ContextValue::Single(scalar(key, other)?))),
        }
    }
    Ok(out)
}

/// Evaluates every row; `None` where `can` and `explain` return null.
fn verdicts(
    name: &str,
    model: &SharedModel,
    args: &[ColumnarValue],
    rows: usize,
) -> Result<Vec<Option<Verdict>>> {
    let model = model.get()?;
    let principals = text_arg(name, args, 0, rows)?;
    let actions = text_arg(name, args, 1, rows)?;
    let resources = text_arg(name, args, 2, rows)?;
    let contexts = if args.len() > 3 {
        Some(text_arg(name, args, 3, rows)?)
    } else {
        None
    };
    let mut parsed: Option<(&str, Vec<(String, ContextValue)>)> = None;
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let (Some(principal), Some(action), Some(resource)) =
            (at(&principals, row), at(&actions, row), at(&resources, row))
        else {
            out.push(None);
            continue;
        };
        let Some(principal) = model.principal(principal) else {
            out.push(None);
            continue;
        };
        let context_text = contexts.as_ref().and_then(|c| at(c, row));
        let extra: &[(String, ContextValue)] = match context_text {
            None => &[],
            Some(text) => {
                if parsed.as_ref().is_none_or(|(t, _)| *t != text) {
                    let keys = parse_context(text)
                        .map_err(|e| DataFusionError::Execution(format!("{name}: {e}")))?;
                    parsed = Some((text, keys));
                }
                parsed.as_ref().map_or(&[], |(_, keys)| keys.as_slice())
            }
        };
        out.push(Some(principal.evaluate(action, resource, extra)));
    }
    Ok(out)
}

pub(super) fn register(ctx: &SessionContext, model: Arc<SharedModel>) {
    let for_can = Arc::clone(&model);
    ctx.register_udf(Udf::text(
        "can",
        &[3, 4],
        DataType::Boolean,
        Arc::new(move |args, rows| {
            let out: BooleanArray = verdicts("can", &for_can, args, rows)?
                .iter()
                .map(|v| v.as_ref().and_then(Verdict::allowed))
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }),
    ));
    // `EXPLAIN` is an SQL keyword that ends a select list after a comma (DataFusion's
    // default dialect accepts trailing commas there): the alias always parses.
    ctx.register_udf(
        Udf::text(
            "explain",
            &[3, 4],
            DataType::Utf8,
            Arc::new(move |args, rows| {
                let out: StringArray = verdicts("explain", &model, args, rows)?
                    .iter()
                    .map(|v| v.as_ref().map(Verdict::explain))
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            }),
        )
        .with_aliases(["explain_access"]),
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn context_json_gives_single_and_multi_values() {
        let keys = parse_context(
            r#"{"aws:SourceIp":"1.2.3.4","aws:TagKeys":["a","b"],"n":3,"b":true,"x":null}"#,
        )
        .unwrap();
        assert_eq!(
            keys,
            vec![
                (
                    "aws:SourceIp".to_owned(),
                    ContextValue::Single("1.2.3.4".to_owned())
                ),
                (
                    "aws:TagKeys".to_owned(),
                    ContextValue::Multi(vec!["a".to_owned(), "b".to_owned()])
                ),
                ("n".to_owned(), ContextValue::Single("3".to_owned())),
                ("b".to_owned(), ContextValue::Single("true".to_owned())),
            ]
        );
    }

    #[test]
    fn context_json_must_be_an_object_of_scalars() {
        assert!(parse_context("[1]").unwrap_err().contains("JSON object"));
        assert!(parse_context("{").unwrap_err().contains("not JSON"));
        assert!(
            parse_context(r#"{"k":{"a":1}}"#)
                .unwrap_err()
                .contains("`k`")
        );
    }
}
