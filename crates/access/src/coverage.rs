//! Which parts of an account's state a snapshot holds: the one place that knows which
//! capture fills which table, and so whether a table without rows means "nothing there"
//! or "never captured".
//!
//! The IAM configuration itself (users, roles, groups, policies, attachments, trust) is in
//! every snapshot: a capture without it fails. The other parts are optional ([`PARTS`]):
//! an import fills one only when given its file, an export only when AWS let it read it
//! (otherwise the manifest's `missing` says why), and a snapshot of an older format lacks
//! the tables added since. [`availability`] answers, for a table and the columns read from
//! it, whether the snapshot holds them, and if not why and what to do.
//!
//! A part that is present but incomplete (a credential report older than some users, an
//! activity summary of a few days) counts as present: what it holds is data, and the
//! answers built on it say so where they can (e.g. a user the credential report does not
//! list is presumed non-human, with that reason).

use iamsnap_snapshot::Snapshot;

/// An optional part of a snapshot: what it is, where it comes from, what it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// What it is, in words (`the credential report`).
    pub what: &'static str,
    /// The tables (and, when only some of a table, the columns) it fills.
    pub fills: &'static [(&'static str, &'static [&'static str])],
    /// The manifest's source input kinds that carry it (files given to an import, logs
    /// summarized).
    pub inputs: &'static [&'static str],
    /// The names under which the manifest's `missing` lists it when a capture could not
    /// read it.
    pub missing: &'static [&'static str],
    /// Whether `iamsnap export` captures it without being asked (unless `missing` says
    /// otherwise).
    pub exported: bool,
    /// What to do to have it, in user terms.
    pub how: &'static str,
}

/// Every optional part of a snapshot.
pub const PARTS: &[Part] = &[
    Part {
        what: "the credential report",
        fills: &[("credential_report", &[])],
        inputs: &["credential_report"],
        missing: &["credential_report"],
        exported: true,
        how: "add `--credential-report` to `iamsnap import` (the CSV of `aws iam get-credential-report`), or export it live with `iamsnap export`",
    },
    Part {
        what: "the access keys",
        fills: &[("access_keys", &[])],
        // An import reads the keys from the credential report.
        inputs: &["credential_report"],
        missing: &["access_keys"],
        exported: true,
        how: "add `--credential-report` to `iamsnap import` (it lists each user's keys), or export them live with `iamsnap export`",
    },
    Part {
        what: "when each access key was last used",
        fills: &[(
            "access_keys",
            &["last_used_date", "last_used_service", "last_used_region"],
        )],
        inputs: &["credential_report"],
        missing: &["access_key_last_used"],
        exported: true,
        how: "add `--credential-report` to `iamsnap import`, or export live with `iam:GetAccessKeyLastUsed` allowed",
    },
    Part {
        what: "the service last accessed data",
        fills: &[("service_last_accessed", &[])],
        inputs: &["service_last_accessed"],
        missing: &["service_last_accessed"],
        exported: true,
        how: "add `--service-last-accessed` to `iamsnap import`, or export it live with `iamsnap export`",
    },
    Part {
        what: "the CloudTrail activity",
        fills: &[("activity", &[])],
        inputs: &[
            "cloudtrail_logs",
            "cloudtrail_s3",
            "cloudtrail_lookup_events",
        ],
        missing: &["cloudtrail_s3", "cloudtrail_lookup_events"],
        exported: false,
        how: "add `--cloudtrail-logs` or `--cloudtrail-s3` to `iamsnap import`, or `--cloudtrail-days` or `--cloudtrail-s3` to `iamsnap export`",
    },
    Part {
        what: "the resource-based policies",
        fills: &[("resource_policies", &[])],
        inputs: &[],
        missing: &[
            "resources",
            "regions",
            "s3_buckets",
            "s3_bucket_policies",
            "kms_keys",
            "kms_key_policies",
            "sqs_queues",
            "sqs_queue_policies",
            "sns_topics",
            "sns_topic_policies",
            "secrets",
            "secret_policies",
            "lambda_functions",
            "lambda_policies",
            "ecr_repositories",
            "ecr_repository_policies",
        ],
        exported: true,
        how: "export the account live with `iamsnap export` (without `--no-resources`), with the read actions of docs/export-policy.json allowed",
    },
    Part {
        what: "the resource settings (Block Public Access, ownership, tags)",
        fills: &[("resource_settings", &[])],
        inputs: &[],
        missing: &[
            "resources",
            "regions",
            "s3_buckets",
            "s3_bucket_public_access_block",
            "s3_bucket_ownership",
            "s3_bucket_tags",
            "s3_account_public_access_block",
            "kms_keys",
            "kms_key_tags",
        ],
        exported: true,
        how: "export the account live with `iamsnap export` (without `--no-resources`), with the read actions of docs/export-policy.json allowed",
    },
    Part {
        what: "the KMS grants",
        fills: &[("kms_grants", &[])],
        inputs: &[],
        missing: &["resources", "regions", "kms_keys", "kms_grants"],
        exported: true,
        how: "export the account live with `iamsnap export` (without `--no-resources`), with the read actions of docs/export-policy.json allowed",
    },
    Part {
        what: "the account settings (aliases, password policy)",
        fills: &[("account_settings", &[])],
        inputs: &[],
        missing: &["password_policy", "account_aliases"],
        exported: true,
        how: "export the account live with `iamsnap export`",
    },
    Part {
        what: "the organization (accounts, OUs, SCPs, RCPs)",
        fills: &[
            ("organization", &[]),
            ("accounts", &[]),
            ("organizational_units", &[]),
            ("organization_policies", &[]),
            ("organization_policy_targets", &[]),
        ],
        inputs: &["organization"],
        missing: &["organization", "organization_policies"],
        exported: false,
        how: "export it with `iamsnap export --org` from the management account or a delegated administrator, or capture it with `scripts/capture-org` and import the folder with `iamsnap import --aws-cli DIR`",
    },
];

/// Data a snapshot lacks, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// What is missing, in words (`the credential report`).
    pub what: String,
    /// The table it would be in.
    pub table: String,
    /// Why the snapshot lacks it.
    pub why: String,
    /// What to do to have it.
    pub how: String,
}

/// The parts of `table` that `columns` read (every part of the table when `columns` is
/// empty, i.e. the rows themselves are read).
fn parts_of<'a>(
    table: &'a str,
    columns: &'a [&'a str],
) -> impl Iterator<Item = &'static Part> + 'a {
    PARTS.iter().filter(move |p| {
        p.fills.iter().any(|(t, cols)| {
            *t == table
                && (cols.is_empty()
                    || columns.is_empty()
                    || columns.iter().any(|c| cols.contains(c)))
        })
    })
}

/// Whether `snapshot` holds the rows of `table` and its `columns` (all of them when
/// empty): the first part it lacks, or `None` when it holds them. A table outside the
/// optional parts is always held, unless the snapshot's format predates it.
pub fn availability(snapshot: &Snapshot, table: &str, columns: &[&str]) -> Option<Unavailable> {
    if !snapshot.has_table(table) {
        let known = iamsnap_snapshot::table(table);
        return Some(Unavailable {
            what: format!("the `{table}` table"),
            table: table.to_owned(),
            why: match known {
                Some(t) => format!(
                    "the snapshot's format (version {}) predates it (added in version {})",
                    snapshot.format_version(),
                    t.since
                ),
                None => "the snapshot has no such table".to_owned(),
            },
            how: "capture the snapshot again with this version of iamsnap".to_owned(),
        });
    }
    // A table filled by several parts (the access keys and when each was last used) lacks
    // the first part it needs that was not captured.
    for part in parts_of(table, columns) {
        if let Some(why) = lacks(snapshot, part) {
            return Some(Unavailable {
                what: part.what.to_owned(),
                table: table.to_owned(),
                why,
                how: part.how.to_owned(),
            });
        }
    }
    None
}

impl Part {
    /// Why `snapshot` lacks this part, or `None` when it holds it.
    pub fn lacked_by(&self, snapshot: &Snapshot) -> Option<String> {
        lacks(snapshot, self)
    }
}

/// Why `snapshot` lacks `part`, or `None` when it holds it.
fn lacks(snapshot: &Snapshot, part: &Part) -> Option<String> {
    let manifest = snapshot.manifest();
    if let Some(m) = manifest
        .missing
        .iter()
        .find(|m| part.missing.contains(&m.part.as_str()))
    {
        return Some(format!("the capture could not read it: {}", m.reason));
    }
    let given = manifest
        .source
        .inputs
        .iter()
        .any(|i| part.inputs.contains(&i.kind.as_str()));
    if given {
        return None;
    }
    let empty = part.fills.iter().all(|(t, _)| {
        manifest
            .tables
            .iter()
            .find(|e| e.name == *t)
            .is_none_or(|e| e.rows == 0)
    });
    match manifest.source.kind.as_str() {
        // A part only some exports read (the organization, with `--org`) is there when
        // its tables have rows.
        "export" if part.exported || !empty => None,
        "export" => Some("the live export was not asked for it".to_owned()),
        "import" => Some("the snapshot was imported without it".to_owned()),
        // A snapshot written by another tool: its tables say what it holds.
        _ => empty.then(|| "the snapshot holds none".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_found_by_table_and_column() {
        let whats = |t, c: &[&str]| parts_of(t, c).map(|p| p.what).collect::<Vec<_>>();
        assert_eq!(whats("credential_report", &[]), ["the credential report"]);
        assert_eq!(
            whats("access_keys", &["status"]),
            ["the access keys"],
            "the status is not last-used data"
        );
        assert_eq!(
            whats("access_keys", &["last_used_date"]),
            ["the access keys", "when each access key was last used"]
        );
        assert!(whats("roles", &[]).is_empty());
    }

    #[test]
    fn every_part_says_what_to_do() {
        for p in PARTS {
            assert!(!p.how.is_empty() && !p.fills.is_empty(), "{}", p.what);
            for (t, cols) in p.fills {
                let table = iamsnap_snapshot::table(t).unwrap_or_else(|| panic!("{t}"));
                for c in *cols {
                    assert!(table.column(c).is_some(), "{t}.{c}");
                }
            }
        }
    }
}
