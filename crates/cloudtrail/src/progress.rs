//! Reading progress, observed by whoever shows it (the CLI draws progress bars).

use std::io::Read;

/// Observes reading progress, e.g. to draw a progress bar.
pub trait Progress {
    /// Wraps the reader of one input file of `len` bytes.
    fn wrap<'r>(&self, file: &str, len: u64, reader: Box<dyn Read + 'r>) -> Box<dyn Read + 'r>;
}

/// No progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn wrap<'r>(&self, _file: &str, _len: u64, reader: Box<dyn Read + 'r>) -> Box<dyn Read + 'r> {
        reader
    }
}
