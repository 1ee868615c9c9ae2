//! Turns authorization-details pages and a credential report into snapshot tables.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use arrow::record_batch::RecordBatch;
use chrono::{DateTime, Utc};
use iamsnap_catalog::Catalog;
use iamsnap_catalog::arn::Arn;
use iamsnap_policy::{
    DocumentKind, PolicyDocument, PolicyError, classify_principal, decode_document_text,
    parse_document_as,
};
use iamsnap_snapshot::{Cell, SnapshotError, TABLES, Table, TableBuilder};
use serde_json::Value;

use crate::auth_details::{
    AttachedPolicy, AuthDetails, GroupDetail, InlinePolicy, InstanceProfile, ManagedPolicyDetail,
    RoleDetail, Tag, UserDetail,
};
use crate::credential_report::CredentialReport;
use crate::error::ImportError;
use crate::model::Extras;

/// The table of the action catalog a snapshot is written with.
pub(crate) const CATALOG_TABLE: &str = "catalog_actions";

/// One input page: its file name (for messages) and content.
#[derive(Debug, Clone)]
pub struct Page {
    /// The file the page came from.
    pub file: String,
    /// Its content.
    pub details: AuthDetails,
    /// The account the page is known to come from (a live export's account, the account
    /// folder of a capture), used when no ARN in it names one: an account with no users,
    /// roles, groups or policies of its own still has a page.
    pub account: Option<String>,
}

/// The tables of an import, ready to be written, with what the manifest should say.
#[derive(Debug)]
pub struct Imported {
    /// Every table of [`TABLES`], in that order.
    pub tables: Vec<(&'static Table, RecordBatch)>,
    /// Every account seen.
    pub account_ids: Vec<String>,
    /// Things a reader of the snapshot should know.
    pub notes: Vec<String>,
}

/// The 12-digit account id in an ARN, if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    Arn::parse(arn).and_then(|a| a.account())
}

fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

fn managed_type(arn: &str) -> &'static str {
    if is_aws_managed(arn) {
        "aws_managed"
    } else {
        "customer_managed"
    }
}

fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// A document decoded and parsed: the JSON value and the typed model.
pub(crate) struct Document {
    pub(crate) text: String,
    parsed: PolicyDocument,
}

pub(crate) fn load_document(
    value: &Value,
    kind: DocumentKind,
    file: &str,
    owner: &dyn Fn() -> String,
    policy: &dyn Fn() -> String,
) -> Result<Document, ImportError> {
    let fail = |source: PolicyError| ImportError::Document {
        file: file.to_owned(),
        owner: owner(),
        policy: policy(),
        source,
    };
    // Decoded documents are used in place; only URL-encoded ones need a new value.
    let decoded: Cow<'_, Value> = match value {
        Value::String(s) => {
            let json = decode_document_text(s).map_err(fail)?;
            Cow::Owned(serde_json::from_str(&json).map_err(|e| {
                fail(PolicyError::Syntax {
                    message: e
                        .to_string()
                        .split(" at line ")
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                    line: e.line(),
                    column: e.column(),
                })
            })?)
        }
        other => Cow::Borrowed(other),
    };
    let parsed = parse_document_as(&decoded, kind).map_err(fail)?;
    let text = serde_json::to_string(decoded.as_ref())
        .map_err(|e| ImportError::Snapshot(SnapshotError::Internal(e.to_string())))?;
    Ok(Document { text, parsed })
}

pub(crate) fn def(name: &str) -> Result<&'static Table, ImportError> {
    iamsnap_snapshot::table(name)
        .ok_or_else(|| ImportError::Snapshot(SnapshotError::Internal(format!("no table `{name}`"))))
}

/// Entities merged from every page, each with its account and the file it came from.
#[derive(Default)]
struct Merged<'a> {
    users: Vec<(&'a str, &'a str, &'a UserDetail)>,
    groups: Vec<(&'a str, &'a str, &'a GroupDetail)>,
    roles: Vec<(&'a str, &'a str, &'a RoleDetail)>,
    policies: Vec<(&'a str, &'a str, &'a ManagedPolicyDetail)>,
}

/// Adds `item` unless an equal one with the same key was added before; a different one
/// with the same key is a conflict between inputs.
fn merge_into<'a, T: PartialEq>(
    list: &mut Vec<(&'a str, &'a str, &'a T)>,
    seen: &mut HashMap<(String, String), usize>,
    what: &str,
    key: (&str, &str),
    account: &'a str,
    file: &'a str,
    item: &'a T,
) -> Result<(), ImportError> {
    let key = (key.0.to_owned(), key.1.to_owned());
    if let Some(&at) = seen.get(&key) {
        if let Some((_, first_file, first)) = list.get(at)
            && *first != item
        {
            return Err(ImportError::Conflict {
                what: format!("{what} `{}`", key.1),
                first: (*first_file).to_owned(),
                second: file.to_owned(),
            });
        }
        return Ok(());
    }
    seen.insert(key, list.len());
    list.push((account, file, item));
    Ok(())
}

/// The accounts a page holds: those in the ARNs of its users, groups, roles and customer
/// managed policies; for a page with none of those, the only account of the input.
fn page_accounts<'a>(
    pages: &'a [Page],
    fallback: Option<&'a str>,
) -> Result<Vec<BTreeSet<&'a str>>, ImportError> {
    let found: Vec<BTreeSet<&str>> = pages.iter().map(|p| p.details.accounts()).collect();
    let mut all: BTreeSet<&str> = found.iter().flatten().copied().collect();
    if all.is_empty()
        && let Some(account) = fallback
    {
        all.insert(account);
    }
    found
        .into_iter()
        .zip(pages)
        .map(|(accounts, page)| {
            if !accounts.is_empty() {
                Ok(accounts)
            } else if let Some(account) = &page.account {
                Ok(BTreeSet::from([account.as_str()]))
            } else if all.len() == 1 {
                Ok(all.clone())
            } else if all.is_empty() {
                Err(ImportError::Account {
                    file: page.file.clone(),
                    message: "no ARN names an account".to_owned(),
                })
            } else {
                Err(ImportError::Account {
                    file: page.file.clone(),
                    message: "it names no user, group, role or customer managed policy, and the other inputs do not come from exactly one account".to_owned(),
                })
            }
        })
        .collect()
}

/// For each managed policy ARN a page's identities attach or use as boundary, the
/// accounts of those identities.
fn accounts_using(d: &AuthDetails) -> HashMap<&str, BTreeSet<&str>> {
    fn boundary(b: Option<&crate::auth_details::PermissionsBoundary>) -> Option<&str> {
        b.map(|b| b.permissions_boundary_arn.as_str())
    }
    let mut out: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let users = d.user_detail_list.iter().map(|u| {
        (
            u.arn.as_str(),
            &u.attached_managed_policies,
            boundary(u.permissions_boundary.as_ref()),
        )
    });
    let groups = d
        .group_detail_list
        .iter()
        .map(|g| (g.arn.as_str(), &g.attached_managed_policies, None));
    let roles = d.role_detail_list.iter().map(|r| {
        (
            r.arn.as_str(),
            &r.attached_managed_policies,
            boundary(r.permissions_boundary.as_ref()),
        )
    });
    for (arn, attached, boundary) in users.chain(groups).chain(roles) {
        let Some(account) = arn_account(arn) else {
            continue;
        };
        for policy in attached
            .iter()
            .map(|m| m.policy_arn.as_str())
            .chain(boundary)
        {
            out.entry(policy).or_default().insert(account);
        }
    }
    out
}

/// Whether two listings of an AWS managed policy agree but for the counts, which belong to
/// the account each was captured in.
fn same_but_counts(a: &ManagedPolicyDetail, b: &ManagedPolicyDetail) -> bool {
    let strip = |p: &ManagedPolicyDetail| ManagedPolicyDetail {
        attachment_count: None,
        permissions_boundary_usage_count: None,
        ..p.clone()
    };
    strip(a) == strip(b)
}

impl AuthDetails {
    /// The accounts named by the ARNs of the page's users, groups, roles and customer
    /// managed policies.
    pub fn accounts(&self) -> BTreeSet<&str> {
        self.user_detail_list
            .iter()
            .map(|u| u.arn.as_str())
            .chain(self.group_detail_list.iter().map(|g| g.arn.as_str()))
            .chain(self.role_detail_list.iter().map(|r| r.arn.as_str()))
            .chain(self.policies.iter().map(|p| p.arn.as_str()))
            .filter_map(arn_account)
            .collect()
    }

    /// Keeps only what belongs to `account`: its identities and customer managed policies,
    /// and the AWS managed policies they use (all of them if the page held only this
    /// account). The counts of AWS managed policies of a page that held several accounts
    /// become unknown: they may be another account's.
    pub fn retain_account(&mut self, account: &str) {
        let accounts = self.accounts();
        if accounts.len() <= 1 {
            if !accounts.is_empty() && !accounts.contains(account) {
                *self = Self {
                    is_truncated: self.is_truncated,
                    marker: self.marker.take(),
                    ..Self::default()
                };
            }
            return;
        }
        let using = accounts_using(self);
        let used: BTreeSet<String> = self
            .policies
            .iter()
            .filter(|p| arn_account(&p.arn).is_none())
            .filter(|p| {
                using
                    .get(p.arn.as_str())
                    .is_none_or(|users| users.contains(account))
            })
            .map(|p| p.arn.clone())
            .collect();
        let mine = |arn: &str| arn_account(arn) == Some(account);
        self.user_detail_list.retain(|u| mine(&u.arn));
        self.group_detail_list.retain(|g| mine(&g.arn));
        self.role_detail_list.retain(|r| mine(&r.arn));
        self.policies
            .retain(|p| mine(&p.arn) || used.contains(&p.arn));
        for p in &mut self.policies {
            if arn_account(&p.arn).is_none() {
                p.attachment_count = None;
                p.permissions_boundary_usage_count = None;
            }
        }
    }
}

struct Builders {
    users: TableBuilder,
    roles: TableBuilder,
    groups: TableBuilder,
    group_members: TableBuilder,
    policies: TableBuilder,
    policy_versions: TableBuilder,
    attachments: TableBuilder,
    statements: TableBuilder,
    trust: TableBuilder,
    instance_profiles: TableBuilder,
    oidc_providers: TableBuilder,
    saml_providers: TableBuilder,
    service_last_accessed: TableBuilder,
    account_settings: TableBuilder,
    access_keys: TableBuilder,
    credential_report: TableBuilder,
}

impl Builders {
    fn new() -> Result<Self, ImportError> {
        let b = |name| def(name).map(TableBuilder::new);
        Ok(Self {
            users: b("users")?,
            roles: b("roles")?,
            groups: b("groups")?,
            group_members: b("group_members")?,
            policies: b("policies")?,
            policy_versions: b("policy_versions")?,
            attachments: b("attachments")?,
            statements: b("statements")?,
            trust: b("trust")?,
            instance_profiles: b("instance_profiles")?,
            oidc_providers: b("oidc_providers")?,
            saml_providers: b("saml_providers")?,
            service_last_accessed: b("service_last_accessed")?,
            account_settings: b("account_settings")?,
            access_keys: b("access_keys")?,
            credential_report: b("credential_report")?,
        })
    }

    fn finish(mut self) -> Result<Vec<(&'static Table, RecordBatch)>, ImportError> {
        let mut out = Vec::with_capacity(TABLES.len());
        for b in [
            &mut self.users,
            &mut self.roles,
            &mut self.groups,
            &mut self.group_members,
            &mut self.policies,
            &mut self.policy_versions,
            &mut self.attachments,
            &mut self.statements,
            &mut self.trust,
            &mut self.instance_profiles,
            &mut self.oidc_providers,
            &mut self.saml_providers,
            &mut self.service_last_accessed,
            &mut self.account_settings,
            &mut self.access_keys,
            &mut self.credential_report,
        ] {
            out.push((b.table(), b.finish()?));
        }
        // Keep the documented table order whatever the field order above.
        out.sort_by_key(|(t, _)| TABLES.iter().position(|x| x.name == t.name));
        Ok(out)
    }
}

/// What a statement row says about its policy.
struct PolicyRef<'a> {
    account: &'a str,
    key: &'a str,
    policy_type: &'a str,
    name: &'a str,
    arn: Option<&'a str>,
    owner_arn: Option<&'a str>,
}

fn push_statements(
    b: &mut TableBuilder,
    p: &PolicyRef<'_>,
    doc: &PolicyDocument,
) -> Result<(), ImportError> {
    for s in &doc.statements {
        let principal = s.principal_json.as_ref().map(Value::to_string);
        let not_principal = s.not_principal_json.as_ref().map(Value::to_string);
        let condition = s.condition_json.as_ref().map(Value::to_string);
        let keys: Vec<String> = s.condition_keys().into_iter().map(str::to_owned).collect();
        b.push(&[
            p.account.into(),
            p.key.into(),
            p.policy_type.into(),
            p.name.into(),
            Cell::Text(p.arn),
            Cell::Text(p.owner_arn),
            Cell::Text(doc.version.as_deref()),
            Cell::Int(i64::try_from(s.index).ok()),
            Cell::Text(s.sid.as_deref()),
            s.effect.as_str().into(),
            Cell::TextList(s.action.as_deref()),
            Cell::TextList(s.not_action.as_deref()),
            Cell::TextList(s.resource.as_deref()),
            Cell::TextList(s.not_resource.as_deref()),
            Cell::Text(principal.as_deref()),
            Cell::Text(not_principal.as_deref()),
            Cell::Text(condition.as_deref()),
            (&keys).into(),
        ])?;
    }
    Ok(())
}

/// An identity that policies attach to.
struct Principal<'a> {
    account: &'a str,
    kind: &'static str,
    arn: &'a str,
    name: &'a str,
}

struct AttachmentVia<'a> {
    via: &'static str,
    group_arn: Option<&'a str>,
    group_name: Option<&'a str>,
}

const DIRECT: AttachmentVia<'static> = AttachmentVia {
    via: "direct",
    group_arn: None,
    group_name: None,
};

fn push_attachments(
    b: &mut TableBuilder,
    who: &Principal<'_>,
    via: &AttachmentVia<'_>,
    managed: &[AttachedPolicy],
    inline: &[InlinePolicy],
    inline_owner_arn: &str,
) -> Result<(), ImportError> {
    for m in managed {
        b.push(&[
            who.account.into(),
            who.kind.into(),
            who.arn.into(),
            who.name.into(),
            (&m.policy_arn).into(),
            managed_type(&m.policy_arn).into(),
            Cell::Text(Some(&m.policy_arn)),
            (&m.policy_name).into(),
            via.via.into(),
            Cell::Text(via.group_arn),
            Cell::Text(via.group_name),
        ])?;
    }
    for p in inline {
        let key = inline_key(inline_owner_arn, &p.policy_name);
        b.push(&[
            who.account.into(),
            who.kind.into(),
            who.arn.into(),
            who.name.into(),
            (&key).into(),
            "inline".into(),
            Cell::Text(None),
            (&p.policy_name).into(),
            via.via.into(),
            Cell::Text(via.group_arn),
            Cell::Text(via.group_name),
        ])?;
    }
    Ok(())
}

fn inline_key(owner_arn: &str, name: &str) -> String {
    format!("{owner_arn}#inline/{name}")
}

fn push_inline_policies(
    b: &mut Builders,
    file: &str,
    owner: &Principal<'_>,
    inline: &[InlinePolicy],
) -> Result<(), ImportError> {
    for p in inline {
        let doc = load_document(
            &p.policy_document,
            DocumentKind::Identity,
            file,
            &|| format!("{} `{}`", owner.kind, owner.name),
            &|| format!("inline policy `{}`", p.policy_name),
        )?;
        let key = inline_key(owner.arn, &p.policy_name);
        b.policies.push(&[
            owner.account.into(),
            (&key).into(),
            "inline".into(),
            Cell::Text(None),
            (&p.policy_name).into(),
            Cell::Text(None),
            Cell::Text(None),
            owner.kind.into(),
            owner.arn.into(),
            Cell::Text(None),
            Cell::Int(None),
            Cell::Int(None),
            Cell::Bool(None),
            Cell::Text(None),
            Cell::Timestamp(None),
            Cell::Timestamp(None),
            (&doc.text).into(),
        ])?;
        push_statements(
            &mut b.statements,
            &PolicyRef {
                account: owner.account,
                key: &key,
                policy_type: "inline",
                name: &p.policy_name,
                arn: None,
                owner_arn: Some(owner.arn),
            },
            &doc.parsed,
        )?;
    }
    Ok(())
}

/// Builds every table from the pages and the optional credential report.
pub fn build_tables(
    pages: &[Page],
    reports: &[(&str, &CredentialReport)],
    allow_truncated: bool,
) -> Result<Imported, ImportError> {
    build_tables_with(pages, reports, allow_truncated, &Extras::default())
}

/// Builds every table from the pages, the optional credential report and what a live export
/// read beyond them (nothing, for a file import): one path for both sources.
pub fn build_tables_with<'a>(
    pages: &'a [Page],
    reports: &[(&str, &CredentialReport)],
    allow_truncated: bool,
    extras: &'a Extras,
) -> Result<Imported, ImportError> {
    let mut notes = Vec::new();
    if let Some(last) = pages.last()
        && pages.iter().all(|p| p.details.is_truncated)
    {
        let marker = last.details.marker.clone().unwrap_or_default();
        if !allow_truncated {
            return Err(ImportError::Truncated { marker });
        }
        notes.push(format!(
            "the input is incomplete: its last page says more follow (marker `{marker}`)"
        ));
    }
    let accounts = page_accounts(pages, extras.account_id.as_deref())?;
    let mut merged = Merged::default();
    let mut seen: [HashMap<(String, String), usize>; 4] = Default::default();
    let [seen_users, seen_groups, seen_roles, seen_policies] = &mut seen;
    // AWS managed policies listed by a page of several accounts: their counts are unknown.
    let mut unknown_counts: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (page, page_accounts) in pages.iter().zip(&accounts) {
        let file = page.file.as_str();
        let d = &page.details;
        // Computed for a page of several accounts listing AWS managed policies only.
        let mut using: Option<HashMap<&str, BTreeSet<&str>>> = None;
        let account_of = |arn: &'a str| -> Result<&'a str, ImportError> {
            match (arn_account(arn), page_accounts.first()) {
                (Some(a), _) => Ok(a),
                (None, Some(only)) if page_accounts.len() == 1 => Ok(only),
                _ => Err(ImportError::Account {
                    file: page.file.clone(),
                    message: format!("`{arn}` names no account, and the file holds several"),
                }),
            }
        };
        for u in &d.user_detail_list {
            let acct = account_of(&u.arn)?;
            merge_into(
                &mut merged.users,
                seen_users,
                "user",
                (acct, &u.arn),
                acct,
                file,
                u,
            )?;
        }
        for g in &d.group_detail_list {
            let acct = account_of(&g.arn)?;
            merge_into(
                &mut merged.groups,
                seen_groups,
                "group",
                (acct, &g.arn),
                acct,
                file,
                g,
            )?;
        }
        for r in &d.role_detail_list {
            let acct = account_of(&r.arn)?;
            merge_into(
                &mut merged.roles,
                seen_roles,
                "role",
                (acct, &r.arn),
                acct,
                file,
                r,
            )?;
        }
        for p in &d.policies {
            if arn_account(&p.arn).is_some() || page_accounts.len() == 1 {
                let acct = account_of(&p.arn)?;
                merge_into(
                    &mut merged.policies,
                    seen_policies,
                    "managed policy",
                    (acct, &p.arn),
                    acct,
                    file,
                    p,
                )?;
                continue;
            }
            // An AWS managed policy in a page of several accounts: it belongs to the
            // accounts whose identities use it (to all of them when none does).
            let using = using.get_or_insert_with(|| accounts_using(d));
            let owners = using.get(p.arn.as_str()).unwrap_or(page_accounts);
            for &acct in owners {
                let key = (acct.to_owned(), p.arn.clone());
                if let Some(&at) = seen_policies.get(&key) {
                    if let Some((_, first_file, first)) = merged.policies.get(at)
                        && !same_but_counts(first, p)
                    {
                        return Err(ImportError::Conflict {
                            what: format!("managed policy `{}`", p.arn),
                            first: (*first_file).to_owned(),
                            second: file.to_owned(),
                        });
                    }
                    continue;
                }
                seen_policies.insert(key, merged.policies.len());
                merged.policies.push((acct, file, p));
                unknown_counts.insert((acct, p.arn.as_str()));
            }
        }
    }
    if !unknown_counts.is_empty() {
        notes.push(format!(
            "{} AWS managed policies are listed by a file holding several accounts: their attachment counts are unknown",
            unknown_counts
                .iter()
                .map(|(_, arn)| *arn)
                .collect::<BTreeSet<_>>()
                .len()
        ));
    }

    let mut b = Builders::new()?;
    let groups_by_name: HashMap<(&str, &str), &GroupDetail> = merged
        .groups
        .iter()
        .map(|(acct, _, g)| ((*acct, g.group_name.as_str()), *g))
        .collect();

    // Groups first: their policies are inherited by users.
    for &(account, file, g) in &merged.groups {
        b.groups.push(&[
            account.into(),
            (&g.arn).into(),
            (&g.group_name).into(),
            (&g.group_id).into(),
            (&g.path).into(),
            g.create_date.into(),
        ])?;
        let who = Principal {
            account,
            kind: "group",
            arn: &g.arn,
            name: &g.group_name,
        };
        push_attachments(
            &mut b.attachments,
            &who,
            &DIRECT,
            &g.attached_managed_policies,
            &g.group_policy_list,
            &g.arn,
        )?;
        push_inline_policies(&mut b, file, &who, &g.group_policy_list)?;
    }

    for &(account, file, u) in &merged.users {
        let tags = tag_pairs(&u.tags);
        b.users.push(&[
            account.into(),
            (&u.arn).into(),
            (&u.user_name).into(),
            (&u.user_id).into(),
            (&u.path).into(),
            u.create_date.into(),
            Cell::Text(
                u.permissions_boundary
                    .as_ref()
                    .map(|p| p.permissions_boundary_arn.as_str()),
            ),
            (&u.group_list).into(),
            tags.as_slice().into(),
        ])?;
        let who = Principal {
            account,
            kind: "user",
            arn: &u.arn,
            name: &u.user_name,
        };
        push_attachments(
            &mut b.attachments,
            &who,
            &DIRECT,
            &u.attached_managed_policies,
            &u.user_policy_list,
            &u.arn,
        )?;
        push_inline_policies(&mut b, file, &who, &u.user_policy_list)?;
        for group_name in &u.group_list {
            let group = groups_by_name.get(&(account, group_name.as_str()));
            b.group_members.push(&[
                account.into(),
                Cell::Text(group.map(|g| g.arn.as_str())),
                group_name.into(),
                (&u.arn).into(),
                (&u.user_name).into(),
            ])?;
            if let Some(g) = group {
                let via = AttachmentVia {
                    via: "group",
                    group_arn: Some(&g.arn),
                    group_name: Some(&g.group_name),
                };
                push_attachments(
                    &mut b.attachments,
                    &who,
                    &via,
                    &g.attached_managed_policies,
                    &g.group_policy_list,
                    &g.arn,
                )?;
            }
        }
    }
    let missing_groups = b.group_members.len()
        - merged
            .users
            .iter()
            .flat_map(|(a, _, u)| u.group_list.iter().map(move |g| (*a, g.as_str())))
            .filter(|k| groups_by_name.contains_key(k))
            .count();
    if missing_groups > 0 {
        notes.push(format!(
            "{missing_groups} group memberships name groups absent from the input; their policies are unknown"
        ));
    }

    // (account, profile, its roles as (arn, name)), in first-seen order.
    type ProfileRoles<'p> = (&'p str, &'p InstanceProfile, Vec<(&'p str, &'p str)>);
    let mut profiles: Vec<ProfileRoles<'_>> = Vec::new();
    let mut profile_index: HashMap<(&str, &str), usize> = HashMap::new();
    for &(account, file, r) in &merged.roles {
        let trust = load_document(
            &r.assume_role_policy_document,
            DocumentKind::Trust,
            file,
            &|| format!("role `{}`", r.role_name),
            &|| "trust policy".to_owned(),
        )?;
        let tags = tag_pairs(&r.tags);
        let last_used = r.role_last_used.as_ref();
        b.roles.push(&[
            account.into(),
            (&r.arn).into(),
            (&r.role_name).into(),
            (&r.role_id).into(),
            (&r.path).into(),
            r.create_date.into(),
            (&trust.text).into(),
            Cell::Text(
                r.permissions_boundary
                    .as_ref()
                    .map(|p| p.permissions_boundary_arn.as_str()),
            ),
            r.path.starts_with("/aws-service-role/").into(),
            Cell::Timestamp(last_used.and_then(|l| l.last_used_date)),
            Cell::Text(last_used.and_then(|l| l.region.as_deref())),
            tags.as_slice().into(),
        ])?;
        let trust_key = format!("{}#trust", r.arn);
        push_statements(
            &mut b.statements,
            &PolicyRef {
                account,
                key: &trust_key,
                policy_type: "trust",
                name: &r.role_name,
                arn: None,
                owner_arn: Some(&r.arn),
            },
            &trust.parsed,
        )?;
        push_trust(&mut b.trust, account, r, &trust.parsed)?;
        let who = Principal {
            account,
            kind: "role",
            arn: &r.arn,
            name: &r.role_name,
        };
        push_attachments(
            &mut b.attachments,
            &who,
            &DIRECT,
            &r.attached_managed_policies,
            &r.role_policy_list,
            &r.arn,
        )?;
        push_inline_policies(&mut b, file, &who, &r.role_policy_list)?;
        for p in &r.instance_profile_list {
            let at = *profile_index
                .entry((account, p.arn.as_str()))
                .or_insert_with(|| {
                    profiles.push((account, p, Vec::new()));
                    profiles.len() - 1
                });
            if let Some((_, _, roles)) = profiles.get_mut(at) {
                for role in &p.roles {
                    let entry = (role.arn.as_str(), role.role_name.as_str());
                    if !roles.contains(&entry) {
                        roles.push(entry);
                    }
                }
            }
        }
    }
    for (account, p, roles) in &profiles {
        let row = |role: Option<(&'a str, &'a str)>| -> [Cell<'a>; 8] {
            [
                (*account).into(),
                (&p.arn).into(),
                (&p.instance_profile_name).into(),
                (&p.instance_profile_id).into(),
                (&p.path).into(),
                p.create_date.into(),
                Cell::Text(role.map(|r| r.0)),
                Cell::Text(role.map(|r| r.1)),
            ]
        };
        if roles.is_empty() {
            b.instance_profiles.push(&row(None))?;
        }
        for role in roles {
            b.instance_profiles.push(&row(Some(*role)))?;
        }
    }

    let mut known_policies: BTreeSet<(&str, &str)> = BTreeSet::new();
    for &(account, file, p) in &merged.policies {
        known_policies.insert((account, p.arn.as_str()));
        let mut default_doc = None;
        for v in &p.policy_version_list {
            let doc = load_document(
                &v.document,
                DocumentKind::Identity,
                file,
                &|| format!("managed policy `{}`", p.policy_name),
                &|| format!("version `{}`", v.version_id),
            )?;
            let is_default = p.is_default(v);
            b.policy_versions.push(&[
                account.into(),
                (&p.arn).into(),
                (&v.version_id).into(),
                is_default.into(),
                Cell::Timestamp(v.create_date),
                (&doc.text).into(),
            ])?;
            if is_default
                || (default_doc.is_none() && p.default_version() == Some(v.version_id.as_str()))
            {
                default_doc = Some(doc);
            }
        }
        let ptype = managed_type(&p.arn);
        let counts = (!unknown_counts.contains(&(account, p.arn.as_str()))).then_some(());
        b.policies.push(&[
            account.into(),
            (&p.arn).into(),
            ptype.into(),
            Cell::Text(Some(&p.arn)),
            (&p.policy_name).into(),
            Cell::Text(p.policy_id.as_deref()),
            Cell::Text(p.path.as_deref()),
            Cell::Text(None),
            Cell::Text(None),
            Cell::Text(p.default_version()),
            Cell::Int(counts.and(p.attachment_count)),
            Cell::Int(counts.and(p.permissions_boundary_usage_count)),
            Cell::Bool(p.is_attachable),
            Cell::Text(p.description.as_deref()),
            Cell::Timestamp(p.create_date),
            Cell::Timestamp(p.update_date),
            Cell::Text(default_doc.as_ref().map(|d| d.text.as_str())),
        ])?;
        if let Some(doc) = &default_doc {
            push_statements(
                &mut b.statements,
                &PolicyRef {
                    account,
                    key: &p.arn,
                    policy_type: ptype,
                    name: &p.policy_name,
                    arn: Some(&p.arn),
                    owner_arn: None,
                },
                &doc.parsed,
            )?;
        }
    }
    let mut absent: BTreeSet<&str> = BTreeSet::new();
    let attached = merged
        .users
        .iter()
        .flat_map(|(a, _, u)| {
            u.attached_managed_policies
                .iter()
                .map(|m| m.policy_arn.as_str())
                .chain(
                    u.permissions_boundary
                        .iter()
                        .map(|p| p.permissions_boundary_arn.as_str()),
                )
                .map(move |arn| (*a, arn))
        })
        .chain(merged.groups.iter().flat_map(|(a, _, g)| {
            g.attached_managed_policies
                .iter()
                .map(move |m| (*a, m.policy_arn.as_str()))
        }))
        .chain(merged.roles.iter().flat_map(|(a, _, r)| {
            r.attached_managed_policies
                .iter()
                .map(|m| m.policy_arn.as_str())
                .chain(
                    r.permissions_boundary
                        .iter()
                        .map(|p| p.permissions_boundary_arn.as_str()),
                )
                .map(move |arn| (*a, arn))
        }));
    for (account, arn) in attached {
        if !known_policies.contains(&(account, arn)) {
            absent.insert(arn);
        }
    }
    if let Some(example) = absent.first() {
        notes.push(format!(
            "{} managed policies are attached or used as boundaries but absent from the input (e.g. `{example}`); their statements are unknown",
            absent.len()
        ));
    }

    let mut account_ids: BTreeSet<String> =
        accounts.iter().flatten().map(|a| (*a).to_owned()).collect();
    account_ids.extend(extras.account_id.iter().cloned());
    push_extras(&mut b, extras)?;
    for (file, report) in reports {
        push_credential_report(
            &mut b,
            file,
            report,
            &extras.keys_listed_for,
            &mut account_ids,
        )?;
    }

    let mut tables = b.finish()?;
    tables.push(catalog_table()?);
    tables.extend(crate::organization::tables(extras.organization.as_ref())?);
    // Keep the documented table order.
    tables.sort_by_key(|(t, _)| TABLES.iter().position(|x| x.name == t.name));
    Ok(Imported {
        tables,
        account_ids: account_ids.into_iter().collect(),
        notes,
    })
}

/// The `catalog_actions` table: every action of the catalog embedded in this iamsnap, the
/// one the snapshot is written with (its date goes into the manifest's `catalog_date`).
pub(crate) fn catalog_table() -> Result<(&'static Table, RecordBatch), ImportError> {
    let catalog = Catalog::embedded().map_err(|e| {
        ImportError::Snapshot(SnapshotError::Internal(format!(
            "the embedded action catalog is damaged: {e}"
        )))
    })?;
    let mut b = TableBuilder::new(def(CATALOG_TABLE)?);
    let mut levels: Vec<String> = Vec::new();
    for a in catalog.actions() {
        levels.clear();
        levels.extend(a.access_levels().iter().map(|l| l.as_str().to_owned()));
        b.push(&[
            a.service().into(),
            a.full_name().into(),
            levels.as_slice().into(),
        ])?;
    }
    Ok((b.table(), b.finish()?))
}

fn push_trust(
    b: &mut TableBuilder,
    account: &str,
    role: &RoleDetail,
    doc: &PolicyDocument,
) -> Result<(), ImportError> {
    for s in &doc.statements {
        let condition = s.condition_json.as_ref().map(Value::to_string);
        let keys: Vec<String> = s.condition_keys().into_iter().map(str::to_owned).collect();
        let lists = [(false, &s.principal), (true, &s.not_principal)];
        for (is_not, principal) in lists {
            let Some(principal) = principal else { continue };
            for (ty, value) in &principal.entries {
                let info = classify_principal(*ty, value);
                let cross = info.account.as_deref().is_some_and(|a| a != account);
                b.push(&[
                    account.into(),
                    (&role.arn).into(),
                    (&role.role_name).into(),
                    Cell::Int(i64::try_from(s.index).ok()),
                    Cell::Text(s.sid.as_deref()),
                    s.effect.as_str().into(),
                    is_not.into(),
                    ty.as_str().into(),
                    value.into(),
                    info.kind.as_str().into(),
                    Cell::Text(info.account.as_deref()),
                    cross.into(),
                    Cell::Text(info.provider.as_deref()),
                    Cell::TextList(s.action.as_deref()),
                    Cell::TextList(s.not_action.as_deref()),
                    Cell::Text(condition.as_deref()),
                    (&keys).into(),
                ])?;
            }
        }
    }
    Ok(())
}

fn push_credential_report(
    b: &mut Builders,
    file: &str,
    report: &CredentialReport,
    keys_listed_for: &BTreeSet<String>,
    account_ids: &mut BTreeSet<String>,
) -> Result<(), ImportError> {
    for (i, row) in report.rows.iter().enumerate() {
        let account = arn_account(&row.arn).ok_or_else(|| ImportError::CredentialReport {
            file: file.to_owned(),
            line: u64::try_from(i + 2).ok(),
            message: format!(
                "column `arn`: `{}` is not an IAM ARN with an account id",
                row.arn
            ),
        })?;
        account_ids.insert(account.to_owned());
        let ts = |t: Option<DateTime<Utc>>| Cell::Timestamp(t);
        let [k1, k2] = &row.keys;
        let [cert1, cert2] = row.cert_active;
        let [cert1_rotated, cert2_rotated] = row.cert_last_rotated;
        b.credential_report.push(&[
            account.into(),
            (&row.user).into(),
            (&row.arn).into(),
            ts(row.user_creation_time),
            Cell::Bool(row.password_enabled),
            ts(row.password_last_used),
            Cell::Text(row.password_last_used_note.as_deref()),
            ts(row.password_last_changed),
            ts(row.password_next_rotation),
            row.mfa_active.into(),
            k1.active.into(),
            ts(k1.last_rotated),
            ts(k1.last_used_date),
            Cell::Text(k1.last_used_region.as_deref()),
            Cell::Text(k1.last_used_service.as_deref()),
            k2.active.into(),
            ts(k2.last_rotated),
            ts(k2.last_used_date),
            Cell::Text(k2.last_used_region.as_deref()),
            Cell::Text(k2.last_used_service.as_deref()),
            cert1.into(),
            ts(cert1_rotated),
            cert2.into(),
            ts(cert2_rotated),
        ])?;
        // Keys listed through the API are in the table already, with their ids.
        if keys_listed_for.contains(&row.arn) {
            continue;
        }
        for (slot, key) in (1i64..).zip(&row.keys) {
            if !key.exists() {
                continue;
            }
            b.access_keys.push(&[
                account.into(),
                (&row.user).into(),
                (&row.arn).into(),
                Cell::Text(None),
                Cell::Int(Some(slot)),
                (if key.active { "Active" } else { "Inactive" }).into(),
                ts(key.last_rotated),
                ts(key.last_used_date),
                Cell::Text(key.last_used_region.as_deref()),
                Cell::Text(key.last_used_service.as_deref()),
                "credential_report".into(),
            ])?;
        }
    }
    Ok(())
}

/// The rows only a live export has: API access keys, identity providers, service last
/// accessed data and account settings.
fn push_extras(b: &mut Builders, extras: &Extras) -> Result<(), ImportError> {
    for k in &extras.access_keys {
        b.access_keys.push(&[
            (&k.account_id).into(),
            (&k.user_name).into(),
            (&k.user_arn).into(),
            (&k.access_key_id).into(),
            Cell::Int(None),
            (&k.status).into(),
            Cell::Timestamp(k.create_date),
            Cell::Timestamp(k.last_used_date),
            Cell::Text(k.last_used_region.as_deref()),
            Cell::Text(k.last_used_service.as_deref()),
            "api".into(),
        ])?;
    }
    for p in &extras.oidc_providers {
        b.oidc_providers.push(&[
            (&p.account_id).into(),
            (&p.arn).into(),
            (&p.url).into(),
            (&p.client_ids).into(),
            (&p.thumbprints).into(),
            Cell::Timestamp(p.create_date),
            p.tags.as_slice().into(),
        ])?;
    }
    for p in &extras.saml_providers {
        b.saml_providers.push(&[
            (&p.account_id).into(),
            (&p.arn).into(),
            p.name().into(),
            Cell::Timestamp(p.create_date),
            Cell::Timestamp(p.valid_until),
            Cell::Text(p.metadata_document.as_deref()),
            p.tags.as_slice().into(),
        ])?;
    }
    for s in &extras.service_last_accessed {
        b.service_last_accessed.push(&[
            (&s.account_id).into(),
            (&s.principal_arn).into(),
            s.principal_type.into(),
            (&s.principal_name).into(),
            (&s.service_namespace).into(),
            (&s.service_name).into(),
            Cell::Timestamp(s.last_authenticated),
            Cell::Text(s.last_authenticated_entity.as_deref()),
            Cell::Text(s.last_authenticated_region.as_deref()),
            Cell::Int(s.total_authenticated_entities),
            Cell::Timestamp(s.job_completion_date),
        ])?;
    }
    for a in &extras.account_settings {
        let policy = a.password_policy.as_ref();
        let field = |f: fn(&crate::model::PasswordPolicy) -> Option<bool>| {
            Cell::Bool(policy.and_then(|p| p.as_ref()).and_then(f))
        };
        let int = |f: fn(&crate::model::PasswordPolicy) -> Option<i64>| {
            Cell::Int(policy.and_then(|p| p.as_ref()).and_then(f))
        };
        b.account_settings.push(&[
            (&a.account_id).into(),
            Cell::TextList(a.aliases.as_deref()),
            Cell::Bool(policy.map(Option::is_some)),
            int(|p| p.minimum_password_length),
            field(|p| p.require_symbols),
            field(|p| p.require_numbers),
            field(|p| p.require_uppercase_characters),
            field(|p| p.require_lowercase_characters),
            field(|p| p.allow_users_to_change_password),
            field(|p| p.expire_passwords),
            int(|p| p.max_password_age),
            int(|p| p.password_reuse_prevention),
            field(|p| p.hard_expiry),
        ])?;
    }
    Ok(())
}
