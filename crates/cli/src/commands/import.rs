//! `iamsnap import`: files a user already has into a snapshot.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use iamsnap_export::cloudtrail::{self, CloudTrailError, Summary};
use iamsnap_export::{ImportRequest, add_activity, import};
use iamsnap_snapshot::{Snapshot, SnapshotError};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::progress::Bars;

/// Import `get-account-authorization-details` output, a credential report and CloudTrail
/// logs into a snapshot.
///
/// Policy documents may be decoded (as the AWS CLI prints them) or URL-encoded (as the IAM
/// API returns them). Several pages of one capture, given as several files, are merged.
/// CloudTrail logs are summarized into the `activity` table; `--into` adds them to an
/// existing snapshot.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output of `aws iam get-account-authorization-details`; repeat for each page.
    #[arg(
        long = "auth-details",
        value_name = "FILE",
        required_unless_present = "into",
        conflicts_with = "into"
    )]
    auth_details: Vec<PathBuf>,

    /// The IAM credential report CSV (fills `credential_report` and `access_keys`).
    #[arg(long, value_name = "FILE", conflicts_with = "into")]
    credential_report: Option<PathBuf>,

    /// Service last accessed data (fills `service_last_accessed`): a JSON object of `aws iam
    /// get-service-last-accessed-details` outputs keyed by user or role ARN.
    #[arg(long, value_name = "FILE", conflicts_with = "into")]
    service_last_accessed: Option<PathBuf>,

    /// CloudTrail log files (`.json`, `.json.gz`) or folders of them, searched recursively
    /// (e.g. a download of the trail's `AWSLogs/`); summarized into `activity`. Repeatable.
    #[arg(long = "cloudtrail-logs", value_name = "DIR_OR_FILE")]
    cloudtrail_logs: Vec<PathBuf>,

    /// The snapshot folder to create.
    #[arg(
        short,
        long,
        value_name = "DIR",
        required_unless_present = "into",
        conflicts_with = "into"
    )]
    output: Option<PathBuf>,

    /// Add the `--cloudtrail-logs` to this existing snapshot instead (its `activity` table is
    /// replaced; the snapshot is rewritten whole and swapped in only when complete).
    #[arg(long, value_name = "DIR", requires = "cloudtrail_logs")]
    into: Option<PathBuf>,

    /// Replace the output folder if it is an existing snapshot.
    #[arg(long, conflicts_with = "into")]
    force: bool,

    /// Import even when the last page says more pages follow.
    #[arg(long, conflicts_with = "into")]
    allow_truncated: bool,

    /// When the input was captured (RFC 3339, e.g. 2026-11-22T00:00:00Z); default now.
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "into")]
    captured_at: Option<DateTime<Utc>>,

    /// Threads reading CloudTrail logs; default one per core.
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    threads: usize,
}

pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Some(t) = iamsnap_export::date::parse_date(text) {
        return Ok(t);
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            format!("`{text}` is not a date: use e.g. 2026-11-22 or 2026-11-22T08:00:00Z")
        })
}

fn cloudtrail_error(e: CloudTrailError) -> CliError {
    let help = match &e {
        CloudTrailError::Malformed { .. } => Some(
            "give CloudTrail log files as CloudTrail writes them (`{\"Records\": [...]}`, `.json` or `.json.gz`), or a folder of them: in a folder, malformed files are skipped and counted",
        ),
        CloudTrailError::NoLogFiles { .. } => Some(
            "give the folder CloudTrail delivers to (e.g. the `AWSLogs` folder of a copy of the trail's S3 bucket), or log files",
        ),
        CloudTrailError::Io { .. } | CloudTrailError::Internal { .. } => None,
    };
    match help {
        Some(help) => CliError::with_help(e.to_string(), help),
        None => CliError::new(e.to_string()),
    }
}

fn summarize(args: &Args) -> Result<Option<Summary>, CliError> {
    if args.cloudtrail_logs.is_empty() {
        return Ok(None);
    }
    let paths: Vec<&Path> = args.cloudtrail_logs.iter().map(PathBuf::as_path).collect();
    cloudtrail::summarize_paths(&paths, args.threads, &Bars)
        .map(Some)
        .map_err(cloudtrail_error)
}

fn activity_line(summary: &Summary) -> String {
    let s = &summary.stats;
    let mut line = format!(
        "summarized {} CloudTrail events from {} log files into {} activity rows",
        s.records,
        s.files,
        summary.rows.len()
    );
    let skipped: Vec<String> = [
        (s.malformed_files, "malformed files"),
        (s.malformed_records, "malformed records"),
        (s.digest_files, "digest files"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !skipped.is_empty() {
        line.push_str(&format!(" (skipped {})", skipped.join(", ")));
    }
    line.push('\n');
    line
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    if let Some(into) = &args.into {
        return run_into(args, into);
    }
    let output = args.output.as_deref().ok_or_else(|| {
        CliError::with_help(
            "no output folder",
            "give -o DIR, or --into DIR to add to a snapshot",
        )
    })?;
    // Refuse an existing output before reading any log (the import checks again).
    if !args.force && std::fs::symlink_metadata(output).is_ok() {
        return Err(SnapshotError::Exists {
            path: output.to_path_buf(),
        }
        .into());
    }
    let summary = summarize(args)?;
    let pages: Vec<&Path> = args.auth_details.iter().map(PathBuf::as_path).collect();
    let request = ImportRequest {
        auth_details: &pages,
        credential_report: args.credential_report.as_deref(),
        output,
        force: args.force,
        allow_truncated: args.allow_truncated,
        captured_at: args.captured_at.unwrap_or_else(Utc::now),
        service_last_accessed: args.service_last_accessed.as_deref(),
        activity: summary.as_ref(),
    };
    let manifest = import(&request, &Bars)?;
    let rows = |name: &str| {
        manifest
            .tables
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.rows)
    };
    let mut text = format!(
        "imported account {} into {}: {} users, {} roles, {} groups, {} policies, {} statements, {} trust principals, {} access keys\n",
        manifest.account_ids.join(", "),
        output.display(),
        rows("users"),
        rows("roles"),
        rows("groups"),
        rows("policies"),
        rows("statements"),
        rows("trust"),
        rows("access_keys"),
    );
    if let Some(summary) = &summary {
        text.push_str(&activity_line(summary));
    }
    for note in &manifest.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    print(&text)?;
    Ok(Exit::Clean)
}

/// `--into`: the logs' summary replaces the `activity` table of an existing snapshot.
fn run_into(args: &Args, into: &Path) -> Result<Exit, CliError> {
    let snapshot = Snapshot::open(into)?;
    let Some(summary) = summarize(args)? else {
        return Err(CliError::new("--into needs --cloudtrail-logs"));
    };
    let manifest = add_activity(&snapshot, &summary)?;
    let mut text = format!("updated {}: ", into.display());
    text.push_str(&activity_line(&summary));
    for note in manifest
        .notes
        .iter()
        .filter(|n| n.starts_with(cloudtrail::NOTE_PREFIX))
    {
        text.push_str(&format!("note: {note}\n"));
    }
    print(&text)?;
    Ok(Exit::Clean)
}
