//! Errors in packs: where (file and the text underlined), what, and a hint, as
//! [`miette::Diagnostic`]s that the program's edge renders.

use std::sync::Arc;

use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest::{closest, typo_limit};
use miette::{
    LabeledSpan, MietteError, MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};

use crate::ast::Span;

/// A pack's text, for positions and excerpts.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file as the user named it.
    pub name: String,
    /// Its text.
    pub text: Arc<str>,
}

impl Source {
    /// A source named `name` with this text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self
            .text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// The text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> Self {
        SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start))
    }
}

/// What kind of problem a [`Diagnostic`] is: its stable code and the label under the
/// offending text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The text does not follow the grammar.
    Syntax,
    /// A name (entity, field, alias, function, severity, clause, parameter) that does not
    /// exist.
    UnknownName,
    /// Past one of the limits of [`crate::limits`].
    Limit,
    /// A pack, an import or a fixture that cannot be read.
    Pack,
    /// Anything else that is wrong with a rule or a test.
    Invalid,
}

impl Code {
    /// The stable code shown with the error.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Syntax => "rules::syntax",
            Self::UnknownName => "rules::unknown-name",
            Self::Limit => "rules::limit",
            Self::Pack => "rules::pack",
            Self::Invalid => "rules::invalid",
        }
    }

    /// The label under the offending text, when the diagnostic gives none.
    fn label(self) -> &'static str {
        match self {
            Self::Syntax => "unexpected here",
            Self::UnknownName => "not known",
            Self::Limit => "over the limit",
            Self::Pack => "this file",
            Self::Invalid => "here",
        }
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// The pack cannot be used.
    #[default]
    Error,
    /// Worth fixing; the pack still runs.
    Warning,
}

/// One problem in a pack.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// The file.
    pub source: Source,
    /// Where.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to do, or what exists.
    pub help: Option<String>,
    /// What kind of problem it is.
    pub code: Code,
    /// The label under the offending text (by default, one for [`Self::code`]).
    pub label: Option<String>,
}

impl Diagnostic {
    /// A problem at `span` of `source`.
    pub fn new(source: &Source, span: Span, message: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            source: source.clone(),
            span,
            message: message.into(),
            help: None,
            code: Code::Invalid,
            label: None,
        }
    }

    /// The same, with a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same, as a warning.
    pub fn warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }

    /// The same, of another kind.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = code;
        self
    }

    /// The same, with this label under the offending text.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// `file:line:column`.
    pub fn location(&self) -> String {
        let (line, col) = self.source.line_col(self.span.start);
        format!("{}:{line}:{col}", self.source.name)
    }

    /// The problem on one line: `file:line:column: message (help: ...)`.
    pub fn summary(&self) -> String {
        match &self.help {
            Some(help) => format!("{}: {} (help: {help})", self.location(), self.message),
            None => format!("{}: {}", self.location(), self.message),
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<Severity> {
        Some(match self.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = self
            .label
            .clone()
            .unwrap_or_else(|| self.code.label().to_owned());
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(label), self.span),
        )))
    }
}

/// Every problem found in a pack (and the packs it imports).
#[derive(Debug, Clone, Default, thiserror::Error)]
#[error("{} in the rule pack", count(.0.len()))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn count(n: usize) -> String {
    format!("{n} error{}", if n == 1 { "" } else { "s" })
}

impl miette::Diagnostic for Diagnostics {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("rules::pack"))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.0.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// The closest of `candidates` to `name` (edit distance at most a third of its length,
/// at least 2, ignoring ASCII case; the shorter of equally near ones), for "did you mean".
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest(name, candidates, typo_limit(name), Case::Insensitive)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use miette::Diagnostic as _;

    #[test]
    fn the_label_underlines_the_span_and_help_is_on_the_error() {
        let src = Source::new("p.rules", "rule A\n  where r.nmae = \"x\"\n");
        let d = Diagnostic::new(&src, Span::new(15, 21), "unknown field `nmae` of role `r`")
            .with_help("fields of role: arn, name")
            .with_code(Code::UnknownName);
        assert_eq!(d.location(), "p.rules:2:9");
        assert_eq!(d.to_string(), "unknown field `nmae` of role `r`");
        assert_eq!(d.code().unwrap().to_string(), "rules::unknown-name");
        assert_eq!(d.help().unwrap().to_string(), "fields of role: arn, name");
        let label = d.labels().unwrap().next().unwrap();
        assert_eq!(label.label(), Some("not known"));
        let read = d
            .source_code()
            .unwrap()
            .read_span(label.inner(), 0, 0)
            .unwrap();
        assert_eq!(read.name(), Some("p.rules"));
        assert_eq!((read.line(), read.column()), (1, 8));
        assert_eq!(src.slice(Span::new(15, 21)), "r.nmae");
    }

    #[test]
    fn nearest_names() {
        assert_eq!(nearest("nmae", ["name", "arn", "path"]), Some("name"));
        assert_eq!(nearest("zzzzzz", ["name", "arn"]), None);
        assert_eq!(
            nearest("starts_wth", ["starts_with", "ends_with"]),
            Some("starts_with")
        );
    }
}
