//! What changed between two snapshots.
//!
//! [`diff`] compares two opened snapshots and returns a [`DiffReport`] of these parts:
//!
//! - **structural changes** ([`Change`]): principals, policies, statements of the policy
//!   documents in force, attachments, group memberships, trust principals, access keys and
//!   permissions boundaries, added, removed or changed;
//! - **effective access** ([`AccessChange`]): per user and role and resource pattern, the
//!   actions gained and lost after wildcard expansion against the embedded catalog, minus
//!   unconditional denies on `*`, within the permissions boundary — so rewriting `s3:*` as
//!   the list of its actions is no change;
//! - **catalog growth and retirement** ([`CatalogChange`]): when both snapshots carry the
//!   action catalog they were written with (`catalog_actions`), each side's wildcards
//!   expand within its own catalog, and actions gained only because AWS added them to a
//!   granted wildcard (or lost because AWS retired them) are reported apart from access
//!   changes;
//! - **risk changes** ([`Risk`]): newly admin-equivalent principals, privilege-escalation
//!   methods a principal can use and could not before, new trust edges, new active keys on
//!   non-human users;
//! - **behaviour changes** ([`Behaviour`]): from the CloudTrail summaries of both
//!   snapshots, per identity, first-time API calls, new source addresses and regions, and
//!   jumps of the share of failed calls;
//! - **warnings** ([`Warning`]): what makes the two snapshots unlike for comparison (a
//!   part of the account state in one only, different accounts, swapped dates).
//!
//! `docs/diff.md` documents the approximations.

mod access;
mod behaviour;
mod catalogs;
mod error;
mod escalation;
mod model;
mod risk;
mod rows;
mod structure;
#[cfg(test)]
mod testing;
mod warnings;

use arrow::array::RecordBatch;
use iamsnap_access::Model;
use iamsnap_catalog::Catalog;
use iamsnap_snapshot::Snapshot;

pub use error::DiffError;
pub use model::{
    AccessChange, Behaviour, BehaviourChange, CatalogChange, CatalogChangeKind, CatalogComparison,
    Change, ChangeKind, DiffReport, ErrorRate, EscalationMethod, FailOn, Object, Risk, RiskKind,
    SnapshotSummary, Unknown, Warning,
};

use rows::Row;

/// The tables of one snapshot the diff reads.
pub(crate) struct Tables {
    users: Vec<Row>,
    roles: Vec<Row>,
    groups: Vec<Row>,
    group_members: Vec<Row>,
    policies: Vec<Row>,
    attachments: Vec<Row>,
    statements: Vec<Row>,
    trust: Vec<Row>,
    access_keys: Vec<Row>,
    activity: Vec<Row>,
}

impl Tables {
    /// The tables the diff compares, beside those the access model reads.
    const NAMES: &'static [&'static str] = &[
        "users",
        "roles",
        "groups",
        "group_members",
        "policies",
        "attachments",
        "statements",
        "trust",
        "access_keys",
        "activity",
    ];
}

/// One side of the diff: the snapshot's tables as rows and its access model. Each table
/// file is read once, for both.
fn read_side(s: &Snapshot) -> Result<(Tables, Model), DiffError> {
    let mut batches: Vec<(&str, RecordBatch)> = Vec::new();
    for name in Tables::NAMES.iter().chain(Model::READS) {
        if !batches.iter().any(|(n, _)| n == name) {
            batches.push((name, s.read_table(name)?));
        }
    }
    let batch = |name: &str| -> Result<RecordBatch, String> {
        batches
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| format!("table `{name}` was not read"))
    };
    let rows = |name: &str| -> Result<Vec<Row>, DiffError> {
        Ok(rows::from_batch(&batch(name).map_err(DiffError::Model)?))
    };
    let tables = Tables {
        users: rows("users")?,
        roles: rows("roles")?,
        groups: rows("groups")?,
        group_members: rows("group_members")?,
        policies: rows("policies")?,
        attachments: rows("attachments")?,
        statements: rows("statements")?,
        trust: rows("trust")?,
        access_keys: rows("access_keys")?,
        activity: rows("activity")?,
    };
    // What applies to each principal, as the access model has it: the same answers `check`
    // and the query engine give.
    let model = Model::build(batch).map_err(DiffError::Model)?;
    Ok((tables, model))
}

fn summary(s: &Snapshot) -> SnapshotSummary {
    let m = s.manifest();
    SnapshotSummary {
        path: s.path().display().to_string(),
        captured_at: m.captured_at.to_rfc3339(),
        catalog_date: m.catalog_date.clone(),
    }
}

/// Compares two snapshots: what changed from `old` to `new`.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Result<DiffReport, DiffError> {
    let catalog = Catalog::embedded()?;
    // The escalation methods are checked once here, so a damaged build fails loudly.
    iamsnap_policy::escalation::methods()?;
    // The two sides are independent: read on two threads.
    let (old_side, new_side) = std::thread::scope(|scope| {
        let other = scope.spawn(|| read_side(new));
        let this = read_side(old);
        (this, other.join())
    });
    let (a, old_model) = old_side?;
    let (b, new_model) =
        new_side.map_err(|_| DiffError::Model("reading the new snapshot failed".to_owned()))??;
    let recorded = (catalogs::read(old, catalog)?, catalogs::read(new, catalog)?);
    let universes = match &recorded {
        (Some(o), Some(n)) => Some(catalogs::Universes {
            old: o.actions.clone(),
            new: n.actions.clone(),
        }),
        _ => None,
    };
    let mut changed = access::changed_principals(&old_model, &new_model);
    if let Some(u) = &universes {
        // With different catalogs, a principal whose inputs did not change can still gain
        // or lose what the catalogs do not share.
        let delta = u.delta();
        if !delta.is_empty() {
            changed.extend(access::touching(catalog, &old_model, &delta));
            changed.extend(access::touching(catalog, &new_model, &delta));
        }
    }
    // Both sides expanded with the whole embedded catalog; restricted to each side's own
    // catalog below when both carry one. A principal whose access is unknown on one side
    // is compared on neither.
    let (mut old_all, old_unknown) = access::compute(catalog, &old_model, &changed);
    let (mut new_all, new_unknown) = access::compute(catalog, &new_model, &changed);
    let mut unknown = Vec::new();
    for (side, missing) in [("old", &old_unknown), ("new", &new_unknown)] {
        for (arn, what) in missing {
            old_all.remove(arn);
            new_all.remove(arn);
            unknown.push(Unknown::new(arn, side, "access", what));
        }
    }
    let changes = structure::changes(&a, &b);
    let (access_changes, catalog_changes) =
        access::compare(catalog, &old_all, &new_all, universes.as_ref());
    let (old_access, new_access) = match &universes {
        Some(u) => (
            access::restrict(&old_all, &u.old),
            access::restrict(&new_all, &u.new),
        ),
        None => (old_all, new_all),
    };
    let risks = risk::risks(
        catalog,
        (&old_model, &new_model),
        &a,
        &b,
        &old_access,
        &new_access,
        universes.as_ref(),
        &mut unknown,
    );
    let behaviour = behaviour::compare(&a.activity, &b.activity);
    let (old_summary, new_summary) = (summary(old), summary(new));
    let mut comparison = catalogs::comparison(catalog, recorded.0.as_ref(), recorded.1.as_ref());
    comparison.changes = catalog_changes;
    let catalog_note = catalogs::note(
        catalog,
        (&old_summary, recorded.0.as_ref()),
        (&new_summary, recorded.1.as_ref()),
        &comparison,
    );
    Ok(DiffReport {
        old: old_summary,
        new: new_summary,
        catalog_note,
        changes,
        access: access_changes,
        catalog: comparison,
        risks,
        behaviour,
        unknown,
        warnings: warnings::warnings(old, new),
    })
}
