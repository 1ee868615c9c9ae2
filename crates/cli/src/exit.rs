//! Exit codes and the reporting of errors at the edge of the program.

use std::process::ExitCode;

use crate::output::{cut_lines, escape_lines};
use crate::report::text::{is_unsafe, push_escaped};

/// How a successful run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing to report.
    Clean,
    /// 1: done, and something at or above the asked threshold was found.
    Findings,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Clean => ExitCode::SUCCESS,
            Exit::Findings => ExitCode::from(1),
        }
    }
}

/// A run that failed: bad input, a usage error or an I/O failure. Exits with code 2.
#[derive(Debug)]
pub enum CliError {
    /// A message and what to do about it.
    User {
        message: String,
        help: Option<String>,
    },
    /// A library's diagnostic: its code, the offending text underlined, its help.
    Diagnostic(Box<dyn miette::Diagnostic + Send + Sync>),
    /// Standard output was closed by its reader (`iamsnap ... | head`): exit quietly.
    BrokenPipe,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        Self::User {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::User {
            message: message.into(),
            help: Some(help.into()),
        }
    }

    /// A diagnostic, rendered with its labels and help.
    pub fn diagnostic(d: impl miette::Diagnostic + Send + Sync + 'static) -> Self {
        Self::Diagnostic(Box::new(d))
    }

    /// Prints the error on stderr and gives the exit code: 2, or 0 for a closed pipe.
    pub fn report(self) -> ExitCode {
        match self.rendered() {
            Some(text) => {
                eprint!("{text}");
                ExitCode::from(2)
            }
            None => ExitCode::SUCCESS,
        }
    }

    /// The error as printed on stderr (graphical when stderr is a terminal); `None` for a
    /// closed pipe, which prints nothing.
    pub fn rendered(self) -> Option<String> {
        let graphical = std::io::IsTerminal::is_terminal(&std::io::stderr());
        match self {
            Self::BrokenPipe => None,
            Self::User { message, help } => Some(render_clean(
                &Clean::from_message(&message, help.as_deref()),
                graphical,
            )),
            Self::Diagnostic(d) => Some(render(d.as_ref(), graphical)),
        }
    }
}

/// Longest line of an error message printed, in characters: a message quoting a huge
/// input keeps its start and end (see [`cut_lines`]).
pub const MAX_ERROR_LINE: usize = 1000;

/// Characters of a source line shown around the offending text: a pack or a document on
/// one huge line shows the part that matters.
const SNIPPET_WIDTH: usize = 160;

/// An error message as printed: the input it quotes (role names, file names, SQL) may hold
/// control characters, shown as escapes, and may be huge, cut to [`MAX_ERROR_LINE`].
pub fn printable(message: &str) -> String {
    escape_lines(&cut_lines(message, MAX_ERROR_LINE)).into_owned()
}

/// A diagnostic as printed: graphical (miette's report, with colours as the terminal
/// allows) for a terminal, plain text otherwise, which logs and tests read. Both show the
/// file, line and column, the source line with the offending text underlined, and the help.
/// Every text taken from the diagnostic is escaped and cut first: a diagnostic quotes
/// input, and input must not drive the terminal.
pub fn render(diagnostic: &dyn miette::Diagnostic, graphical: bool) -> String {
    render_clean(&Clean::of(diagnostic, None), graphical)
}

fn render_clean(clean: &Clean, graphical: bool) -> String {
    if graphical {
        let mut out = String::new();
        if miette::GraphicalReportHandler::new()
            .render_report(&mut out, clean)
            .is_ok()
        {
            return out;
        }
    }
    let mut out = String::new();
    clean.plain(&mut out);
    out
}

/// A diagnostic with every text made printable and the source cut to the line it points
/// at: what both renderings show.
#[derive(Debug)]
struct Clean {
    /// A warning rather than an error.
    warning: bool,
    message: String,
    code: Option<String>,
    help: Option<String>,
    snippet: Option<Snippet>,
    related: Vec<Clean>,
}

/// One source line with the offending text underlined.
#[derive(Debug)]
struct Snippet {
    /// The file.
    name: String,
    /// 0-based line number.
    line: usize,
    /// 1-based column (in characters of the file) of the first label.
    column: usize,
    /// The line, escaped and cut around the labels.
    text: String,
    /// Labels as byte ranges of `text`, with their texts.
    labels: Vec<(usize, usize, Option<String>)>,
}

impl Clean {
    fn from_message(message: &str, help: Option<&str>) -> Self {
        Self {
            warning: false,
            message: printable(message),
            code: None,
            help: help.filter(|h| !h.is_empty()).map(printable),
            snippet: None,
            related: Vec::new(),
        }
    }

    /// `d` made printable; a related diagnostic without source uses its parent's.
    fn of(d: &dyn miette::Diagnostic, parent: Option<&dyn miette::SourceCode>) -> Self {
        let source = d.source_code().or(parent);
        Self {
            warning: d.severity() == Some(miette::Severity::Warning),
            message: printable(&d.to_string()),
            code: d.code().map(|c| printable(&c.to_string())),
            help: d
                .help()
                .map(|h| h.to_string())
                .filter(|h| !h.is_empty())
                .map(|h| printable(&h)),
            snippet: source.and_then(|s| Snippet::of(d, s)),
            related: d
                .related()
                .map(|r| r.map(|c| Clean::of(c, source)).collect())
                .unwrap_or_default(),
        }
    }

    /// The plain rendering, compiler style.
    fn plain(&self, out: &mut String) {
        let level = if self.warning { "warning" } else { "error" };
        out.push_str(&format!("{level}: {}\n", self.message));
        if let Some(s) = &self.snippet {
            let number = (s.line + 1).to_string();
            let gutter = " ".repeat(number.len());
            out.push_str(&format!("{gutter}--> {}:{number}:{}\n", s.name, s.column));
            out.push_str(&format!("{gutter} |\n"));
            out.push_str(&format!("{number} | {}\n", s.text));
            for (start, len, label) in &s.labels {
                let before = s.text.get(..*start).unwrap_or_default().chars().count();
                let under = s
                    .text
                    .get(*start..start + len)
                    .map_or(0, |t| t.chars().count())
                    .max(1);
                let label = label
                    .as_deref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{gutter} | {}{}{label}\n",
                    " ".repeat(before),
                    "^".repeat(under)
                ));
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("help: {help}\n"));
        }
        for r in &self.related {
            out.push('\n');
            r.plain(out);
        }
    }
}

impl Snippet {
    /// The line of `d`'s first label (and its other labels on that line), read from
    /// `source`; `None` without labels or when the source does not hold the span.
    fn of(d: &dyn miette::Diagnostic, source: &dyn miette::SourceCode) -> Option<Self> {
        let labels: Vec<miette::LabeledSpan> = d.labels()?.collect();
        let first = labels
            .iter()
            .find(|l| l.primary())
            .or_else(|| labels.first())?;
        // Where the span is (its line, and its column in bytes), then the whole line: a
        // read with a line of context before and after starts and ends at line breaks.
        let contents = source.read_span(first.inner(), 0, 0).ok()?;
        let line_start = first.offset().checked_sub(contents.column())?;
        let around = source.read_span(first.inner(), 1, 1).ok()?;
        let data = around
            .data()
            .get(line_start.checked_sub(around.span().offset())?..)?;
        let data = String::from_utf8_lossy(data);
        let line = data.split('\n').next().unwrap_or_default();
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line_end = line_start + line.len();
        // Each character's printed form, and where each original byte offset lands.
        let mut text = String::new();
        let mut at = Vec::with_capacity(line.len() + 1);
        for (i, c) in line.char_indices() {
            at.resize(i + 1, text.len());
            if is_unsafe(c) {
                push_escaped(&mut text, c);
            } else {
                text.push(c);
            }
        }
        at.resize(line.len() + 1, text.len());
        let map = |offset: usize| at.get(offset.saturating_sub(line_start)).copied();
        let mut spans = Vec::new();
        for l in &labels {
            let start = l.offset();
            if start < line_start || start > line_end {
                continue;
            }
            let end = (start + l.len()).min(line_end);
            let (Some(s), Some(e)) = (map(start), map(end)) else {
                continue;
            };
            spans.push((s, e - s, l.label().map(printable)));
        }
        let column = line
            .get(..first.offset().saturating_sub(line_start))
            .map_or(1, |b| b.chars().count() + 1);
        let (text, spans) = cut_around(&text, spans);
        Some(Self {
            name: printable(contents.name().unwrap_or("<input>")),
            line: contents.line(),
            column,
            text,
            labels: spans,
        })
    }
}

type Labels = Vec<(usize, usize, Option<String>)>;

/// `text` cut to about [`SNIPPET_WIDTH`] characters around the first label, `…` where
/// something was left out; the labels moved with it.
fn cut_around(text: &str, labels: Labels) -> (String, Labels) {
    if text.chars().count() <= SNIPPET_WIDTH {
        return (text.to_owned(), labels);
    }
    let anchor = labels.first().map_or(0, |l| l.0);
    // A third of the width before the first label, the rest from there.
    let start = text
        .get(..anchor)
        .and_then(|b| b.char_indices().rev().nth(SNIPPET_WIDTH / 3 - 1))
        .map_or(0, |(i, _)| i);
    let end = text
        .get(start..)
        .and_then(|r| r.char_indices().nth(SNIPPET_WIDTH))
        .map_or(text.len(), |(i, _)| start + i);
    let prefix = if start > 0 { "…" } else { "" };
    let suffix = if end < text.len() { "…" } else { "" };
    let cut = format!(
        "{prefix}{}{suffix}",
        text.get(start..end).unwrap_or_default()
    );
    let shift = prefix.len();
    let labels = labels
        .into_iter()
        .filter(|(s, _, _)| *s >= start && *s <= end)
        .map(|(s, len, l)| (s - start + shift, len.min(end - s), l))
        .collect();
    (cut, labels)
}

impl std::fmt::Display for Clean {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Clean {}

impl miette::Diagnostic for Clean {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let s = self.snippet.as_ref()?;
        Some(Box::new(s.labels.iter().enumerate().map(
            |(i, (start, len, label))| {
                let span = miette::SourceSpan::new((*start).into(), *len);
                if i == 0 {
                    miette::LabeledSpan::new_primary_with_span(label.clone(), span)
                } else {
                    miette::LabeledSpan::new_with_span(label.clone(), span)
                }
            },
        )))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// The snippet is the whole source miette sees: one line, numbered as in the file.
impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        if span.offset() + span.len() > self.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let column = match self.labels.first() {
            Some((start, _, _)) if *start == span.offset() => self.column - 1,
            _ => self
                .text
                .get(..span.offset())
                .map_or(0, |b| b.chars().count()),
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            miette::SourceSpan::new(0.into(), self.text.len()),
            self.line,
            column,
            1,
        )))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::new(format!("cannot write output: {e}"))
        }
    }
}

/// A snapshot error carries its own code and help.
impl From<iamsnap_snapshot::SnapshotError> for CliError {
    fn from(e: iamsnap_snapshot::SnapshotError) -> Self {
        Self::diagnostic(e)
    }
}

impl From<iamsnap_import::ImportError> for CliError {
    fn from(e: iamsnap_import::ImportError) -> Self {
        use iamsnap_import::ImportError as E;
        let help = e.help();
        match e {
            // The snapshot layer's advice applies as is.
            E::Snapshot(inner) => inner.into(),
            other => Self::User {
                message: other.to_string(),
                help: help.map(str::to_owned),
            },
        }
    }
}

/// The plain rendering of every kind of diagnostic, as reviewed snapshots (`cargo insta
/// review` after a change of wording or layout).
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::path::Path;

    use iamsnap_policy::{PolicyError, parse_document_text};
    use iamsnap_rules::{Diagnostics, Pack, Source, parse_pack};

    use super::*;

    fn plain(d: &dyn miette::Diagnostic) -> String {
        let code = d.code().map(|c| c.to_string()).unwrap_or_default();
        format!("[{code}]\n{}", render(d, false))
    }

    fn pack_errors(text: &str) -> String {
        let errors = parse_pack(&Source::new("p.rules", text)).expect_err("errors");
        plain(&Diagnostics(errors))
    }

    fn policy_error(text: &str) -> String {
        let e: PolicyError = parse_document_text(text).expect_err("an invalid document");
        plain(&e.with_source("policy.json", text))
    }

    #[test]
    fn rule_parse_error() {
        insta::assert_snapshot!(pack_errors(
            "rule A-1\n  severity high\n  for role r\n  where r trusts nobody\n"
        ));
    }

    #[test]
    fn rule_unknown_clause_with_suggestion() {
        insta::assert_snapshot!(pack_errors("rule A-1\n  severty high\n  for role r\n"));
    }

    #[test]
    fn rule_limit_exceeded() {
        let deep = format!("{}r.name = \"x\"{}", "(".repeat(40), ")".repeat(40));
        insta::assert_snapshot!(pack_errors(&format!(
            "rule A-1\n  severity high\n  for role r\n  where {deep}\n"
        )));
    }

    #[tokio::test]
    async fn rule_unknown_entity_and_field_with_suggestion() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../snapshots/demo-2026-11-22");
        let engine = iamsnap_engine::Engine::open(&demo).await.unwrap();
        let pack = Pack::from_text(
            "p.rules",
            "rule A-1\n  severity high\n  title \"t\"\n  for rolee r\n\nrule A-2\n  severity high\n  title \"t\"\n  for role r\n  where r.nmae = \"x\"\n",
            None,
        )
        .unwrap();
        let errors = iamsnap_rules::compile_pack(engine.context(), &pack)
            .await
            .expect_err("errors");
        insta::assert_snapshot!(plain(&errors));
    }

    #[test]
    fn policy_json_syntax_error() {
        insta::assert_snapshot!(policy_error(
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\" \"Action\": \"s3:GetObject\"}\n  ]\n}"
        ));
    }

    #[test]
    fn policy_schema_problems() {
        insta::assert_snapshot!(policy_error(
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Acton\": \"s3:*\", \"Resource\": \"*\"}\n  ]\n}"
        ));
    }

    #[test]
    fn policy_unknown_condition_operator() {
        insta::assert_snapshot!(policy_error(
            "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\",\n  \"Condition\": {\"StringEqual\": {\"aws:PrincipalTag/team\": \"red\"}}}]}"
        ));
    }

    #[test]
    fn policy_url_encoded_error() {
        // As the IAM API returns documents: `{"Version": "2012-10-17", "Statement": [{"Effect": "Alow", ...}]}`.
        insta::assert_snapshot!(policy_error(
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Alow%22%2C%20%22Action%22%3A%20%22s3%3AGetObject%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D"
        ));
    }

    #[test]
    fn engine_error_without_a_span() {
        let e = iamsnap_engine::EngineError::Timeout(std::time::Duration::from_secs(2));
        insta::assert_snapshot!(plain(&e));
    }

    #[test]
    fn a_message_without_a_diagnostic() {
        let text = render_clean(
            &Clean::from_message(
                "no pack file `x.rules`",
                Some("give the path of a `.rules` file"),
            ),
            false,
        );
        assert_eq!(
            text,
            "error: no pack file `x.rules`\nhelp: give the path of a `.rules` file\n"
        );
    }

    #[test]
    fn hostile_source_text_is_escaped_and_cut_in_both_renderings() {
        let long = "x".repeat(5000);
        let text = format!("rule A-1\n  severity high \u{1b}]0;pwned\u{7} {long} \u{1b}[2J");
        let errors = parse_pack(&Source::new("p\u{1b}[31m.rules", text)).expect_err("errors");
        for graphical in [false, true] {
            let out = render(&Diagnostics(errors.clone()), graphical);
            assert!(!out.contains("\u{1b}]0;"), "{out}");
            assert!(!out.contains('\u{7}'), "{out}");
            assert!(out.contains("\\u{1b}"), "{out}");
            assert!(out.lines().all(|l| l.chars().count() < 400), "{out}");
            if !graphical {
                assert!(!out.contains('\u{1b}'), "{out}");
                assert!(out.contains("p\\u{1b}[31m.rules:2:"), "{out}");
            }
        }
    }
}
