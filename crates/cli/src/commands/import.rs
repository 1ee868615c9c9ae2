//! `iamsnap import`: files a user already has into a snapshot.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use iamsnap_cloudtrail::{self as cloudtrail, CloudTrailError, S3Location, Summarizer, Summary};
use iamsnap_export::{CloudTrailRequest, Connection, read_cloudtrail};
use iamsnap_import::{ImportRequest, add_activity, import};
use iamsnap_snapshot::{Snapshot, SnapshotError, SnapshotWriter};

use super::export::{self as export_cmd, parse_days, parse_s3_location};
use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::progress::Bars;

/// Import `get-account-authorization-details` output, a credential report and CloudTrail
/// logs into a snapshot.
///
/// Policy documents may be decoded (as the AWS CLI prints them) or URL-encoded (as the IAM
/// API returns them). Several pages of one capture, given as several files, are merged.
/// CloudTrail logs (files, or objects in S3) are summarized into the `activity` table;
/// `--into` adds them to an existing snapshot.
#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("cloudtrail_sources")
        .args(["cloudtrail_logs", "cloudtrail_s3"])
        .multiple(true)
))]
pub struct Args {
    /// Output of `aws iam get-account-authorization-details`; repeat for each page (or
    /// each account).
    #[arg(
        long = "auth-details",
        value_name = "FILE",
        required_unless_present_any = ["into", "aws_cli"],
        conflicts_with = "into"
    )]
    auth_details: Vec<PathBuf>,

    /// A folder of AWS CLI outputs as `scripts/capture-org` writes it: an organization
    /// (accounts, OUs, SCPs, RCPs and their targets) and each account's authorization
    /// details and credential report (docs/organizations.md).
    #[arg(long = "aws-cli", value_name = "DIR", conflicts_with = "into")]
    aws_cli: Option<PathBuf>,

    /// The IAM credential report CSV (fills `credential_report` and `access_keys`); repeat
    /// for each account.
    #[arg(long, value_name = "FILE", conflicts_with = "into")]
    credential_report: Vec<PathBuf>,

    /// Service last accessed data (fills `service_last_accessed`): a JSON object of `aws iam
    /// get-service-last-accessed-details` outputs keyed by user or role ARN.
    #[arg(long, value_name = "FILE", conflicts_with = "into")]
    service_last_accessed: Option<PathBuf>,

    /// CloudTrail log files (`.json`, `.json.gz`) or folders of them, searched recursively
    /// (e.g. a download of the trail's `AWSLogs/`); summarized into `activity`. Repeatable.
    #[arg(long = "cloudtrail-logs", value_name = "DIR_OR_FILE")]
    cloudtrail_logs: Vec<PathBuf>,

    /// CloudTrail log objects in S3: s3://BUCKET/PREFIX/, e.g. the trail's
    /// s3://my-trail-bucket/AWSLogs/ (read with AWS credentials found as the AWS CLI finds
    /// them); summarized into `activity` with any --cloudtrail-logs. Repeatable.
    #[arg(long = "cloudtrail-s3", value_name = "S3_URL", value_parser = parse_s3_location)]
    cloudtrail_s3: Vec<S3Location>,

    /// Only the S3 objects of the last N days, by the date in their key.
    #[arg(long, value_name = "N", value_parser = parse_days, requires = "cloudtrail_s3")]
    cloudtrail_days: Option<u32>,

    /// With --cloudtrail-s3: a named profile of the AWS config files.
    #[arg(long, value_name = "NAME", requires = "cloudtrail_s3")]
    profile: Option<String>,

    /// With --cloudtrail-s3: the region to sign requests for (the bucket's is found).
    #[arg(long, value_name = "REGION", requires = "cloudtrail_s3")]
    region: Option<String>,

    /// With --cloudtrail-s3: send the requests to this endpoint (e.g. a local emulator).
    #[arg(long, value_name = "URL", requires = "cloudtrail_s3")]
    endpoint_url: Option<String>,

    /// With --cloudtrail-s3: objects read at once at most.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,

    /// With --cloudtrail-s3: attempts per request on throttling and server errors.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50))]
    max_attempts: u32,

    /// The snapshot folder to create.
    #[arg(
        short,
        long,
        value_name = "DIR",
        required_unless_present = "into",
        conflicts_with = "into"
    )]
    output: Option<PathBuf>,

    /// Add the `--cloudtrail-logs` or `--cloudtrail-s3` to this existing snapshot instead (its
    /// `activity` table is replaced; the snapshot is rewritten whole and swapped in only
    /// when complete).
    #[arg(long, value_name = "DIR", requires = "cloudtrail_sources")]
    into: Option<PathBuf>,

    /// Replace the output folder if it is an existing snapshot.
    #[arg(long, conflicts_with = "into")]
    force: bool,

    /// Import even when the last page says more pages follow.
    #[arg(long, conflicts_with = "into")]
    allow_truncated: bool,

    /// Import only this account (12 digits) of input that holds several, e.g. a capture
    /// merged from several accounts; by default every account found is imported.
    #[arg(long, value_name = "ID", value_parser = parse_account_id, conflicts_with = "into")]
    account: Option<String>,

    /// When the input was captured (RFC 3339, e.g. 2026-11-22T00:00:00Z); default now.
    #[arg(long, value_name = "TIME", value_parser = parse_time, conflicts_with = "into")]
    captured_at: Option<DateTime<Utc>>,

    /// Threads reading CloudTrail logs; default one per core.
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    threads: usize,
}

fn parse_account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an AWS account id: give its 12 digits"
        ))
    }
}

pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Some(t) = iamsnap_import::date::parse_date(text) {
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
            "a CloudTrail log file holds `{\"Records\": [...]}` as CloudTrail writes it (`.json` or `.json.gz`), and this one does not; given a folder instead, iamsnap skips and counts the malformed files",
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
    if args.cloudtrail_logs.is_empty() && args.cloudtrail_s3.is_empty() {
        return Ok(None);
    }
    let mut summarizer = if args.cloudtrail_logs.is_empty() {
        Summarizer::new()
    } else {
        let paths: Vec<&Path> = args.cloudtrail_logs.iter().map(PathBuf::as_path).collect();
        cloudtrail::read_paths(&paths, args.threads, &Bars).map_err(cloudtrail_error)?
    };
    if !args.cloudtrail_s3.is_empty() {
        summarizer.merge(read_s3(args)?);
    }
    Ok(Some(summarizer.finish()))
}

/// The `--cloudtrail-s3` objects, all of them: what cannot be read is an error here (an
/// import has no missing parts).
fn read_s3(args: &Args) -> Result<Summarizer, CliError> {
    let request = CloudTrailRequest {
        s3: args.cloudtrail_s3.clone(),
        s3_days: args.cloudtrail_days,
        lookup: None,
    };
    let connection = Connection {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: args.max_attempts,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))?;
    let bars = Arc::new(export_cmd::Bars::new());
    let result = runtime.block_on(read_cloudtrail(
        &connection,
        &request,
        usize::from(args.concurrency),
        bars.clone(),
        Utc::now(),
    ));
    bars.clear();
    let outcome = result.map_err(export_cmd::to_cli_error)?;
    if !outcome.missing.is_empty() {
        let reasons: Vec<String> = outcome
            .missing
            .iter()
            .map(|p| format!("{} ({})", p.part, p.reason))
            .collect();
        let actions: Vec<&str> = outcome
            .missing
            .iter()
            .filter_map(|p| p.action.as_deref())
            .collect();
        let help = if actions.is_empty() {
            "run again; if it persists, check the network, --region and --endpoint-url".to_owned()
        } else {
            format!(
                "grant {} to the caller (docs/export-policy.json lists every action iamsnap calls), then run again",
                actions.join(", ")
            )
        };
        return Err(CliError::with_help(
            format!(
                "cannot read all of the CloudTrail logs in S3: {}; nothing was written",
                reasons.join("; ")
            ),
            help,
        ));
    }
    Ok(outcome.summarizer)
}

fn activity_line(summary: &Summary) -> String {
    export_cmd::activity_line(&summary.stats, summary.rows.len() as u64)
}

/// On SIGINT or SIGTERM, removes what the snapshot writers of this run had written (their
/// partial folders, and the parent folders they created) and ends the program with 130 or
/// 143 (128 + the signal's number, as a shell reports a program the signal ended). Without
/// it, a signal would end the program before any clean-up runs.
pub(crate) fn clean_up_on_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        // Listening starts here, before any writing; the thread only waits.
        let signals = runtime.block_on(async {
            Ok::<_, std::io::Error>((
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            ))
        });
        let Ok((mut interrupt, mut terminate)) = signals else {
            return;
        };
        std::thread::spawn(move || {
            let (code, name) = runtime.block_on(async {
                tokio::select! {
                    _ = interrupt.recv() => (130, "SIGINT"),
                    _ = terminate.recv() => (143, "SIGTERM"),
                }
            });
            let removed = iamsnap_snapshot::remove_unfinished();
            let what = if removed > 0 {
                "removed the unfinished snapshot; nothing was written"
            } else {
                "nothing was written"
            };
            eprintln!("\ninterrupted ({name}): {what}");
            std::process::exit(code);
        });
    }
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    clean_up_on_signal();
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
    if std::fs::symlink_metadata(output).is_ok() {
        if !args.force {
            return Err(SnapshotError::Exists {
                path: output.to_path_buf(),
            }
            .into());
        }
        SnapshotWriter::check_replaceable(output)?;
    }
    let summary = summarize(args)?;
    let pages: Vec<&Path> = args.auth_details.iter().map(PathBuf::as_path).collect();
    let reports: Vec<&Path> = args
        .credential_report
        .iter()
        .map(PathBuf::as_path)
        .collect();
    let request = ImportRequest {
        auth_details: &pages,
        credential_reports: &reports,
        capture: args.aws_cli.as_deref(),
        output,
        force: args.force,
        allow_truncated: args.allow_truncated,
        captured_at: args.captured_at.unwrap_or_else(Utc::now),
        service_last_accessed: args.service_last_accessed.as_deref(),
        activity: summary.as_ref(),
        account: args.account.as_deref(),
    };
    let manifest = import(&request, &Bars)?;
    // Which accounts the snapshot holds, with what: on stderr, beside the progress.
    let snapshot = Snapshot::open(output)?;
    let per_account = super::inspect::rows_by_account(&snapshot)?;
    eprint!(
        "{}",
        accounts_summary(&manifest.account_ids, &per_account, args.account.as_deref())
    );
    let rows = |name: &str| {
        manifest
            .tables
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.rows)
    };
    let accounts = match manifest.account_ids.as_slice() {
        [] => "no account's IAM (see `missing` in `iamsnap inspect`)".to_owned(),
        [one] => format!("account {one}"),
        many => format!("accounts {}", many.join(", ")),
    };
    let mut text = format!(
        "imported {accounts} into {}: {} users, {} roles, {} groups, {} policies, {} statements, {} trust principals, {} access keys\n",
        output.display(),
        rows("users"),
        rows("roles"),
        rows("groups"),
        rows("policies"),
        rows("statements"),
        rows("trust"),
        rows("access_keys"),
    );
    if args.aws_cli.is_some() {
        text.push_str(&format!(
            "resources: {} resource policies, {} resource settings, {} KMS grants\n",
            rows("resource_policies"),
            rows("resource_settings"),
            rows("kms_grants"),
        ));
    }
    if let Some(summary) = &summary {
        text.push_str(&activity_line(summary));
    }
    for note in &manifest.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    print(&text)?;
    Ok(Exit::Clean)
}

/// The stderr lines naming the accounts imported, each with its identities.
fn accounts_summary(
    accounts: &[String],
    per_account: &super::inspect::RowsByAccount,
    only: Option<&str>,
) -> String {
    let count = |table: &str, account: &str| {
        per_account
            .get(table)
            .and_then(|m| m.get(account))
            .copied()
            .unwrap_or(0)
    };
    let mut s = match only {
        Some(only) => format!("importing account {only} only (--account)\n"),
        None if accounts.len() > 1 => format!(
            "the input holds {} accounts; each is imported with its own rows (`--account ID` imports one)\n",
            accounts.len()
        ),
        None => String::new(),
    };
    if accounts.len() > 1 || only.is_some() {
        for a in accounts {
            s.push_str(&format!(
                "  account {a}: {} users, {} roles, {} groups, {} policies\n",
                count("users", a),
                count("roles", a),
                count("groups", a),
                count("policies", a),
            ));
        }
    }
    s
}

/// `--into`: the logs' summary replaces the `activity` table of an existing snapshot.
fn run_into(args: &Args, into: &Path) -> Result<Exit, CliError> {
    let snapshot = Snapshot::open(into)?;
    // The snapshot is rewritten whole: refuse a folder holding other files before reading.
    SnapshotWriter::check_replaceable(into)?;
    let Some(summary) = summarize(args)? else {
        return Err(CliError::new(
            "--into needs --cloudtrail-logs or --cloudtrail-s3",
        ));
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
