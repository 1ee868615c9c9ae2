//! IAM wildcard patterns: `*` matches any run of characters (including none, `:` and `/`),
//! `?` matches exactly one character. Actions compare without regard to ASCII case; ARNs
//! compare exactly.
//!
//! A pattern is compiled once into the cheapest matcher that can decide it — any, literal,
//! prefix, suffix, contains — before falling back to a general matcher, so that matching
//! thousands of patterns stays fast.

/// Whether comparison ignores ASCII case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Case {
    /// `S3:getobject` matches `s3:GetObject` (actions, condition keys).
    Insensitive,
    /// Bytes compare exactly (ARNs).
    Sensitive,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// `*`.
    Any,
    /// No wildcard.
    Literal(Box<str>),
    /// `abc*`.
    Prefix(Box<str>),
    /// `*abc`.
    Suffix(Box<str>),
    /// `*abc*`.
    Contains(Box<str>),
    /// Anything else.
    General(Box<[u8]>),
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Glob {
    kind: Kind,
    case: Case,
}

impl Glob {
    /// Compiles `pattern`.
    pub fn new(pattern: &str, case: Case) -> Self {
        let text = match case {
            Case::Insensitive => pattern.to_ascii_lowercase(),
            Case::Sensitive => pattern.to_owned(),
        };
        let kind = classify(&text);
        Self { kind, case }
    }

    /// Whether the pattern has no wildcard.
    pub fn is_literal(&self) -> bool {
        matches!(self.kind, Kind::Literal(_))
    }

    /// Whether the pattern is `*` alone.
    pub fn is_any(&self) -> bool {
        matches!(self.kind, Kind::Any)
    }

    /// Whether `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        match self.case {
            Case::Sensitive => self.matches_prepared(text),
            Case::Insensitive => {
                if text.bytes().any(|b| b.is_ascii_uppercase()) {
                    self.matches_prepared(&text.to_ascii_lowercase())
                } else {
                    self.matches_prepared(text)
                }
            }
        }
    }

    /// Whether `text`, already lowercased for a case-insensitive pattern, matches.
    pub fn matches_prepared(&self, text: &str) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Literal(l) => text == &**l,
            Kind::Prefix(p) => text.starts_with(&**p),
            Kind::Suffix(s) => text.ends_with(&**s),
            Kind::Contains(c) => text.contains(&**c),
            Kind::General(p) => general_match(p, text.as_bytes()),
        }
    }
}

fn classify(text: &str) -> Kind {
    let wild = |c: char| c == '*' || c == '?';
    if text == "*" || (!text.is_empty() && text.chars().all(|c| c == '*')) {
        return Kind::Any;
    }
    if !text.contains(wild) {
        return Kind::Literal(text.into());
    }
    if !text.contains('?') {
        let stars = text.matches('*').count();
        if stars == 1 {
            if let Some(p) = text.strip_suffix('*') {
                return Kind::Prefix(p.into());
            }
            if let Some(s) = text.strip_prefix('*') {
                return Kind::Suffix(s.into());
            }
        }
        if stars == 2
            && let Some(inner) = text.strip_prefix('*').and_then(|t| t.strip_suffix('*'))
            && !inner.is_empty()
        {
            return Kind::Contains(inner.into());
        }
    }
    Kind::General(text.as_bytes().into())
}

/// Wildcard matching in linear time for `*`-separated segments: on a mismatch after a `*`,
/// resume one byte further from where that `*` began matching. `?` matches one character
/// (one UTF-8 scalar, so it never splits a multi-byte character).
fn general_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                t += utf8_len(text.get(t).copied().unwrap_or(0));
            }
            Some(&c) if text.get(t) == Some(&c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    let next = st + utf8_len(text.get(st).copied().unwrap_or(0));
                    star = Some((sp, next));
                    p = sp + 1;
                    t = next;
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p, Case::Insensitive).is_match(t)
    }

    #[test]
    fn fast_paths_and_general_agree_with_iam_semantics() {
        assert!(m("*", "s3:GetObject"));
        assert!(m("s3:get*", "S3:GetObject"));
        assert!(m("s3:*object", "s3:GetObject"));
        assert!(m("*:Get*", "s3:GetObject"));
        assert!(m("s3:Get?bject", "s3:GetObject"));
        assert!(!m("s3:Get?bject", "s3:GetObjectAcl"));
        assert!(m("s3:*Object*", "s3:GetObjectAcl"));
        assert!(m("ec2:*Instances", "ec2:DescribeInstances"));
        assert!(!m("iam:Pass", "iam:PassRole"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        let arn = Glob::new("arn:aws:s3:::Bucket/*", Case::Sensitive);
        assert!(arn.is_match("arn:aws:s3:::Bucket/key"));
        assert!(!arn.is_match("arn:aws:s3:::bucket/key"));
        assert!(Glob::new("a?c", Case::Sensitive).is_match("aéc"));
        assert!(m("**", ""));
        assert!(!m("?", ""));
    }
}
