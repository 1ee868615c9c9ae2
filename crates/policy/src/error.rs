use std::fmt;

use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest::{closest, typo_limit};
use miette::{LabeledSpan, NamedSource, SourceCode, SourceSpan};

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
    /// The offending text (a key, a value, or the first character of an object or array)
    /// as bytes of the (decoded) document text, with `line`.
    pub span: Option<SourceSpan>,
}

impl Problem {
    /// The stable code of this kind of problem.
    pub fn code(&self) -> &'static str {
        // The parser words these problems; they are told apart by that wording.
        if self.message.starts_with("unknown condition operator") {
            "policy::unknown-operator"
        } else if self.message.starts_with("unknown element") {
            "policy::unknown-element"
        } else {
            "policy::invalid"
        }
    }

    /// The label under the offending text: the JSON path, which the message does not say.
    fn label(&self) -> Option<LabeledSpan> {
        let text = if self.path.is_empty() {
            "here".to_owned()
        } else {
            format!("at `{}`", self.path)
        };
        self.span
            .map(|span| LabeledSpan::new_primary_with_span(Some(text), span))
    }
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

/// Advice for every problem of a policy document's content.
const INVALID_HELP: &str = "fix the document as the IAM JSON policy reference describes it (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html); IAM rejects it too";

/// Why a policy document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("policy document is not valid JSON: {message} at line {line}, column {column}")]
    #[diagnostic(
        code(policy::syntax),
        help(
            "a policy document is a JSON object: check the brackets, commas and quotes at this point"
        )
    )]
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
    #[diagnostic(
        code(policy::encoding),
        help(
            "give the document as JSON text, or URL-encoded as the IAM API returns it (`%7B%22Version%22...`)"
        )
    )]
    Encoding,
    /// The JSON is well formed but is not a valid policy; every problem found is listed.
    #[error("{}", describe(.0))]
    #[diagnostic(code(policy::invalid), help("{}", INVALID_HELP))]
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

impl PolicyError {
    /// The error with the document it was found in, named `name` (a file name), so that
    /// it shows where: `text` as given to the parser (decoded here when URL-encoded).
    pub fn with_source(self, name: impl Into<String>, text: &str) -> DocumentError {
        let decoded = crate::parse::decode_document_text(text).ok();
        let encoded = decoded.as_ref().is_some_and(|d| d.as_ref() != text);
        let decoded = decoded
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        let span = match &self {
            Self::Syntax { line, column, .. } => offset_of(&decoded, *line, *column)
                .map(|at| SourceSpan::new(at.into(), char_len(&decoded, at))),
            _ => None,
        };
        DocumentError {
            document: NamedSource::new(name.into(), decoded),
            encoded,
            span,
            error: self,
        }
    }
}

/// The byte offset of a 1-based line and column (in characters; serde_json counts the
/// column of a line's end as one past its last character) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = text.get(start..)?;
    let line_text = rest.split('\n').next().unwrap_or_default();
    let at = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    Some(start + at)
}

/// The length in bytes of the character at `at` (0 at the end of the text).
fn char_len(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8)
}

/// A policy error with the text of its document: each problem underlined where it is.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.message())]
pub struct DocumentError {
    /// The document as the positions count: decoded when it was URL-encoded.
    document: NamedSource<String>,
    /// Whether the document was URL-encoded (its positions are in the decoded text).
    encoded: bool,
    /// Where a syntax error is.
    span: Option<SourceSpan>,
    /// The error.
    pub error: PolicyError,
}

impl DocumentError {
    /// The message: the error's own, without the positions that the labels show; the
    /// document's name first when no label shows it.
    fn message(&self) -> String {
        let labelled = match &self.error {
            PolicyError::Syntax { .. } => self.span.is_some(),
            PolicyError::Invalid(problems) => {
                problems.len() > 1 || problems.iter().all(|p| p.span.is_some())
            }
            PolicyError::Encoding => false,
        };
        let message = self.own_message();
        if labelled {
            message
        } else {
            format!("`{}`: {message}", self.document.name())
        }
    }

    fn own_message(&self) -> String {
        match &self.error {
            PolicyError::Syntax { message, .. } => {
                format!("policy document is not valid JSON: {message}")
            }
            PolicyError::Invalid(problems) => match problems.as_slice() {
                [one] => format!("invalid policy document: {}", one.message),
                many => format!("invalid policy document: {} problems", many.len()),
            },
            other => other.to_string(),
        }
    }
}

impl miette::Diagnostic for DocumentError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match &self.error {
            PolicyError::Invalid(problems) => match problems.as_slice() {
                [one] => Some(Box::new(one.code())),
                _ => self.error.code(),
            },
            other => other.code(),
        }
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = self.error.help()?.to_string();
        if self.encoded {
            Some(Box::new(format!(
                "{help} (the document is URL-encoded: lines and columns count in its decoded text, shown here)"
            )))
        } else {
            Some(Box::new(help))
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.document)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = match &self.error {
            PolicyError::Syntax { .. } => self
                .span
                .map(|span| LabeledSpan::new_primary_with_span(Some("here".to_owned()), span)),
            PolicyError::Invalid(problems) => match problems.as_slice() {
                [one] => one.label(),
                _ => None,
            },
            PolicyError::Encoding => None,
        };
        Some(Box::new(label.into_iter()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        match &self.error {
            PolicyError::Invalid(problems) if problems.len() > 1 => Some(Box::new(
                problems.iter().map(|p| p as &dyn miette::Diagnostic),
            )),
            _ => None,
        }
    }
}

/// A problem among several of one document: shown with the document's text.
impl std::error::Error for Problem {}

impl miette::Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(Problem::code(self)))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.label().into_iter()))
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
