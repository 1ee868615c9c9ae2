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
use iamsnap_policy::ResourceMatcher;

use super::FunctionDoc;
use super::udf::{Udf, at, text_arg};

pub(super) fn docs() -> Vec<FunctionDoc> {
    vec![
        FunctionDoc {
            name: "condition_has",
            signature: "condition_has(condition_json text, key_glob text [, value_like text]) -> boolean",
            description: "Whether a `Condition` element (JSON text, as in `trust.condition` and `statements.condition`) tests a key matching the glob (`*` and `?`, without regard to case) under any operator; with a third argument, whether one of that key's values matches the SQL `LIKE` pattern (`%` any run, `_` one character; `*` in a value is literal). False for a null or empty condition, so `not condition_has(...)` finds statements without it.",
            example: "select role_name from trust where principal_kind = 'oidc' and not condition_has(condition, '*:sub')",
        },
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

pub(super) fn register(ctx: &SessionContext) {
    ctx.register_udf(Udf::text(
        "condition_has",
        &[2, 3],
        DataType::Boolean,
        Arc::new(|args, rows| {
            let conditions = text_arg("condition_has", args, 0, rows)?;
            let keys = text_arg("condition_has", args, 1, rows)?;
            let likes = if args.len() > 2 {
                Some(text_arg("condition_has", args, 2, rows)?)
            } else {
                None
            };
            let mut parsed: Option<(&str, serde_json::Value)> = None;
            let mut glob: Option<(&str, Glob)> = None;
            let mut out = Vec::with_capacity(rows);
            for row in 0..rows {
                let Some(key) = at(&keys, row) else {
                    out.push(None);
                    continue;
                };
                let like = likes.as_ref().and_then(|l| at(l, row));
                if likes.is_some() && like.is_none() {
                    out.push(None);
                    continue;
                }
                let Some(text) = at(&conditions, row) else {
                    out.push(Some(false));
                    continue;
                };
                if parsed.as_ref().is_none_or(|(t, _)| *t != text) {
                    let value = serde_json::from_str(text).map_err(|e| {
                        DataFusionError::Execution(format!(
                            "condition_has: the condition is not JSON: {e}"
                        ))
                    })?;
                    parsed = Some((text, value));
                }
                if glob.as_ref().is_none_or(|(k, _)| *k != key) {
                    glob = Some((key, Glob::new(key, Case::Insensitive)));
                }
                let (Some((_, condition)), Some((_, g))) = (&parsed, &glob) else {
                    out.push(None);
                    continue;
                };
                out.push(Some(condition_has(condition, g, like)));
            }
            Ok(Arc::new(BooleanArray::from(out)) as ArrayRef)
        }),
    ));
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
            pattern_rows(
                "arn_matches",
                args,
                rows,
                ResourceMatcher::new,
                ResourceMatcher::matches,
            )
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

/// Whether any operator of `condition` tests a key matching `key`, and (with `like`)
/// whether one of its values matches the `LIKE` pattern.
fn condition_has(condition: &serde_json::Value, key: &Glob, like: Option<&str>) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    operators
        .values()
        .filter_map(serde_json::Value::as_object)
        .flat_map(|keys| keys.iter())
        .filter(|(k, _)| key.is_match(k))
        .any(|(_, values)| {
            let Some(pattern) = like else { return true };
            let one = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => like_match(pattern, s),
                serde_json::Value::Number(n) => like_match(pattern, &n.to_string()),
                serde_json::Value::Bool(b) => like_match(pattern, &b.to_string()),
                _ => false,
            };
            match values {
                serde_json::Value::Array(items) => items.iter().any(one),
                other => one(other),
            }
        })
}

/// SQL `LIKE`: `%` any run of characters, `_` exactly one, `\` escapes; case-sensitive.
fn like_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // matches[j]: the pattern so far matches the first j characters of the text.
    let mut matches = vec![false; t.len() + 1];
    if let Some(first) = matches.first_mut() {
        *first = true;
    }
    let mut i = 0;
    while let Some(&c) = p.get(i) {
        let mut next = vec![false; t.len() + 1];
        if c == '%' {
            let mut any = false;
            for (j, slot) in next.iter_mut().enumerate() {
                any |= matches.get(j).copied().unwrap_or(false);
                *slot = any;
            }
        } else {
            let (literal, wildcard) = match c {
                '\\' => {
                    i += 1;
                    (p.get(i).copied(), false)
                }
                '_' => (None, true),
                other => (Some(other), false),
            };
            for j in 0..t.len() {
                let ok = matches.get(j).copied().unwrap_or(false)
                    && (wildcard || t.get(j).copied() == literal);
                if let Some(slot) = next.get_mut(j + 1) {
                    *slot = ok;
                }
            }
        }
        matches = next;
        i += 1;
    }
    matches.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like_match("%*%", "repo:org/*"));
        assert!(!like_match("%*%", "repo:org/app:ref:refs/heads/main"));
        assert!(like_match("repo:org/_pp%", "repo:org/app:ref"));
        assert!(like_match("a\\%b", "a%b"));
        assert!(!like_match("a\\%b", "axb"));
        assert!(like_match("%", ""));
        assert!(!like_match("_", ""));
    }

    #[test]
    fn condition_keys_and_values() {
        let c: serde_json::Value = serde_json::from_str(
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:org/*","x"]},
                "StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
        )
        .unwrap();
        let sub = Glob::new("*:SUB", Case::Insensitive);
        assert!(condition_has(&c, &sub, None));
        assert!(condition_has(&c, &sub, Some("%*%")));
        assert!(!condition_has(&c, &sub, Some("repo:other/%")));
        let ext = Glob::new("sts:ExternalId", Case::Insensitive);
        assert!(!condition_has(&c, &ext, None));
        assert!(!condition_has(&serde_json::Value::Null, &sub, None));
    }
}
