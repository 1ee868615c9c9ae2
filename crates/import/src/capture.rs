//! A capture folder: AWS CLI outputs of an organization and of its accounts' IAM, as
//! `scripts/capture-org` writes them (and `iamsnap generate --org`), read by `iamsnap
//! import --aws-cli DIR`.
//!
//! ```text
//! organization/...                                   see [`crate::organization`]
//! accounts/<account id>/get-account-authorization-details.json
//! accounts/<account id>/credential-report.csv        the decoded CSV
//! accounts/<account id>/error.txt                    why the account could not be captured
//! accounts/<account id>/resources/...                 resource-based policies, see
//!                                                     [`crate::capture_resources`]
//! accounts/<account id>/resources-error.txt           why they could not be captured
//! ```
//!
//! An account of the organization without its IAM data (no folder, or a folder with only
//! `error.txt`) is listed in the manifest as missing, with the reason the capture recorded;
//! so is a missing credential report. Nothing is skipped silently.

use std::fs;
use std::path::{Path, PathBuf};

use iamsnap_snapshot::MissingPart;

use crate::error::ImportError;
use crate::organization::{Organization, ReadFile};
use crate::resources::Captured;

/// The folder of a capture that holds one folder per account.
pub const ACCOUNTS: &str = "accounts";
/// An account's authorization details, in its folder.
pub const AUTH_DETAILS: &str = "get-account-authorization-details.json";
/// An account's credential report (CSV), in its folder.
pub const CREDENTIAL_REPORT: &str = "credential-report.csv";
/// Why an account (or part of it) could not be captured, in its folder.
pub const ERROR: &str = "error.txt";

/// At most this much of an `error.txt` is kept as the reason.
const MAX_REASON: usize = 500;

/// What a capture folder holds.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The organization, when the capture has one.
    pub organization: Option<Organization>,
    /// The organization's files read, for the manifest.
    pub organization_files: Vec<ReadFile>,
    /// Every account's authorization details.
    pub auth_details: Vec<PathBuf>,
    /// Every account's credential report.
    pub credential_reports: Vec<PathBuf>,
    /// Every account's resource policies, settings and KMS grants.
    pub resources: Captured,
    /// The resource files read, for the manifest.
    pub resource_files: Vec<ReadFile>,
    /// What the capture lacks, per account.
    pub missing: Vec<MissingPart>,
}

/// The account whose folder of the capture in `dir` holds `file`.
pub fn account_of(dir: &Path, file: &Path) -> Option<String> {
    let mut parts = file.strip_prefix(dir.join(ACCOUNTS)).ok()?.components();
    let id = parts.next()?.as_os_str().to_str()?;
    is_account_id(id).then(|| id.to_owned())
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The text of an `error.txt`, as one printable line of bounded length.
fn reason(path: &Path) -> Option<String> {
    let text = fs::read(path).ok()?;
    let text = String::from_utf8_lossy(text.get(..MAX_REASON * 4).unwrap_or(&text));
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON)
        .collect();
    (!line.is_empty()).then_some(line)
}

impl Capture {
    /// Reads the capture in `dir`.
    pub fn read(dir: &Path) -> Result<Self, ImportError> {
        let shown = dir.display().to_string();
        let not_capture = |message: String| ImportError::Capture {
            dir: shown.clone(),
            message,
        };
        if !dir.is_dir() {
            return Err(not_capture(
                "no such folder: give the folder `scripts/capture-org -o DIR` wrote".to_owned(),
            ));
        }
        let (organization, organization_files) = if Organization::in_capture(dir) {
            let (org, files) = Organization::read_capture(dir)?;
            (Some(org), files)
        } else {
            (None, Vec::new())
        };
        let accounts_dir = dir.join(ACCOUNTS);
        let mut found: Vec<String> = Vec::new();
        if accounts_dir.is_dir() {
            let io = |source| ImportError::Io {
                file: accounts_dir.display().to_string(),
                source,
            };
            for entry in fs::read_dir(&accounts_dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                if !is_account_id(&name) || !entry.path().is_dir() {
                    return Err(not_capture(format!(
                        "`{ACCOUNTS}/{name}` is not an account folder: `{ACCOUNTS}/` holds one folder per account, named by its 12-digit id"
                    )));
                }
                found.push(name);
            }
        }
        found.sort();
        if organization.is_none() && found.is_empty() {
            return Err(not_capture(format!(
                "it holds neither `organization/` nor `{ACCOUNTS}/<account id>/`: give the folder `scripts/capture-org -o DIR` wrote"
            )));
        }

        let mut auth_details = Vec::new();
        let mut credential_reports = Vec::new();
        let mut missing = Vec::new();
        let part = |part: &str, account: &str, reason: String| MissingPart {
            part: part.to_owned(),
            reason,
            action: None,
            account: Some(account.to_owned()),
            region: None,
        };
        let mut resources = Captured::default();
        let mut resource_files = Vec::new();
        for id in &found {
            let folder = accounts_dir.join(id);
            let error = reason(&folder.join(ERROR));
            let read = crate::capture_resources::read_account(dir, &folder, id, error.clone())?;
            resources.extend(read.rows);
            resource_files.extend(read.files);
            missing.extend(read.missing);
            let auth = folder.join(AUTH_DETAILS);
            if auth.is_file() {
                auth_details.push(auth);
            } else {
                missing.push(part(
                    "iam",
                    id,
                    error.clone().unwrap_or_else(|| {
                        format!("the capture has no `{ACCOUNTS}/{id}/{AUTH_DETAILS}`")
                    }),
                ));
            }
            let report = folder.join(CREDENTIAL_REPORT);
            if report.is_file() {
                credential_reports.push(report);
            } else {
                missing.push(part(
                    "credential_report",
                    id,
                    error.unwrap_or_else(|| {
                        format!("the capture has no `{ACCOUNTS}/{id}/{CREDENTIAL_REPORT}`")
                    }),
                ));
            }
        }
        if let Some(org) = &organization {
            for a in &org.accounts {
                if found.binary_search(&a.id).is_err() {
                    let status = a.status.as_deref().unwrap_or("unknown");
                    // Neither its IAM nor its resources.
                    for what in ["iam", crate::capture_resources::SKIPPED_PART] {
                        missing.push(part(
                            what,
                            &a.id,
                            format!(
                                "the capture has no folder `{ACCOUNTS}/{}/` (account status {status}): its IAM data and resources were not captured",
                                a.id
                            ),
                        ));
                    }
                }
            }
        }
        Ok(Self {
            organization,
            organization_files,
            auth_details,
            credential_reports,
            resources,
            resource_files,
            missing,
        })
    }
}
