use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The value of `format` in every manifest.
pub const FORMAT_NAME: &str = "iamsnap-snapshot";

/// The snapshot format version this build writes, and the newest it reads. Bump it
/// whenever a table or column changes meaning, is added or is removed.
///
/// Version 3 added the `catalog_actions` table; version 4 the organization tables
/// (`organization`, `accounts`, `organizational_units`, `organization_policies`,
/// `organization_policy_targets`) and the resource tables (`resource_policies`,
/// `resource_settings`, `kms_grants`).
pub const FORMAT_VERSION: u32 = 4;

/// The oldest snapshot format version this build reads. A snapshot of a version between
/// this and [`FORMAT_VERSION`] lacks the tables added since (see [`crate::Table::since`]);
/// readers treat them as absent.
pub const OLDEST_FORMAT_VERSION: u32 = 2;

/// The file name of the manifest inside a snapshot folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// `manifest.json`: what a snapshot holds and how to check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the iamsnap that wrote it.
    pub format_version: u32,
    /// Version of the iamsnap that wrote it.
    pub tool_version: String,
    /// When the account state was captured.
    pub captured_at: DateTime<Utc>,
    /// Where the data came from.
    pub source: Source,
    /// Every account the snapshot covers.
    pub account_ids: Vec<String>,
    /// Data date of the action catalog of the iamsnap that wrote it: access computed from
    /// two snapshots with different catalogs can differ because AWS added actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_date: Option<String>,
    /// Every table file, with its row count and sha256.
    pub tables: Vec<TableEntry>,
    /// Things a reader should know about the data (e.g. policies referenced but absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Parts of the account the source could not capture (an export denied an API, say),
    /// and why: their tables are empty or incomplete. Absent from older manifests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<MissingPart>,
}

/// A part of the account state a snapshot lacks, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPart {
    /// What is missing, e.g. `service_last_accessed` or `credential_report`.
    pub part: String,
    /// Why, and what to do about it, e.g. `AccessDenied: grant iam:GetCredentialReport`.
    pub reason: String,
    /// The IAM action whose denial caused it, when that is the cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The account the part is missing from, in a snapshot of several accounts (absent:
    /// every account the snapshot covers, or the only one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The region the part is missing from, for regional parts (absent: not regional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl MissingPart {
    /// The part with where it is missing: `resource_policies (account 111122223333, region
    /// eu-west-1)`, or the part alone.
    pub fn subject(&self) -> String {
        let place: Vec<String> = [("account", &self.account), ("region", &self.region)]
            .into_iter()
            .filter_map(|(what, v)| v.as_ref().map(|v| format!("{what} {v}")))
            .collect();
        if place.is_empty() {
            self.part.clone()
        } else {
            format!("{} ({})", self.part, place.join(", "))
        }
    }
}

/// Where a snapshot's data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// `import` (files the user had) or `export` (a live account).
    pub kind: String,
    /// The input files, for `import`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<SourceInput>,
}

/// One input file of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInput {
    /// What the file is: `auth_details` or `credential_report`.
    pub kind: String,
    /// The file's name (without its folder, so snapshots do not reveal local paths).
    pub name: String,
    /// sha256 of the file's bytes.
    pub sha256: String,
}

/// One table file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    /// Table name.
    pub name: String,
    /// File name inside the snapshot folder.
    pub file: String,
    /// Number of rows.
    pub rows: u64,
    /// sha256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// What the writer of a snapshot says about it; the writer adds the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestInfo {
    /// When the account state was captured.
    pub captured_at: DateTime<Utc>,
    /// Where the data came from.
    pub source: Source,
    /// Every account the snapshot covers.
    pub account_ids: Vec<String>,
    /// Data date of the action catalog in use.
    pub catalog_date: Option<String>,
    /// Notes for readers.
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::MissingPart;

    #[test]
    fn a_missing_part_names_its_account_and_region_when_it_has_them() {
        let mut part = MissingPart {
            part: "resource_policies".into(),
            reason: "AccessDenied: grant s3:GetBucketPolicy".into(),
            action: Some("s3:GetBucketPolicy".into()),
            account: None,
            region: None,
        };
        assert_eq!(part.subject(), "resource_policies");
        part.account = Some("111122223333".into());
        part.region = Some("eu-west-1".into());
        assert_eq!(
            part.subject(),
            "resource_policies (account 111122223333, region eu-west-1)"
        );
        // Older manifests have neither field.
        let old: MissingPart =
            serde_json::from_str(r#"{"part":"access_keys","reason":"r"}"#).unwrap_or(part);
        assert_eq!(old.subject(), "access_keys");
    }
}
