use iamsnap_snapshot::SnapshotError;

/// Why a query or a snapshot could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The snapshot could not be opened or read.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The query is not valid SQL, or names something that does not exist.
    #[error("{message}")]
    Query {
        /// What is wrong.
        message: String,
        /// What to do, when there is something to say.
        help: Option<String>,
    },
    /// The query would change something; snapshots are read-only.
    #[error("{0}")]
    ReadOnly(String),
    /// The query was cancelled.
    #[error("query cancelled")]
    Cancelled,
    /// The statement ran longer than its time limit.
    #[error("the statement ran longer than its time limit of {}", crate::limits::format_duration(*.0))]
    Timeout(std::time::Duration),
    /// The query needed more memory than its limit (its operators and result together).
    #[error("the query needs more memory than its limit of {}", crate::limits::format_bytes(*.limit))]
    MemoryLimit {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A bug in iamsnap rather than a problem with the query.
    #[error("internal error: {0}")]
    Internal(String),
    /// An error about a name the statement uses, with where the statement uses it.
    #[error("{error}")]
    InStatement {
        /// The error.
        error: Box<EngineError>,
        /// The statement.
        statement: miette::NamedSource<String>,
        /// The name's first use in the statement: byte offset and length.
        at: (usize, usize),
    },
}

impl EngineError {
    /// The stable code of this kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Snapshot(_) => "engine::snapshot",
            Self::Query { .. } => "engine::query",
            Self::ReadOnly(_) => "engine::read-only",
            Self::Cancelled => "engine::cancelled",
            Self::Timeout(_) => "engine::timeout",
            Self::MemoryLimit { .. } => "engine::memory-limit",
            Self::Internal(_) => "engine::internal",
            Self::InStatement { error, .. } => error.code(),
        }
    }

    /// Advice to show with the error, if any.
    pub fn help(&self) -> Option<String> {
        let text = match self {
            Self::Snapshot(inner) => {
                return miette::Diagnostic::help(inner).map(|h| h.to_string());
            }
            Self::InStatement { error, .. } => return error.help(),
            Self::Query { help, .. } => help.as_deref(),
            Self::ReadOnly(_) => Some(
                "iamsnap queries only read: select from the snapshot's tables; to change data, re-create the snapshot",
            ),
            Self::Timeout(_) => Some(
                "narrow the statement (a WHERE clause, a LIMIT), or allow it more time with --timeout (e.g. --timeout 30m, or --timeout none)",
            ),
            Self::MemoryLimit { .. } => Some(
                "narrow the result (a WHERE clause, a LIMIT, fewer columns), or allow more memory with --memory-limit (e.g. --memory-limit 8GiB)",
            ),
            Self::Internal(_) => Some(
                "this is a bug in iamsnap or in the query engine it uses: please report it with the statement that caused it",
            ),
            _ => None,
        };
        text.map(str::to_owned)
    }
}

impl EngineError {
    /// The error, located in `sql` when it is about a name (a table, column or function)
    /// that the statement uses: DataFusion's errors carry no position, so the name's first
    /// use outside string literals and comments is underlined.
    pub fn in_statement(self, sql: &str) -> Self {
        let Self::Query { message, .. } = &self else {
            return self;
        };
        let Some(name) = named_in(message) else {
            return self;
        };
        match find_name(sql, &name) {
            Some(offset) => Self::InStatement {
                error: Box::new(self),
                statement: miette::NamedSource::new("statement", sql.to_owned()),
                at: (offset, name.len()),
            },
            None => self,
        }
    }

    /// The error without its location.
    pub fn unlocated(&self) -> &Self {
        match self {
            Self::InStatement { error, .. } => error,
            other => other,
        }
    }
}

/// The name a query error is about: the text in backticks after `no table`, `no column`,
/// `unknown function`, or the first backticked name.
fn named_in(message: &str) -> Option<String> {
    let (_, rest) = message.split_once('`')?;
    let (name, _) = rest.split_once('`')?;
    // The last part of a qualified name is what the statement spells out in full.
    let name = name.rsplit('.').next().unwrap_or(name);
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| name.to_owned())
}

/// The byte offset of the first use of `name` as a whole word (ASCII case-insensitive,
/// quoted or not) in `sql`, outside string literals and comments.
pub(crate) fn find_name(sql: &str, name: &str) -> Option<usize> {
    let at = |i: usize| sql.as_bytes().get(i).copied();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while let Some(b) = at(i) {
        match b {
            b'\'' => {
                i += 1;
                while at(i).is_some_and(|c| c != b'\'') {
                    i += 1;
                }
                i += 1;
            }
            b'-' if at(i + 1) == Some(b'-') => {
                while at(i).is_some_and(|c| c != b'\n') {
                    i += 1;
                }
            }
            b if word(b) => {
                let start = i;
                while at(i).is_some_and(word) {
                    i += 1;
                }
                if sql
                    .get(start..i)
                    .is_some_and(|w| w.eq_ignore_ascii_case(name))
                {
                    return Some(start);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// An error located in its statement has a label there; DataFusion's other errors carry no
/// position, so the message names what is wrong.
impl miette::Diagnostic for EngineError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            Self::Snapshot(inner) => miette::Diagnostic::code(inner),
            _ => Some(Box::new(EngineError::code(self))),
        }
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        EngineError::help(self).map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self {
            Self::InStatement { statement, .. } => Some(statement),
            _ => None,
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        match self {
            Self::InStatement { at, .. } => Some(Box::new(std::iter::once(
                miette::LabeledSpan::new_primary_with_span(Some("here".to_owned()), *at),
            ))),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_as_a_word_outside_strings_and_comments() {
        let sql = "select 'nosuch' -- nosuch\nfrom nosuch_x, NoSuch";
        assert_eq!(find_name(sql, "nosuch"), sql.find("NoSuch"));
        assert_eq!(find_name("select 1", "nosuch"), None);
        assert_eq!(find_name("select \"Arn\" from t", "arn"), Some(8));
    }

    #[test]
    fn an_error_about_a_name_is_located_where_the_statement_uses_it() {
        let e = EngineError::Query {
            message: "no table `nosuch`".to_owned(),
            help: Some("the tables are: users".to_owned()),
        }
        .in_statement("select * from nosuch");
        match &e {
            EngineError::InStatement { at, .. } => assert_eq!(*at, (14, 6)),
            other => panic!("not located: {other:?}"),
        }
        assert_eq!(e.to_string(), "no table `nosuch`");
        assert_eq!(e.help().as_deref(), Some("the tables are: users"));
        assert_eq!(e.code(), "engine::query");
    }
}
