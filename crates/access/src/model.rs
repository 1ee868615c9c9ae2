//! The principals of a snapshot with every document that applies to them.
//!
//! Built from the `users`, `roles`, `attachments`, `policies`, `trust` and
//! `credential_report` tables. Documents are parsed and compiled once, on first use
//! ([`Model::prepare`] parses all of them on every core), never per request.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, MapArray, RecordBatch, StringArray};
use chrono::{DateTime, Utc};
use iamsnap_policy::{CompiledPolicy, ContextValue, Requester};
use iamsnap_snapshot::Snapshot;

use crate::coverage::PARTS;
use crate::document::Document;
use crate::nhi::{Password, RoleTrust, classify_role, classify_user};
use crate::organization::{Organization, OrganizationTables};
use crate::principal::{AttachedPolicy, Principal, PrincipalParts, ResourceSide};
use crate::resource_policy::{AWS_OWNER, KmsGrant, Lookup, ResourcePolicies, ResourceTables};
use crate::verdict::Verdict;

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
    /// The organization's guardrails over each account.
    organization: Organization,
    /// The resource-based policies.
    resources: ResourcePolicies,
    /// Each role's trust policy, by role ARN: the resource policy of `sts:AssumeRole*`.
    trust: FastMap<String, Arc<Document>>,
    /// The accounts whose IAM the snapshot holds.
    accounts: std::collections::BTreeSet<String>,
    /// Roles by what their trust policies name, built on first use.
    pub(crate) trust_index: std::sync::OnceLock<crate::chains::TrustIndex>,
    /// Every principal's shortest chain to an admin role, computed on first use.
    pub(crate) admin_paths: std::sync::OnceLock<Arc<crate::chains::AdminPaths>>,
}

/// What applies beside the principals' own documents: the organization's control
/// policies and the resources' policies.
#[derive(Debug)]
pub struct Environment {
    /// The organization's guardrails.
    pub organization: Organization,
    /// The resource-based policies.
    pub resources: ResourcePolicies,
    /// When the snapshot was captured: the time of every request the model decides
    /// (`aws:CurrentTime`, `aws:EpochTime`, a role session's `aws:TokenIssueTime`).
    pub captured_at: Option<DateTime<Utc>>,
}

impl Environment {
    /// Nothing beside the principals' documents (no organization, no resource policies).
    pub fn none() -> Self {
        Self {
            organization: Organization::none(),
            resources: ResourcePolicies::default(),
            captured_at: None,
        }
    }

    /// The organization and resource policies of a snapshot: the tables a format
    /// without them lacks read as not captured.
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Self, String> {
        let optional = |name: &str| -> Result<Option<RecordBatch>, String> {
            if !snapshot.has_table(name) {
                return Ok(None);
            }
            snapshot
                .read_table(name)
                .map(Some)
                .map_err(|e| e.to_string())
        };
        let manifest = snapshot.manifest();
        let missing = |part: &str| {
            manifest
                .missing
                .iter()
                .find(|m| m.part == part && m.account.is_none())
                .map(|m| m.reason.clone())
        };
        let organization = Organization::build(&OrganizationTables {
            organization: optional("organization")?,
            accounts: optional("accounts")?,
            units: optional("organizational_units")?,
            policies: optional("organization_policies")?,
            targets: optional("organization_policy_targets")?,
            policies_missing: missing("organization_policies"),
        })?;
        // Resources read for some accounts (rows, or parts missing for named accounts only)
        // are captured; each account's and region's gaps are in `missing`.
        let some_read = ["resource_policies", "resource_settings", "kms_grants"]
            .iter()
            .any(|t| manifest.tables.iter().any(|e| e.name == *t && e.rows > 0))
            || manifest
                .missing
                .iter()
                .any(|m| m.part == "resources" && m.account.is_some());
        let resource_part = PARTS
            .iter()
            .find(|p| p.fills.iter().any(|(t, _)| *t == "resource_policies"));
        let not_captured = if !snapshot.has_table("resource_policies") {
            Some(format!(
                "the snapshot's format (version {}) predates them",
                snapshot.format_version()
            ))
        } else if some_read {
            None
        } else {
            resource_part.and_then(|p| p.lacked_by(snapshot))
        };
        let resources = ResourcePolicies::build(ResourceTables {
            policies: optional("resource_policies")?,
            settings: optional("resource_settings")?,
            grants: optional("kms_grants")?,
            not_captured,
            accounts: manifest.account_ids.clone(),
            missing: manifest.missing.clone(),
        })?;
        Ok(Self {
            organization,
            resources,
            captured_at: Some(manifest.captured_at),
        })
    }
}

/// The actions whose resource policy is the role's trust policy.
fn is_assume(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "sts:assumerole"
            | "sts:assumerolewithwebidentity"
            | "sts:assumerolewithsaml"
            | "sts:tagsession"
            | "sts:setsourceidentity"
            | "sts:setcontext"
    )
}

/// The text column `name` of `batch`.
pub(crate) fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray, String> {
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

/// The value at `row`, unless null.
pub(crate) fn value(column: &StringArray, row: usize) -> Option<&str> {
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

    /// The model of a snapshot, with its organization and resource policies.
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Self, String> {
        Self::build_in(Environment::from_snapshot(snapshot)?, |name| {
            snapshot.read_table(name).map_err(|e| e.to_string())
        })
    }

    /// The model of the tables `read` gives by name, without organization or resource
    /// policies.
    pub fn build(read: impl Fn(&str) -> Result<RecordBatch, String>) -> Result<Self, String> {
        Self::build_in(Environment::none(), read)
    }

    /// The model of the tables `read` gives by name in `environment`.
    pub fn build_in(
        environment: Environment,
        read: impl Fn(&str) -> Result<RecordBatch, String>,
    ) -> Result<Self, String> {
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
        let mut trust_documents: FastMap<String, Arc<Document>> = FastMap::default();
        for (table, principal_type) in [("users", Requester::User), ("roles", Requester::Role)] {
            let batch = read(table)?;
            let accounts = column(&batch, "account_id")?;
            let arns = column(&batch, "arn")?;
            let names = column(&batch, "name")?;
            let paths = column(&batch, "path")?;
            let boundaries = column(&batch, "permissions_boundary_arn")?;
            // Snapshots always have it; a table without it only lacks `aws:userid`.
            let unique_ids = batch
                .column_by_name(match principal_type {
                    Requester::User => "user_id",
                    Requester::Role => "role_id",
                })
                .and_then(|c| c.as_string_opt::<i32>());
            let service_linked = match principal_type {
                Requester::Role => Some(bool_column(&batch, "is_service_linked")?),
                Requester::User => None,
            };
            let trust_texts = match principal_type {
                Requester::Role => Some(column(&batch, "assume_role_policy")?),
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
                if let Some(texts) = trust_texts {
                    trust_documents.insert(
                        arn.to_owned(),
                        Arc::new(Document::resource_policy(
                            arn,
                            value(texts, row).map(Arc::<str>::from),
                        )),
                    );
                }
                let mut principal = Principal::new(PrincipalParts {
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
                });
                principal.guardrails = Arc::clone(environment.organization.account(account_id));
                principal.requested_at = environment.captured_at;
                principal.unique_id = unique_ids
                    .and_then(|ids| value(ids, row))
                    .map(str::to_owned);
                rows.push(principal);
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
        let accounts = principals.iter().map(|p| p.account_id.clone()).collect();
        Ok(Self {
            by_arn,
            principals,
            documents,
            organization: environment.organization,
            resources: environment.resources,
            trust: trust_documents,
            accounts,
            trust_index: std::sync::OnceLock::new(),
            admin_paths: std::sync::OnceLock::new(),
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
        let accounts = principals.iter().map(|p| p.account_id.clone()).collect();
        Self {
            by_arn,
            principals,
            documents,
            organization: Organization::none(),
            resources: ResourcePolicies::default(),
            trust: FastMap::default(),
            accounts,
            trust_index: std::sync::OnceLock::new(),
            admin_paths: std::sync::OnceLock::new(),
        }
    }

    /// Parses and compiles every document now, on every core (otherwise each is on first
    /// use): for callers that will evaluate most principals.
    pub fn prepare(&self) {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        // Trust policies are parsed when a question needs them (a role assumed, a chain):
        // most evaluations never do.
        let all: Vec<&Arc<Document>> = self
            .documents
            .iter()
            .chain(self.resources.documents())
            .collect();
        let chunk = all.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for part in all.chunks(chunk) {
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

    /// The organization's guardrails over the snapshot's accounts.
    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    /// The resource-based policies of the snapshot.
    pub fn resource_policies(&self) -> &ResourcePolicies {
        &self.resources
    }

    /// The trust policy of a role of the snapshot.
    pub fn trust_policy(&self, role_arn: &str) -> Option<&Arc<Document>> {
        self.trust.get(role_arn)
    }

    /// Whether the snapshot holds the IAM of `account`.
    pub fn has_account(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }

    /// What the snapshot has of the resource side of a request to `action` on `resource`:
    /// the resource's account, its policy (a role's trust policy for `sts:AssumeRole*`)
    /// or why it is unknown, the guardrails over its account and the context keys AWS
    /// sets from it.
    pub(crate) fn resource_side<'a>(&'a self, action: &str, resource: &'a str) -> ResourceSide<'a> {
        let account = self.resources.account_of(resource);
        let mut policy_doc: Option<&Arc<Document>> = None;
        let mut policy_unknown: Option<String> = None;
        if is_assume(action) && resource.contains(":role/") {
            match self.trust.get(resource) {
                Some(doc) => policy_doc = Some(doc),
                None => {
                    policy_unknown = Some(match account {
                        Some(a) if self.has_account(a) => {
                            format!("role {resource} is not in the snapshot of account {a}")
                        }
                        Some(a) => format!(
                            "account {a} is not in the snapshot: the trust policy of {resource} is unknown"
                        ),
                        None => format!("{resource} is not a role ARN"),
                    })
                }
            }
        } else {
            match self.resources.lookup(resource, account) {
                Some(Lookup::Policy(doc)) => policy_doc = Some(doc),
                Some(Lookup::None) | None => {}
                Some(Lookup::Unknown(why)) => policy_unknown = Some(why),
            }
        }
        let policy = match policy_doc.map(|d| d.compiled()) {
            Some(Some(c)) => Some(c),
            Some(None) => {
                policy_unknown.get_or_insert_with(|| {
                    format!("the policy of {resource} is not readable in the snapshot")
                });
                None
            }
            None => None,
        };
        let guardrails = account
            .filter(|a| self.organization.contains(a))
            .map(|a| self.organization.account(a));
        let mut context: Vec<(String, ContextValue)> = Vec::new();
        if let Some(a) = account {
            context.push((
                "aws:ResourceAccount".to_owned(),
                ContextValue::Single(a.to_owned()),
            ));
        }
        // A request to a regional resource goes to its region's endpoint.
        if let Some(region) = self.resources.region_of(resource) {
            context.push((
                "aws:RequestedRegion".to_owned(),
                ContextValue::Single(region.to_owned()),
            ));
        }
        if let Some(g) = guardrails {
            if let Some(id) = &g.organization_id {
                context.push((
                    "aws:ResourceOrgID".to_owned(),
                    ContextValue::Single(id.clone()),
                ));
            }
            if let Some(path) = &g.org_path {
                context.push((
                    "aws:ResourceOrgPaths".to_owned(),
                    ContextValue::Multi(vec![path.clone()]),
                ));
            }
        }
        let blocks_other_accounts = policy_doc.and_then(|d| d.document()).is_some_and(|d| {
            resource.starts_with("arn:aws:s3:::")
                && self.resources.restricts_public(resource, account)
                && iamsnap_policy::is_public_bucket_policy(d)
        });
        ResourceSide {
            account,
            policy,
            policy_document: policy_doc,
            policy_unknown,
            blocks_other_accounts,
            guardrails,
            context,
        }
    }

    /// Evaluates `action` on `resource` for `principal` with every document AWS uses:
    /// the principal's identity policies and boundary, the SCPs over its account, the
    /// resource's policy (a role's trust policy for `sts:AssumeRole*`) and the RCPs over
    /// the resource's account, across accounts both sides. Unknown when a document the
    /// snapshot lacks could change the decision: the policy of a resource in an account or
    /// region that was not captured, or of a bucket no captured account holds. `*` names
    /// no resource: the principal's side alone decides.
    pub fn evaluate(
        &self,
        principal: &Principal,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
    ) -> Verdict {
        self.evaluate_in_session(principal, action, resource, extra, None)
    }

    /// [`Model::evaluate`] for a session of the principal whose caller passed `session` as
    /// its session policy: the session policy must allow as well, also what a resource
    /// policy naming the role allows (as for a permissions boundary).
    pub fn evaluate_in_session(
        &self,
        principal: &Principal,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        session: Option<&CompiledPolicy>,
    ) -> Verdict {
        if resource == "*" || !resource.starts_with("arn:") {
            let verdict = principal.evaluate_in_session(action, resource, extra, session);
            return self.through_endpoint(principal, action, resource, extra, &[], verdict);
        }
        let mut side = self.resource_side(action, resource);
        // Across accounts, a resource of an account the snapshot does not hold needs its
        // policy, which the snapshot cannot have.
        let aws_owned = side.account == Some(AWS_OWNER);
        if side.policy.is_none()
            && side.policy_unknown.is_none()
            && let Some(a) = side.account
            && a != principal.account_id
            && !self.has_account(a)
            && !aws_owned
        {
            side.policy_unknown = Some(format!(
                "account {a} is not in the snapshot: the policy of {resource} is unknown"
            ));
        }
        if action.len() > 4
            && action
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("kms:"))
        {
            side.context.push((
                "kms:CallerAccount".to_owned(),
                ContextValue::Single(principal.account_id.clone()),
            ));
        }
        let verdict = principal.evaluate_with(action, resource, extra, Some(&side), session);
        if aws_owned && verdict.allowed() == Some(false) {
            return verdict.with_note(
                "an AWS managed policy belongs to AWS, not to any customer's account: no customer's policy lets anyone change it".to_owned(),
            );
        }
        let verdict = if verdict.allowed() == Some(false)
            && verdict.evaluation().decision == iamsnap_policy::Decision::ImplicitDeny
        {
            // Nothing denied it: a KMS grant may still allow it.
            self.grant_verdict(principal, action, resource, extra, &side, session)
                .unwrap_or(verdict)
        } else {
            verdict
        };
        self.through_endpoint(principal, action, resource, extra, &side.context, verdict)
    }

    /// A request made through a VPC endpoint (`aws:SourceVpce` in `extra`) must also be
    /// allowed by the endpoint's policy, whoever's resource it is: an explicit deny there
    /// denies, and a policy that does not allow the principal, action and resource stops
    /// it. An endpoint without a policy of its own allows everything (its default policy);
    /// one the snapshot does not hold leaves an allow unknown.
    fn through_endpoint(
        &self,
        principal: &Principal,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        side_context: &[(String, ContextValue)],
        verdict: Verdict,
    ) -> Verdict {
        let Some(id) = extra.iter().find_map(|(k, v)| match v {
            ContextValue::Single(id) if k.eq_ignore_ascii_case("aws:SourceVpce") => Some(id),
            _ => None,
        }) else {
            return verdict;
        };
        if verdict.allowed() == Some(false) {
            return verdict;
        }
        let unknown = |verdict: Verdict, why: String| {
            crate::verdict::settle(
                verdict.evaluation().clone(),
                crate::verdict::Missing {
                    may_allow_or_deny: None,
                    may_only_restrict: Some(why),
                },
            )
        };
        let document = match self.resources.endpoint_policy(id) {
            Lookup::None => {
                return verdict.with_note(format!(
                    "through VPC endpoint {id}, which has no policy of its own: it allows everything"
                ));
            }
            Lookup::Unknown(why) => return unknown(verdict, why),
            Lookup::Policy(document) => document,
        };
        let Some(policy) = document.compiled() else {
            return unknown(
                verdict,
                format!("the policy of VPC endpoint {id} is not readable in the snapshot"),
            );
        };
        let mut context = principal.context().clone();
        for (key, value) in side_context.iter().chain(extra) {
            context.insert(key, value.clone());
        }
        // The endpoint's policy decides alone: the principal's own policies are taken to
        // allow (they were evaluated above), and the endpoint is no account's resource, so
        // a statement naming the principal's account lets its principals through.
        let request = iamsnap_policy::RequestRef {
            principal: &principal.arn,
            principal_account: &principal.account_id,
            action,
            resource,
            resource_account: "vpc-endpoint",
            context: &context,
        };
        let policies = iamsnap_policy::PolicySet {
            identity: crate::reach::ALLOW_ALL.as_slice(),
            resource: Some(policy),
            ..iamsnap_policy::PolicySet::default()
        };
        let evaluation = iamsnap_policy::evaluate_ref(&request, &policies);
        match evaluation.decision {
            iamsnap_policy::Decision::Allow => {
                verdict.with_note(format!("through VPC endpoint {id}, whose policy allows it"))
            }
            iamsnap_policy::Decision::ExplicitDeny => Verdict::known(evaluation)
                .with_note(format!("through VPC endpoint {id}: its policy denies it")),
            iamsnap_policy::Decision::ImplicitDeny => Verdict::known(iamsnap_policy::Evaluation {
                decision: iamsnap_policy::Decision::ImplicitDeny,
                statements: Vec::new(),
                implicit_deny: Some(iamsnap_policy::ImplicitDenyReason::NoAllow),
            })
            .with_note(format!(
                "through VPC endpoint {id}: its policy does not allow the request"
            )),
        }
    }

    /// The answer of the first KMS grant of the key `resource` that names the principal (or
    /// its account) and allows `action`: a grant allows its operations whatever the key
    /// policy says, to a grantee of another account too, as a resource policy naming the
    /// grantee that needs no identity policy; the SCPs over the principal, the RCPs over
    /// the key's account and any explicit deny still apply, and an encryption context
    /// constraint is a condition on the request's `kms:EncryptionContext:*` keys. `None`
    /// when no grant names the principal for the action.
    pub(crate) fn grant_verdict(
        &self,
        principal: &Principal,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        side: &ResourceSide<'_>,
        session: Option<&CompiledPolicy>,
    ) -> Option<Verdict> {
        let root = format!("arn:aws:iam::{}:root", principal.account_id);
        let mut fallback = None;
        let mut denied = None;
        for (grant, document) in self.resources.grants_of(resource) {
            if !(grant.grantee == principal.arn || grant.grantee == root)
                || !grant.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
            {
                continue;
            }
            // Evaluated as a resource of the principal's own account: the grant alone
            // suffices, as a resource policy naming the principal does there.
            let grant_side = grant_side(side, grant, document, Some(principal.account_id.as_str()));
            let verdict =
                principal.evaluate_with(action, resource, extra, Some(&grant_side), session);
            match verdict.allowed() {
                Some(true) => return Some(verdict),
                None => {
                    fallback.get_or_insert(verdict);
                }
                // The grant covers the request but something else stops it: that says
                // more than the key policy's silence.
                Some(false) => {
                    denied.get_or_insert_with(|| {
                        verdict.with_note(format!(
                            "{} names the principal for this action but does not let it in",
                            grant.describe()
                        ))
                    });
                }
            }
        }
        fallback.or(denied)
    }
}

/// The resource side of a request that a KMS grant decides: the grant as the key's only
/// policy (its constraints unreadable: unknown), with the key's guardrails and context;
/// `account` is the account the request is evaluated as made to.
pub(crate) fn grant_side<'a>(
    side: &ResourceSide<'a>,
    grant: &KmsGrant,
    document: &'a Arc<Document>,
    account: Option<&'a str>,
) -> ResourceSide<'a> {
    let policy = document.compiled();
    ResourceSide {
        account,
        policy,
        policy_document: Some(document),
        policy_unknown: policy.is_none().then(|| {
            format!(
                "the encryption context constraints of {} are not readable",
                grant.describe()
            )
        }),
        blocks_other_accounts: false,
        guardrails: side.guardrails,
        context: side.context.clone(),
    }
}
