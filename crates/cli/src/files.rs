//! Writing output files atomically: a hidden temporary file beside the destination, renamed
//! into place when complete, so an interrupted or failed run leaves nothing partial.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::exit::CliError;

/// A file being written; it appears at its destination only on [`AtomicFile::commit`].
pub struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `dest`, refusing an existing file unless `force`.
    pub fn create(dest: &Path, force: bool) -> Result<Self, CliError> {
        if dest.exists() && !force {
            return Err(CliError::with_help(
                format!("output file `{}` already exists", dest.display()),
                "pass --force to replace it, or choose another name",
            ));
        }
        if dest.is_dir() {
            return Err(CliError::new(format!(
                "output `{}` is a folder, not a file",
                dest.display()
            )));
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                CliError::new(format!("output `{}` has no file name", dest.display()))
            })?;
        let tmp = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        // A new file only: never truncate (or write through a link at) a name already there.
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| CliError::new(format!("cannot create `{}`: {e}", tmp.display())))?;
        Ok(Self {
            dest: dest.to_path_buf(),
            tmp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// The writer for the content.
    pub fn writer(&mut self) -> Result<&mut BufWriter<File>, CliError> {
        self.writer
            .as_mut()
            .ok_or_else(|| CliError::new("internal error: file already committed"))
    }

    /// Flushes and moves the file into place.
    pub fn commit(mut self) -> Result<(), CliError> {
        let fail = |e: std::io::Error| {
            CliError::new(format!("cannot write `{}`: {e}", self.dest.display()))
        };
        if let Some(writer) = self.writer.take() {
            let file = writer.into_inner().map_err(|e| fail(e.into_error()))?;
            file.sync_all().map_err(fail)?;
        }
        fs::rename(&self.tmp, &self.dest).map_err(fail)?;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.tmp.exists() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `text` to stdout; a closed pipe ends the program quietly. On a terminal,
/// control characters other than line feeds are shown as escapes (the renderers escape
/// what they quote already; this holds for every command printing through here).
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let text = if std::io::IsTerminal::is_terminal(&out) {
        crate::output::escape_lines(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
