//! Strings from policies that may hold wildcards and policy variables (`${aws:username}`,
//! `${aws:PrincipalTag/team, 'default'}`, `${*}`, `${?}`, `${$}`), matched against request
//! values after substituting the variables from the request context.

use iamsnap_catalog::glob::{Case, Glob};

use super::context::{Context, ContextValue};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Text compared as is (also the value of a substituted variable: a `*` in a user name
    /// is not a wildcard).
    Lit(String),
    /// `*` in the pattern (only when wildcards are on).
    Star,
    /// `?` in the pattern (only when wildcards are on).
    Quest,
    /// A policy variable, by lowercase key, with its default value.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A compiled policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Template {
    /// No variables: one compiled glob (wildcards on) or literal (wildcards off), and the
    /// text it came from.
    Static { glob: Glob, text: String },
    /// Has variables: tokens resolved per request.
    Dynamic { tokens: Vec<Token>, case: Case },
}

impl Template {
    /// Compiles `text`. `variables`: whether `${...}` is substituted (policy version
    /// 2012-10-17). `wildcards`: whether `*` and `?` are wildcards.
    pub(crate) fn new(text: &str, case: Case, variables: bool, wildcards: bool) -> Self {
        let tokens = tokenize(text, variables, wildcards);
        if tokens.iter().any(|t| matches!(t, Token::Var { .. })) {
            return Self::Dynamic { tokens, case };
        }
        // A glob has no escapes: literal `*` or `?` (from `${*}`, or with wildcards off)
        // need the token matcher.
        if tokens
            .iter()
            .any(|t| matches!(t, Token::Lit(s) if s.contains(['*', '?'])))
        {
            return Self::Dynamic { tokens, case };
        }
        let mut flat = String::new();
        for t in &tokens {
            match t {
                Token::Lit(s) => flat.push_str(s),
                Token::Star => flat.push('*'),
                Token::Quest => flat.push('?'),
                Token::Var { .. } => {}
            }
        }
        Self::Static {
            glob: Glob::new(&flat, case),
            text: text.to_owned(),
        }
    }

    /// Whether the template matches `text`; `None` when a variable cannot be resolved (a
    /// missing or multi-valued key without a default), which never matches.
    pub(crate) fn matches(&self, text: &str, ctx: &Context) -> Option<bool> {
        match self {
            Self::Static { glob, .. } => Some(glob.is_match(text)),
            Self::Dynamic { tokens, case } => {
                let mut resolved: Vec<Token> = Vec::with_capacity(tokens.len());
                for t in tokens {
                    match t {
                        Token::Var { key, default } => {
                            let value = match ctx.get_lowercase(key) {
                                Some(ContextValue::Single(v)) => v.clone(),
                                _ => default.clone()?,
                            };
                            resolved.push(Token::Lit(value));
                        }
                        other => resolved.push(other.clone()),
                    }
                }
                Some(match case {
                    Case::Sensitive => token_match(&resolved, text, false),
                    Case::Insensitive => token_match(&resolved, text, true),
                })
            }
        }
    }

    /// The text with variables resolved and wildcards kept, for values compared as
    /// numbers, dates or booleans; `None` when a variable cannot be resolved.
    pub(crate) fn resolve(&self, ctx: &Context) -> Option<String> {
        match self {
            Self::Static { text, .. } => Some(text.clone()),
            Self::Dynamic { tokens, .. } => {
                let mut out = String::new();
                for t in tokens {
                    match t {
                        Token::Lit(s) => out.push_str(s),
                        Token::Star => out.push('*'),
                        Token::Quest => out.push('?'),
                        Token::Var { key, default } => match ctx.get_lowercase(key) {
                            Some(ContextValue::Single(v)) => out.push_str(v),
                            _ => out.push_str(default.as_deref()?),
                        },
                    }
                }
                Some(out)
            }
        }
    }
}

fn push_lit(tokens: &mut Vec<Token>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Token::Lit(prev)) = tokens.last_mut() {
        prev.push_str(s);
    } else {
        tokens.push(Token::Lit(s.to_owned()));
    }
}

fn tokenize(text: &str, variables: bool, wildcards: bool) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next_special = rest
            .char_indices()
            .find(|&(i, c)| {
                (wildcards && (c == '*' || c == '?'))
                    || (variables
                        && c == '$'
                        && rest.get(i + 1..).is_some_and(|r| r.starts_with('{')))
            })
            .map(|(i, _)| i);
        let Some(at) = next_special else {
            push_lit(&mut tokens, rest);
            break;
        };
        push_lit(&mut tokens, rest.get(..at).unwrap_or(""));
        let tail = rest.get(at..).unwrap_or("");
        if let Some(after) = tail.strip_prefix('*') {
            tokens.push(Token::Star);
            rest = after;
        } else if let Some(after) = tail.strip_prefix('?') {
            tokens.push(Token::Quest);
            rest = after;
        } else if let Some(end) = tail.find('}') {
            let inner = tail.get(2..end).unwrap_or("");
            match inner {
                "*" => push_lit(&mut tokens, "*"),
                "?" => push_lit(&mut tokens, "?"),
                "$" => push_lit(&mut tokens, "$"),
                _ => {
                    let (name, default) = match inner.split_once(',') {
                        Some((name, d)) => {
                            let d = d.trim();
                            let d = d
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .map(str::to_owned);
                            (name.trim(), d)
                        }
                        None => (inner.trim(), None),
                    };
                    tokens.push(Token::Var {
                        key: name.to_ascii_lowercase(),
                        default,
                    });
                }
            }
            rest = tail.get(end + 1..).unwrap_or("");
        } else {
            // `${` without a closing brace is literal text.
            push_lit(&mut tokens, tail.get(..2).unwrap_or(tail));
            rest = tail.get(2..).unwrap_or("");
        }
    }
    tokens
}

/// Matches resolved tokens (no variables left) against `text`, backtracking on `*`.
fn token_match(tokens: &[Token], text: &str, fold: bool) -> bool {
    let eq = |a: &str, b: &str| {
        if fold {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match tokens.split_first() {
        None => text.is_empty(),
        Some((Token::Lit(l), rest)) => match text.get(..l.len()) {
            Some(head) if eq(head, l) => token_match(rest, text.get(l.len()..).unwrap_or(""), fold),
            _ => false,
        },
        Some((Token::Quest, rest)) => {
            let mut chars = text.chars();
            chars.next().is_some() && token_match(rest, chars.as_str(), fold)
        }
        Some((Token::Star, rest)) => {
            if rest.is_empty() {
                return true;
            }
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .any(|i| token_match(rest, text.get(i..).unwrap_or(""), fold))
        }
        // Variables are resolved before matching.
        Some((Token::Var { .. }, _)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        let mut c = Context::default();
        c.insert("aws:username", ContextValue::Single("al*ce".into()));
        c.insert("aws:TagKeys", ContextValue::Multi(vec!["a".into()]));
        c
    }

    #[test]
    fn variables_substitute_as_literal_text() {
        let t = Template::new(
            "arn:aws:s3:::b/${aws:username}/*",
            Case::Sensitive,
            true,
            true,
        );
        assert_eq!(t.matches("arn:aws:s3:::b/al*ce/x", &ctx()), Some(true));
        assert_eq!(t.matches("arn:aws:s3:::b/alice/x", &ctx()), Some(false));
        let missing = Template::new("${aws:userid}", Case::Sensitive, true, true);
        assert_eq!(missing.matches("x", &ctx()), None);
        let multi = Template::new("${aws:TagKeys}", Case::Sensitive, true, true);
        assert_eq!(multi.matches("a", &ctx()), None);
        let default = Template::new(
            "team-${aws:PrincipalTag/team, 'none'}",
            Case::Sensitive,
            true,
            true,
        );
        assert_eq!(default.matches("team-none", &ctx()), Some(true));
    }

    #[test]
    fn escapes_and_version_2008_keep_text() {
        let t = Template::new("a${*}b", Case::Sensitive, true, true);
        assert_eq!(t.matches("a*b", &ctx()), Some(true));
        assert_eq!(t.matches("axb", &ctx()), Some(false));
        let literal = Template::new("${aws:username}", Case::Sensitive, false, true);
        assert_eq!(literal.matches("${aws:username}", &ctx()), Some(true));
        let no_wild = Template::new("a*", Case::Sensitive, true, false);
        assert_eq!(no_wild.matches("a*", &ctx()), Some(true));
        assert_eq!(no_wild.matches("ab", &ctx()), Some(false));
    }
}
