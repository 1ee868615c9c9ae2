use std::fmt;

use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest::{closest, typo_limit};

/// One thing wrong with a policy document, at a JSON path such as `Statement[1].Effect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the document: a JSON path from the document root.
    pub path: String,
    /// What is wrong, lowercase, user input in backticks.
    pub message: String,
    /// 1-based line in the document text, when it was parsed from text.
    pub line: Option<usize>,
    /// 1-based column (in characters), with `line`.
    pub column: Option<usize>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match (self.line, self.column) {
            (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
            _ => String::new(),
        };
        if self.path.is_empty() {
            write!(f, "{}{at}", self.message)
        } else {
            write!(f, "at `{}`{at}: {}", self.path, self.message)
        }
    }
}

/// Why a policy document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("policy document is not valid JSON: {message} at line {line}, column {column}")]
    Syntax {
        /// The JSON parser's description.
        message: String,
        /// 1-based line in the (decoded) document text.
        line: usize,
        /// 1-based column in the (decoded) document text.
        column: usize,
    },
    /// The text looked URL-encoded but did not decode to UTF-8.
    #[error("policy document is URL-encoded but does not decode to UTF-8 text")]
    Encoding,
    /// The JSON is well formed but is not a valid policy; every problem found is listed.
    #[error("{}", describe(.0))]
    Invalid(Vec<Problem>),
}

fn describe(problems: &[Problem]) -> String {
    match problems {
        [one] => format!("invalid policy document: {one}"),
        many => {
            const SHOWN: usize = 20;
            let listed: Vec<String> = many.iter().take(SHOWN).map(Problem::to_string).collect();
            let more = match many.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!("; and {n} more"),
            };
            format!(
                "invalid policy document ({} problems): {}{more}",
                many.len(),
                listed.join("; ")
            )
        }
    }
}

/// The closest candidate to `input` by edit distance, if it is close enough to be a likely
/// typo. Comparison ignores ASCII case.
pub(crate) fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest(
        input,
        candidates.iter().copied(),
        typo_limit(input),
        Case::Insensitive,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_miss_only() {
        let c = ["Statement", "Version", "Id"];
        assert_eq!(did_you_mean("Statment", &c), Some("Statement"));
        assert_eq!(did_you_mean("version", &c), Some("Version"));
        assert_eq!(did_you_mean("Banana", &c), None);
    }
}
