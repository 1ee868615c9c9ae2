//! The organization's guardrails over each account: which service control policies (SCPs)
//! bound its principals and which resource control policies (RCPs) bound its resources,
//! level by level from the root down to the account, and the organization's keys of the
//! request context (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`).
//!
//! Built from the `organization`, `accounts`, `organization_policies` and
//! `organization_policy_targets` tables. As AWS applies them:
//!
//! - a policy type applies only in an organization with all features whose root has the
//!   type enabled;
//! - every level (the root, each OU down to the account, the account) must allow: one
//!   list of policies per level, attached there;
//! - SCPs do not restrict the management account's principals, RCPs do not restrict the
//!   management account's resources, and neither restricts service-linked roles;
//! - RCPs apply only to the services that support them ([`RCP_SERVICES`]).
//!
//! A snapshot without organization data evaluates every account as outside any
//! organization, and says so ([`Guardrails::note`]); a snapshot whose organization lacks
//! its policies (the manifest lists `organization_policies` missing) makes every allow of
//! its member accounts unknown: an SCP or RCP could take it away.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow::array::{Array, AsArray, BooleanArray, ListArray, RecordBatch};
use iamsnap_policy::CompiledPolicy;

use crate::document::Document;
use crate::model::{column as strings, value as get};
use crate::verdict::ControlNames;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Policies by (policy type, target id): each with its display name and document.
type Attached = FastMap<(String, String), Vec<(String, Arc<Document>)>>;

/// The services whose resources RCPs restrict, as AWS Organizations lists them
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>,
/// and AWS Control Tower's RCP controls: Amazon S3, AWS STS, AWS KMS, Amazon SQS, AWS
/// Secrets Manager). A request to another service is not evaluated against RCPs.
pub const RCP_SERVICES: &[&str] = &["s3", "sts", "kms", "sqs", "secretsmanager"];

/// One level of control policies: where they are attached, and the documents.
#[derive(Debug)]
struct Level {
    /// `root r-ab12`, `OU Prod (ou-ab12-34cd5678)`, `account 111122223333`.
    name: String,
    /// The policies attached at this level, each with its display name.
    policies: Vec<(String, Arc<Document>)>,
}

/// Whether a kind of control policy applies to an account, and if so its levels.
#[derive(Debug)]
enum Controls {
    /// It does not apply; the reason is for explanations.
    None,
    /// Every level must allow.
    Levels(Vec<Level>),
    /// It applies but the snapshot lacks the policies: an allow is unknown.
    Unknown(String),
}

/// Compiled levels, built on first use and shared by every principal of the account.
#[derive(Debug, Default)]
struct Compiled {
    levels: Vec<Vec<CompiledPolicy>>,
    /// A policy attached to a level whose document is not readable.
    unknown: Option<String>,
}

/// The control policies over one account.
#[derive(Debug)]
pub struct Guardrails {
    /// The organization id, when the account is in the captured organization.
    pub organization_id: Option<String>,
    /// `aws:PrincipalOrgPaths` of the account: `o-.../r-.../ou-.../`.
    pub org_path: Option<String>,
    /// Whether the account is the organization's management account.
    pub management: bool,
    scps: Controls,
    rcps: Controls,
    /// Why no organization data applies, when the snapshot holds none.
    note: Option<&'static str>,
    compiled_scps: OnceLock<Compiled>,
    compiled_rcps: OnceLock<Compiled>,
    names: OnceLock<Arc<ControlNames>>,
    regions: OnceLock<Vec<String>>,
}

/// What the snapshot says about control policies over an account, for one evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applied<'a> {
    pub(crate) levels: &'a [Vec<CompiledPolicy>],
    /// Why an allow is unknown: the policies are not all in the snapshot.
    pub(crate) unknown: Option<&'a str>,
}

const NONE: Applied<'static> = Applied {
    levels: &[],
    unknown: None,
};

impl Guardrails {
    /// An account outside any organization the snapshot holds.
    pub(crate) fn outside(note: Option<&'static str>) -> Self {
        Self {
            organization_id: None,
            org_path: None,
            management: false,
            scps: Controls::None,
            rcps: Controls::None,
            note,
            compiled_scps: OnceLock::new(),
            compiled_rcps: OnceLock::new(),
            names: OnceLock::new(),
            regions: OnceLock::new(),
        }
    }

    /// The regions the SCPs over the account name in conditions on `aws:RequestedRegion`
    /// (a region lock), sorted: where a request that names no region may be made.
    pub(crate) fn regions(&self) -> &[String] {
        self.regions.get_or_init(|| {
            let Controls::Levels(levels) = &self.scps else {
                return Vec::new();
            };
            let mut out: Vec<String> = levels
                .iter()
                .flat_map(|l| l.policies.iter())
                .filter_map(|(_, d)| d.document())
                .flat_map(|d| d.statements.iter())
                .flat_map(|s| s.conditions.iter())
                .filter(|c| c.key.eq_ignore_ascii_case("aws:RequestedRegion"))
                .flat_map(|c| c.values.iter())
                .filter(|v| !v.contains(['*', '?', '$']))
                .cloned()
                .collect();
            out.sort();
            out.dedup();
            out
        })
    }

    /// Why no control policy was considered, when the snapshot holds no organization.
    pub fn note(&self) -> Option<&'static str> {
        self.note
    }

    fn compile<'a>(controls: &'a Controls, cell: &'a OnceLock<Compiled>) -> Option<&'a Compiled> {
        let Controls::Levels(levels) = controls else {
            return None;
        };
        Some(cell.get_or_init(|| {
            let mut out = Compiled::default();
            for level in levels {
                let mut compiled = Vec::with_capacity(level.policies.len());
                for (name, doc) in &level.policies {
                    match doc.compiled() {
                        Some(c) => compiled.push(c.renamed(format!("{name} at {}", level.name))),
                        None => {
                            out.unknown.get_or_insert_with(|| {
                                format!(
                                    "control policy {name} at {} has no readable document in the snapshot",
                                    level.name
                                )
                            });
                        }
                    }
                }
                out.levels.push(compiled);
            }
            out
        }))
    }

    fn applied<'a>(controls: &'a Controls, cell: &'a OnceLock<Compiled>) -> Applied<'a> {
        match controls {
            Controls::None => NONE,
            Controls::Unknown(reason) => Applied {
                levels: &[],
                unknown: Some(reason),
            },
            Controls::Levels(_) => match Self::compile(controls, cell) {
                Some(c) => Applied {
                    levels: &c.levels,
                    unknown: c.unknown.as_deref(),
                },
                None => NONE,
            },
        }
    }

    /// The SCPs over a principal of the account (none for a service-linked role).
    pub(crate) fn scps(&self, service_linked: bool) -> Applied<'_> {
        if service_linked {
            return NONE;
        }
        Self::applied(&self.scps, &self.compiled_scps)
    }

    /// The RCPs over a resource of the account, for a request to `service` (none for a
    /// request of a service-linked role or to a service RCPs do not cover).
    pub(crate) fn rcps(&self, service: &str, service_linked: bool) -> Applied<'_> {
        if service_linked || !RCP_SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service)) {
            return NONE;
        }
        Self::applied(&self.rcps, &self.compiled_rcps)
    }

    /// Whether `other` puts the same control policies over its account: the same
    /// organization, place in it and management status, and level by level the same
    /// SCPs and RCPs (names and documents).
    pub fn same_as(&self, other: &Guardrails) -> bool {
        fn same(a: &Controls, b: &Controls) -> bool {
            match (a, b) {
                (Controls::None, Controls::None) => true,
                (Controls::Unknown(x), Controls::Unknown(y)) => x == y,
                (Controls::Levels(x), Controls::Levels(y)) => {
                    x.len() == y.len()
                        && x.iter().zip(y).all(|(l, m)| {
                            l.name == m.name
                                && l.policies.len() == m.policies.len()
                                && l.policies
                                    .iter()
                                    .zip(&m.policies)
                                    .all(|((n, d), (o, e))| n == o && d.same_as(e))
                        })
                }
                _ => false,
            }
        }
        self.organization_id == other.organization_id
            && self.org_path == other.org_path
            && self.management == other.management
            && same(&self.scps, &other.scps)
            && same(&self.rcps, &other.rcps)
    }

    /// The names of the levels, for explanations.
    pub(crate) fn names(&self) -> Arc<ControlNames> {
        Arc::clone(self.names.get_or_init(|| {
            let names = |c: &Controls| match c {
                Controls::Levels(levels) => levels.iter().map(|l| l.name.clone()).collect(),
                _ => Vec::new(),
            };
            Arc::new(ControlNames {
                service: names(&self.scps),
                resource: names(&self.rcps),
            })
        }))
    }
}

/// The guardrails of every account of a snapshot.
#[derive(Debug)]
pub struct Organization {
    by_account: FastMap<String, Arc<Guardrails>>,
    /// For accounts the organization does not list.
    outside: Arc<Guardrails>,
    /// The organization id, when captured.
    pub id: Option<String>,
}

/// What the snapshot holds of the organization, as [`Organization::build`] takes it.
#[derive(Debug, Default)]
pub struct OrganizationTables {
    /// The `organization` table.
    pub organization: Option<RecordBatch>,
    /// The `accounts` table.
    pub accounts: Option<RecordBatch>,
    /// The `organizational_units` table.
    pub units: Option<RecordBatch>,
    /// The `organization_policies` table.
    pub policies: Option<RecordBatch>,
    /// The `organization_policy_targets` table.
    pub targets: Option<RecordBatch>,
    /// Why the snapshot lacks the organization's policies, when it does.
    pub policies_missing: Option<String>,
}

const NO_ORGANIZATION: &str = "the snapshot holds no organization data, so no service or resource control policy was considered";

impl Organization {
    /// No organization: every account outside one, without a note (for models built
    /// from principals alone).
    pub fn none() -> Self {
        Self {
            by_account: FastMap::default(),
            outside: Arc::new(Guardrails::outside(None)),
            id: None,
        }
    }

    /// The guardrails of the accounts of `tables`.
    pub fn build(tables: &OrganizationTables) -> Result<Self, String> {
        let org = tables.organization.as_ref().filter(|b| b.num_rows() > 0);
        let Some(org) = org else {
            return Ok(Self {
                by_account: FastMap::default(),
                outside: Arc::new(Guardrails::outside(Some(NO_ORGANIZATION))),
                id: None,
            });
        };
        let id = get(strings(org, "organization_id")?, 0).map(str::to_owned);
        let management = get(strings(org, "account_id")?, 0).map(str::to_owned);
        let all_features = get(strings(org, "feature_set")?, 0) != Some("CONSOLIDATED_BILLING");
        let enabled: Vec<String> = org
            .column_by_name("enabled_policy_types")
            .and_then(|c| c.as_any().downcast_ref::<ListArray>())
            .filter(|l| !l.is_null(0))
            .map(|l| {
                let v = l.value(0);
                v.as_string_opt::<i32>()
                    .map(|s| s.iter().flatten().map(str::to_owned).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let scp_on = all_features && enabled.iter().any(|t| t == "SERVICE_CONTROL_POLICY");
        let rcp_on = all_features && enabled.iter().any(|t| t == "RESOURCE_CONTROL_POLICY");

        // Names of roots and OUs, for explanations.
        let mut unit_names: FastMap<String, String> = FastMap::default();
        if let Some(units) = &tables.units {
            let ids = strings(units, "ou_id")?;
            let names = strings(units, "name")?;
            for row in 0..units.num_rows() {
                if let (Some(id), Some(name)) = (get(ids, row), get(names, row)) {
                    unit_names.insert(id.to_owned(), name.to_owned());
                }
            }
        }

        // The policies, each a document with a display name.
        let mut documents: FastMap<String, (String, String, Arc<Document>)> = FastMap::default();
        if let Some(policies) = &tables.policies {
            let ids = strings(policies, "policy_id")?;
            let names = strings(policies, "name")?;
            let types = strings(policies, "policy_type")?;
            let texts = strings(policies, "document")?;
            for row in 0..policies.num_rows() {
                let (Some(id), Some(kind)) = (get(ids, row), get(types, row)) else {
                    continue;
                };
                let name = get(names, row).unwrap_or(id);
                let display = format!("{name} ({id})");
                let text = get(texts, row).map(Arc::<str>::from);
                documents.insert(
                    id.to_owned(),
                    (
                        kind.to_owned(),
                        display.clone(),
                        Arc::new(Document::new(display, text)),
                    ),
                );
            }
        }
        // What is attached where, by policy type.
        let mut attached: Attached = FastMap::default();
        if let Some(targets) = &tables.targets {
            let ids = strings(targets, "policy_id")?;
            let types = strings(targets, "policy_type")?;
            let target_ids = strings(targets, "target_id")?;
            for row in 0..targets.num_rows() {
                let (Some(id), Some(kind), Some(target)) =
                    (get(ids, row), get(types, row), get(target_ids, row))
                else {
                    continue;
                };
                let entry = attached
                    .entry((kind.to_owned(), target.to_owned()))
                    .or_default();
                match documents.get(id) {
                    Some((_, display, doc)) => entry.push((display.clone(), Arc::clone(doc))),
                    None => {
                        let display = format!("{id} (not in the snapshot)");
                        entry.push((display.clone(), Arc::new(Document::not_captured(display))));
                    }
                }
            }
        }

        let mut by_account: FastMap<String, Arc<Guardrails>> = FastMap::default();
        if let Some(accounts) = &tables.accounts {
            let ids = strings(accounts, "account_id")?;
            let names = strings(accounts, "name")?;
            let paths = strings(accounts, "org_path")?;
            let mgmt = accounts
                .column_by_name("is_management_account")
                .and_then(|c| c.as_any().downcast_ref::<BooleanArray>());
            for row in 0..accounts.num_rows() {
                let Some(account) = get(ids, row) else {
                    continue;
                };
                let is_management = mgmt.is_some_and(|m| !m.is_null(row) && m.value(row))
                    || management.as_deref() == Some(account);
                let path = get(paths, row).map(str::to_owned);
                // Levels: the root and each OU of the path (after the organization id),
                // then the account.
                let level_ids: Option<Vec<String>> = path.as_ref().map(|p| {
                    p.split('/')
                        .filter(|s| !s.is_empty())
                        .skip(1)
                        .map(str::to_owned)
                        .chain(std::iter::once(account.to_owned()))
                        .collect()
                });
                let level_name = |target: &str| -> String {
                    if target.starts_with("r-") {
                        format!("root {target}")
                    } else if target.starts_with("ou-") {
                        match unit_names.get(target) {
                            Some(n) => format!("OU {n} ({target})"),
                            None => format!("OU {target}"),
                        }
                    } else {
                        match get(names, row) {
                            Some(n) => format!("account {target} ({n})"),
                            None => format!("account {target}"),
                        }
                    }
                };
                let controls = |on: bool, kind: &str, exempt: bool| -> Controls {
                    if !on || exempt {
                        return Controls::None;
                    }
                    if let Some(why) = &tables.policies_missing {
                        return Controls::Unknown(format!(
                            "the organization's control policies are not in the snapshot ({why})"
                        ));
                    }
                    let Some(level_ids) = &level_ids else {
                        return Controls::Unknown(format!(
                            "the place of account {account} in the organization is not in the snapshot"
                        ));
                    };
                    Controls::Levels(
                        level_ids
                            .iter()
                            .map(|target| Level {
                                name: level_name(target),
                                policies: attached
                                    .get(&(kind.to_owned(), target.clone()))
                                    .cloned()
                                    .unwrap_or_default(),
                            })
                            .collect(),
                    )
                };
                let guardrails = Guardrails {
                    organization_id: id.clone(),
                    org_path: path.clone(),
                    management: is_management,
                    scps: controls(scp_on, "SERVICE_CONTROL_POLICY", is_management),
                    rcps: controls(rcp_on, "RESOURCE_CONTROL_POLICY", is_management),
                    note: None,
                    compiled_scps: OnceLock::new(),
                    compiled_rcps: OnceLock::new(),
                    names: OnceLock::new(),
                    regions: OnceLock::new(),
                };
                by_account.insert(account.to_owned(), Arc::new(guardrails));
            }
        }
        Ok(Self {
            by_account,
            outside: Arc::new(Guardrails::outside(None)),
            id,
        })
    }

    /// The guardrails over `account`: those of an account outside the organization when
    /// the organization does not list it.
    pub fn account(&self, account: &str) -> &Arc<Guardrails> {
        self.by_account.get(account).unwrap_or(&self.outside)
    }

    /// Whether the organization lists `account`.
    pub fn contains(&self, account: &str) -> bool {
        self.by_account.contains_key(account)
    }

    /// Every account the organization lists.
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        self.by_account.keys().map(String::as_str)
    }
}
