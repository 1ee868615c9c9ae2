//! Progress bars for long reads, shown only when stderr is a terminal.

use std::io::Read;

use iamsnap_cloudtrail::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws a byte-count bar per input file on stderr (hidden when stderr is not a terminal).
#[derive(Debug, Default)]
pub struct Bars;

/// Inputs smaller than this are read too fast for a bar to help.
const MIN_BYTES: u64 = 8 << 20;

impl Progress for Bars {
    fn wrap<'r>(&self, file: &str, len: u64, reader: Box<dyn Read + 'r>) -> Box<dyn Read + 'r> {
        if len < MIN_BYTES {
            return reader;
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(format!("reading {}", crate::output::escape(file)));
        Box::new(FinishOnDrop {
            inner: bar.wrap_read(reader),
        })
    }
}

struct FinishOnDrop<R: Read> {
    inner: indicatif::ProgressBarIter<R>,
}

impl<R: Read> Read for FinishOnDrop<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Read> Drop for FinishOnDrop<R> {
    fn drop(&mut self) {
        self.inner.progress.finish_and_clear();
    }
}
