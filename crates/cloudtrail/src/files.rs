//! Log files on disk: found under folders, read and summarized on every core, hashed for
//! the manifest as they are read.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use iamsnap_snapshot::SourceInput;
use sha2::{Digest, Sha256};

use super::CloudTrailError;
use super::summarize::{DIGEST_MARKER, LogError, Summarizer, Summary};
use crate::progress::Progress;

/// The manifest's `kind` of a CloudTrail input.
pub const SOURCE_KIND: &str = "cloudtrail_logs";

/// One log file to read.
#[derive(Debug)]
struct LogFile {
    path: PathBuf,
    /// The name in messages and the manifest: the input's name, then the path below it.
    name: String,
    /// The path below the input folder (empty for a file given by itself).
    relative: String,
    len: u64,
    input: usize,
    /// Given by itself: a malformed file is an error rather than counted.
    strict: bool,
}

/// What walking the inputs found.
#[derive(Debug, Default)]
struct Found {
    files: Vec<LogFile>,
    digest_files: u64,
    other_files: u64,
}

/// Whether an object or file name is a CloudTrail log's (`.json` or `.json.gz`).
pub fn is_log_name(name: &str) -> bool {
    name.ends_with(".json") || name.ends_with(".json.gz")
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> CloudTrailError + '_ {
    move |source| CloudTrailError::Io {
        file: path.display().to_string(),
        source,
    }
}

/// Finds the log files of every input: a file is read whatever its name (also a FIFO: `<(...)`
/// is a file the user named); a folder is walked recursively for `.json` and `.json.gz`
/// files, skipping digest files. In a folder only regular files are read: FIFOs, sockets
/// and devices are counted as other files and never opened (a FIFO would block the read).
/// Symbolic links to regular files inside the folder are followed; links to folders (no
/// cycles) and links leading outside the folder are not, and count as other files.
fn find(paths: &[&Path]) -> Result<Found, CloudTrailError> {
    let mut found = Found::default();
    for (input, &path) in paths.iter().enumerate() {
        let meta = std::fs::metadata(path).map_err(io_error(path))?;
        let base = base_name(path);
        if !meta.is_dir() {
            found.files.push(LogFile {
                path: path.to_path_buf(),
                name: base,
                relative: String::new(),
                len: meta.len(),
                input,
                strict: true,
            });
            continue;
        }
        let before = found.files.len();
        let root = std::fs::canonicalize(path).map_err(io_error(path))?;
        let mut stack = vec![(path.to_path_buf(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let mut entries = Vec::new();
            for entry in std::fs::read_dir(&dir).map_err(io_error(&dir))? {
                entries.push(entry.map_err(io_error(&dir))?);
            }
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                let entry_path = entry.path();
                let entry_rel = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let kind = entry.file_type().map_err(io_error(&entry_path))?;
                if kind.is_dir() {
                    stack.push((entry_path, entry_rel));
                    continue;
                }
                let meta = if kind.is_symlink() {
                    let inside = std::fs::canonicalize(&entry_path)
                        .is_ok_and(|target| target.starts_with(&root));
                    match std::fs::metadata(&entry_path) {
                        Ok(m) if m.is_file() && inside => m,
                        // A link to a folder or out of the folder, a dangling link, a link
                        // to a FIFO.
                        _ => {
                            found.other_files += 1;
                            continue;
                        }
                    }
                } else if kind.is_file() {
                    entry.metadata().map_err(io_error(&entry_path))?
                } else {
                    // A FIFO, socket or device: opening it could block or read forever.
                    found.other_files += 1;
                    continue;
                };
                if !is_log_name(&name) {
                    found.other_files += 1;
                } else if entry_rel.contains(DIGEST_MARKER) {
                    found.digest_files += 1;
                } else {
                    found.files.push(LogFile {
                        path: entry_path,
                        name: format!("{base}/{entry_rel}"),
                        relative: entry_rel,
                        len: meta.len(),
                        input,
                        strict: false,
                    });
                }
            }
        }
        if found.files.len() == before {
            return Err(CloudTrailError::NoLogFiles {
                path: path.display().to_string(),
            });
        }
    }
    Ok(found)
}

/// Hashes the raw bytes of a file as they are read and reports their count.
struct Tracked<'a> {
    inner: File,
    hasher: Sha256,
    progress: &'a mpsc::Sender<u64>,
}

impl Read for Tracked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or_default();
        self.hasher.update(read);
        // The progress display may be gone; summarizing goes on.
        let _ = self.progress.send(n as u64);
        Ok(n)
    }
}

/// Counts of bytes from the workers, as a reader the progress display can wrap: its length
/// is the sum of the files' sizes.
struct ProgressFeed {
    rx: mpsc::Receiver<u64>,
    pending: u64,
}

impl Read for ProgressFeed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending == 0 {
            match self.rx.recv() {
                Ok(n) => self.pending = n,
                // Every worker is done.
                Err(_) => return Ok(0),
            }
        }
        let n = usize::try_from(self.pending)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        self.pending -= n as u64;
        Ok(n)
    }
}

/// What one worker made of the files it took.
struct WorkerOutput {
    summarizer: Summarizer,
    hashes: Vec<(usize, String)>,
    error: Option<(usize, CloudTrailError)>,
}

fn worker(
    files: &[LogFile],
    order: &[usize],
    next: &AtomicUsize,
    stop: &AtomicBool,
    progress: &mpsc::Sender<u64>,
) -> WorkerOutput {
    let mut out = WorkerOutput {
        summarizer: Summarizer::new(),
        hashes: Vec::new(),
        error: None,
    };
    while !stop.load(Ordering::Relaxed) {
        let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
            break;
        };
        let Some(file) = files.get(index) else {
            break;
        };
        match read_one(&mut out.summarizer, file, progress) {
            Ok(sha) => out.hashes.push((index, sha)),
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                out.error = Some((index, e));
                break;
            }
        }
    }
    out
}

/// Summarizes one file, returning the sha256 of its bytes.
fn read_one(
    summarizer: &mut Summarizer,
    file: &LogFile,
    progress: &mpsc::Sender<u64>,
) -> Result<String, CloudTrailError> {
    let io = io_error(&file.path);
    let mut reader = Tracked {
        inner: File::open(&file.path).map_err(&io)?,
        hasher: Sha256::new(),
        progress,
    };
    match summarizer.add_log_reader(&file.name, &mut reader) {
        Ok(_) => {}
        Err(LogError::Io(e)) => return Err(io(e)),
        Err(LogError::Malformed(m)) if file.strict => {
            return Err(CloudTrailError::Malformed {
                file: file.path.display().to_string(),
                message: m.message,
            });
        }
        // Counted in the summarizer's statistics.
        Err(LogError::Malformed(_)) => {}
    }
    // Hash what the reader did not need (a malformed file's rest).
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(&io)?;
    Ok(hex::encode(reader.hasher.finalize()))
}

/// Summarizes the CloudTrail log files of `paths` (files, or folders searched
/// recursively) on `threads` threads (0: one per core), showing progress on `progress`.
///
/// A file given by itself must be a CloudTrail log file; in a folder, malformed files are
/// skipped and counted in the summary's statistics, as are malformed records anywhere.
/// The summary's `inputs` has one entry per path: a file's sha256, or for a folder the
/// sha256 of the list of its log files (`<path below the folder>\t<sha256>\n`, sorted).
pub fn summarize_paths(
    paths: &[&Path],
    threads: usize,
    progress: &dyn Progress,
) -> Result<Summary, CloudTrailError> {
    read_paths(paths, threads, progress).map(Summarizer::finish)
}

/// Like [`summarize_paths`], leaving the summarizer open so that other sources (S3,
/// `LookupEvents`) can be merged into it; the inputs are recorded in it.
pub fn read_paths(
    paths: &[&Path],
    threads: usize,
    progress: &dyn Progress,
) -> Result<Summarizer, CloudTrailError> {
    let found = find(paths)?;
    let files = found.files;
    let mut order: Vec<usize> = (0..files.len()).collect();
    // Largest first, so the last file to finish is a small one.
    order.sort_by_key(|&i| std::cmp::Reverse(files.get(i).map_or(0, |f| f.len)));
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    }
    .min(files.len())
    .max(1);
    let total: u64 = files.iter().map(|f| f.len).sum();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<u64>();
    let label = if files.len() == 1 {
        files
            .first()
            .map(|f| f.path.display().to_string())
            .unwrap_or_default()
    } else {
        format!("{} CloudTrail log files", files.len())
    };
    let outputs = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let tx = tx.clone();
                let (files, order, next, stop) = (&files, &order, &next, &stop);
                scope.spawn(move || worker(files, order, next, stop, &tx))
            })
            .collect();
        drop(tx);
        let mut feed = progress.wrap(&label, total, Box::new(ProgressFeed { rx, pending: 0 }));
        let _ = std::io::copy(&mut feed, &mut std::io::sink());
        drop(feed);
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });

    let mut summarizer = Summarizer::new();
    let mut hashes: Vec<Option<String>> = vec![None; files.len()];
    let mut first_error: Option<(usize, CloudTrailError)> = None;
    for output in outputs {
        let output = output.map_err(|_| CloudTrailError::Internal {
            message: "a thread summarizing log files stopped unexpectedly".to_owned(),
        })?;
        summarizer.merge(output.summarizer);
        for (i, sha) in output.hashes {
            if let Some(slot) = hashes.get_mut(i) {
                *slot = Some(sha);
            }
        }
        if let Some((i, e)) = output.error
            && first_error.as_ref().is_none_or(|(j, _)| i < *j)
        {
            first_error = Some((i, e));
        }
    }
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    for _ in 0..found.digest_files {
        summarizer.count_digest_file();
    }
    for _ in 0..found.other_files {
        summarizer.count_other_file();
    }

    for (input, &path) in paths.iter().enumerate() {
        let mut listing = Vec::new();
        for (file, sha) in files.iter().zip(&hashes).filter(|(f, _)| f.input == input) {
            let sha = sha.as_deref().ok_or_else(|| CloudTrailError::Internal {
                message: format!("`{}` was not read", file.path.display()),
            })?;
            listing.push((file.strict, file.relative.as_str(), sha));
        }
        listing.sort();
        let sha256 = match listing.as_slice() {
            [(true, _, sha)] => (*sha).to_owned(),
            _ => {
                let mut hasher = Sha256::new();
                for (_, rel, sha) in &listing {
                    hasher.update(format!("{rel}\t{sha}\n").as_bytes());
                }
                hex::encode(hasher.finalize())
            }
        };
        summarizer.add_input(SourceInput {
            kind: SOURCE_KIND.to_owned(),
            name: base_name(path),
            sha256,
        });
    }
    Ok(summarizer)
}
