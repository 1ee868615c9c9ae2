//! `iamsnap diff`: what changed between two snapshots.

use std::path::PathBuf;

use iamsnap_diff::{DiffError, FailOn as Category};
use iamsnap_snapshot::Snapshot;

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::report::diff::{DiffFormat, render};

/// Compare two snapshots: structural changes, effective access gained and lost per
/// principal and resource, risk changes (new admins, new privilege-escalation methods, new
/// trust, new keys) and behaviour changes in the CloudTrail activity.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The older snapshot folder.
    old: PathBuf,

    /// The newer snapshot folder.
    new: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    format: DiffFormat,

    /// Exit with 1 when the diff has something of this kind (0 otherwise).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
}
/// What `--fail-on` can ask for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FailOn {
    /// Some user or role gained an action on some resource pattern.
    NewAccess,
    /// Some user or role became admin-equivalent.
    NewAdmin,
    /// A role trusts a new external account, OIDC provider or subject pattern, or anyone.
    NewTrust,
    /// A new or reactivated active access key on a non-human user.
    NewKey,
    /// Some user or role can use a privilege-escalation method it could not use before.
    NewEscalation,
    /// A resource or role lets in anyone, an account outside the organization, or an AWS
    /// service acting for any account, for actions it did not before (the `external` pack's
    /// access).
    NewExternalAccess,
    /// Some identity behaves differently in the CloudTrail activity (first-time calls, new
    /// source IPs or regions, more failed calls).
    NewBehaviour,
    /// Some user or role gained actions only because AWS added them to a wildcard it was
    /// granted (both snapshots must carry their action catalog).
    CatalogGrowth,
    /// Any difference at all.
    Any,
}

impl From<FailOn> for Category {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::NewAccess => Category::NewAccess,
            FailOn::NewAdmin => Category::NewAdmin,
            FailOn::NewTrust => Category::NewTrust,
            FailOn::NewKey => Category::NewKey,
            FailOn::NewEscalation => Category::NewEscalation,
            FailOn::NewExternalAccess => Category::NewExternalAccess,
            FailOn::NewBehaviour => Category::NewBehaviour,
            FailOn::CatalogGrowth => Category::CatalogGrowth,
            FailOn::Any => Category::Any,
        }
    }
}

/// Runs the diff, prints it in the chosen format and maps `--fail-on` to the exit code.
pub fn run(args: &Args) -> Result<Exit, CliError> {
    let old = Snapshot::open(&args.old)?;
    let new = Snapshot::open(&args.new)?;
    let report = iamsnap_diff::diff(&old, &new).map_err(|e| match e {
        DiffError::Snapshot(inner) => inner.into(),
        other => CliError::new(format!("internal error: {other}")),
    })?;
    let text =
        render(&report, args.format).map_err(|e| CliError::new(format!("internal error: {e}")))?;
    print(&text)?;
    Ok(match args.fail_on {
        Some(f) if report.matches(f.into()) => Exit::Findings,
        _ => Exit::Clean,
    })
}
