//! `$param` in a rule's texts (title, message, description, remediation): replaced by the
//! parameter's value, as set on the command line or by default.

use std::collections::BTreeMap;

use crate::ast::{Span, Spanned, Value};
use crate::diag::{Diagnostic, Source, nearest};
use crate::print;

/// A rule's texts with their parameters replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleTexts {
    /// `title`.
    pub title: String,
    /// `description`.
    pub description: String,
    /// `remediation`.
    pub remediation: String,
    /// The finding's message template (`message`, or the title without one), with `{` and
    /// `}` of parameter values doubled so that they stay text.
    pub template: Option<Spanned<String>>,
    /// The fix command's template (`fix`), its parameter values shell-quoted and their `{`
    /// and `}` doubled.
    pub fix: Option<Spanned<String>>,
}

/// A part of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    /// Text as written (`$$` already read as `$`).
    Text(String),
    /// `$name`, at this byte range of the text.
    Param(&'a str, usize, usize),
}

/// `$name` (a letter or `_`, then letters, digits and `_`) is a parameter; `$$` is a `$`;
/// any other `$` is itself.
fn parts(text: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut rest = text.char_indices().peekable();
    while let Some((i, c)) = rest.next() {
        if c != '$' {
            buf.push(c);
            continue;
        }
        match rest.peek() {
            Some((_, '$')) => {
                rest.next();
                buf.push('$');
            }
            Some((start, n)) if n.is_ascii_alphabetic() || *n == '_' => {
                let start = *start;
                let mut end = start;
                while let Some((j, n)) = rest.peek() {
                    if n.is_ascii_alphanumeric() || *n == '_' {
                        end = j + n.len_utf8();
                        rest.next();
                    } else {
                        break;
                    }
                }
                if !buf.is_empty() {
                    out.push(Part::Text(std::mem::take(&mut buf)));
                }
                out.push(Part::Param(
                    text.get(start..end).unwrap_or_default(),
                    i,
                    end,
                ));
            }
            _ => buf.push('$'),
        }
    }
    if !buf.is_empty() {
        out.push(Part::Text(buf));
    }
    out
}

/// The names of the parameters a text uses.
pub(crate) fn params_used(text: &str) -> Vec<&str> {
    parts(text)
        .into_iter()
        .filter_map(|p| match p {
            Part::Param(name, _, _) => Some(name),
            Part::Text(_) => None,
        })
        .collect()
}

/// A parameter's value as text: a list as its items joined by `, `.
pub(crate) fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Num(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::List(items) => items
            .iter()
            .map(|i| value_text(&i.node))
            .collect::<Vec<_>>()
            .join(", "),
        other => print::value(other),
    }
}

/// `text` (a string literal of `src` at `span`) with its parameters replaced; braces of
/// values doubled when `template`. An unknown parameter is an error at its place (at the
/// whole string when escapes in it make the place uncertain).
pub(crate) fn render(
    src: &Source,
    text: &Spanned<String>,
    params: &BTreeMap<String, Spanned<Value>>,
    template: bool,
) -> Result<String, Diagnostic> {
    render_with(src, text, params, |_, v| {
        let v = value_text(v);
        Ok(if template {
            v.replace('{', "{{").replace('}', "}}")
        } else {
            v
        })
    })
}

/// A `fix` command (a string literal of `src` at `span`) with its parameters replaced, each
/// value shell-quoted (a list gives one word per item) and its braces doubled. A value
/// that cannot be written into a command (a control character) is an error at the text.
pub(crate) fn render_command(
    src: &Source,
    text: &Spanned<String>,
    params: &BTreeMap<String, Spanned<Value>>,
) -> Result<String, Diagnostic> {
    if let Err(why) = crate::fix::check_text(&text.node) {
        return Err(Diagnostic::new(
            src,
            text.span,
            format!("the fix command cannot be shown as written: {why}"),
        )
        .with_help("write the command on one line, without control or invisible characters"));
    }
    // A parameter inside a `{...}` field is an argument of a function call there
    // (`{f(r.x, $services)}`): it stays for the rule's compiler, which reads it as a value.
    let fields = field_ranges(&text.node);
    render_with_at(src, text, params, |name, at, v| {
        if fields.iter().any(|r| r.contains(&at)) {
            return Ok(format!("${name}"));
        }
        let items: Vec<String> = match v {
            Value::List(items) => items.iter().map(|i| value_text(&i.node)).collect(),
            other => vec![value_text(other)],
        };
        let mut words = Vec::with_capacity(items.len());
        for item in &items {
            match crate::fix::quote(item) {
                Ok(w) => words.push(w.replace('{', "{{").replace('}', "}}")),
                Err(why) => {
                    return Err(Diagnostic::new(
                        src,
                        text.span,
                        format!(
                            "parameter `${name}` cannot be written into the fix command: {why}"
                        ),
                    )
                    .with_help("give the parameter a value without control characters"));
                }
            }
        }
        Ok(words.join(" "))
    })
}

/// `text` with each `$name` replaced by `value(name, parameter value)`.
fn render_with(
    src: &Source,
    text: &Spanned<String>,
    params: &BTreeMap<String, Spanned<Value>>,
    value: impl Fn(&str, &Value) -> Result<String, Diagnostic>,
) -> Result<String, Diagnostic> {
    render_with_at(src, text, params, |name, _, v| value(name, v))
}

/// `text` with each `$name` replaced by `value(name, its byte offset, parameter value)`.
fn render_with_at(
    src: &Source,
    text: &Spanned<String>,
    params: &BTreeMap<String, Spanned<Value>>,
    value: impl Fn(&str, usize, &Value) -> Result<String, Diagnostic>,
) -> Result<String, Diagnostic> {
    let mut out = String::with_capacity(text.node.len());
    for part in parts(&text.node) {
        match part {
            Part::Text(t) => out.push_str(&t),
            Part::Param(name, start, end) => {
                let Some(v) = params.get(name) else {
                    return Err(unknown(src, text, name, start, end, params));
                };
                out.push_str(&value(name, start, &v.node)?);
            }
        }
    }
    Ok(out)
}

/// The byte ranges of the `{...}` fields of a template (`{{` and `}}` are braces).
fn field_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (c, open) {
            ('{', None) if chars.peek().map(|(_, n)| *n) == Some('{') => {
                chars.next();
            }
            ('}', None) if chars.peek().map(|(_, n)| *n) == Some('}') => {
                chars.next();
            }
            ('{', None) => open = Some(i),
            ('}', Some(start)) => {
                out.push(start..i);
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        out.push(start..text.len());
    }
    out
}

/// The error for `$name` at `start..end` of `text`.
fn unknown(
    src: &Source,
    text: &Spanned<String>,
    name: &str,
    start: usize,
    end: usize,
    params: &BTreeMap<String, Spanned<Value>>,
) -> Diagnostic {
    // The literal is `"` + text + `"` when it has no escapes: then offsets carry over.
    let written = src.slice(text.span);
    let span = if written.len() == text.node.len() + 2
        && written.get(1..written.len() - 1) == Some(text.node.as_str())
    {
        Span::new(text.span.start + 1 + start, text.span.start + 1 + end)
    } else {
        text.span
    };
    let known: Vec<&str> = params.keys().map(String::as_str).collect();
    let help = match nearest(name, known.iter().copied()) {
        Some(n) => format!("did you mean `${n}`? (`$$` is a `$` sign)"),
        None if known.is_empty() => {
            format!("declare it: `param {name} = ...`, or write `$$` for a `$` sign")
        }
        None => format!(
            "parameters: {}; `$$` is a `$` sign",
            known
                .iter()
                .map(|k| format!("${k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::new(
        src,
        span,
        format!("unknown parameter `${name}` in the text"),
    )
    .with_help(help)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn params() -> BTreeMap<String, Spanned<Value>> {
        let mut p = BTreeMap::new();
        p.insert(
            "stale_days".to_owned(),
            Spanned::new(Value::Num("90".into()), Span::default()),
        );
        p.insert(
            "services".to_owned(),
            Spanned::new(
                Value::List(vec![
                    Spanned::new(Value::Str("a{b}".into()), Span::default()),
                    Spanned::new(Value::Str("c".into()), Span::default()),
                ]),
                Span::default(),
            ),
        );
        p
    }

    fn spanned(src: &Source) -> Spanned<String> {
        let text = src.text.trim_matches('"').to_owned();
        Spanned::new(text, Span::new(0, src.text.len()))
    }

    #[test]
    fn params_are_replaced_and_dollars_kept() {
        let src = Source::new("p.rules", "\"older than $stale_days days, $$5, $ 1, $9\"");
        let out = render(&src, &spanned(&src), &params(), false).unwrap();
        assert_eq!(out, "older than 90 days, $5, $ 1, $9");
        let src = Source::new("p.rules", "\"to $services\"");
        assert_eq!(
            render(&src, &spanned(&src), &params(), false).unwrap(),
            "to a{b}, c"
        );
        assert_eq!(
            render(&src, &spanned(&src), &params(), true).unwrap(),
            "to a{{b}}, c"
        );
        assert_eq!(params_used("$a and $b_1 not $$c"), vec!["a", "b_1"]);
    }

    #[test]
    fn an_unknown_param_is_an_error_at_its_place_with_a_suggestion() {
        let src = Source::new("p.rules", "\"older than $stale_dys days\"");
        let d = render(&src, &spanned(&src), &params(), false).unwrap_err();
        assert_eq!(src.slice(d.span), "$stale_dys");
        assert!(d.message.contains("`$stale_dys`"), "{}", d.message);
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("did you mean `$stale_days`?"),
            "{:?}",
            d.help
        );
    }

    #[test]
    fn a_param_inside_a_field_is_left_to_the_call() {
        let src = Source::new(
            "p.rules",
            "\"x $services {f(r.a, $services)} {{$stale_days}}\"",
        );
        assert_eq!(
            render_command(&src, &spanned(&src), &params()).unwrap(),
            "x 'a{{b}}' c {f(r.a, $services)} {{90}}"
        );
        assert_eq!(field_ranges("a {b} {{c}} {d"), vec![2..4, 12..14]);
        let src = Source::new("p.rules", "\"{f($nope)}\"");
        assert!(render_command(&src, &spanned(&src), &params()).is_err());
    }
}
