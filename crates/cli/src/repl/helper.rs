//! The REPL's one rustyline helper: completion of SQL keywords, tables, columns, functions
//! and meta-commands; the statement splitter (a statement ends at `;` outside quotes and
//! comments); hints with a function's signature.

use std::borrow::Cow;
use std::collections::BTreeSet;

use iamsnap_engine::TableInfo;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::command;

/// SQL keywords offered by completion.
const KEYWORDS: &[&str] = &[
    "ALL",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CROSS",
    "DESC",
    "DISTINCT",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXPLAIN",
    "FALSE",
    "FILTER",
    "FIRST",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "ILIKE",
    "IN",
    "INNER",
    "INTERSECT",
    "INTERVAL",
    "IS",
    "JOIN",
    "LAST",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NATURAL",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "RIGHT",
    "SELECT",
    "SHOW",
    "SIMILAR",
    "THEN",
    "TRUE",
    "UNION",
    "UNNEST",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Common SQL functions offered by completion, beside iamsnap's own.
const SQL_FUNCTIONS: &[&str] = &[
    "abs",
    "array_agg",
    "array_length",
    "array_to_string",
    "avg",
    "btrim",
    "coalesce",
    "concat",
    "concat_ws",
    "count",
    "current_date",
    "date_part",
    "date_trunc",
    "first_value",
    "greatest",
    "least",
    "length",
    "lower",
    "lpad",
    "ltrim",
    "max",
    "min",
    "now",
    "nullif",
    "regexp_like",
    "regexp_match",
    "regexp_replace",
    "replace",
    "round",
    "row_number",
    "rpad",
    "rtrim",
    "split_part",
    "starts_with",
    "string_agg",
    "strpos",
    "substr",
    "sum",
    "to_timestamp",
    "trim",
    "upper",
];

/// Derived relations that may not be in `engine.tables()` yet but can be queried.
const VIEWS: &[&str] = &["principals", "actions", "permissions"];

/// What one piece of input holds: the complete statements, and what is left.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Each complete statement, without its `;`, trimmed; empty ones are dropped.
    pub statements: Vec<String>,
    /// The text after the last `;`.
    pub rest: String,
}

impl Split {
    /// True when what is left is only blanks and comments: nothing to wait for.
    pub fn rest_is_blank(&self) -> bool {
        is_blank(&self.rest)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lex {
    Code,
    Single,
    Double,
    LineComment,
    BlockComment,
}

/// Splits `text` at each `;` outside quotes and comments.
pub fn split_statements(text: &str) -> Split {
    let mut out = Split::default();
    let mut state = Lex::Code;
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        state = match (state, c) {
            (Lex::Code, '\'') => Lex::Single,
            (Lex::Code, '"') => Lex::Double,
            (Lex::Code, '-') if next == Some('-') => {
                chars.next();
                Lex::LineComment
            }
            (Lex::Code, '/') if next == Some('*') => {
                chars.next();
                Lex::BlockComment
            }
            (Lex::Code, ';') => {
                let stmt = text.get(start..i).unwrap_or_default();
                if !is_blank(stmt) {
                    out.statements.push(stmt.trim().to_owned());
                }
                start = i + 1;
                Lex::Code
            }
            (Lex::Single, '\'') | (Lex::Double, '"') | (Lex::LineComment, '\n') => Lex::Code,
            (Lex::BlockComment, '*') if next == Some('/') => {
                chars.next();
                Lex::Code
            }
            (s, _) => s,
        };
    }
    out.rest = text.get(start..).unwrap_or_default().to_owned();
    out
}

/// True when `text` has only whitespace and comments.
fn is_blank(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if rest.is_empty() {
            return true;
        }
        if let Some(after) = rest.strip_prefix("--") {
            match after.find('\n') {
                Some(n) => rest = after.get(n..).unwrap_or_default().trim_start(),
                None => return true,
            }
        } else if let Some(after) = rest.strip_prefix("/*") {
            match after.find("*/") {
                Some(n) => rest = after.get(n + 2..).unwrap_or_default().trim_start(),
                None => return false,
            }
        } else {
            return false;
        }
    }
}

/// A table's name and its columns, for completion after `alias.`.
#[derive(Debug, Clone)]
struct TableColumns {
    name: String,
    columns: Vec<String>,
}

/// Completion, hints and (trivial) validation for the REPL.
#[derive(Debug, Default)]
pub struct ReplHelper {
    tables: Vec<TableColumns>,
    /// Every column name of every table, sorted, unique.
    columns: Vec<String>,
    /// Function names with their signatures (for hints).
    functions: Vec<(String, Option<String>)>,
    /// Lines of the current statement typed before this one (for `alias.` completion).
    pending: String,
}

impl ReplHelper {
    /// A helper knowing the given tables and the engine's functions.
    pub fn new(tables: &[TableInfo]) -> Self {
        let mut helper = Self::default();
        helper.set_tables(tables);
        let mut functions: Vec<(String, Option<String>)> = iamsnap_engine::function_docs()
            .into_iter()
            .map(|f| (f.name.to_owned(), Some(f.signature.to_owned())))
            .collect();
        for f in SQL_FUNCTIONS {
            if !functions.iter().any(|(n, _)| n == f) {
                functions.push(((*f).to_owned(), None));
            }
        }
        functions.sort();
        helper.functions = functions;
        helper
    }

    /// Replaces the known tables (after `\open`).
    pub fn set_tables(&mut self, tables: &[TableInfo]) {
        let mut list: Vec<TableColumns> = tables
            .iter()
            .map(|t| TableColumns {
                name: t.name.clone(),
                columns: t.columns.iter().map(|(c, _, _)| c.clone()).collect(),
            })
            .collect();
        for view in VIEWS {
            if !list.iter().any(|t| t.name == *view) {
                list.push(TableColumns {
                    name: (*view).to_owned(),
                    columns: Vec::new(),
                });
            }
        }
        let columns: BTreeSet<String> = list.iter().flat_map(|t| t.columns.clone()).collect();
        self.tables = list;
        self.columns = columns.into_iter().collect();
    }

    /// The earlier lines of the statement being typed.
    pub fn set_pending(&mut self, pending: &str) {
        pending.clone_into(&mut self.pending);
    }

    fn table(&self, name: &str) -> Option<&TableColumns> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The table an alias (or a table name) stands for in `sql`.
    fn resolve_alias(&self, sql: &str, alias: &str) -> Option<&TableColumns> {
        if let Some(t) = self.table(alias) {
            return Some(t);
        }
        let words: Vec<&str> = sql
            .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')' || c == ';')
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            let Some(table) = self.table(w) else { continue };
            let mut next = words.get(i + 1).copied();
            if next.is_some_and(|n| n.eq_ignore_ascii_case("as")) {
                next = words.get(i + 2).copied();
            }
            if next.is_some_and(|n| n.eq_ignore_ascii_case(alias)) {
                return Some(table);
            }
        }
        None
    }

    /// Candidates for the word before `pos`: (start of the replaced text, candidates).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = line.get(..pos).unwrap_or(line);
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '\\'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let word = before.get(start..).unwrap_or_default();

        // A meta-command at the start of the line.
        if word.starts_with('\\') {
            let list = command::NAMES
                .iter()
                .filter(|n| n.starts_with(word))
                .map(|n| pair(n))
                .collect();
            return (start, list);
        }

        // `alias.col` or `schema.table`.
        if let Some(dot) = word.rfind('.') {
            let qualifier = word.get(..dot).unwrap_or_default();
            let prefix = word.get(dot + 1..).unwrap_or_default();
            let col_start = start + dot + 1;
            let mut out: Vec<Pair> = self
                .tables
                .iter()
                .filter_map(|t| t.name.strip_prefix(qualifier)?.strip_prefix('.'))
                .filter(|rest| starts_with_ci(rest, prefix))
                .map(pair)
                .collect();
            // `old.` / `new.` of a pair: also the functions that answer for that snapshot.
            let is_schema = matches!(qualifier, "old" | "new")
                && self
                    .tables
                    .iter()
                    .any(|t| t.name.starts_with(&format!("{qualifier}.")));
            if is_schema {
                out.extend(
                    iamsnap_engine::per_snapshot_functions()
                        .into_iter()
                        .filter(|f| starts_with_ci(f, prefix))
                        .map(pair),
                );
            }
            let sql = format!("{}\n{line}", self.pending);
            if let Some(t) = self.resolve_alias(&sql, qualifier) {
                out.extend(
                    t.columns
                        .iter()
                        .filter(|c| starts_with_ci(c, prefix))
                        .map(|c| pair(c)),
                );
            }
            return (col_start, out);
        }

        let previous = before
            .get(..start)
            .unwrap_or_default()
            .split_whitespace()
            .next_back()
            .map(str::to_ascii_lowercase)
            .or_else(|| {
                self.pending
                    .split_whitespace()
                    .next_back()
                    .map(str::to_ascii_lowercase)
            });
        let tables = self
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .filter(|n| starts_with_ci(n, word));
        if matches!(previous.as_deref(), Some("from" | "join")) {
            return (start, tables.map(pair).collect());
        }
        if word.is_empty() {
            return (start, Vec::new());
        }
        let lower = !word.chars().any(|c| c.is_ascii_uppercase());
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mut push = |s: String| {
            if seen.insert(s.clone()) {
                out.push(pair(&s));
            }
        };
        for k in KEYWORDS.iter().filter(|k| starts_with_ci(k, word)) {
            push(if lower {
                k.to_ascii_lowercase()
            } else {
                (*k).to_owned()
            });
        }
        for t in tables {
            push(t.to_owned());
        }
        for c in self.columns.iter().filter(|c| starts_with_ci(c, word)) {
            push(c.clone());
        }
        for (f, _) in self
            .functions
            .iter()
            .filter(|(f, _)| starts_with_ci(f, word))
        {
            push(f.clone());
        }
        (start, out)
    }
}

fn pair(s: &str) -> Pair {
    Pair {
        display: s.to_owned(),
        replacement: s.to_owned(),
    }
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    /// After `name(` at the end of the line, the rest of the function's signature.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        let head = line.strip_suffix('(')?;
        let name_start = head
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = head.get(name_start..)?;
        let (_, signature) = self
            .functions
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(name))?;
        let signature = signature.as_deref()?;
        let open = signature.find('(')?;
        signature.get(open + 1..).map(str::to_owned)
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if std::env::var_os("NO_COLOR").is_some() {
            Cow::Borrowed(hint)
        } else {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        }
    }
}

/// Every line is accepted as typed: the REPL itself gathers lines until a `;` (so that it
/// can show the continuation prompt), using [`split_statements`].
impl Validator for ReplHelper {
    fn validate(&self, _ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (Vec<String>, String) {
        let out = split_statements(s);
        (out.statements, out.rest)
    }

    #[test]
    fn splits_at_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            split("select 1; select ';' -- a ; here\n, 2;  "),
            (
                vec![
                    "select 1".to_owned(),
                    "select ';' -- a ; here\n, 2".to_owned()
                ],
                "  ".to_owned()
            )
        );
        assert_eq!(
            split("select /* ; */ 1"),
            (vec![], "select /* ; */ 1".to_owned())
        );
        assert_eq!(
            split("select \"a;b\" from t;").0,
            vec!["select \"a;b\" from t"]
        );
        assert_eq!(split("select 'it''s;';").0, vec!["select 'it''s;'"]);
        assert_eq!(split(";;").0, Vec::<String>::new());
    }

    #[test]
    fn blank_rest() {
        assert!(split_statements("select 1; -- done").rest_is_blank());
        assert!(split_statements("select 1; /* x */ ").rest_is_blank());
        assert!(!split_statements("select 1; /* open").rest_is_blank());
        assert!(!split_statements("select").rest_is_blank());
    }

    fn helper() -> ReplHelper {
        ReplHelper::new(&[TableInfo {
            name: "roles".into(),
            doc: String::new(),
            columns: vec![
                ("role_name".into(), "Utf8".into(), String::new()),
                ("arn".into(), "Utf8".into(), String::new()),
            ],
        }])
    }

    fn names(h: &ReplHelper, line: &str) -> Vec<String> {
        h.candidates(line, line.len())
            .1
            .into_iter()
            .map(|p| p.replacement)
            .collect()
    }

    #[test]
    fn completes_tables_after_from() {
        let h = helper();
        assert_eq!(names(&h, "select * from princ"), vec!["principals"]);
        assert_eq!(names(&h, "select * from ro"), vec!["roles"]);
        assert_eq!(h.candidates("select * from ro", 16).0, 14);
    }

    #[test]
    fn completes_keywords_columns_and_functions() {
        let h = helper();
        assert!(names(&h, "sel").contains(&"select".to_owned()));
        assert!(names(&h, "SEL").contains(&"SELECT".to_owned()));
        assert!(names(&h, "select role_").contains(&"role_name".to_owned()));
        assert!(names(&h, "select coal").contains(&"coalesce".to_owned()));
        assert!(names(&h, "select age_").contains(&"age_days".to_owned()));
    }

    #[test]
    fn completes_columns_after_an_alias() {
        let mut h = helper();
        let line = "select * from roles r where r.ro";
        assert_eq!(names(&h, line), vec!["role_name"]);
        h.set_pending("select *\nfrom roles as x");
        assert_eq!(names(&h, "where x.ar"), vec!["arn"]);
        assert_eq!(names(&h, "where roles.ar"), vec!["arn"]);
    }

    #[test]
    fn completes_the_functions_of_each_snapshot_of_a_pair() {
        let table = |name: &str| TableInfo {
            name: name.into(),
            doc: String::new(),
            columns: Vec::new(),
        };
        let h = ReplHelper::new(&[table("old.roles"), table("new.roles")]);
        let got = names(&h, "select old.ca");
        assert!(got.contains(&"can".to_owned()) && got.contains(&"can_any".to_owned()));
        assert!(names(&h, "select new.is_").contains(&"is_admin".to_owned()));
        assert!(names(&h, "select old.ro").contains(&"roles".to_owned()));
        // Without a pair, `old.` is just an alias.
        assert!(!names(&helper(), "select old.ca").contains(&"can".to_owned()));
    }

    #[test]
    fn completes_meta_commands() {
        let h = helper();
        assert_eq!(names(&h, "\\fo"), vec!["\\format"]);
    }
}
