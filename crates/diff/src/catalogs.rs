//! The action catalogs the two snapshots were written with (their `catalog_actions`
//! tables), as sets of the embedded catalog's actions, and the header note about them.

use arrow::array::AsArray;
use iamsnap_catalog::{ActionSet, Catalog};
use iamsnap_snapshot::{Snapshot, SnapshotError};

use crate::DiffError;
use crate::access::names;
use crate::model::{CatalogComparison, SnapshotSummary};

/// The table a snapshot records its catalog in.
pub(crate) const TABLE: &str = "catalog_actions";

/// One snapshot's recorded catalog.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    /// Its actions that the embedded catalog knows: the universe that side's wildcards
    /// expand within.
    pub(crate) actions: ActionSet,
    /// Its actions that the embedded catalog lacks, sorted.
    pub(crate) unknown: Vec<String>,
}

/// The catalog `snapshot` was written with, or `None` when it does not carry one (a
/// snapshot of format version 2, or an empty table).
pub(crate) fn read(snapshot: &Snapshot, catalog: &Catalog) -> Result<Option<Recorded>, DiffError> {
    if !snapshot.has_table(TABLE) {
        return Ok(None);
    }
    let batch = snapshot.read_table(TABLE)?;
    if batch.num_rows() == 0 {
        return Ok(None);
    }
    let column = batch
        .column_by_name("action")
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| SnapshotError::Schema {
            table: TABLE.to_owned(),
            message: "column `action` is missing or not text".to_owned(),
        })?;
    let mut actions = catalog.empty_set();
    let mut unknown = Vec::new();
    for name in column.iter().flatten() {
        match catalog.action(name) {
            Some(a) => {
                actions.insert(a.id());
            }
            None => unknown.push(name.to_owned()),
        }
    }
    unknown.sort();
    unknown.dedup();
    Ok(Some(Recorded { actions, unknown }))
}

/// The universes each side's access is computed within: both recorded catalogs, or `None`
/// when a side lacks its own (then both sides use the whole embedded catalog).
pub(crate) struct Universes {
    pub(crate) old: ActionSet,
    pub(crate) new: ActionSet,
}

impl Universes {
    /// The actions in one catalog and not the other.
    pub(crate) fn delta(&self) -> ActionSet {
        self.old
            .difference(&self.new)
            .union(&self.new.difference(&self.old))
    }
}

/// The catalog part of the report, without its per-principal changes.
pub(crate) fn comparison(
    catalog: &Catalog,
    old: Option<&Recorded>,
    new: Option<&Recorded>,
) -> CatalogComparison {
    let (Some(o), Some(n)) = (old, new) else {
        return CatalogComparison::default();
    };
    let mut unknown: Vec<String> = o.unknown.iter().chain(&n.unknown).cloned().collect();
    unknown.sort();
    unknown.dedup();
    CatalogComparison {
        compared: true,
        added: names(catalog, &n.actions.difference(&o.actions)),
        retired: names(catalog, &o.actions.difference(&n.actions)),
        unknown,
        changes: Vec::new(),
    }
}

/// The header note: set when the snapshots were written with different catalogs, or when a
/// recorded catalog has actions the embedded one lacks.
pub(crate) fn note(
    catalog: &Catalog,
    old: (&SnapshotSummary, Option<&Recorded>),
    new: (&SnapshotSummary, Option<&Recorded>),
    comparison: &CatalogComparison,
) -> Option<String> {
    let date = |s: &SnapshotSummary| s.catalog_date.as_deref().unwrap_or("unknown").to_owned();
    let dates = format!("{} and {}", date(old.0), date(new.0));
    let dates_differ = old.0.catalog_date != new.0.catalog_date;
    const SEE: &str = "(see docs/diff.md, Catalog dates)";
    let (Some(o), Some(n)) = (old.1, new.1) else {
        if !dates_differ {
            return None;
        }
        let lacking = match (old.1, new.1) {
            (None, None) => "neither snapshot carries its catalog",
            (None, Some(_)) => "the old snapshot does not carry its catalog",
            _ => "the new snapshot does not carry its catalog",
        };
        return Some(format!(
            "the snapshots were written with different action catalogs ({dates}); access is computed for both with the embedded catalog ({}), so actions AWS added to a wildcard in between are not reported as gained: {lacking} (a snapshot of format version 2; one written by this iamsnap does) {SEE}",
            catalog.data_date()
        ));
    };
    let mut parts = Vec::new();
    if dates_differ || o.actions != n.actions {
        parts.push(format!(
            "the snapshots were written with different action catalogs ({dates}); each side's access is computed within its own catalog, and what was gained or lost only because {} action(s) were added to the catalog and {} retired in between is reported apart, as catalog growth and retirement",
            comparison.added.len(),
            comparison.retired.len()
        ));
    }
    for (side, r) in [("old", o), ("new", n)] {
        if let Some(first) = r.unknown.first() {
            parts.push(format!(
                "the {side} snapshot's catalog lists {} action(s) that this iamsnap's catalog ({}) lacks (e.g. `{first}`): wildcards are not expanded to them, so access to them is not compared",
                r.unknown.len(),
                catalog.data_date()
            ));
        }
    }
    (!parts.is_empty()).then(|| format!("{} {SEE}", parts.join("; ")))
}
