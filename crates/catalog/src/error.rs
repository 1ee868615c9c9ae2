//! The catalog's error type.

/// The embedded catalog data could not be read. This is a build defect (the data file in
/// `crates/catalog/data/` is damaged or from an incompatible `scripts/update-catalog`), never
/// a problem of the user's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The gzip stream is damaged or the text is not UTF-8.
    #[error("cannot decompress the action catalog data: {message}")]
    Decompress {
        /// What went wrong.
        message: String,
    },
    /// A record does not follow the data format.
    #[error("action catalog data, line {line}: {message}")]
    Format {
        /// The 1-based line of the uncompressed text.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}
