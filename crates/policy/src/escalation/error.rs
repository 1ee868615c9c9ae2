//! Why the escalation methods could not be loaded.

use iamsnap_catalog::CatalogError;

/// The embedded escalation methods could not be read. Like a damaged catalog, this is a
/// defect of the data shipped with iamsnap (`crates/policy/data/escalation-methods.json`),
/// never a problem of the user's input; the crate's tests load the shipped data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    /// The text is not JSON.
    #[error("escalation methods are not valid JSON: {message} at line {line}, column {column}")]
    Syntax {
        /// The JSON parser's description.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// An element is missing, has the wrong type or a value outside its domain.
    #[error("escalation methods, at `{path}`: {message}")]
    Invalid {
        /// Where: `methods[3].required[0][1].resource`.
        path: String,
        /// What is wrong, user input in backticks.
        message: String,
    },
    /// A method needs an action the catalog does not know.
    #[error("escalation method `{method}` needs `{action}`, which is not in the action catalog")]
    UnknownAction {
        /// The method's id.
        method: String,
        /// The action as written.
        action: String,
    },
    /// Two methods have the same id.
    #[error("escalation method id `{id}` is used more than once")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// The action catalog the methods are checked against could not be loaded.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}
