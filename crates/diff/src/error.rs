/// Why two snapshots could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A snapshot could not be read.
    #[error(transparent)]
    Snapshot(#[from] iamsnap_snapshot::SnapshotError),
    /// The embedded action catalog is damaged (a build defect).
    #[error(transparent)]
    Catalog(#[from] iamsnap_catalog::CatalogError),
    /// A snapshot's principals could not be read into the access model.
    #[error("cannot read the principals of a snapshot: {0}")]
    Model(String),
    /// The embedded privilege-escalation methods are damaged (a build defect).
    #[error(transparent)]
    Escalation(#[from] iamsnap_policy::escalation::EscalationError),
}
