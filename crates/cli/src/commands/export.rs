//! `iamsnap export`: a live AWS account into a snapshot.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use iamsnap_cloudtrail::{LOOKUP_MAX_DAYS, S3Location, Stats};
use iamsnap_export::{
    CloudTrailRequest, Connection, ExportError, ExportProgress, ExportRequest, FailureKind,
    LookupRequest, OrgRequest, export,
};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::exit::{CliError, Exit};
use crate::files::print;

/// Export a live AWS account's IAM state, or a whole AWS Organization's, into a snapshot.
///
/// Credentials and region are found as the AWS CLI finds them: flags, environment
/// (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_REGION, ...), the config and credentials files,
/// IAM Identity Center (SSO) profiles, credential_process, web identity tokens, and
/// container or instance metadata. Only read-only calls are made (plus the generation of
/// IAM's own reports); docs/export-policy.json is the policy it needs. A part the
/// credentials may not read is recorded as missing in the manifest, naming the action to
/// grant, unless --strict is given.
///
/// CloudTrail activity goes into the `activity` table when asked for: the trail's log
/// objects in S3 (--cloudtrail-s3, optionally only the last --cloudtrail-days), or the
/// account's management events of the last --cloudtrail-days days from CloudTrail's event
/// history (LookupEvents).
///
/// With --org (from the management account or a delegated administrator): the
/// organization's accounts, OUs, SCPs, RCPs and account tags, then every active account,
/// the caller's with the caller's credentials and each other through --member-role, into
/// one snapshot. docs/export-org-policy.json is what the caller needs beyond
/// docs/export-policy.json; the member role needs docs/export-policy.json. An account that
/// cannot be entered is recorded as missing (naming the action to grant) and the export
/// goes on, unless --strict is given.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder to create.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,

    /// A named profile of the AWS config files (default: AWS_PROFILE, else `default`).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,

    /// The region to sign requests for (default: AWS_REGION or the profile's, else us-east-1).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// Send every request to this endpoint instead of AWS's (e.g. a local emulator).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,

    /// Replace the output folder if it is an existing snapshot.
    #[arg(long)]
    force: bool,

    /// Fail, writing nothing, when any part of the account cannot be read.
    #[arg(long)]
    strict: bool,

    /// Requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,

    /// Attempts per request (the first included) on throttling and server errors, with
    /// exponential backoff and jitter.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50))]
    max_attempts: u32,

    /// Seconds to wait for IAM's reports (credential report, service last accessed jobs).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    poll_timeout: u64,

    /// Print the API calls made, per operation, and the retries.
    #[arg(short, long)]
    verbose: bool,

    /// CloudTrail log objects to summarize into `activity`: s3://BUCKET/PREFIX/, e.g. the
    /// trail's s3://my-trail-bucket/AWSLogs/ (every `.json` and `.json.gz` object below it;
    /// digest files are skipped). Repeatable.
    #[arg(long = "cloudtrail-s3", value_name = "S3_URL", value_parser = parse_s3_location)]
    cloudtrail_s3: Vec<S3Location>,

    /// Days of CloudTrail activity, counted back from now. With --cloudtrail-s3: only the
    /// objects of those days, by the date in their key. Without it: the management events
    /// of those days (at most 90) from CloudTrail's event history (LookupEvents, paced to
    /// two requests a second per region).
    #[arg(long, value_name = "N", value_parser = parse_days)]
    cloudtrail_days: Option<u32>,

    /// The regions whose event history LookupEvents reads, comma-separated (default: the
    /// region requests are signed for). Only with --cloudtrail-days alone.
    #[arg(
        long,
        value_name = "REGION,...",
        value_delimiter = ',',
        requires = "cloudtrail_days",
        conflicts_with = "cloudtrail_s3"
    )]
    cloudtrail_regions: Vec<String>,

    /// Do not read resource-based policies and settings (S3, KMS, SQS, SNS, Secrets
    /// Manager, Lambda, ECR): `resource_policies`, `resource_settings` and `kms_grants` are
    /// then recorded as not captured.
    #[arg(long)]
    no_resources: bool,

    /// The regions whose resource policies are read, comma-separated (default: every
    /// region enabled for the account, from EC2's DescribeRegions).
    #[arg(
        long,
        value_name = "REGION,...",
        value_delimiter = ',',
        conflicts_with = "no_resources",
        value_parser = parse_region
    )]
    regions: Vec<String>,

    /// Export the whole organization the caller manages (or administers as delegated
    /// administrator): its structure and policies, and every account's IAM and resources.
    #[arg(long)]
    org: bool,

    /// With --org: the role to enter each account other than the caller's (its name, the
    /// same in every account). Without it only the caller's account's IAM is read.
    #[arg(long, value_name = "NAME", requires = "org")]
    member_role: Option<String>,

    /// With --member-role: the external id the role's trust policy requires.
    #[arg(long, value_name = "ID", requires = "member_role")]
    external_id: Option<String>,

    /// With --org: only these accounts, comma-separated 12-digit ids.
    #[arg(
        long,
        value_name = "ID,...",
        value_delimiter = ',',
        requires = "org",
        value_parser = parse_account
    )]
    accounts: Vec<String>,

    /// With --org: every account but these, comma-separated 12-digit ids.
    #[arg(
        long,
        value_name = "ID,...",
        value_delimiter = ',',
        requires = "org",
        conflicts_with = "accounts",
        value_parser = parse_account
    )]
    exclude_accounts: Vec<String>,

    /// With --org: accounts read at once (requests in flight stay bounded by
    /// --concurrency across them all).
    #[arg(long, value_name = "N", default_value_t = 4, requires = "org", value_parser = clap::value_parser!(u16).range(1..=64))]
    parallel_accounts: u16,
}

/// Parses a 12-digit account id for clap.
pub fn parse_account(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an account id: give 12-digit ids, comma-separated"
        ))
    }
}

/// Parses `s3://BUCKET/PREFIX/` for clap.
pub fn parse_s3_location(text: &str) -> Result<S3Location, String> {
    text.parse::<S3Location>().map_err(|e| e.to_string())
}

/// Checks a region name for clap: lowercase letters, digits and dashes (`eu-west-1`).
pub fn parse_region(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.contains('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not a region name: give names such as `eu-west-1,us-east-1`"
        ))
    }
}

/// Parses a number of days (at least 1) for clap.
pub fn parse_days(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("0 days is nothing to read: give at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a number of days")),
    }
}

/// The CloudTrail sources the flags ask for. `--cloudtrail-days` restricts the S3 objects
/// when there are any, and otherwise asks `LookupEvents`.
fn cloudtrail_request(args: &Args) -> Result<CloudTrailRequest, CliError> {
    if !args.cloudtrail_s3.is_empty() {
        return Ok(CloudTrailRequest {
            s3: args.cloudtrail_s3.clone(),
            s3_days: args.cloudtrail_days,
            lookup: None,
        });
    }
    let Some(days) = args.cloudtrail_days else {
        return Ok(CloudTrailRequest::default());
    };
    if days > LOOKUP_MAX_DAYS {
        return Err(CliError::with_help(
            format!(
                "--cloudtrail-days {days}: without --cloudtrail-s3 the events come from CloudTrail's event history (LookupEvents), which keeps {LOOKUP_MAX_DAYS} days"
            ),
            format!(
                "give at most {LOOKUP_MAX_DAYS} days, or read the trail's log objects, which go back as far as the trail kept them: --cloudtrail-s3 s3://BUCKET/AWSLogs/ --cloudtrail-days {days}"
            ),
        ));
    }
    Ok(CloudTrailRequest {
        s3: Vec::new(),
        s3_days: None,
        lookup: Some(LookupRequest {
            days,
            regions: args.cloudtrail_regions.clone(),
        }),
    })
}

/// One line on what was summarized of CloudTrail.
pub fn activity_line(stats: &Stats, rows: u64) -> String {
    let from = if stats.files > 0 {
        format!(" from {} log files", stats.files)
    } else {
        String::new()
    };
    let mut line = format!(
        "summarized {} CloudTrail events{from} into {rows} activity rows",
        stats.records
    );
    let skipped: Vec<String> = [
        (stats.malformed_files, "malformed files"),
        (stats.malformed_records, "malformed records"),
        (stats.digest_files, "digest files"),
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
    super::import::clean_up_on_signal();
    let cloudtrail = cloudtrail_request(args)?;
    cloudtrail.check().map_err(to_cli_error)?;
    let request = ExportRequest {
        connection: Connection {
            profile: args.profile.clone(),
            region: args.region.clone(),
            endpoint_url: args.endpoint_url.clone(),
            max_attempts: args.max_attempts,
        },
        output: args.output.clone(),
        force: args.force,
        strict: args.strict,
        concurrency: usize::from(args.concurrency),
        poll_timeout: Duration::from_secs(args.poll_timeout),
        captured_at: Utc::now(),
        cloudtrail,
        resources: !args.no_resources,
        regions: (!args.regions.is_empty()).then(|| args.regions.clone()),
        org: args.org.then(|| OrgRequest {
            member_role: args.member_role.clone(),
            external_id: args.external_id.clone(),
            accounts: (!args.accounts.is_empty()).then(|| args.accounts.clone()),
            exclude_accounts: args.exclude_accounts.clone(),
            parallel_accounts: usize::from(args.parallel_accounts),
        }),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}")))?;
    let bars = Arc::new(Bars::new());
    let result = runtime.block_on(export(&request, bars.clone()));
    bars.clear();
    let outcome = result.map_err(to_cli_error)?;
    let m = &outcome.manifest;
    let rows = |name: &str| {
        m.tables
            .iter()
            .find(|t| t.name == name)
            .map_or(0, |t| t.rows)
    };
    let what = if args.org {
        let not_read = m
            .missing
            .iter()
            .filter(|p| p.part == "iam" && p.account.is_some())
            .count();
        let not_read = if not_read > 0 {
            format!(", {not_read} not read: see `missing` below")
        } else {
            String::new()
        };
        format!(
            "an organization, {} accounts{not_read} ({})",
            m.account_ids.len(),
            m.account_ids.join(", ")
        )
    } else {
        format!("account {}", m.account_ids.join(", "))
    };
    let mut text = format!(
        "exported {what} into {}: {} users, {} roles, {} groups, {} policies, {} access keys, {} OIDC providers, {} SAML providers, {} service last accessed rows, {} resource policies, {} resource settings, {} KMS grants\n",
        args.output.display(),
        rows("users"),
        rows("roles"),
        rows("groups"),
        rows("policies"),
        rows("access_keys"),
        rows("oidc_providers"),
        rows("saml_providers"),
        rows("service_last_accessed"),
        rows("resource_policies"),
        rows("resource_settings"),
        rows("kms_grants"),
    );
    if let Some(stats) = &outcome.activity {
        text.push_str(&activity_line(stats, rows("activity")));
    }
    for note in &m.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    for part in &m.missing {
        text.push_str(&format!("missing: {}: {}\n", part.subject(), part.reason));
    }
    if args.verbose {
        let s = &outcome.stats;
        text.push_str(&format!(
            "{} API calls, {} HTTP attempts ({} retries; {} throttled, {} server errors) in {:.2} s\n",
            s.total_calls(),
            s.attempts,
            s.retries(),
            s.throttled,
            s.server_errors,
            outcome.elapsed.as_secs_f64()
        ));
        for (op, n) in &s.calls {
            text.push_str(&format!("  {op}: {n}\n"));
        }
    }
    print(&text)?;
    Ok(Exit::Clean)
}

pub fn to_cli_error(e: ExportError) -> CliError {
    match e {
        ExportError::Source { message, help } => CliError::with_help(message, help),
        ExportError::Config(message) => CliError::with_help(
            message,
            "configure credentials as for the AWS CLI (`aws configure`, `aws sso login --profile P` then --profile P, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then run again",
        ),
        ExportError::Api(api) => {
            let help = match api.kind {
                FailureKind::Denied => format!(
                    "grant {} to the caller (docs/export-policy.json lists every action the export needs)",
                    api.action
                ),
                FailureKind::Unreachable => {
                    "check the network, --region and --endpoint-url".to_owned()
                }
                FailureKind::Throttled => {
                    "try again later, or with a lower --concurrency and a higher --max-attempts"
                        .to_owned()
                }
                FailureKind::NotFound | FailureKind::Other => {
                    "run again; if it persists, check the account's IAM service health".to_owned()
                }
            };
            CliError::with_help(api.to_string(), help)
        }
        ExportError::Incomplete(parts) => {
            let actions: Vec<&str> = parts.iter().filter_map(|p| p.action.as_deref()).collect();
            let help = if actions.is_empty() {
                "run again without --strict to export what can be read (the manifest then lists what is missing)".to_owned()
            } else {
                format!(
                    "grant {} (see docs/export-policy.json), or run without --strict to export what can be read",
                    actions.join(", ")
                )
            };
            CliError::with_help(
                format!("{}; nothing was written", ExportError::Incomplete(parts)),
                help,
            )
        }
        ExportError::Import(e) => e.into(),
        ExportError::Snapshot(e) => e.into(),
        ExportError::Internal(message) => CliError::new(message),
    }
}

/// One bar per step on stderr, only when stderr is a terminal.
#[derive(Debug)]
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<&'static str, ProgressBar>>,
}

impl Bars {
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }

    pub fn clear(&self) {
        if let Ok(bars) = self.bars.lock() {
            for bar in bars.values() {
                bar.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}

impl ExportProgress for Bars {
    fn start(&self, step: &'static str, total: Option<u64>) {
        // Added to the display before anything is drawn, so it never draws on its own.
        let bar = self.multi.add(match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        });
        let style = match total {
            Some(_) => ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} ({eta})")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            None => ProgressStyle::with_template("{msg:32} {spinner} {pos}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        };
        bar.set_style(style);
        bar.set_message(step);
        if total.is_none() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(step, bar);
        }
    }

    fn advance(&self, step: &'static str, by: u64) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(step)
        {
            bar.inc(by);
        }
    }

    fn finish(&self, step: &'static str) {
        // The bar stays, finished, until the export ends: removing lines from a multi-bar
        // display while others redraw leaves stale lines behind.
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(step)
        {
            bar.finish_with_message(format!("{step}: done"));
        }
    }
}
