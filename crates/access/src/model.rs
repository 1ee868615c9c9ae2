//! The principals of a snapshot with every document that applies to them.
//!
//! Built from the `users`, `roles`, `attachments`, `policies`, `trust` and
//! `credential_report` tables. Documents are parsed and compiled once, on first use
//! ([`Model::prepare`] parses all of them on every core), never per request.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, MapArray, RecordBatch, StringArray};
use iamsnap_policy::Requester;
use iamsnap_snapshot::Snapshot;

use crate::document::Document;
use crate::nhi::{Password, RoleTrust, classify_role, classify_user};
use crate::principal::{AttachedPolicy, Principal, PrincipalParts};

/// A hash map with a fast hash: keys are ARNs and policy keys from the snapshot.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Every user and role of a snapshot.
#[derive(Debug)]
pub struct Model {
    by_arn: FastMap<String, Arc<Principal>>,
    /// Users then roles, each by ARN.
    principals: Vec<Arc<Principal>>,
    /// Every document of the `policies` table, and those referred to but not captured.
    documents: Vec<Arc<Document>>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray, String> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| format!("the snapshot has no text column `{name}`"))
}

fn bool_column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a BooleanArray, String> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_boolean_opt())
        .ok_or_else(|| format!("the snapshot has no boolean column `{name}`"))
}

fn value(column: &StringArray, row: usize) -> Option<&str> {
    (!column.is_null(row)).then(|| column.value(row))
}

fn flag(column: &BooleanArray, row: usize) -> Option<bool> {
    (!column.is_null(row)).then(|| column.value(row))
}

fn tags(batch: &RecordBatch, row: usize) -> Vec<(String, String)> {
    let Some(map) = batch
        .column_by_name("tags")
        .and_then(|c| c.as_any().downcast_ref::<MapArray>())
    else {
        return Vec::new();
    };
    if map.is_null(row) {
        return Vec::new();
    }
    let entries = map.value(row);
    let (Some(keys), Some(values)) = (
        entries
            .column_by_name("keys")
            .and_then(|c| c.as_string_opt::<i32>()),
        entries
            .column_by_name("values")
            .and_then(|c| c.as_string_opt::<i32>()),
    ) else {
        return Vec::new();
    };
    (0..keys.len())
        .filter_map(|i| Some((value(keys, i)?.to_owned(), value(values, i)?.to_owned())))
        .collect()
}

/// Who each role's trust policy allows, from the `trust` table.
fn role_trust(trust: &RecordBatch) -> Result<FastMap<String, RoleTrust>, String> {
    let roles = column(trust, "role_arn")?;
    let effects = column(trust, "effect")?;
    let kinds = column(trust, "principal_kind")?;
    let not_principal = bool_column(trust, "is_not_principal")?;
    let cross = bool_column(trust, "is_cross_account")?;
    let mut out: FastMap<String, RoleTrust> = FastMap::default();
    for row in 0..trust.num_rows() {
        let Some(role) = value(roles, row) else {
            continue;
        };
        // Only what the trust policy allows says who reaches the role.
        if value(effects, row) != Some("Allow") || flag(not_principal, row) == Some(true) {
            continue;
        }
        let t = out.entry(role.to_owned()).or_default();
        match value(kinds, row) {
            Some("saml") => t.saml = true,
            Some("service") => t.service = true,
            Some("oidc" | "web_identity") => t.oidc = true,
            _ => {}
        }
        if flag(cross, row) == Some(true) {
            t.other_account = true;
        }
    }
    Ok(out)
}

/// Whether each user of the credential report has a console password.
fn passwords(report: &RecordBatch) -> Result<FastMap<String, bool>, String> {
    let arns = column(report, "arn")?;
    let enabled = bool_column(report, "password_enabled")?;
    let mut out: FastMap<String, bool> = FastMap::default();
    for row in 0..report.num_rows() {
        if let Some(arn) = value(arns, row) {
            let has = out.entry(arn.to_owned()).or_default();
            *has |= flag(enabled, row) == Some(true);
        }
    }
    Ok(out)
}

impl Model {
    /// The tables a model needs: every snapshot holds them. It also reads the credential
    /// report when there is one, for the users' classification only; without it, users are
    /// presumed non-human and the reason says so ([`crate::nhi`]), so no answer of the model
    /// lacks data for want of it.
    pub const TABLES: &'static [&'static str] =
        &["users", "roles", "attachments", "policies", "trust"];

    /// Every table [`Model::build`] reads: [`Model::TABLES`] and the credential report.
    pub const READS: &'static [&'static str] = &[
        "users",
        "roles",
        "attachments",
        "policies",
        "trust",
        "credential_report",
    ];

    /// The model of a snapshot.
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Self, String> {
        Self::build(|name| snapshot.read_table(name).map_err(|e| e.to_string()))
    }

    /// The model of the tables `read` gives by name.
    pub fn build(read: impl Fn(&str) -> Result<RecordBatch, String>) -> Result<Self, String> {
        let policies = read("policies")?;
        let mut documents: FastMap<String, Arc<Document>> = FastMap::default();
        {
            let keys = column(&policies, "policy_key")?;
            let texts = column(&policies, "document")?;
            for row in 0..policies.num_rows() {
                let Some(key) = value(keys, row) else {
                    continue;
                };
                let text = value(texts, row).map(Arc::<str>::from);
                documents.insert(key.to_owned(), Arc::new(Document::new(key, text)));
            }
        }
        let mut document = |key: &str| -> Arc<Document> {
            Arc::clone(
                documents
                    .entry(key.to_owned())
                    .or_insert_with(|| Arc::new(Document::not_captured(key))),
            )
        };

        let attachments = read("attachments")?;
        let mut attached: FastMap<String, Vec<AttachedPolicy>> = FastMap::default();
        {
            let arns = column(&attachments, "principal_arn")?;
            let types = column(&attachments, "principal_type")?;
            let keys = column(&attachments, "policy_key")?;
            let names = column(&attachments, "policy_name")?;
            let groups = column(&attachments, "via_group_name")?;
            for row in 0..attachments.num_rows() {
                if value(types, row) == Some("group") {
                    continue;
                }
                let (Some(arn), Some(key), Some(name)) =
                    (value(arns, row), value(keys, row), value(names, row))
                else {
                    continue;
                };
                attached
                    .entry(arn.to_owned())
                    .or_default()
                    .push(AttachedPolicy {
                        key: key.to_owned(),
                        name: name.to_owned(),
                        via_group: value(groups, row).map(str::to_owned),
                        document: document(key),
                    });
            }
        }

        let trust = role_trust(&read("trust")?)?;
        let report = read("credential_report")?;
        let has_report = report.num_rows() > 0;
        let passwords = passwords(&report)?;

        let mut principals = Vec::new();
        for (table, principal_type) in [("users", Requester::User), ("roles", Requester::Role)] {
            let batch = read(table)?;
            let accounts = column(&batch, "account_id")?;
            let arns = column(&batch, "arn")?;
            let names = column(&batch, "name")?;
            let paths = column(&batch, "path")?;
            let boundaries = column(&batch, "permissions_boundary_arn")?;
            let service_linked = match principal_type {
                Requester::Role => Some(bool_column(&batch, "is_service_linked")?),
                Requester::User => None,
            };
            let mut rows: Vec<Principal> = Vec::new();
            for row in 0..batch.num_rows() {
                let (Some(account_id), Some(arn), Some(name)) =
                    (value(accounts, row), value(arns, row), value(names, row))
                else {
                    continue;
                };
                let path = value(paths, row).unwrap_or("/");
                let linked = service_linked.and_then(|c| flag(c, row)) == Some(true);
                let nhi = match principal_type {
                    Requester::Role => {
                        classify_role(name, linked, trust.get(arn).copied().unwrap_or_default())
                    }
                    Requester::User => classify_user(
                        path,
                        match passwords.get(arn) {
                            Some(true) => Password::Enabled,
                            Some(false) => Password::Disabled,
                            None if has_report => Password::NotInReport,
                            None => Password::NoReport,
                        },
                    ),
                };
                rows.push(Principal::new(PrincipalParts {
                    account_id: account_id.to_owned(),
                    principal_type,
                    arn: arn.to_owned(),
                    name: name.to_owned(),
                    path: path.to_owned(),
                    tags: tags(&batch, row),
                    policies: attached.remove(arn).unwrap_or_default(),
                    boundary: value(boundaries, row).map(&mut document),
                    nhi,
                    service_linked: linked,
                }));
            }
            rows.sort_by(|a, b| a.arn.cmp(&b.arn));
            principals.extend(rows.into_iter().map(Arc::new));
        }
        let by_arn = principals
            .iter()
            .map(|p| (p.arn.clone(), Arc::clone(p)))
            .collect();
        let mut documents: Vec<Arc<Document>> = documents.into_values().collect();
        documents.sort_by(|a, b| a.key().cmp(b.key()));
        Ok(Self {
            by_arn,
            principals,
            documents,
        })
    }

    /// A model of these principals (for tests of what is built on the model, and callers
    /// that assemble principals themselves).
    pub fn from_principals(principals: Vec<Principal>) -> Self {
        let mut principals: Vec<Arc<Principal>> = principals.into_iter().map(Arc::new).collect();
        principals.sort_by(|a, b| {
            (a.principal_type != Requester::User, &a.arn)
                .cmp(&(b.principal_type != Requester::User, &b.arn))
        });
        let mut documents: Vec<Arc<Document>> = principals
            .iter()
            .flat_map(|p| {
                p.policies
                    .iter()
                    .map(|a| Arc::clone(&a.document))
                    .chain(p.boundary.iter().cloned())
            })
            .collect();
        documents.sort_by(|a, b| a.key().cmp(b.key()));
        documents.dedup_by(|a, b| a.key() == b.key());
        let by_arn = principals
            .iter()
            .map(|p| (p.arn.clone(), Arc::clone(p)))
            .collect();
        Self {
            by_arn,
            principals,
            documents,
        }
    }

    /// Parses and compiles every document now, on every core (otherwise each is on first
    /// use): for callers that will evaluate most principals.
    pub fn prepare(&self) {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let chunk = self.documents.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for part in self.documents.chunks(chunk) {
                scope.spawn(move || {
                    for d in part {
                        let _ = d.state();
                    }
                });
            }
        });
    }

    /// The user or role with this ARN.
    pub fn principal(&self, arn: &str) -> Option<&Arc<Principal>> {
        self.by_arn.get(arn)
    }

    /// Every user, then every role, each in ARN order.
    pub fn principals(&self) -> &[Arc<Principal>] {
        &self.principals
    }
}
