//! Findings: what a rule reports for one matching row.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How serious a finding is, from `info` to `critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Hygiene.
    Low,
    /// A weakness that needs other conditions to be exploited.
    Medium,
    /// Directly exploitable or a serious gap.
    High,
    /// Account takeover or access from outside.
    Critical,
}

impl Severity {
    /// Every severity, highest first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lower-case name used in packs and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The severity with this name (lower case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rule is defined: a pack file and the rule's line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleLocation {
    /// The pack file as it was given (or `<embedded>/nhi.rules` for shipped packs).
    pub file: String,
    /// Line of the `rule` keyword.
    pub line: usize,
    /// Column of the `rule` keyword.
    pub column: usize,
}

/// What a rule says about itself: everything a report needs besides the findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Stable id, e.g. `NHI-TRUST-002`.
    pub id: String,
    /// Snake-case name, e.g. `oidc_role_without_subject` (may be empty).
    pub name: String,
    /// Severity.
    pub severity: Severity,
    /// One line saying what is wrong.
    pub title: String,
    /// Why it matters (may be empty).
    pub description: String,
    /// Tags, e.g. `nhi`, `trust`, `cis-aws-3.0-1.14`.
    pub tags: Vec<String>,
    /// What to do about a finding (may be empty).
    pub remediation: String,
    /// The command that fixes a finding, as a template: `{alias.field}` stands for the
    /// finding's value (empty when the rule has no `fix`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fix: String,
    /// Links to AWS documentation and benchmarks.
    pub references: Vec<String>,
    /// The entity the rule ranges over (`role`, `user`, `access_key`, ...).
    pub entity: String,
    /// Where the rule is defined.
    pub location: RuleLocation,
}

/// One finding: a rule matched one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's severity.
    pub severity: Severity,
    /// The resource the finding is about: an ARN (user, role, policy, ...).
    pub resource: String,
    /// What distinguishes findings on the same resource (an access key id, a statement
    /// index); empty when the resource alone identifies the finding.
    pub detail: String,
    /// The account the resource belongs to.
    pub account_id: String,
    /// The rule's message with `{alias.field}` filled in.
    pub message: String,
    /// Stable identity of the finding across snapshots: hex SHA-256 of rule id, resource
    /// and detail (first 32 hex digits). A baseline refers to findings by it.
    pub fingerprint: String,
    /// The command that fixes it, filled in with its values (rules with a `fix` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<crate::fix::Fix>,
}

impl Finding {
    /// The fingerprint of a finding of `rule_id` on `resource` and `detail`.
    pub fn fingerprint_of(rule_id: &str, resource: &str, detail: &str) -> String {
        let mut h = Sha256::new();
        for part in [rule_id, resource, detail] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let mut text = hex::encode(h.finalize());
        text.truncate(32);
        text
    }
}

/// The outcome of running a pack over a snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The snapshot folder.
    pub snapshot: String,
    /// The accounts in the snapshot.
    pub accounts: Vec<String>,
    /// When the snapshot was captured (RFC 3339).
    pub captured_at: String,
    /// Every rule that ran, in pack order.
    pub rules: Vec<RuleInfo>,
    /// Findings not suppressed, ordered by severity (highest first), rule id, resource.
    pub findings: Vec<Finding>,
    /// Findings a baseline suppressed (with the suppression's reason).
    pub suppressed: Vec<SuppressedFinding>,
    /// Suppressions whose expiry date has passed (they no longer suppress anything).
    pub expired_suppressions: Vec<crate::baseline::Suppression>,
    /// The rules that read data the snapshot lacks, in pack order: they report nothing
    /// about what they could not see, so their silence does not mean the account is clean.
    #[serde(default)]
    pub rules_without_data: Vec<RuleWithoutData>,
}

/// A rule that read data the snapshot lacks, and what it lacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleWithoutData {
    /// The rule's id.
    pub rule_id: String,
    /// Each part of the data it read that the snapshot lacks.
    pub missing: Vec<MissingData>,
}

/// Data a snapshot lacks, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingData {
    /// What it is, in words (`the credential report`).
    pub what: String,
    /// The table it would be in.
    pub table: String,
    /// Why the snapshot lacks it (`the snapshot was imported without it`).
    pub why: String,
    /// What to do to have it.
    pub how: String,
}

impl RuleWithoutData {
    /// `needs the credential report (the snapshot was imported without it): add ...`, each
    /// missing part in turn, separated by `; `.
    pub fn reason(&self) -> String {
        self.missing
            .iter()
            .map(|m| format!("needs {} ({}): {}", m.what, m.why, m.how))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A finding and the suppression that hides it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuppressedFinding {
    /// The finding.
    pub finding: Finding,
    /// Why it is accepted.
    pub reason: String,
}

impl Report {
    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Whether any unsuppressed finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_from_info_to_critical() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        for s in Severity::ALL {
            assert_eq!(Severity::from_name(s.as_str()), Some(s));
        }
        assert_eq!(Severity::from_name("urgent"), None);
    }

    #[test]
    fn fingerprints_depend_on_every_part() {
        let a = Finding::fingerprint_of("R-1", "arn:aws:iam::1:user/a", "");
        assert_eq!(a.len(), 32);
        assert_eq!(
            a,
            Finding::fingerprint_of("R-1", "arn:aws:iam::1:user/a", "")
        );
        assert_ne!(
            a,
            Finding::fingerprint_of("R-2", "arn:aws:iam::1:user/a", "")
        );
        assert_ne!(
            a,
            Finding::fingerprint_of("R-1", "arn:aws:iam::1:user/b", "")
        );
        assert_ne!(
            a,
            Finding::fingerprint_of("R-1", "arn:aws:iam::1:user/a", "AKIA1")
        );
        // The separator keeps "ab"+"c" apart from "a"+"bc".
        assert_ne!(
            Finding::fingerprint_of("R", "ab", "c"),
            Finding::fingerprint_of("R", "a", "bc")
        );
    }
}
