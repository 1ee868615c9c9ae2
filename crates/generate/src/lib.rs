//! A deterministic generator of realistic synthetic AWS accounts.
//!
//! [`generate`] produces what `aws iam get-account-authorization-details` prints for a
//! made-up account, and the matching IAM credential report, from a seed: the same options
//! always give the same bytes (one ChaCha8 stream, no wall clock, no hash-order iteration).
//!
//! The account looks like a real one grown over years: application roles for Lambda, ECS,
//! EC2, CodeBuild, Glue and Step Functions; GitHub Actions OIDC roles, some scoped to a
//! branch and some not; third-party and cross-account roles, with and without ExternalId;
//! roles that trust `*`, with and without a condition; service-linked and IAM Identity
//! Center roles; least-privilege, admin-like and
//! privilege-escalation-prone policies; bot users with old, unused and double access keys;
//! people with and without MFA. Some documents are URL-encoded, as the raw IAM API returns
//! them.
//!
//! The managed policies every account starts from (the AWS managed ones it uses, the
//! customer managed ones every generated account has) are rows of a table,
//! `data/policies.json`, embedded in the crate.
//!
//! Every problem planted that the shipped rule pack should report is recorded in
//! [`Generated::planted`], where the generator decides it (see `planted.rs`).
//!
//! With `drift`, the same account is produced, then four realistic changes are applied on
//! top of it (see [`GenerateOptions::drift`]).

mod data;
mod doc;
mod drift;
mod org;
mod planted;
mod policies;
mod report;
mod resources;
mod rng;
mod roles;
mod users;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use iamsnap_import::auth_details::{
    AttachedPolicy, AuthDetails, GroupDetail, ManagedPolicyDetail, RoleDetail, Tag,
};

pub use crate::org::{CaptureFile, GeneratedOrg, OrgOptions, generate_org};
use crate::planted::Caps;
pub use crate::planted::Planted;
use crate::policies::{AwsPolicies, FixedPolicies};
pub use crate::resources::{Exposure, PlantedAccess};
use crate::rng::{Gen, Names, days_before};
use crate::users::UserRec;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of roles; users, groups and policies scale with it. 0 is allowed.
    pub roles: usize,
    /// The seed of every random choice.
    pub seed: u64,
    /// The account's "now": every date generated is at or before it.
    pub at: DateTime<Utc>,
    /// The 12-digit id of the generated account.
    pub account_id: String,
    /// Apply, on top of the account generated without drift, exactly these changes:
    /// a role `partner-data-sync` trusted by `arn:aws:iam::999988887777:root` without
    /// ExternalId (with the s3 read policy `shared-exports-read` attached); the policy
    /// `app-data-read` widened by a new default version `v2` granting `s3:*` instead of
    /// `s3:GetObject`; a second active, never used access key for the user `ci-deployer`,
    /// created a day before `at`; a GitHub Actions OIDC role `gh-actions-deploy-new` whose
    /// trust checks only `aud` (with `ecs-deploy` attached).
    pub drift: bool,
    /// When the drift happened (its new dates are relative to it); `at` when `None`. A
    /// later date models a second capture of the same account.
    pub drift_at: Option<DateTime<Utc>>,
    /// The account's place in a generated organization: its cross-account roles then trust
    /// the organization's own accounts. `None`: accounts of the company made up for it.
    pub organization: Option<OrgPlacement>,
}

/// The accounts of its organization that a generated account's cross-account roles trust.
/// Each replaces the made-up account of the same purpose; none may be the account itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPlacement {
    /// The management account (`OrganizationAccountAccessRole` trusts it).
    pub management_account: Option<String>,
    /// The security tooling account (`security-audit-readonly` trusts it).
    pub security_account: Option<String>,
    /// Other accounts of the organization (`*-cross-account` roles trust them), up to 4.
    pub sibling_accounts: Vec<String>,
}

/// A generated account.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The authorization details, one page.
    pub details: AuthDetails,
    /// The credential report CSV (header, root row, one row per user in the order of
    /// `details.user_detail_list`), `\n` line endings.
    pub credential_report_csv: String,
    /// The problems the generator planted that the shipped rule pack should report, sorted
    /// (see [`Planted`]).
    pub planted: Vec<Planted>,
}

/// Why an account cannot be generated: the embedded policy tables are broken, whatever
/// the options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// The policy tables do not parse.
    #[error("the generator's policy tables (`data/policies.json`) are invalid: {0}")]
    PolicyTables(String),
    /// A policy the generator gives identities is missing from the policy tables.
    #[error("the generator's policy tables (`data/policies.json`) have no policy `{0}`")]
    MissingPolicy(String),
}

/// Generates the account described by `opts`.
pub fn generate(opts: &GenerateOptions) -> Result<Generated, GenerateError> {
    let mut account = Account::new(opts);
    account.populate()?;
    if opts.drift {
        account.apply_drift();
    }
    Ok(account.finish())
}

/// One environment of one application: what its roles and policies name.
#[derive(Debug, Default)]
struct AppEnv {
    app: String,
    env: &'static str,
    team: &'static str,
    region: &'static str,
    entity: &'static str,
    kms_key: String,
    created: DateTime<Utc>,
}

impl AppEnv {
    fn bucket(&self) -> String {
        format!("acme-{}-{}-data", self.app, self.env)
    }

    /// `<app>-<env>`, the prefix of most of its resource names.
    fn stem(&self) -> String {
        format!("{}-{}", self.app, self.env)
    }
}

/// The account under construction.
struct Account {
    g: Gen,
    at: DateTime<Utc>,
    /// When the drift happened.
    drift_at: DateTime<Utc>,
    acct: String,
    /// When the account was created: nothing in it is older.
    born: DateTime<Utc>,
    wanted_roles: usize,
    envs: Vec<Rc<AppEnv>>,
    /// Customer managed policies of each environment, by index in `envs`.
    env_policies: Vec<Vec<usize>>,
    /// Every application policy.
    app_policies: Vec<usize>,
    policies: Vec<ManagedPolicyDetail>,
    fixed: FixedPolicies,
    aws: AwsPolicies,
    roles: Vec<RoleDetail>,
    users: Vec<UserRec>,
    groups: Vec<GroupDetail>,
    /// Groups beyond the four every account has.
    extra_groups: Vec<String>,
    role_names: Names,
    user_names: Names,
    group_names: Names,
    policy_names: Names,
    saml_provider: String,
    /// The AWS Organizations management account.
    management_account: String,
    /// The security tooling account.
    security_account: String,
    /// Other accounts of the company (shared services, data, ...).
    sibling_accounts: Vec<String>,
    /// The accounts of its organization among those (trust to them is not external).
    organization_accounts: Vec<String>,
    /// One account per entry of [`data::VENDORS`].
    vendor_accounts: Vec<String>,
    root_password_last_used: DateTime<Utc>,
    /// What each policy (by index in `policies`) allows that matters for admin access and
    /// privilege escalation.
    policy_caps: Vec<Caps>,
    /// The same for each group, by name.
    group_caps: Vec<(String, Caps)>,
    /// The problems planted so far.
    planted: Vec<Planted>,
}

/// The external account the drift role trusts.
const DRIFT_PARTNER_ACCOUNT: &str = "999988887777";
/// The role names the drift adds, never generated otherwise.
const DRIFT_ROLES: [&str; 2] = ["partner-data-sync", "gh-actions-deploy-new"];

impl Account {
    fn new(opts: &GenerateOptions) -> Self {
        let mut g = Gen::new(opts.seed);
        // Whole seconds: that is all the output formats keep.
        let at = DateTime::from_timestamp(opts.at.timestamp(), 0).unwrap_or(opts.at);
        let born = g.days_ago(at, 3 * 365, 9 * 365, days_before(at, 9 * 365));
        let mut taken = vec![opts.account_id.clone(), DRIFT_PARTNER_ACCOUNT.to_owned()];
        let mut other_account = |g: &mut Gen| loop {
            let a = g.account_id();
            if !taken.contains(&a) {
                taken.push(a.clone());
                return a;
            }
        };
        let mut management_account = other_account(&mut g);
        let mut security_account = other_account(&mut g);
        let mut sibling_accounts: Vec<String> = (0..4).map(|_| other_account(&mut g)).collect();
        // In an organization, the same draws (so the rest of the account is unchanged), then
        // the organization's accounts in their place.
        if let Some(org) = &opts.organization {
            let other = |a: &&String| **a != opts.account_id;
            if let Some(m) = org.management_account.as_ref().filter(other) {
                management_account = m.clone();
            }
            if let Some(s) = org.security_account.as_ref().filter(other) {
                security_account = s.clone();
            }
            for (slot, s) in sibling_accounts
                .iter_mut()
                .zip(org.sibling_accounts.iter().filter(other))
            {
                *slot = s.clone();
            }
        }
        let organization_accounts: Vec<String> = opts
            .organization
            .iter()
            .flat_map(|o| {
                o.management_account
                    .iter()
                    .chain(&o.security_account)
                    .chain(&o.sibling_accounts)
            })
            .cloned()
            .collect();
        let vendor_accounts = data::VENDORS
            .iter()
            .map(|_| other_account(&mut g))
            .collect();
        let saml_provider = format!(
            "arn:aws:iam::{}:saml-provider/AWSSSO_{}_DO_NOT_DELETE",
            opts.account_id,
            g.hex(16)
        );
        let root_password_last_used = g.days_ago(at, 5, 300, born);
        let mut role_names = Names::default();
        for name in DRIFT_ROLES {
            role_names.reserve(name);
        }
        let drift_at = opts
            .drift_at
            .and_then(|t| DateTime::from_timestamp(t.timestamp(), 0))
            .unwrap_or(at);
        let mut account = Self {
            g,
            at,
            drift_at,
            acct: opts.account_id.clone(),
            born,
            wanted_roles: opts.roles,
            envs: Vec::new(),
            env_policies: Vec::new(),
            app_policies: Vec::new(),
            policies: Vec::new(),
            fixed: FixedPolicies::default(),
            aws: AwsPolicies::default(),
            roles: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            extra_groups: Vec::new(),
            role_names,
            user_names: Names::default(),
            group_names: Names::default(),
            policy_names: Names::default(),
            saml_provider,
            management_account,
            security_account,
            sibling_accounts,
            organization_accounts,
            vendor_accounts,
            root_password_last_used,
            policy_caps: Vec::new(),
            group_caps: Vec::new(),
            planted: Vec::new(),
        };
        account.add_apps();
        account
    }

    /// Generates the base account, in a fixed order of random draws.
    fn populate(&mut self) -> Result<(), GenerateError> {
        let tables = policies::policy_tables()?;
        self.add_aws_policies(tables)?;
        self.add_fixed_policies(tables)?;
        self.add_app_policies();
        self.add_groups();
        self.add_roles();
        self.add_users();
        Ok(())
    }

    /// Applications and their environments; their number scales with the roles.
    fn add_apps(&mut self) {
        let count = 3.max(self.wanted_roles.div_ceil(12));
        let mut words: Vec<&'static str> = data::APP_WORDS.to_vec();
        self.g.shuffle(&mut words);
        let mut app_names = Names::default();
        for i in 0..count {
            let word = words.get(i % words.len()).copied().unwrap_or("app");
            let base = if i < words.len() {
                word.to_owned()
            } else {
                let suffix = data::APP_SUFFIXES
                    .get((i / words.len() - 1) % data::APP_SUFFIXES.len())
                    .copied()
                    .unwrap_or("svc");
                format!("{word}-{suffix}")
            };
            let app = app_names.take(&base);
            let team = self.g.word(data::TEAMS);
            let region = self.g.weighted(data::REGIONS).unwrap_or("us-east-1");
            let app_created = self.g.between(self.born, days_before(self.at, 60));
            for &(env, p) in data::ENVS {
                if !self.g.chance(p) {
                    continue;
                }
                let entity = self.g.word(data::ENTITIES);
                let kms_key = self.g.uuid();
                let created = self.g.between(app_created, days_before(self.at, 30));
                self.envs.push(Rc::new(AppEnv {
                    app: app.clone(),
                    env,
                    team,
                    region,
                    entity,
                    kms_key,
                    created,
                }));
                self.env_policies.push(Vec::new());
            }
        }
    }

    /// A random environment and its index.
    fn pick_env(&mut self) -> (usize, Rc<AppEnv>) {
        let i = self.g.below(self.envs.len());
        (i, self.envs.get(i).cloned().unwrap_or_default())
    }

    /// How an identity names policy `index`.
    fn attached(&self, index: usize) -> Option<AttachedPolicy> {
        self.policies.get(index).map(|p| AttachedPolicy {
            policy_name: p.policy_name.clone(),
            policy_arn: p.arn.clone(),
        })
    }

    /// The attachments of a list of policy indices, without repeats.
    fn attachments(&self, indices: &[usize]) -> Vec<AttachedPolicy> {
        let mut seen: Vec<usize> = Vec::with_capacity(indices.len());
        let mut out = Vec::with_capacity(indices.len());
        for &i in indices {
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            out.extend(self.attached(i));
        }
        out
    }

    /// Records that `rule` should report `resource`.
    fn plant(&mut self, rule: &str, resource: &str, detail: String) {
        self.planted.push(Planted {
            rule: rule.to_owned(),
            resource: resource.to_owned(),
            detail,
        });
    }

    /// Records what policy `index` allows that matters for admin access and escalation.
    fn set_caps(&mut self, index: usize, caps: Caps) {
        if self.policy_caps.len() <= index {
            self.policy_caps.resize(index + 1, Caps::NONE);
        }
        if let Some(slot) = self.policy_caps.get_mut(index) {
            *slot = caps;
        }
    }

    /// The union of what the policies `indices` allow.
    fn caps_of(&self, indices: &[usize]) -> Caps {
        indices.iter().fold(Caps::NONE, |acc, &i| {
            acc.with(self.policy_caps.get(i).copied().unwrap_or_default())
        })
    }

    /// Whether the default version of policy `index` is its latest one.
    fn default_is_latest(&self, index: usize) -> bool {
        self.policies.get(index).is_some_and(|p| {
            p.policy_version_list
                .last()
                .is_some_and(|v| p.default_version_id.as_ref() == Some(&v.version_id))
        })
    }

    /// Tags as teams put them on their resources, on some identities only.
    fn maybe_tags(&mut self, env: &AppEnv, p: f64) -> Vec<Tag> {
        if !self.g.chance(p) {
            return Vec::new();
        }
        let tag = |k: &str, v: &str| Tag {
            key: k.to_owned(),
            value: v.to_owned(),
        };
        let mut tags = vec![tag("team", env.team), tag("env", env.env)];
        if self.g.chance(0.4) {
            tags.push(tag("managed-by", "terraform"));
        }
        if self.g.chance(0.2) {
            let cc = format!("CC-{}", self.g.range(1000, 9999));
            tags.push(tag("cost-center", &cc));
        }
        tags
    }

    /// Counts attachments, drops AWS managed policies nothing uses, orders every list and
    /// writes the credential report.
    fn finish(mut self) -> Generated {
        let mut counts: HashMap<String, (i64, i64)> = HashMap::new();
        let mut count = |arn: &str, boundary: bool| {
            let c = counts.entry(arn.to_owned()).or_default();
            if boundary {
                c.1 += 1;
            } else {
                c.0 += 1;
            }
        };
        for r in &self.roles {
            r.attached_managed_policies
                .iter()
                .for_each(|a| count(&a.policy_arn, false));
            if let Some(b) = &r.permissions_boundary {
                count(&b.permissions_boundary_arn, true);
            }
        }
        for u in &self.users {
            u.detail
                .attached_managed_policies
                .iter()
                .for_each(|a| count(&a.policy_arn, false));
            if let Some(b) = &u.detail.permissions_boundary {
                count(&b.permissions_boundary_arn, true);
            }
        }
        for g in &self.groups {
            g.attached_managed_policies
                .iter()
                .for_each(|a| count(&a.policy_arn, false));
        }
        for p in &mut self.policies {
            let (attachments, boundaries) = counts.get(&p.arn).copied().unwrap_or_default();
            p.attachment_count = Some(attachments);
            p.permissions_boundary_usage_count = Some(boundaries);
        }
        self.policies.retain(|p| {
            !policies::is_aws_managed(&p.arn)
                || p.attachment_count > Some(0)
                || p.permissions_boundary_usage_count > Some(0)
        });
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.roles.sort_by(|a, b| a.role_name.cmp(&b.role_name));
        self.groups.sort_by(|a, b| a.group_name.cmp(&b.group_name));
        self.users
            .sort_by(|a, b| a.detail.user_name.cmp(&b.detail.user_name));
        self.plant_credential_problems();
        self.planted.sort();
        self.planted.dedup();
        let credential_report_csv = report::render(
            &self.acct,
            self.born,
            self.root_password_last_used,
            &self.users,
        );
        Generated {
            details: AuthDetails {
                user_detail_list: self.users.into_iter().map(|u| u.detail).collect(),
                group_detail_list: self.groups,
                role_detail_list: self.roles,
                policies: self.policies,
                is_truncated: false,
                marker: None,
            },
            credential_report_csv,
            planted: self.planted,
        }
    }
}
