//! Import of files users already have into a snapshot.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use iamsnap_cloudtrail::{self as cloudtrail, Progress, Summary};
use iamsnap_snapshot::{Manifest, ManifestInfo, Snapshot, SnapshotWriter, Source, SourceInput};
use sha2::{Digest, Sha256};

use crate::auth_details::AuthDetails;
use crate::credential_report::CredentialReport;
use crate::error::ImportError;
use crate::tables::{Page, arn_account, build_tables_with};

/// What to import and how.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// `get-account-authorization-details` outputs, one file per page.
    pub auth_details: &'a [&'a Path],
    /// Credential report CSVs (one per account).
    pub credential_reports: &'a [&'a Path],
    /// A capture folder of AWS CLI outputs (see [`crate::capture`]): an organization and the
    /// IAM data of its accounts.
    pub capture: Option<&'a Path>,
    /// The snapshot folder to create.
    pub output: &'a Path,
    /// Replace `output` if it is an existing snapshot.
    pub force: bool,
    /// Accept input whose last page says more pages follow.
    pub allow_truncated: bool,
    /// When the account state was captured.
    pub captured_at: DateTime<Utc>,
    /// Service last accessed data saved with the AWS CLI (see [`crate::last_accessed`]).
    pub service_last_accessed: Option<&'a Path>,
    /// Summarized CloudTrail logs for the `activity` table (see
    /// [`cloudtrail::summarize_paths`]); without them the table is empty.
    pub activity: Option<&'a Summary>,
    /// Import only this account of inputs that hold several; `None` imports them all.
    pub account: Option<&'a str>,
}

/// Hashes what passes through, so each input is read once.
struct HashingReader<'r> {
    inner: Box<dyn Read + 'r>,
    hasher: Sha256,
}

impl Read for HashingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// How an input is named in the manifest: its path inside the capture folder, or its file
/// name (never a local folder).
fn input_name(capture: Option<&Path>, path: &Path) -> String {
    capture
        .and_then(|dir| path.strip_prefix(dir).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| display_name(path))
}

fn open(path: &Path) -> Result<(File, u64), ImportError> {
    let io = |source| ImportError::Io {
        file: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    Ok((file, len))
}

/// Reads one input through the progress display, returning what `parse` made of it and the
/// sha256 of the bytes read.
fn read_input<T>(
    path: &Path,
    progress: &dyn Progress,
    parse: impl FnOnce(&mut dyn Read, &str) -> Result<T, ImportError>,
) -> Result<(T, String), ImportError> {
    let (file, len) = open(path)?;
    let shown = path.display().to_string();
    let mut reader = HashingReader {
        inner: progress.wrap(&shown, len, Box::new(file)),
        hasher: Sha256::new(),
    };
    let value = parse(&mut reader, &shown)?;
    // Hash whatever the parser did not need to read (trailing whitespace).
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|source| ImportError::Io {
        file: shown,
        source,
    })?;
    Ok((value, hex::encode(reader.hasher.finalize())))
}

/// Every account the inputs name (in ARNs, credential report rows, service last accessed
/// data and CloudTrail records).
fn input_accounts<'p>(
    pages: &'p [Page],
    reports: &'p [(String, CredentialReport)],
    extras: &'p crate::model::Extras,
    activity: Option<&'p Summary>,
) -> BTreeSet<&'p str> {
    let mut found: BTreeSet<&str> = pages.iter().flat_map(|p| p.details.accounts()).collect();
    found.extend(
        reports
            .iter()
            .flat_map(|(_, r)| r.rows.iter().filter_map(|row| arn_account(&row.arn))),
    );
    found.extend(
        extras
            .service_last_accessed
            .iter()
            .map(|s| s.account_id.as_str()),
    );
    found.extend(
        activity
            .iter()
            .flat_map(|s| s.rows.iter().map(|r| r.account_id.as_str())),
    );
    found
}

/// Imports the files of `request` into a new snapshot. Nothing is left on disk on error.
pub fn import(
    request: &ImportRequest<'_>,
    progress: &dyn Progress,
) -> Result<Manifest, ImportError> {
    // Refuse an existing output before reading anything.
    let mut writer = SnapshotWriter::create(request.output, request.force)?;
    let mut inputs = Vec::new();
    let captured = match request.capture {
        Some(dir) => Some(crate::capture::Capture::read(dir)?),
        None => None,
    };
    let auth_details: Vec<&Path> = request
        .auth_details
        .iter()
        .copied()
        .chain(
            captured
                .iter()
                .flat_map(|c| c.auth_details.iter().map(|p| p.as_path())),
        )
        .collect();
    let report_files: Vec<&Path> = request
        .credential_reports
        .iter()
        .copied()
        .chain(
            captured
                .iter()
                .flat_map(|c| c.credential_reports.iter().map(|p| p.as_path())),
        )
        .collect();
    let mut pages = Vec::with_capacity(auth_details.len());
    for path in auth_details {
        let (details, sha256) = read_input(path, progress, |r, f| AuthDetails::read(r, f))?;
        inputs.push(SourceInput {
            kind: "auth_details".to_owned(),
            name: input_name(request.capture, path),
            sha256,
        });
        pages.push(Page {
            file: path.display().to_string(),
            details,
            account: request
                .capture
                .and_then(|dir| crate::capture::account_of(dir, path)),
        });
    }
    let mut reports = Vec::with_capacity(report_files.len());
    for path in report_files {
        let (report, sha256) = read_input(path, progress, |r, f| CredentialReport::read(r, f))?;
        inputs.push(SourceInput {
            kind: "credential_report".to_owned(),
            name: input_name(request.capture, path),
            sha256,
        });
        reports.push((path.display().to_string(), report));
    }
    let mut extras = crate::model::Extras::default();
    if let Some(path) = request.service_last_accessed {
        let (text, sha256) = read_input(path, progress, |r, f| {
            let mut text = String::new();
            std::io::Read::read_to_string(r, &mut text).map_err(|e| ImportError::Io {
                file: f.to_owned(),
                source: e,
            })?;
            Ok(text)
        })?;
        extras.service_last_accessed = crate::last_accessed::parse(&text, &display_name(path))?;
        inputs.push(SourceInput {
            kind: "service_last_accessed".to_owned(),
            name: display_name(path),
            sha256,
        });
    }
    let mut account_note = None;
    let mut missing = Vec::new();
    let mut resources = None;
    if let Some(c) = captured {
        inputs.extend(c.organization_files.iter().map(|f| SourceInput {
            kind: "organization".to_owned(),
            name: f.name.clone(),
            sha256: f.sha256.clone(),
        }));
        inputs.extend(c.resource_files.iter().map(|f| SourceInput {
            kind: "resources".to_owned(),
            name: f.name.clone(),
            sha256: f.sha256.clone(),
        }));
        missing.extend(c.missing);
        extras.organization = c.organization;
        resources = Some(c.resources);
    }
    let mut activity = request.activity.map(Cow::Borrowed);
    if let Some(wanted) = request.account {
        let found = input_accounts(&pages, &reports, &extras, activity.as_deref());
        if !found.contains(wanted) {
            return Err(ImportError::AccountNotFound {
                wanted: wanted.to_owned(),
                found: found.into_iter().map(str::to_owned).collect(),
            });
        }
        let others: Vec<&str> = found.iter().copied().filter(|a| *a != wanted).collect();
        if !others.is_empty() {
            account_note = Some(format!(
                "only account {wanted} was imported (--account); the input also holds {}",
                others.join(", ")
            ));
        }
        for page in &mut pages {
            page.details.retain_account(wanted);
        }
        for (_, r) in &mut reports {
            r.rows
                .retain(|row| arn_account(&row.arn).is_none_or(|a| a == wanted));
        }
        missing.retain(|m| m.account.as_deref().is_none_or(|a| a == wanted));
        extras
            .service_last_accessed
            .retain(|s| s.account_id == wanted);
        if let Some(summary) = &mut activity {
            summary.to_mut().rows.retain(|r| r.account_id == wanted);
        }
        if let Some(r) = &mut resources {
            r.policies.retain(|p| p.account_id == wanted);
            r.settings.retain(|s| s.account_id == wanted);
            r.grants.retain(|g| g.account_id == wanted);
        }
    }
    let reports: Vec<(&str, &CredentialReport)> =
        reports.iter().map(|(f, r)| (f.as_str(), r)).collect();
    let imported = build_tables_with(&pages, &reports, request.allow_truncated, &extras)?;
    drop(pages);
    for (table, batch) in &imported.tables {
        writer.write_table(table, std::slice::from_ref(batch))?;
    }
    let mut account_ids = imported.account_ids;
    let mut notes = imported.notes;
    notes.extend(account_note);
    let rows = match activity.as_deref() {
        Some(summary) => {
            inputs.extend(summary.inputs.iter().cloned());
            account_ids.extend(summary.account_ids());
            notes.extend(summary.notes());
            summary.rows.as_slice()
        }
        None => &[],
    };
    let (table, batch) = cloudtrail::activity_table(rows)?;
    writer.write_table(table, std::slice::from_ref(&batch))?;
    writer.record_missing(missing);
    // The resource tables of a capture.
    let resource_tables = match resources {
        Some(r) => r.tables()?,
        None => Vec::new(),
    };
    for (table, batch) in &resource_tables {
        writer.write_table(table, std::slice::from_ref(batch))?;
    }
    // Tables no file of an import fills (the resource tables, without a capture) are
    // written empty: every snapshot has every table.
    for table in iamsnap_snapshot::TABLES {
        let written = imported.tables.iter().any(|(t, _)| t.name == table.name)
            || resource_tables.iter().any(|(t, _)| t.name == table.name)
            || table.name == cloudtrail::TABLE;
        if !written {
            let empty = iamsnap_snapshot::TableBuilder::new(table).finish()?;
            writer.write_table(table, std::slice::from_ref(&empty))?;
        }
    }
    Ok(writer.finish(ManifestInfo {
        captured_at: request.captured_at,
        source: Source {
            kind: "import".to_owned(),
            inputs,
        },
        account_ids,
        catalog_date: iamsnap_catalog::Catalog::embedded()
            .ok()
            .map(|c| c.data_date().to_owned()),
        notes,
    })?)
}

/// Replaces the `activity` table of an existing snapshot with `summary`, as a new snapshot
/// written beside it and renamed over it only when complete: on error the old snapshot is
/// left as it was. The other tables are carried over as they are; the manifest keeps the
/// snapshot's capture time and sources, with the CloudTrail inputs and notes of `summary`
/// in place of any earlier ones.
///
/// The snapshot keeps its format version: one of an older format is rewritten without the
/// tables added since (this iamsnap's action catalog need not be the one it was written
/// with, so it is not recorded as its `catalog_actions`).
pub fn add_activity(snapshot: &Snapshot, summary: &Summary) -> Result<Manifest, ImportError> {
    let old = snapshot.manifest();
    let mut writer = SnapshotWriter::create(snapshot.path(), true)?;
    writer.set_format_version(old.format_version)?;
    for table in iamsnap_snapshot::TABLES
        .iter()
        .filter(|t| t.in_format(old.format_version))
    {
        if table.name == cloudtrail::TABLE {
            let (table, batch) = cloudtrail::activity_table(&summary.rows)?;
            writer.write_table(table, std::slice::from_ref(&batch))?;
        } else {
            let batch = snapshot.read_table(table.name)?;
            writer.write_table(table, std::slice::from_ref(&batch))?;
        }
    }
    writer.record_missing(old.missing.iter().cloned());
    let mut inputs: Vec<SourceInput> = old
        .source
        .inputs
        .iter()
        .filter(|i| !cloudtrail::is_source_kind(&i.kind))
        .cloned()
        .collect();
    inputs.extend(summary.inputs.iter().cloned());
    let mut notes: Vec<String> = old
        .notes
        .iter()
        .filter(|n| !n.starts_with(cloudtrail::NOTE_PREFIX))
        .cloned()
        .collect();
    notes.extend(summary.notes());
    let mut account_ids = old.account_ids.clone();
    account_ids.extend(summary.account_ids());
    Ok(writer.finish(ManifestInfo {
        captured_at: old.captured_at,
        source: Source {
            kind: old.source.kind.clone(),
            inputs,
        },
        account_ids,
        catalog_date: old.catalog_date.clone(),
        notes,
    })?)
}
