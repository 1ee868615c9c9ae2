//! `iamsnap generate`: a realistic synthetic account, deterministic by seed.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use iamsnap_generate::{GenerateOptions, OrgOptions, generate, generate_org};
use serde::Serialize;

use crate::commands::import::parse_time;
use crate::exit::{CliError, Exit};
use crate::files::{AtomicFile, print};

/// Generate a realistic synthetic account, in the format `iamsnap import` reads.
///
/// The account mixes Lambda, ECS, EC2, CodeBuild and Glue service roles, GitHub OIDC roles
/// (with and without `sub` conditions), cross-account roles (with and without ExternalId),
/// roles that trust `*`, bot users with old, unused and double access keys, people with and
/// without MFA, admin-like and privilege-escalation-prone policies, permissions boundaries
/// and some URL-encoded documents. The same options always give the same bytes; --planted
/// lists the problems planted for `iamsnap check` to find.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of roles; users, groups and policies scale with it.
    #[arg(long, default_value_t = 100, conflicts_with = "org")]
    roles: usize,

    /// Generate a whole organization instead, as the capture folder `scripts/capture-org`
    /// writes (organization, OUs, SCPs, RCPs, each account's IAM and resource policies): -o
    /// names the folder,
    /// and `iamsnap import --aws-cli` reads it.
    #[arg(long, conflicts_with_all = ["credential_report", "drift"])]
    org: bool,

    /// With --org: accounts, the management account (--account-id) included.
    #[arg(long, default_value_t = 10, requires = "org", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    accounts: u32,

    /// With --org: roles of each account.
    #[arg(long, default_value_t = 50, requires = "org")]
    roles_per_account: usize,

    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// The account's "now": every date in it is at or before this (default 2026-11-22, fixed
    /// so that output is reproducible).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<DateTime<Utc>>,

    /// Account id of the generated account.
    #[arg(long, default_value = "111122223333", value_parser = parse_account)]
    account_id: String,

    /// Add the planted drift: a role trusted by an external account, a policy widened from
    /// `s3:GetObject` to `s3:*`, a new access key, a new OIDC role without `sub`.
    #[arg(long)]
    drift: bool,

    /// When the drift happened (default: --at). A later date than --at models a second
    /// capture of the same account, as the demo snapshots do.
    #[arg(long, value_name = "TIME", value_parser = parse_time, requires = "drift")]
    drift_at: Option<DateTime<Utc>>,

    /// Where to write the authorization details JSON (with --org: the capture folder).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,

    /// Where to write the matching credential report CSV.
    #[arg(long, value_name = "FILE")]
    credential_report: Option<PathBuf>,

    /// Where to write the problems the generator planted, as a JSON array of
    /// `{"rule": ..., "resource": ..., "detail": ...}` sorted by rule, resource and detail: what
    /// `iamsnap check --param trusted_accounts=<--account-id>` should report, for the rules
    /// NHI-TRUST-001 to -005, NHI-ADMIN-001, NHI-ESC-001, NHI-KEY-001 to -003 and NHI-USER-002
    /// (key and password problems need --credential-report, and `iamsnap import
    /// --captured-at` set to --at). `resource` is the ARN the finding names; `detail` is the
    /// finding's detail (`key 1` or `key 2` for NHI-KEY-001 and -002, else empty), except
    /// for NHI-ESC-001: the escalation methods the principal was given, comma-separated.
    /// With --org: the problems of every account, which `iamsnap check --pack nhi` of the
    /// imported capture reports with the pack's default parameters (accounts of the
    /// organization other than a role's own are other accounts to NHI-TRUST-004 and -005).
    #[arg(long, value_name = "FILE")]
    planted: Option<PathBuf>,

    /// With --org: where to write every principal the generated resource policies and KMS
    /// grants let in, as a JSON array of `{"resource", "principal", "via", "actions",
    /// "exposure", "account", "region", "service", "resource_type", "reason"}` sorted by
    /// resource, principal and via. `exposure` is `same-account`, `internal`, `service`,
    /// `public`, `external`, `confused-deputy` or `blocked` (see docs/organizations.md).
    #[arg(long, value_name = "FILE", requires = "org")]
    planted_resources: Option<PathBuf>,

    /// Replace existing output files.
    #[arg(long)]
    force: bool,
}

fn parse_account(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not a 12-digit account id"))
    }
}

fn default_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    if args.org {
        return run_org(args);
    }
    // Open both outputs first so an existing file is refused before any work.
    let mut json_out = AtomicFile::create(&args.output, args.force)?;
    let mut report_out = args
        .credential_report
        .as_deref()
        .map(|p| AtomicFile::create(p, args.force))
        .transpose()?;
    let mut planted_out = args
        .planted
        .as_deref()
        .map(|p| AtomicFile::create(p, args.force))
        .transpose()?;
    let generated = generate(&GenerateOptions {
        roles: args.roles,
        seed: args.seed,
        at: args.at.unwrap_or_else(default_at),
        account_id: args.account_id.clone(),
        drift: args.drift,
        drift_at: args.drift_at,
        organization: None,
    })
    .map_err(|e| CliError::new(e.to_string()))?;
    // Indented like the AWS CLI's JSON output.
    let w = json_out.writer()?;
    let mut ser = serde_json::Serializer::with_formatter(
        &mut *w,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    generated
        .details
        .serialize(&mut ser)
        .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", args.output.display())))?;
    w.write_all(b"\n")?;
    if let Some(out) = report_out.as_mut() {
        out.writer()?
            .write_all(generated.credential_report_csv.as_bytes())?;
    }
    if let (Some(out), Some(path)) = (planted_out.as_mut(), args.planted.as_deref()) {
        let w = out.writer()?;
        serde_json::to_writer_pretty(&mut *w, &generated.planted)
            .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
        w.write_all(b"\n")?;
    }
    json_out.commit()?;
    if let Some(out) = report_out {
        out.commit()?;
    }
    if let Some(out) = planted_out {
        out.commit()?;
    }
    let d = &generated.details;
    print(&format!(
        "generated account {} (seed {}{}): {} roles, {} users, {} groups, {} managed policies -> {}\n",
        args.account_id,
        args.seed,
        if args.drift { ", with drift" } else { "" },
        d.role_detail_list.len(),
        d.user_detail_list.len(),
        d.group_detail_list.len(),
        d.policies.len(),
        args.output.display()
    ))?;
    Ok(Exit::Clean)
}

/// `generate --org`: the capture folder, written beside its destination and renamed into
/// place only when complete.
fn run_org(args: &Args) -> Result<Exit, CliError> {
    let dest = &args.output;
    if dest.exists() {
        if !args.force {
            return Err(CliError::with_help(
                format!("output folder `{}` already exists", dest.display()),
                "pass --force to replace a capture folder, or choose another name",
            ));
        }
        // Only a folder holding nothing but a capture is replaced.
        let entries: Vec<String> = std::fs::read_dir(dest)
            .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", dest.display())))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if entries
            .iter()
            .any(|n| n != "organization" && n != "accounts")
        {
            return Err(CliError::new(format!(
                "`{}` is not a capture folder (it holds more than `organization/` and `accounts/`); refusing to replace it",
                dest.display()
            )));
        }
    }
    let mut planted_out = args
        .planted
        .as_deref()
        .map(|p| AtomicFile::create(p, args.force))
        .transpose()?;
    let mut resources_out = args
        .planted_resources
        .as_deref()
        .map(|p| AtomicFile::create(p, args.force))
        .transpose()?;
    let generated = generate_org(&OrgOptions {
        accounts: usize::try_from(args.accounts).unwrap_or(1),
        roles_per_account: args.roles_per_account,
        seed: args.seed,
        at: args.at.unwrap_or_else(default_at),
        management_account_id: args.account_id.clone(),
    })
    .map_err(|e| CliError::new(e.to_string()))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::new(format!("output `{}` has no folder name", dest.display())))?;
    let tmp = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir(&tmp)?;
        for f in &generated.files {
            let path = tmp.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &f.bytes)?;
        }
        if dest.exists() {
            std::fs::remove_dir_all(dest)?;
        }
        std::fs::rename(&tmp, dest)
    };
    if let (Some(out), Some(path)) = (planted_out.as_mut(), args.planted.as_deref()) {
        let w = out.writer()?;
        serde_json::to_writer_pretty(&mut *w, &generated.planted)
            .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
        w.write_all(b"\n")?;
    }
    if let (Some(out), Some(path)) = (resources_out.as_mut(), args.planted_resources.as_deref()) {
        let w = out.writer()?;
        serde_json::to_writer_pretty(&mut *w, &generated.planted_resources)
            .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
        w.write_all(b"\n")?;
    }
    if let Err(e) = write() {
        // Only the folder this run created goes.
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(CliError::new(format!(
            "cannot write `{}`: {e}",
            dest.display()
        )));
    }
    if let Some(out) = planted_out {
        out.commit()?;
    }
    if let Some(out) = resources_out {
        out.commit()?;
    }
    let resources = generated
        .planted_resources
        .iter()
        .map(|a| a.resource.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    print(&format!(
        "generated organization {} (seed {}): {} accounts, {} roles, {} resources with a policy or grant -> {}\n",
        generated.organization_id,
        args.seed,
        generated.account_ids.len(),
        generated.roles,
        resources,
        dest.display()
    ))?;
    Ok(Exit::Clean)
}
