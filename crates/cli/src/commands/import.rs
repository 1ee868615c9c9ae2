//! `iamsnap import`: files a user already has into a snapshot.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use iamsnap_export::{ImportRequest, import};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::progress::Bars;

/// Import `get-account-authorization-details` output and a credential report into a snapshot.
///
/// Policy documents may be decoded (as the AWS CLI prints them) or URL-encoded (as the IAM
/// API returns them). Several pages of one capture, given as several files, are merged.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output of `aws iam get-account-authorization-details`; repeat for each page.
    #[arg(long = "auth-details", value_name = "FILE", required = true)]
    auth_details: Vec<PathBuf>,

    /// The IAM credential report CSV (fills `credential_report` and `access_keys`).
    #[arg(long, value_name = "FILE")]
    credential_report: Option<PathBuf>,

    /// The snapshot folder to create.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,

    /// Replace the output folder if it is an existing snapshot.
    #[arg(long)]
    force: bool,

    /// Import even when the last page says more pages follow.
    #[arg(long)]
    allow_truncated: bool,

    /// When the input was captured (RFC 3339, e.g. 2026-11-22T00:00:00Z); default now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    captured_at: Option<DateTime<Utc>>,
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

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let pages: Vec<&std::path::Path> = args.auth_details.iter().map(PathBuf::as_path).collect();
    let request = ImportRequest {
        auth_details: &pages,
        credential_report: args.credential_report.as_deref(),
        output: &args.output,
        force: args.force,
        allow_truncated: args.allow_truncated,
        captured_at: args.captured_at.unwrap_or_else(Utc::now),
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
        args.output.display(),
        rows("users"),
        rows("roles"),
        rows("groups"),
        rows("policies"),
        rows("statements"),
        rows("trust"),
        rows("access_keys"),
    );
    for note in &manifest.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    print(&text)?;
    Ok(Exit::Clean)
}
