//! The summarizer: CloudTrail records in, one count per distinct (account, identity, event,
//! region, source IP, user agent family, error code, day) out.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use foldhash::fast::FixedState;
use serde::Deserialize;

use super::classify::{UserAgentFamily, caller, event_time};
use super::record::{Record, text};
use super::split::{SplitError, for_each_record};

/// Files whose name contains this are CloudTrail digest files (integrity validation), not
/// logs; they are skipped.
pub const DIGEST_MARKER: &str = "CloudTrail-Digest";

/// Every manifest note about CloudTrail input starts with this.
pub const NOTE_PREFIX: &str = "CloudTrail:";

/// At most this many malformed files and records are described by name (all are counted).
pub const MAX_PROBLEMS: usize = 20;

/// One row of the `activity` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    /// The account the event was recorded in (`recipientAccountId`, else the caller's).
    pub account_id: String,
    /// Who called: an ARN (assumed-role sessions folded to their role), a service
    /// principal, `anonymous` or `unknown`.
    pub principal: String,
    /// `userIdentity.type`, normalized.
    pub principal_type: String,
    /// The caller's own account (`userIdentity.accountId`).
    pub principal_account: Option<String>,
    /// The role or user that issued the session's credentials.
    pub session_issuer_arn: Option<String>,
    /// The AWS service that called on the identity's behalf.
    pub invoked_by: Option<String>,
    /// `eventSource`, e.g. `iam.amazonaws.com`.
    pub event_source: String,
    /// `eventName`, e.g. `CreateUser`.
    pub event_name: String,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `sourceIPAddress` (an address, or a service name for calls made by AWS services).
    pub source_ip: Option<String>,
    /// The user agent's family; `None` when the record has no user agent.
    pub user_agent_family: Option<UserAgentFamily>,
    /// `errorCode`; `None` for a successful call.
    pub error_code: Option<String>,
    /// The UTC day of the events.
    pub day: NaiveDate,
    /// Number of events.
    pub event_count: u64,
    /// The earliest event time.
    pub first_seen: DateTime<Utc>,
    /// The latest event time.
    pub last_seen: DateTime<Utc>,
}

/// A malformed log file or record that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The log file, as named to the summarizer.
    pub file: String,
    /// 0-based position of the record in the file's `Records`; `None` for the whole file.
    pub record: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.record {
            Some(i) => write!(f, "`{}`, record {i}: {}", self.file, self.message),
            None => write!(f, "`{}`: {}", self.file, self.message),
        }
    }
}

/// What was read, skipped and counted. Nothing is skipped without being counted here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Log files whose records were summarized.
    pub files: u64,
    /// Bytes of JSON read from those files (after decompression).
    pub bytes: u64,
    /// Records summarized.
    pub records: u64,
    /// Records skipped as malformed (invalid JSON, a field of the wrong type, or no event
    /// time, source, name or account), in files that were otherwise read.
    pub malformed_records: u64,
    /// Files skipped as malformed (not gzip or JSON, not `{"Records": [...]}`, cut off).
    pub malformed_files: u64,
    /// Digest files skipped.
    pub digest_files: u64,
    /// Files in a folder that are neither `.json` nor `.json.gz`, ignored.
    pub other_files: u64,
    /// The first [`MAX_PROBLEMS`] malformed files and records, by file name and position.
    pub problems: Vec<Problem>,
}

impl Stats {
    fn add_problem(&mut self, problem: Problem) {
        self.problems.push(problem);
        // Keep the smallest by (file, record), so the list does not depend on the order
        // in which threads read files.
        if self.problems.len() >= 2 * MAX_PROBLEMS {
            self.trim_problems();
        }
    }

    fn trim_problems(&mut self) {
        self.problems.sort();
        self.problems.dedup();
        self.problems.truncate(MAX_PROBLEMS);
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.records += other.records;
        self.malformed_records += other.malformed_records;
        self.malformed_files += other.malformed_files;
        self.digest_files += other.digest_files;
        self.other_files += other.other_files;
        self.problems.extend(other.problems);
        self.trim_problems();
    }

    /// What a reader of the snapshot should know, one line each, starting `CloudTrail:`.
    pub fn notes(&self, rows: usize) -> Vec<String> {
        let mut notes = vec![format!(
            "{NOTE_PREFIX} {} events from {} log files ({} bytes of JSON) summarized into {rows} `activity` rows; skipped: {} malformed files, {} malformed records, {} digest files, {} other files",
            self.records,
            self.files,
            self.bytes,
            self.malformed_files,
            self.malformed_records,
            self.digest_files,
            self.other_files
        )];
        for p in &self.problems {
            let what = if p.record.is_some() { "record" } else { "file" };
            notes.push(format!("{NOTE_PREFIX} skipped malformed {what} {p}"));
        }
        let described = self.problems.len() as u64;
        let total = self.malformed_files + self.malformed_records;
        if total > described {
            notes.push(format!(
                "{NOTE_PREFIX} {} more malformed files or records skipped",
                total - described
            ));
        }
        notes
    }
}

/// How one log file went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileReport {
    /// Records summarized.
    pub records: u64,
    /// Records skipped as malformed.
    pub malformed_records: u64,
    /// Bytes of JSON read (after decompression).
    pub bytes: u64,
    /// The file is a digest file and was skipped.
    pub digest: bool,
}

/// Why a log file was skipped as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{file}`: {message}")]
pub struct MalformedFile {
    /// The file, as named to the summarizer.
    pub file: String,
    /// What is wrong with it.
    pub message: String,
}

/// Why a single event was not summarized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CloudTrail event: {0}")]
pub struct MalformedEvent(pub String);

/// Grouping key: interned strings (0 is null), the user agent family and the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    account: u32,
    principal: u32,
    principal_type: u32,
    principal_account: u32,
    session_issuer: u32,
    invoked_by: u32,
    event_source: u32,
    event_name: u32,
    region: u32,
    source_ip: u32,
    error_code: u32,
    /// `UserAgentFamily` index + 1; 0 when there is no user agent.
    family: u8,
    day: i32,
}

#[derive(Debug, Clone, Copy)]
struct Agg {
    count: u64,
    first: i64,
    last: i64,
}

impl Agg {
    fn add(&mut self, other: &Agg) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }
}

type Groups = HashMap<Key, Agg, FixedState>;

/// Strings seen, each stored once; id 0 stands for null.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<Box<str>, u32, FixedState>,
    strings: Vec<Box<str>>,
}

impl Interner {
    fn id(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.strings.push(s.into());
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, id: u32) -> Option<&str> {
        let i = usize::try_from(id).ok()?.checked_sub(1)?;
        self.strings.get(i).map(|s| &**s)
    }
}

/// User agents are classified once per distinct string; the cache is emptied when large.
const UA_CACHE_MAX: usize = 100_000;

/// Summarizes CloudTrail records into `activity` rows.
///
/// Feed it whole log files ([`Summarizer::add_log_bytes`], [`Summarizer::add_log_reader`]:
/// `.json` or `.json.gz`, told apart by content) or single events
/// ([`Summarizer::add_event`], [`Summarizer::add_event_json`], e.g. the `CloudTrailEvent`
/// of `LookupEvents`). Summarizers filled on different threads combine with
/// [`Summarizer::merge`]; [`Summarizer::finish`] gives the rows in a fixed order, so the
/// result does not depend on how the input was split.
#[derive(Debug, Default)]
pub struct Summarizer {
    strings: Interner,
    groups: Groups,
    /// The groups of the file being read, added to `groups` only if the file is whole.
    pending: Groups,
    ua_cache: HashMap<Box<str>, u8, FixedState>,
    stats: Stats,
    /// The sources read, as the manifest lists them.
    inputs: Vec<iamsnap_snapshot::SourceInput>,
    /// Words on the sources read, for the manifest (each starting `CloudTrail:`).
    source_notes: Vec<String>,
}

impl Summarizer {
    /// An empty summarizer.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was read and skipped so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Counts a file in a folder that is not a log file.
    pub fn count_other_file(&mut self) {
        self.stats.other_files += 1;
    }

    /// Counts a digest file that was skipped without being read.
    pub fn count_digest_file(&mut self) {
        self.stats.digest_files += 1;
    }

    /// Records a source that was read, for the manifest's `source.inputs`.
    pub fn add_input(&mut self, input: iamsnap_snapshot::SourceInput) {
        self.inputs.push(input);
    }

    /// Records a note on a source for the manifest; it should start with [`NOTE_PREFIX`].
    pub fn add_note(&mut self, note: String) {
        self.source_notes.push(note);
    }

    /// Summarizes one log file given as bytes (plain or gzip-compressed JSON). `name`
    /// identifies it in messages; a name containing `CloudTrail-Digest` is a digest file,
    /// skipped and counted. A malformed file is counted and none of its records are kept.
    pub fn add_log_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<FileReport, MalformedFile> {
        self.add_log_reader(name, bytes).map_err(|e| match e {
            LogError::Malformed(m) => m,
            // Reading from memory does not fail; a decompression error is a format error.
            LogError::Io(e) => self.malformed(name, format!("cannot decompress: {e}")),
        })
    }

    /// Like [`Summarizer::add_log_bytes`], from a reader. An error of the reader itself is
    /// returned as [`LogError::Io`] and not counted (the input was not what was read).
    pub fn add_log_reader<R: Read>(
        &mut self,
        name: &str,
        reader: R,
    ) -> Result<FileReport, LogError> {
        if name.contains(DIGEST_MARKER) {
            self.stats.digest_files += 1;
            return Ok(FileReport {
                digest: true,
                ..FileReport::default()
            });
        }
        let mut reader = std::io::BufReader::with_capacity(64 << 10, reader);
        let head = std::io::BufRead::fill_buf(&mut reader).map_err(LogError::Io)?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        let account = file_account(name);
        let result = if gzip {
            self.read_records(name, account, flate2::bufread::MultiGzDecoder::new(reader))
        } else {
            self.read_records(name, account, reader)
        };
        match result {
            Ok(report) => {
                for (key, agg) in self.pending.drain() {
                    self.groups
                        .entry(key)
                        .and_modify(|a| a.add(&agg))
                        .or_insert(agg);
                }
                self.stats.files += 1;
                self.stats.bytes += report.bytes;
                self.stats.records += report.records;
                self.stats.malformed_records += report.malformed_records;
                Ok(report)
            }
            Err(e) => {
                self.pending.clear();
                match e {
                    SplitError::Format(message) => {
                        Err(LogError::Malformed(self.malformed(name, message)))
                    }
                    // A gzip stream that does not decode is malformed content.
                    SplitError::Io(e)
                        if gzip
                            && matches!(
                                e.kind(),
                                std::io::ErrorKind::InvalidData
                                    | std::io::ErrorKind::InvalidInput
                                    | std::io::ErrorKind::UnexpectedEof
                            ) =>
                    {
                        Err(LogError::Malformed(
                            self.malformed(name, format!("not valid gzip: {e}")),
                        ))
                    }
                    SplitError::Io(e) => Err(LogError::Io(e)),
                }
            }
        }
    }

    fn malformed(&mut self, name: &str, message: String) -> MalformedFile {
        self.stats.malformed_files += 1;
        let problem = Problem {
            file: name.to_owned(),
            record: None,
            message: crate::excerpt::excerpt(&message).into_owned(),
        };
        self.stats.add_problem(problem.clone());
        MalformedFile {
            file: problem.file,
            message: problem.message,
        }
    }

    fn read_records<R: Read>(
        &mut self,
        name: &str,
        account: Option<&str>,
        reader: R,
    ) -> Result<FileReport, SplitError> {
        let mut report = FileReport::default();
        let mut problems = Vec::new();
        report.bytes = for_each_record(reader, |index, bytes| {
            let outcome = serde_json::from_slice::<Record<'_>>(bytes)
                .map_err(|_| record_error(bytes))
                .and_then(|r| self.add(&r, account, true));
            match outcome {
                Ok(()) => report.records += 1,
                Err(message) => {
                    report.malformed_records += 1;
                    if problems.len() < MAX_PROBLEMS {
                        problems.push(Problem {
                            file: name.to_owned(),
                            record: Some(index),
                            message: crate::excerpt::excerpt(&message).into_owned(),
                        });
                    }
                }
            }
        })?;
        for p in problems {
            self.stats.add_problem(p);
        }
        Ok(report)
    }

    /// Summarizes one event record given as a JSON value. A malformed record is counted.
    pub fn add_event(&mut self, event: &serde_json::Value) -> Result<(), MalformedEvent> {
        let outcome = Record::deserialize(event)
            .map_err(|_| value_error(event))
            .and_then(|r| self.add(&r, None, false));
        self.count_event(outcome)
    }

    /// Summarizes one event record given as JSON text (e.g. `LookupEvents`'
    /// `CloudTrailEvent`). A malformed record is counted.
    pub fn add_event_json(&mut self, json: &[u8]) -> Result<(), MalformedEvent> {
        let outcome = serde_json::from_slice::<Record<'_>>(json)
            .map_err(|_| record_error(json))
            .and_then(|r| self.add(&r, None, false));
        self.count_event(outcome)
    }

    /// Like [`Summarizer::add_event_json`], for the event at `position` of a named source
    /// (e.g. `LookupEvents us-east-1`): a malformed event is counted and named, as a
    /// malformed record of a log file is.
    pub fn add_event_json_at(
        &mut self,
        source: &str,
        position: u64,
        json: &[u8],
    ) -> Result<(), MalformedEvent> {
        let outcome = serde_json::from_slice::<Record<'_>>(json)
            .map_err(|_| record_error(json))
            .and_then(|r| self.add(&r, None, false));
        if let Err(message) = &outcome {
            self.stats.add_problem(Problem {
                file: source.to_owned(),
                record: Some(position),
                message: crate::excerpt::excerpt(message).into_owned(),
            });
        }
        self.count_event(outcome)
    }

    /// Counts and names an event of a source that has no record to summarize (e.g. a
    /// `LookupEvents` result without its `CloudTrailEvent`).
    pub fn skip_event(&mut self, source: &str, position: u64, message: &str) {
        self.stats.add_problem(Problem {
            file: source.to_owned(),
            record: Some(position),
            message: crate::excerpt::excerpt(message).into_owned(),
        });
        self.stats.malformed_records += 1;
    }

    fn count_event(&mut self, outcome: Result<(), String>) -> Result<(), MalformedEvent> {
        match outcome {
            Ok(()) => {
                self.stats.records += 1;
                Ok(())
            }
            Err(message) => {
                self.stats.malformed_records += 1;
                Err(MalformedEvent(message))
            }
        }
    }

    /// Adds one record to the pending groups (of the file being read) or to the groups.
    fn add(
        &mut self,
        r: &Record<'_>,
        file_account: Option<&str>,
        pending: bool,
    ) -> Result<(), String> {
        let time = text(&r.event_time).ok_or("no `eventTime`")?;
        let (micros, day) =
            event_time(time).ok_or_else(|| format!("`eventTime` `{time}` is not a date"))?;
        let event_source = text(&r.event_source).ok_or("no `eventSource`")?;
        let event_name = text(&r.event_name).ok_or("no `eventName`")?;
        let who = caller(r.user_identity.as_ref());
        let account = text(&r.recipient_account_id)
            .or(who.principal_account.filter(|a| is_account_id(a)))
            .or(file_account)
            .ok_or("no `recipientAccountId` nor account of the caller")?;
        let family = match text(&r.user_agent) {
            None => 0,
            Some(ua) => match self.ua_cache.get(ua) {
                Some(&f) => f,
                None => {
                    let class = UserAgentFamily::classify(ua);
                    let f = UserAgentFamily::ALL
                        .iter()
                        .position(|x| *x == class)
                        .and_then(|i| u8::try_from(i + 1).ok())
                        .unwrap_or(0);
                    if self.ua_cache.len() >= UA_CACHE_MAX {
                        self.ua_cache.clear();
                    }
                    self.ua_cache.insert(ua.into(), f);
                    f
                }
            },
        };
        let s = &mut self.strings;
        let key = Key {
            account: s.id(Some(account)),
            principal: s.id(Some(&who.principal)),
            principal_type: s.id(Some(who.principal_type)),
            principal_account: s.id(who.principal_account),
            session_issuer: s.id(who.session_issuer_arn),
            invoked_by: s.id(who.invoked_by),
            event_source: s.id(Some(event_source)),
            event_name: s.id(Some(event_name)),
            region: s.id(text(&r.aws_region)),
            source_ip: s.id(text(&r.source_ip)),
            error_code: s.id(text(&r.error_code)),
            family,
            day,
        };
        let agg = Agg {
            count: 1,
            first: micros,
            last: micros,
        };
        let groups = if pending {
            &mut self.pending
        } else {
            &mut self.groups
        };
        groups.entry(key).and_modify(|a| a.add(&agg)).or_insert(agg);
        Ok(())
    }

    /// Adds everything `other` summarized and counted.
    pub fn merge(&mut self, other: Summarizer) {
        let ids: Vec<u32> = other
            .strings
            .strings
            .iter()
            .map(|s| self.strings.id(Some(s)))
            .collect();
        let map = |id: u32| -> u32 {
            usize::try_from(id)
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| ids.get(i).copied())
                .unwrap_or(0)
        };
        self.groups.reserve(other.groups.len());
        for (k, agg) in other.groups {
            let key = Key {
                account: map(k.account),
                principal: map(k.principal),
                principal_type: map(k.principal_type),
                principal_account: map(k.principal_account),
                session_issuer: map(k.session_issuer),
                invoked_by: map(k.invoked_by),
                event_source: map(k.event_source),
                event_name: map(k.event_name),
                region: map(k.region),
                source_ip: map(k.source_ip),
                error_code: map(k.error_code),
                family: k.family,
                day: k.day,
            };
            self.groups
                .entry(key)
                .and_modify(|a| a.add(&agg))
                .or_insert(agg);
        }
        self.stats.merge(other.stats);
        self.inputs.extend(other.inputs);
        self.source_notes.extend(other.source_notes);
    }

    /// The rows, ordered by account, day, principal, event source, event name and the other
    /// columns, and the counts of what was read and skipped.
    pub fn finish(self) -> Summary {
        let s = &self.strings;
        // Order by the strings' ranks rather than the strings: the same order (null first),
        // integer comparisons.
        let mut by_text: Vec<u32> =
            (1..=u32::try_from(s.strings.len()).unwrap_or(u32::MAX)).collect();
        by_text.sort_unstable_by(|a, b| s.get(*a).cmp(&s.get(*b)));
        let mut rank = vec![0u32; s.strings.len() + 1];
        for (r, id) in (1u32..).zip(&by_text) {
            if let Some(slot) = usize::try_from(*id).ok().and_then(|i| rank.get_mut(i)) {
                *slot = r;
            }
        }
        let rank_of = |id: u32| -> u32 {
            usize::try_from(id)
                .ok()
                .and_then(|i| rank.get(i).copied())
                .unwrap_or(0)
        };
        let family = |f: u8| {
            usize::from(f)
                .checked_sub(1)
                .and_then(|i| UserAgentFamily::ALL.get(i).copied())
        };
        let mut order: Vec<([u32; 13], &Key, &Agg)> = self
            .groups
            .iter()
            .map(|(k, agg)| {
                let sort_key = [
                    rank_of(k.account),
                    // Days since the epoch, shifted to keep their order as unsigned.
                    (k.day as u32) ^ 0x8000_0000,
                    rank_of(k.principal),
                    rank_of(k.event_source),
                    rank_of(k.event_name),
                    rank_of(k.region),
                    rank_of(k.source_ip),
                    family_rank(family(k.family)),
                    rank_of(k.error_code),
                    rank_of(k.principal_type),
                    rank_of(k.principal_account),
                    rank_of(k.session_issuer),
                    rank_of(k.invoked_by),
                ];
                (sort_key, k, agg)
            })
            .collect();
        order.sort_unstable_by_key(|(sort_key, _, _)| *sort_key);
        let text = |id: u32| s.get(id).map(str::to_owned);
        let rows: Vec<ActivityRow> = order
            .into_iter()
            .filter_map(|(_, k, agg)| {
                Some(ActivityRow {
                    account_id: text(k.account)?,
                    principal: text(k.principal)?,
                    principal_type: text(k.principal_type)?,
                    principal_account: text(k.principal_account),
                    session_issuer_arn: text(k.session_issuer),
                    invoked_by: text(k.invoked_by),
                    event_source: text(k.event_source)?,
                    event_name: text(k.event_name)?,
                    region: text(k.region),
                    source_ip: text(k.source_ip),
                    user_agent_family: family(k.family),
                    error_code: text(k.error_code),
                    day: DateTime::from_timestamp(i64::from(k.day) * 86_400, 0)?.date_naive(),
                    event_count: agg.count,
                    first_seen: DateTime::from_timestamp_micros(agg.first)?,
                    last_seen: DateTime::from_timestamp_micros(agg.last)?,
                })
            })
            .collect();
        let mut stats = self.stats;
        stats.trim_problems();
        Summary {
            rows,
            stats,
            inputs: self.inputs,
            source_notes: self.source_notes,
        }
    }
}

/// The position of a family's name among the names (null first), so rows order by name.
fn family_rank(family: Option<UserAgentFamily>) -> u32 {
    let Some(family) = family else { return 0 };
    let name = family.as_str();
    let below = UserAgentFamily::ALL
        .iter()
        .filter(|f| f.as_str() < name)
        .count();
    u32::try_from(below + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
type RowOrder<'r> = (
    (
        &'r str,
        NaiveDate,
        &'r str,
        &'r str,
        &'r str,
        Option<&'r str>,
    ),
    (
        Option<&'r str>,
        Option<&'static str>,
        Option<&'r str>,
        &'r str,
        Option<&'r str>,
        Option<&'r str>,
        Option<&'r str>,
    ),
);

/// The order of rows: account, day, principal, event source and name, region, then the
/// other columns.
#[cfg(test)]
pub(crate) fn row_order(r: &ActivityRow) -> RowOrder<'_> {
    (
        (
            &r.account_id,
            r.day,
            &r.principal,
            &r.event_source,
            &r.event_name,
            r.region.as_deref(),
        ),
        (
            r.source_ip.as_deref(),
            r.user_agent_family.map(UserAgentFamily::as_str),
            r.error_code.as_deref(),
            &r.principal_type,
            r.principal_account.as_deref(),
            r.session_issuer_arn.as_deref(),
            r.invoked_by.as_deref(),
        ),
    )
}

/// Why a log file could not be summarized.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Its content is not a CloudTrail log file; counted in [`Stats::malformed_files`].
    #[error(transparent)]
    Malformed(MalformedFile),
    /// Reading it failed.
    #[error("{0}")]
    Io(std::io::Error),
}

/// The result of summarizing: the `activity` rows and what was read and skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The rows, in table order.
    pub rows: Vec<ActivityRow>,
    /// Counts of what was read and skipped.
    pub stats: Stats,
    /// The inputs, as the manifest lists them.
    pub inputs: Vec<iamsnap_snapshot::SourceInput>,
    /// Words on the sources read (an S3 location's date window, `LookupEvents`' time range
    /// and pages), each starting `CloudTrail:`.
    pub source_notes: Vec<String>,
}

impl Summary {
    /// Every account the rows belong to, sorted.
    pub fn account_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.rows.iter().map(|r| r.account_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The manifest notes: counts, the sources read, and the malformed files and records
    /// by name.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.stats.notes(self.rows.len());
        // After the counts, before the list of malformed input.
        let at = notes.len().min(1);
        notes.splice(at..at, self.source_notes.iter().cloned());
        notes
    }
}

/// Why a record does not deserialize, naming the field when it is a field of the wrong
/// type. Only called for malformed records: the fast path does not track the path.
fn record_error(bytes: &[u8]) -> String {
    if bytes.first() != Some(&b'{') {
        return "not a JSON object".to_owned();
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Record<'_>>(&mut de) {
        Ok(_) => match de.end() {
            Ok(()) => "malformed record".to_owned(),
            Err(e) => e.to_string(),
        },
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                inner.to_string()
            } else {
                // The position within the record adds nothing to the field's name.
                let text = inner.to_string();
                text.split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            };
            if path == "." || path.is_empty() {
                message
            } else {
                format!("`{path}`: {message}")
            }
        }
    }
}

fn value_error(value: &serde_json::Value) -> String {
    if !value.is_object() {
        return "not a JSON object".to_owned();
    }
    match serde_path_to_error::deserialize::<_, Record<'_>>(value) {
        Ok(_) => "malformed record".to_owned(),
        Err(e) => {
            let path = e.path().to_string();
            if path == "." || path.is_empty() {
                e.into_inner().to_string()
            } else {
                format!("`{path}`: {}", e.into_inner())
            }
        }
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The account of a log file from its name: CloudTrail names files
/// `<account>_CloudTrail_<region>_<time>_<id>.json.gz` under `AWSLogs/<account>/`.
fn file_account(name: &str) -> Option<&str> {
    let file = name.rsplit(['/', '\\']).next()?;
    let candidate = file.split('_').next()?;
    if is_account_id(candidate) {
        return Some(candidate);
    }
    let mut parts = name.split(['/', '\\']);
    parts.find(|p| *p == "AWSLogs")?;
    parts.find(|p| is_account_id(p))
}
