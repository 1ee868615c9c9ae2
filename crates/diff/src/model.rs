//! The report: what changed, as plain data that renders to text, Markdown or JSON.

use std::collections::BTreeMap;

use serde::Serialize;

/// Everything that differs between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// The older snapshot.
    pub old: SnapshotSummary,
    /// The newer snapshot.
    pub new: SnapshotSummary,
    /// Set when the two snapshots were written with different action catalogs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog_note: Option<String>,
    /// Structural changes: principals, policies, statements, attachments, memberships,
    /// trust, access keys, boundaries.
    pub changes: Vec<Change>,
    /// Effective access gained or lost, per principal and resource pattern, through changes
    /// of the account (not of the action catalog: see `catalog`).
    pub access: Vec<AccessChange>,
    /// Access gained or lost only because the action catalog changed between the two
    /// snapshots, when both carry the catalog they were written with.
    pub catalog: CatalogComparison,
    /// Changes that raise risk: new admin-equivalent principals, new privilege-escalation
    /// methods, new trust edges, new keys on non-human users.
    pub risks: Vec<Risk>,
    /// Changes of behaviour seen in the CloudTrail summaries (`activity` tables).
    pub behaviour: Behaviour,
    /// Answers the diff could not give because a document that decides them is missing
    /// from one snapshot (a policy without document, a boundary not captured): the
    /// principal's access or escalation methods on that side are unknown, not empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Unknown>,
    /// What makes the two snapshots unlike for comparison (a part of the account state
    /// held by one side only, different accounts, ...): changes across it are the
    /// capture's, not the account's.
    pub warnings: Vec<Warning>,
}

/// Something that makes two snapshots unlike for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// `one-sided` (a part of the account state in one snapshot only),
    /// `different-accounts`, or `new-before-old`.
    pub kind: String,
    /// What it is, what it does to the diff, and what to do.
    pub message: String,
}

/// An answer the diff could not give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unknown {
    /// The user or role concerned.
    pub subject: String,
    /// The snapshot that lacks the document: `old` or `new`.
    pub side: String,
    /// What could not be compared: `access` or `escalation`.
    pub what: String,
    /// What is missing.
    pub missing: String,
}

impl Unknown {
    pub(crate) fn new(subject: &str, side: &str, what: &str, missing: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            side: side.to_owned(),
            what: what.to_owned(),
            missing: missing.to_owned(),
        }
    }

    /// One sentence: what was not compared, for whom, and what is missing where.
    pub fn describe(&self) -> String {
        format!(
            "{} of {} not compared: the {} snapshot lacks {}",
            self.what, self.subject, self.side, self.missing
        )
    }
}

impl DiffReport {
    /// Whether the two snapshots hold the same IAM state (as far as the diff compares it).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.access.is_empty()
            && self.catalog.changes.is_empty()
            && self.risks.is_empty()
            && self.behaviour.changes.is_empty()
    }

    /// Whether anything matches a `--fail-on` category.
    pub fn matches(&self, category: FailOn) -> bool {
        match category {
            FailOn::Any => !self.is_empty(),
            FailOn::NewAccess => self.access.iter().any(|a| !a.gained.is_empty()),
            FailOn::NewAdmin => self.risks.iter().any(|r| r.kind == RiskKind::NewAdmin),
            FailOn::NewTrust => self.risks.iter().any(|r| r.kind == RiskKind::NewTrust),
            FailOn::NewKey => self.risks.iter().any(|r| r.kind == RiskKind::NewKey),
            FailOn::NewEscalation => self.risks.iter().any(|r| r.kind == RiskKind::NewEscalation),
            FailOn::NewExternalAccess => self
                .risks
                .iter()
                .any(|r| r.kind == RiskKind::NewExternalAccess),
            FailOn::NewBehaviour => !self.behaviour.changes.is_empty(),
            FailOn::CatalogGrowth => self
                .catalog
                .changes
                .iter()
                .any(|c| c.kind == CatalogChangeKind::CatalogGrowth),
        }
    }
}

/// What makes a diff "fail" for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any principal gained an action on some resource pattern.
    NewAccess,
    /// A principal became admin-equivalent.
    NewAdmin,
    /// A new trust edge (external account, OIDC provider or subject pattern, anyone).
    NewTrust,
    /// A new or reactivated active access key on a non-human user.
    NewKey,
    /// A principal can use a privilege-escalation method it could not use before.
    NewEscalation,
    /// A resource or role lets in anyone, an outside account or a service acting for any
    /// account, for actions it did not before.
    NewExternalAccess,
    /// An identity behaves differently in the CloudTrail summaries.
    NewBehaviour,
    /// A principal gained actions only because they were added to the action catalog
    /// between the snapshots (`s3:*` granting a new S3 action).
    CatalogGrowth,
    /// Any difference at all.
    Any,
}

/// One snapshot's identity in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotSummary {
    /// The folder, as given.
    pub path: String,
    /// When it was captured (RFC 3339).
    pub captured_at: String,
    /// Data date of the catalog it was written with.
    pub catalog_date: Option<String>,
}

/// Added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the new snapshot.
    Added,
    /// Only in the old snapshot.
    Removed,
    /// In both, different.
    Changed,
}

impl ChangeKind {
    /// `added`, `removed` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// What kind of object changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Object {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
    /// An IAM group.
    Group,
    /// A managed or inline policy.
    Policy,
    /// One statement of a policy document in force.
    Statement,
    /// A policy attached to a principal (directly or via a group).
    Attachment,
    /// A user's membership of a group.
    GroupMember,
    /// A principal named in a role's trust policy.
    Trust,
    /// An access key.
    AccessKey,
    /// A permissions boundary of a user or role.
    Boundary,
}

impl Object {
    /// The object's name as shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
            Self::Group => "group",
            Self::Policy => "policy",
            Self::Statement => "statement",
            Self::Attachment => "attachment",
            Self::GroupMember => "group member",
            Self::Trust => "trust",
            Self::AccessKey => "access key",
            Self::Boundary => "boundary",
        }
    }
}

/// One structural change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// What changed.
    pub object: Object,
    /// Which one: an ARN, a policy key, `<policy key> statement 0 (Sid)`, ...
    pub subject: String,
    /// A one-line description of the change.
    pub detail: String,
    /// The compared fields before the change (null when added).
    pub before: serde_json::Value,
    /// The compared fields after the change (null when removed).
    pub after: serde_json::Value,
}

/// Actions gained and lost by one principal on one resource pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessChange {
    /// `user` or `role`.
    pub principal_type: String,
    /// The principal's ARN.
    pub principal_arn: String,
    /// The principal's name.
    pub principal_name: String,
    /// The resource pattern as written, or `NOT(<patterns>)` for a `NotResource`.
    pub resource: String,
    /// Actions allowed now and not before, sorted.
    pub gained: Vec<String>,
    /// Actions allowed before and not now, sorted.
    pub lost: Vec<String>,
    /// Number of gained actions per access level (an action can have several levels).
    pub gained_levels: BTreeMap<String, usize>,
    /// Number of lost actions per access level.
    pub lost_levels: BTreeMap<String, usize>,
    /// Whether some of the access (new side for gains, old side for losses) comes from a
    /// statement with a `Condition`, counted as granting.
    pub conditional: bool,
}

/// How the two snapshots' action catalogs compare, and what that changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CatalogComparison {
    /// Whether both snapshots carry the action catalog they were written with (their
    /// `catalog_actions` table), so that each side's access is computed within its own
    /// catalog. When not, both are expanded with the embedded catalog, catalog growth
    /// cannot be told apart and the other fields are empty.
    pub compared: bool,
    /// Actions of NEW's catalog that OLD's lacks, sorted (those the embedded catalog
    /// knows).
    pub added: Vec<String>,
    /// Actions of OLD's catalog that NEW's lacks, sorted (those the embedded catalog
    /// knows).
    pub retired: Vec<String>,
    /// Actions a snapshot's catalog lists that the embedded catalog lacks, sorted: wildcards
    /// are not expanded to them, so access to them is not compared.
    pub unknown: Vec<String>,
    /// Per principal and resource pattern, actions gained or lost only through the catalog.
    pub changes: Vec<CatalogChange>,
}

/// Gained through catalog growth, or lost through catalog retirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogChangeKind {
    /// Actions NEW grants that OLD's catalog did not have, and that OLD's policies would
    /// have granted had they existed: AWS added them to a wildcard the principal was
    /// already granted.
    CatalogGrowth,
    /// Actions OLD granted that NEW's catalog no longer has, and that NEW's policies would
    /// still grant: AWS retired them.
    CatalogRetirement,
}

impl CatalogChangeKind {
    /// `catalog-growth` or `catalog-retirement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CatalogGrowth => "catalog-growth",
            Self::CatalogRetirement => "catalog-retirement",
        }
    }
}

/// Actions one principal gained or lost on one resource pattern only because the action
/// catalog changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogChange {
    /// Growth or retirement.
    pub kind: CatalogChangeKind,
    /// `user` or `role`.
    pub principal_type: String,
    /// The principal's ARN.
    pub principal_arn: String,
    /// The principal's name.
    pub principal_name: String,
    /// The resource pattern as written, or `NOT(<patterns>)` for a `NotResource`.
    pub resource: String,
    /// The actions, sorted.
    pub actions: Vec<String>,
    /// Number of the actions per access level (an action can have several levels).
    pub levels: BTreeMap<String, usize>,
    /// Whether some of the access (NEW's for growth, OLD's for retirement) comes from a
    /// statement with a `Condition`, counted as granting.
    pub conditional: bool,
}

/// A kind of risk change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskKind {
    /// A principal became admin-equivalent.
    NewAdmin,
    /// A role trusts a new external account, OIDC provider or subject pattern, or anyone.
    NewTrust,
    /// A new (or reactivated) active access key on a non-human user.
    NewKey,
    /// A principal can use privilege-escalation methods it could not use before.
    NewEscalation,
    /// A resource or role lets in anyone, an account outside the organization or an AWS
    /// service acting for any account, for actions it did not before.
    NewExternalAccess,
}

impl RiskKind {
    /// `new-admin`, `new-trust`, `new-key`, `new-escalation` or `new-external-access`, as
    /// `--fail-on` names them.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewAdmin => "new-admin",
            Self::NewTrust => "new-trust",
            Self::NewKey => "new-key",
            Self::NewEscalation => "new-escalation",
            Self::NewExternalAccess => "new-external-access",
        }
    }
}

/// One risk change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// What kind.
    pub kind: RiskKind,
    /// The principal concerned (role or user ARN).
    pub subject: String,
    /// Why it is reported.
    pub detail: String,
    /// For `new_escalation`: the methods the principal can use now and could not before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<EscalationMethod>,
}

/// A privilege-escalation method, as a risk names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EscalationMethod {
    /// Stable id: `IAM-CREATE-POLICY-VERSION`.
    pub id: String,
    /// Its title.
    pub name: String,
    /// `critical`, `high`, `medium` or `low`.
    pub severity: String,
}

/// Behaviour changes from the CloudTrail summaries of both snapshots.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Behaviour {
    /// Whether both snapshots have activity rows, so that behaviour could be compared.
    pub compared: bool,
    /// Why behaviour was not compared, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// One entry per identity whose behaviour changed, by principal.
    pub changes: Vec<BehaviourChange>,
}

/// How one identity (the `activity.principal`) behaves differently in NEW.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BehaviourChange {
    /// The caller, as the `activity` table names it (a role or user ARN, ...).
    pub principal: String,
    /// `userIdentity.type` as CloudTrail writes it (`AssumedRole`, `IAMUser`, ...).
    pub principal_type: String,
    /// The identity has no activity at all in OLD.
    pub new_identity: bool,
    /// `event_source:event_name` pairs called in NEW and never in OLD, sorted.
    pub first_time_calls: Vec<String>,
    /// Source addresses seen in NEW and never in OLD, sorted.
    pub new_source_ips: Vec<String>,
    /// Regions seen in NEW and never in OLD, sorted.
    pub new_regions: Vec<String>,
    /// Set when the share of failed calls rose by at least 20 points, with at least 20
    /// calls on each side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<ErrorRate>,
}

/// Failed calls (with an error code) out of all calls, before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorRate {
    /// Calls in OLD.
    pub old_calls: i64,
    /// Failed calls in OLD.
    pub old_errors: i64,
    /// Calls in NEW.
    pub new_calls: i64,
    /// Failed calls in NEW.
    pub new_errors: i64,
    /// Share of failed calls in OLD, in percent.
    pub old_percent: f64,
    /// Share of failed calls in NEW, in percent.
    pub new_percent: f64,
}
