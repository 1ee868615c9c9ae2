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
//!   jumps of the share of failed calls.
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

use iamsnap_catalog::Catalog;
use iamsnap_snapshot::Snapshot;

pub use error::DiffError;
pub use model::{
    AccessChange, Behaviour, BehaviourChange, CatalogChange, CatalogChangeKind, CatalogComparison,
    Change, ChangeKind, DiffReport, ErrorRate, EscalationMethod, FailOn, Object, Risk, RiskKind,
    SnapshotSummary,
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
    credential_report: Vec<Row>,
    activity: Vec<Row>,
}

impl Tables {
    fn read(s: &Snapshot) -> Result<Self, DiffError> {
        Ok(Self {
            users: rows::read(s, "users")?,
            roles: rows::read(s, "roles")?,
            groups: rows::read(s, "groups")?,
            group_members: rows::read(s, "group_members")?,
            policies: rows::read(s, "policies")?,
            attachments: rows::read(s, "attachments")?,
            statements: rows::read(s, "statements")?,
            trust: rows::read(s, "trust")?,
            access_keys: rows::read(s, "access_keys")?,
            credential_report: rows::read(s, "credential_report")?,
            activity: rows::read(s, "activity")?,
        })
    }
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
    let methods = iamsnap_policy::escalation::methods()?;
    let (a, b) = (Tables::read(old)?, Tables::read(new)?);
    let recorded = (catalogs::read(old, catalog)?, catalogs::read(new, catalog)?);
    let universes = match &recorded {
        (Some(o), Some(n)) => Some(catalogs::Universes {
            old: o.actions.clone(),
            new: n.actions.clone(),
        }),
        _ => None,
    };
    let (old_side, new_side) = (access::Side::new(&a), access::Side::new(&b));
    let mut changed = access::changed_principals(&old_side, &new_side);
    if let Some(u) = &universes {
        // With different catalogs, a principal whose inputs did not change can still gain
        // or lose what the catalogs do not share.
        let delta = u.delta();
        if !delta.is_empty() {
            changed.extend(access::touching(catalog, &old_side, &delta));
            changed.extend(access::touching(catalog, &new_side, &delta));
        }
    }
    // Both sides expanded with the whole embedded catalog; restricted to each side's own
    // catalog below when both carry one.
    let old_all = access::compute(catalog, &old_side, &changed);
    let new_all = access::compute(catalog, &new_side, &changed);
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
        methods,
        &a,
        &b,
        &old_access,
        &new_access,
        universes.as_ref(),
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
    })
}
