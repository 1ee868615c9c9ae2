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
//!   non-human users, new public, outside-the-organization or confused-deputy access to a
//!   resource or role (with what let it in: its policy, or a guardrail) — never for a
//!   principal no customer can act as (a service-linked role);
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
mod external;
mod model;
mod risk;
mod rows;
mod structure;
#[cfg(test)]
mod testing;
mod warnings;

use arrow::array::RecordBatch;
use iamsnap_access::{Environment, Model};
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

/// Columns the comparison never reads, left out of the rows: a large account's rows are
/// most of a diff's memory. The documents among them are held by the access model (their
/// statements and trust principals are compared from the `statements` and `trust` rows).
/// A test checks that the crate's code names none of them.
const NOT_COMPARED: &[(&str, &[&str])] = &[
    ("users", &["account_id", "user_id", "group_names"]),
    (
        "roles",
        &[
            "account_id",
            "role_id",
            "assume_role_policy",
            "is_service_linked",
            "last_used_date",
            "last_used_region",
        ],
    ),
    ("groups", &["account_id", "group_id"]),
    ("group_members", &["account_id", "group_arn"]),
    (
        "policies",
        &[
            "account_id",
            "policy_id",
            "owner_type",
            "owner_arn",
            "attachment_count",
            "permissions_boundary_usage_count",
            "is_attachable",
            "description",
            "update_date",
            "document",
        ],
    ),
    ("attachments", &["account_id", "policy_arn"]),
    (
        "statements",
        &["account_id", "policy_arn", "owner_arn", "version"],
    ),
    ("trust", &["account_id"]),
    (
        "access_keys",
        &[
            "account_id",
            "last_used_date",
            "last_used_region",
            "last_used_service",
            "source",
        ],
    ),
    (
        "activity",
        &[
            "account_id",
            "session_issuer_arn",
            "invoked_by",
            "user_agent_family",
            "day",
            "first_seen",
            "last_seen",
        ],
    ),
];

/// One side of the diff: the snapshot's tables as rows and its access model. Each table
/// file is read once, for both: the model first, from the tables it reads, then the rows,
/// each table's batch let go as soon as its rows are made.
fn read_side(s: &Snapshot) -> Result<(Tables, Model), DiffError> {
    let mut shared: Vec<(&str, RecordBatch)> = Vec::with_capacity(Model::READS.len());
    for name in Model::READS {
        shared.push((name, s.read_table(name)?));
    }
    // What applies to each principal, as the access model has it: the same answers `check`
    // and the query engine give.
    // With the organization's guardrails and the resource policies: escalations count
    // what the SCPs leave, and external access is compared.
    let environment = Environment::from_snapshot(s).map_err(DiffError::Model)?;
    let model = Model::build_in(environment, |name| {
        shared
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| format!("table `{name}` was not read"))
    })
    .map_err(DiffError::Model)?;
    let mut rows = |name: &str| -> Result<Vec<Row>, DiffError> {
        let batch = match shared.iter().position(|(n, _)| *n == name) {
            Some(i) => shared.swap_remove(i).1,
            None => s.read_table(name)?,
        };
        let skip = NOT_COMPARED
            .iter()
            .find(|(t, _)| *t == name)
            .map_or(&[][..], |(_, columns)| *columns);
        let keep: Vec<usize> = (0..batch.num_columns())
            .filter(|&i| !skip.contains(&batch.schema_ref().field(i).name().as_str()))
            .collect();
        let batch = batch
            .project(&keep)
            .map_err(|e| DiffError::Model(e.to_string()))?;
        Ok(rows::from_batch(&batch))
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
    Ok((tables, model))
}

/// Frees `value` on another thread: a large account's rows take a noticeable share of a
/// diff to free, and the report need not wait for it (a process that exits first lets the
/// system take the memory back at once). When no thread can start, it is freed here.
fn drop_later<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("diff-free".to_owned())
        .spawn(move || drop(value));
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
    let (a, old_model) = read_side(old)?;
    let (b, new_model) = read_side(new)?;
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
    drop_later((a, b, old_model, new_model, old_access, new_access));
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

#[cfg(test)]
mod not_compared {
    use super::NOT_COMPARED;

    /// The code of the crate, without its tests and without the list itself.
    fn code() -> String {
        let files = [
            include_str!("access.rs"),
            include_str!("behaviour.rs"),
            include_str!("catalogs.rs"),
            include_str!("escalation.rs"),
            include_str!("external.rs"),
            include_str!("model.rs"),
            include_str!("risk.rs"),
            include_str!("rows.rs"),
            include_str!("structure.rs"),
            include_str!("warnings.rs"),
            include_str!("lib.rs"),
        ];
        files
            .iter()
            .map(|f| {
                let f = f.split("#[cfg(test)]").next().unwrap_or_default();
                match (
                    f.find("const NOT_COMPARED"),
                    f.find("/// One side of the diff"),
                ) {
                    (Some(a), Some(b)) if a < b => format!(
                        "{}{}",
                        f.get(..a).unwrap_or_default(),
                        f.get(b..).unwrap_or_default()
                    ),
                    _ => f.to_owned(),
                }
            })
            .collect()
    }

    #[test]
    fn the_comparison_names_no_column_left_out_of_the_rows() {
        let code = code();
        for (table, columns) in NOT_COMPARED {
            let def = iamsnap_snapshot::table(table).unwrap();
            for column in *columns {
                assert!(
                    def.column(column).is_some(),
                    "{table}.{column} is no column"
                );
                assert!(
                    !code.contains(&format!("\"{column}\"")),
                    "the diff reads `{column}`, which NOT_COMPARED leaves out of `{table}`'s rows"
                );
            }
        }
    }
}
