//! Errors in packs: where (file, line, column, the text underlined), what, and a hint.

use std::fmt::Write as _;
use std::sync::Arc;

use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest::{closest, typo_limit};

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

    /// `file:line:column`.
    pub fn location(&self) -> String {
        let (line, col) = self.source.line_col(self.span.start);
        format!("{}:{line}:{col}", self.source.name)
    }

    /// The problem as a compiler prints it: the message, the location, the line with the
    /// offending text underlined, and the hint.
    pub fn render(&self) -> String {
        let (line, col) = self.source.line_col(self.span.start);
        let mut out = String::new();
        let label = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let _ = writeln!(out, "{label}: {}", self.message);
        let _ = writeln!(out, "  --> {}:{line}:{col}", self.source.name);
        let text = self.source.text.lines().nth(line - 1).unwrap_or_default();
        let gutter = line.to_string().len();
        let _ = writeln!(out, "{:gutter$} |", "");
        let _ = writeln!(out, "{line} | {text}");
        let line_chars = text.chars().count();
        let span_chars = self
            .source
            .slice(self.span)
            .lines()
            .next()
            .map_or(0, |s| s.chars().count());
        let width = span_chars.clamp(1, line_chars.saturating_sub(col - 1).max(1));
        let _ = writeln!(
            out,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(col - 1),
            "^".repeat(width)
        );
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{:gutter$} = help: {help}", "");
        }
        out
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// Every problem found in a pack (and the packs it imports).
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// All of them rendered, then a count.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&d.render());
            out.push('\n');
        }
        let n = self.0.len();
        let _ = write!(
            out,
            "{n} error{} in the rule pack",
            if n == 1 { "" } else { "s" }
        );
        out
    }
}

impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Diagnostics {}

/// The closest of `candidates` to `name` (edit distance at most a third of its length,
/// at least 2, ignoring ASCII case; the shorter of equally near ones), for "did you mean".
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest(name, candidates, typo_limit(name), Case::Insensitive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_line_with_the_span_underlined() {
        let src = Source::new("p.rules", "rule A\n  where r.nmae = \"x\"\n");
        let d = Diagnostic::new(&src, Span::new(15, 21), "unknown field `nmae` of role `r`")
            .with_help("fields of role: arn, name");
        assert_eq!(d.location(), "p.rules:2:9");
        let text = d.render();
        assert!(text.contains("2 |   where r.nmae = \"x\""), "{text}");
        assert!(text.contains("  |         ^^^^^^\n"), "{text}");
        assert!(text.contains("= help: fields of role: arn, name"), "{text}");
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
