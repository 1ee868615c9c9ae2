//! The rows of the resource tables (`resource_policies`, `resource_settings`,
//! `kms_grants`) and their building, shared by the live export (`iamsnap-export`) and the
//! import of an AWS CLI capture (([`crate::capture_resources`])), so both give the same rows
//! for the same account.
//!
//! Every document is kept as decoded, compact JSON and checked as a resource-based policy
//! by the policy parser ([`normalize_policy`]); a document AWS accepted but the parser does
//! not is kept with its problem.

use arrow::record_batch::RecordBatch;
use chrono::{DateTime, Utc};
use iamsnap_policy::{DocumentKind, decode_document_text, parse_document_as};
use iamsnap_snapshot::{Cell, SnapshotError, Table, TableBuilder};
use serde_json::Value;

/// The snapshot table of resource policies.
pub const POLICIES_TABLE: &str = "resource_policies";
/// The snapshot table of resource settings.
pub const SETTINGS_TABLE: &str = "resource_settings";
/// The snapshot table of KMS grants.
pub const GRANTS_TABLE: &str = "kms_grants";

/// The four settings of S3 Block Public Access, as `resource_settings` names them.
pub const PUBLIC_ACCESS_SETTINGS: [&str; 4] = [
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
];

/// One resource-based policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyRow {
    /// The account that owns it.
    pub account_id: String,
    /// Its region (`None`: global, as an account setting).
    pub region: Option<String>,
    /// Service prefix, as in IAM actions.
    pub service: &'static str,
    /// Resource type, as the service authorization reference names it.
    pub resource_type: &'static str,
    /// The resource's ARN (the account id for an account setting).
    pub arn: String,
    /// The resource's name.
    pub name: String,
    /// The document: decoded, compact JSON (as given when not JSON).
    pub policy: String,
    /// The API it was read with, `<service>:<operation>`.
    pub source: &'static str,
    /// Why the document is not a valid resource-based policy, if it is not.
    pub problem: Option<String>,
}

/// One setting of a resource (or of an account in a service).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SettingRow {
    /// The account that owns it.
    pub account_id: String,
    /// Its region (`None`: global, as an account setting).
    pub region: Option<String>,
    /// Service prefix, as in IAM actions.
    pub service: &'static str,
    /// Resource type, as the service authorization reference names it.
    pub resource_type: &'static str,
    /// The resource's ARN (the account id for an account setting).
    pub arn: String,
    /// The setting's name (`tag:<key>` for a tag).
    pub setting: String,
    /// Its value.
    pub value: String,
    /// The API it was read with, `<service>:<operation>`.
    pub source: &'static str,
}

/// One grant of a KMS key.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub struct GrantRow {
    /// The account that owns it.
    pub account_id: String,
    /// The key's region.
    pub region: String,
    /// The key's ARN.
    pub key_arn: String,
    /// The grant's id.
    pub grant_id: String,
    /// The grant's name.
    pub name: Option<String>,
    /// Who may use the key.
    pub grantee_principal: Option<String>,
    /// Who may retire the grant.
    pub retiring_principal: Option<String>,
    /// The operations allowed.
    pub operations: Vec<String>,
    /// Encryption context constraints, JSON.
    pub constraints: Option<String>,
    /// The account that created the grant.
    pub issuing_account: Option<String>,
    /// When it was created.
    pub creation_date: Option<DateTime<Utc>>,
}

/// The rows read of one or more accounts.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    /// `resource_policies` rows.
    pub policies: Vec<PolicyRow>,
    /// `resource_settings` rows.
    pub settings: Vec<SettingRow>,
    /// `kms_grants` rows.
    pub grants: Vec<GrantRow>,
}

impl Captured {
    /// Adds the rows of `other`.
    pub fn extend(&mut self, other: Captured) {
        self.policies.extend(other.policies);
        self.settings.extend(other.settings);
        self.grants.extend(other.grants);
    }

    /// The three tables, rows in a stable order.
    pub fn tables(mut self) -> Result<Vec<(&'static Table, RecordBatch)>, SnapshotError> {
        self.policies.sort();
        self.settings.sort();
        let mut policies = TableBuilder::new(table(POLICIES_TABLE)?);
        for p in &self.policies {
            policies.push(&[
                (&p.account_id).into(),
                Cell::Text(p.region.as_deref()),
                p.service.into(),
                p.resource_type.into(),
                (&p.arn).into(),
                (&p.name).into(),
                (&p.policy).into(),
                p.source.into(),
                Cell::Text(p.problem.as_deref()),
            ])?;
        }
        let mut settings = TableBuilder::new(table(SETTINGS_TABLE)?);
        for s in &self.settings {
            settings.push(&[
                (&s.account_id).into(),
                Cell::Text(s.region.as_deref()),
                s.service.into(),
                s.resource_type.into(),
                (&s.arn).into(),
                (&s.setting).into(),
                (&s.value).into(),
                s.source.into(),
            ])?;
        }
        self.grants.sort_by(|a, b| {
            (&a.account_id, &a.region, &a.key_arn, &a.grant_id).cmp(&(
                &b.account_id,
                &b.region,
                &b.key_arn,
                &b.grant_id,
            ))
        });
        let mut grants = TableBuilder::new(table(GRANTS_TABLE)?);
        for g in &self.grants {
            grants.push(&[
                (&g.account_id).into(),
                (&g.region).into(),
                (&g.key_arn).into(),
                (&g.grant_id).into(),
                Cell::Text(g.name.as_deref()),
                Cell::Text(g.grantee_principal.as_deref()),
                Cell::Text(g.retiring_principal.as_deref()),
                (&g.operations).into(),
                Cell::Text(g.constraints.as_deref()),
                Cell::Text(g.issuing_account.as_deref()),
                g.creation_date.into(),
            ])?;
        }
        Ok(vec![
            (policies.table(), policies.finish()?),
            (settings.table(), settings.finish()?),
            (grants.table(), grants.finish()?),
        ])
    }
}

fn table(name: &str) -> Result<&'static Table, SnapshotError> {
    iamsnap_snapshot::table(name).ok_or_else(|| SnapshotError::UnknownTable {
        name: name.to_owned(),
    })
}

/// A policy document as the table keeps it: decoded, compact JSON text (the text as given
/// when it is not JSON), and why it is not a valid resource-based policy, if it is not.
pub fn normalize_policy(text: &str, kind: DocumentKind) -> (String, Option<String>) {
    let decoded = match decode_document_text(text) {
        Ok(d) => d,
        Err(e) => return (text.to_owned(), Some(e.to_string())),
    };
    let value: Value = match serde_json::from_str(&decoded) {
        Ok(v) => v,
        Err(e) => {
            return (
                decoded.into_owned(),
                Some(format!("the document is not JSON: {e}")),
            );
        }
    };
    let problem = parse_document_as(&value, kind).err().map(|e| e.to_string());
    (value.to_string(), problem)
}

/// Seconds since the epoch (KMS's dates) as an instant.
pub fn epoch(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    let micros = (seconds * 1_000_000.0).round();
    if micros.abs() > 9.0e18 {
        return None;
    }
    DateTime::from_timestamp_micros(micros as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_kept_compact_and_checked_as_resource_policies() {
        let (text, problem) = normalize_policy(
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/*\"}]\n}",
            DocumentKind::Resource,
        );
        assert_eq!(
            text,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#
        );
        assert_eq!(problem, None);

        let (_, problem) = normalize_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            DocumentKind::Resource,
        );
        let problem = problem.unwrap_or_default();
        assert!(
            problem.contains("needs `Principal` or `NotPrincipal`"),
            "{problem}"
        );

        let (text, problem) = normalize_policy("not json", DocumentKind::Resource);
        assert_eq!(text, "not json");
        assert!(
            problem
                .unwrap_or_default()
                .starts_with("the document is not JSON")
        );
    }
}
