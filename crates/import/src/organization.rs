//! An AWS Organization as the `aws organizations` commands print it: the organization, its
//! root, organizational units, accounts (with their place in the tree and tags), and its
//! service and resource control policies with their targets.
//!
//! A capture is a folder of command outputs, one file per command and argument, named
//! after the command (what `scripts/capture-org` writes, and `iamsnap generate --org`):
//!
//! ```text
//! organization/describe-organization.json
//! organization/list-roots.json
//! organization/list-accounts.json
//! organization/list-organizational-units-for-parent/<parent id>.json   one per root and OU
//! organization/list-accounts-for-parent/<parent id>.json               one per root and OU
//! organization/describe-policy/<policy id>.json                        one per SCP and RCP
//! organization/list-targets-for-policy/<policy id>.json                one per SCP and RCP
//! organization/list-tags-for-resource/<account id>.json                one per account
//! ```
//!
//! The tree is walked from the root through the parents' files, so an OU or account the
//! files do not reach is an error naming the file that is missing, never a silently
//! smaller organization.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow::record_batch::RecordBatch;
use chrono::{DateTime, Utc};
use iamsnap_policy::DocumentKind;
use iamsnap_snapshot::{Cell, Table, TableBuilder};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::date;
use crate::error::{ImportError, JsonInput};
use crate::tables::{def, load_document};

/// The folder of a capture that holds the organization's files.
pub const FOLDER: &str = "organization";

/// At most this many OUs and accounts: a capture whose tree is larger (or loops) is
/// refused rather than walked forever. AWS allows 1,000 OUs and (by quota increase) some
/// thousands of accounts.
const MAX_NODES: usize = 100_000;

/// No `aws organizations` output of one call (all pages) comes near this.
const MAX_FILE_BYTES: u64 = 256 << 20;

/// The organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// `o-...`.
    pub id: String,
    /// Organization ARN.
    pub arn: Option<String>,
    /// `ALL` or `CONSOLIDATED_BILLING`.
    pub feature_set: Option<String>,
    /// The management account's id.
    pub management_account_id: String,
    /// The management account's ARN.
    pub management_account_arn: Option<String>,
    /// The root.
    pub root: Root,
    /// Every OU, parents before children.
    pub units: Vec<Unit>,
    /// Every account, in `list-accounts` order.
    pub accounts: Vec<Member>,
    /// Every SCP and RCP, by id.
    pub policies: Vec<OrgPolicy>,
    /// Where each policy is attached.
    pub targets: Vec<Target>,
}

/// The organization's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// `r-...`.
    pub id: String,
    /// Root ARN.
    pub arn: Option<String>,
    /// Usually `Root`.
    pub name: Option<String>,
    /// Policy types whose status is `ENABLED`.
    pub enabled_policy_types: Vec<String>,
}

/// An organizational unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// `ou-...`.
    pub id: String,
    /// OU ARN.
    pub arn: Option<String>,
    /// OU name.
    pub name: String,
    /// Root or OU above it.
    pub parent_id: String,
    /// `o-.../r-.../ou-.../`, ending with this OU.
    pub path: String,
}

/// An account of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// 12-digit id.
    pub id: String,
    /// Account ARN in the organization.
    pub arn: Option<String>,
    /// Account name.
    pub name: Option<String>,
    /// Root user's email.
    pub email: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    pub status: Option<String>,
    /// `INVITED` or `CREATED`.
    pub joined_method: Option<String>,
    /// When it joined.
    pub joined_at: Option<DateTime<Utc>>,
    /// Root or OU directly above it.
    pub parent_id: String,
    /// Path of the parent, `o-.../r-.../[ou-.../]`.
    pub path: String,
    /// Tags, key to value.
    pub tags: Vec<(String, String)>,
}

/// A service or resource control policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPolicy {
    /// `p-...`.
    pub id: String,
    /// Policy ARN.
    pub arn: Option<String>,
    /// Policy name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.
    pub policy_type: String,
    /// Whether AWS manages it.
    pub aws_managed: bool,
    /// The document, JSON text.
    pub document: String,
}

/// A policy's attachment to the root, an OU or an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The policy.
    pub policy_id: String,
    /// Its type.
    pub policy_type: String,
    /// Root, OU or account id.
    pub target_id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.
    pub target_type: String,
    /// Its name.
    pub target_name: Option<String>,
}

/// The policy types iamsnap reads; their documents are checked as their kind.
pub const POLICY_TYPES: [&str; 2] = ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"];

// ---- The commands' outputs --------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeOrganization {
    organization: OrganizationOut,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OrganizationOut {
    id: String,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    feature_set: Option<String>,
    #[serde(default)]
    master_account_arn: Option<String>,
    master_account_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListRoots {
    roots: Vec<RootOut>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RootOut {
    id: String,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    policy_types: Option<Vec<PolicyTypeOut>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyTypeOut {
    #[serde(rename = "Type")]
    kind: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListAccounts {
    accounts: Vec<AccountOut>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AccountOut {
    id: String,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    joined_method: Option<String>,
    #[serde(default, with = "date::optional")]
    joined_timestamp: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUnits {
    organizational_units: Vec<UnitOut>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnitOut {
    id: String,
    #[serde(default)]
    arn: Option<String>,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribePolicy {
    policy: PolicyOut,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyOut {
    policy_summary: PolicySummaryOut,
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicySummaryOut {
    id: String,
    #[serde(default)]
    arn: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "Type")]
    kind: String,
    #[serde(default)]
    aws_managed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTargets {
    targets: Vec<TargetOut>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TargetOut {
    target_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "Type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTags {
    tags: Vec<TagOut>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagOut {
    key: String,
    value: String,
}

// ---- Reading a capture ------------------------------------------------------------------

/// A file of the capture, read: what it held and its sha256, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    /// The file's path relative to the capture folder.
    pub name: String,
    /// sha256 of its bytes.
    pub sha256: String,
}

/// Where the outputs of `aws organizations` commands come from: a capture folder's files
/// ([`Organization::read_capture`]), or the answers a live export received ([`Answers`]).
/// The organization is built from either by the same code.
trait Outputs {
    /// What to call the source in errors: the capture folder, or the API.
    fn label(&self) -> String;
    /// The output of `command` (for `arg`) as JSON bytes, and the name to show for it.
    fn bytes(
        &mut self,
        command: &'static str,
        arg: Option<&str>,
    ) -> Result<(Vec<u8>, String), ImportError>;
    /// The ids of every policy described (`describe-policy` outputs).
    fn described_policies(&mut self) -> Result<Vec<String>, ImportError>;

    /// The output of `command` (for `arg`), which the source must have.
    fn read<T: serde::de::DeserializeOwned>(
        &mut self,
        command: &'static str,
        arg: Option<&str>,
    ) -> Result<T, ImportError> {
        // Ids come from the source's own outputs and name the next output to read: only the
        // characters AWS ids have, so none can point outside a capture folder.
        if let Some(arg) = arg
            && (arg.is_empty()
                || arg.len() > 128
                || !arg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(ImportError::Capture {
                dir: self.label(),
                message: format!(
                    "`{}` (an id in the capture, for `aws organizations {command}`) is not an id of AWS Organizations: ids are letters, digits, `-` and `_`",
                    iamsnap_cloudtrail::excerpt(arg)
                ),
            });
        }
        let (bytes, shown) = self.bytes(command, arg)?;
        crate::json::read(bytes.as_slice(), &shown, JsonInput::Organizations(command))
    }
}

/// Reads the files of a capture folder.
struct Folder<'a> {
    dir: &'a Path,
    read: Vec<ReadFile>,
}

impl Folder<'_> {
    fn path(&self, command: &str, arg: Option<&str>) -> PathBuf {
        let dir = self.dir.join(FOLDER);
        match arg {
            Some(arg) => dir.join(command).join(format!("{arg}.json")),
            None => dir.join(format!("{command}.json")),
        }
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(self.dir)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

impl Outputs for Folder<'_> {
    fn label(&self) -> String {
        self.dir.display().to_string()
    }

    fn bytes(
        &mut self,
        command: &'static str,
        arg: Option<&str>,
    ) -> Result<(Vec<u8>, String), ImportError> {
        let path = self.path(command, arg);
        if !path.is_file() {
            return Err(ImportError::Capture {
                dir: self.label(),
                message: format!(
                    "`{}` is missing: it holds the output of `aws organizations {command}`{}",
                    self.relative(&path),
                    arg.map(|a| format!(" for `{a}`")).unwrap_or_default()
                ),
            });
        }
        let shown = path.display().to_string();
        let io = |source| ImportError::Io {
            file: shown.clone(),
            source,
        };
        let mut bytes = Vec::new();
        File::open(&path)
            .map_err(io)?
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ImportError::Capture {
                dir: self.label(),
                message: format!(
                    "`{}` is larger than {} MiB, more than any `aws organizations` output",
                    self.relative(&path),
                    MAX_FILE_BYTES >> 20
                ),
            });
        }
        self.read.push(ReadFile {
            name: self.relative(&path),
            sha256: hex::encode(Sha256::digest(&bytes)),
        });
        Ok((bytes, shown))
    }

    fn described_policies(&mut self) -> Result<Vec<String>, ImportError> {
        let mut ids = Vec::new();
        let policy_dir = self.dir.join(FOLDER).join("describe-policy");
        if policy_dir.is_dir() {
            let io = |source| ImportError::Io {
                file: policy_dir.display().to_string(),
                source,
            };
            for entry in std::fs::read_dir(&policy_dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(id) = name.strip_suffix(".json") {
                    ids.push(id.to_owned());
                }
            }
        }
        Ok(ids)
    }
}

/// The answers of the AWS Organizations API a live export received, each page of a
/// paginated call merged into one answer (as the AWS CLI prints it), by operation (named
/// as the AWS CLI command) and argument.
#[derive(Debug, Default)]
pub struct Answers {
    answers: BTreeMap<(&'static str, Option<String>), Vec<u8>>,
}

impl Answers {
    /// Keeps the answer of `command` for `arg`.
    pub fn insert(&mut self, command: &'static str, arg: Option<&str>, answer: &Value) {
        self.answers.insert(
            (command, arg.map(str::to_owned)),
            answer.to_string().into_bytes(),
        );
    }
}

const API: &str = "the AWS Organizations API";

impl Outputs for Answers {
    fn label(&self) -> String {
        API.to_owned()
    }

    fn bytes(
        &mut self,
        command: &'static str,
        arg: Option<&str>,
    ) -> Result<(Vec<u8>, String), ImportError> {
        let name = match arg {
            Some(a) => format!("the answer of {command} for `{a}`"),
            None => format!("the answer of {command}"),
        };
        match self.answers.get(&(command, arg.map(str::to_owned))) {
            Some(bytes) => Ok((bytes.clone(), name)),
            None => Err(ImportError::Capture {
                dir: self.label(),
                message: format!("{name} was not received"),
            }),
        }
    }

    fn described_policies(&mut self) -> Result<Vec<String>, ImportError> {
        Ok(self
            .answers
            .keys()
            .filter(|(c, _)| *c == "describe-policy")
            .filter_map(|(_, a)| a.clone())
            .collect())
    }
}

/// A paginated output cut short (`--max-items`) is refused: the rest would be silently
/// missing.
fn whole(
    dir: &str,
    command: &str,
    arg: Option<&str>,
    next: Option<&String>,
) -> Result<(), ImportError> {
    match next {
        None => Ok(()),
        Some(_) => Err(ImportError::Capture {
            dir: dir.to_owned(),
            message: format!(
                "the output of `aws organizations {command}`{} has a `NextToken`: it is one page of several; capture it without --max-items so the AWS CLI fetches every page",
                arg.map(|a| format!(" for `{a}`")).unwrap_or_default()
            ),
        }),
    }
}

impl Organization {
    /// Whether `dir` holds an organization capture.
    pub fn in_capture(dir: &Path) -> bool {
        dir.join(FOLDER).is_dir()
    }

    /// Reads the organization of the capture in `dir`, with the files read (for the
    /// manifest).
    pub fn read_capture(dir: &Path) -> Result<(Self, Vec<ReadFile>), ImportError> {
        let mut folder = Folder {
            dir,
            read: Vec::new(),
        };
        let org = Self::build(&mut folder)?;
        Ok((org, folder.read))
    }

    /// Builds the organization from the answers of a live export.
    pub fn from_answers(mut answers: Answers) -> Result<Self, ImportError> {
        Self::build(&mut answers)
    }

    fn build(c: &mut impl Outputs) -> Result<Self, ImportError> {
        let label = c.label();
        let dir = label.as_str();
        let org: DescribeOrganization = c.read("describe-organization", None)?;
        let org = org.organization;
        let roots: ListRoots = c.read("list-roots", None)?;
        whole(dir, "list-roots", None, roots.next_token.as_ref())?;
        let mut roots = roots.roots.into_iter();
        let (Some(root), None) = (roots.next(), roots.next()) else {
            return Err(ImportError::Capture {
                dir: label.clone(),
                message: "`organization/list-roots.json` must list exactly one root, as every organization has".to_owned(),
            });
        };
        let enabled_policy_types = root
            .policy_types
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.status == "ENABLED")
            .map(|t| t.kind)
            .collect();
        let root = Root {
            id: root.id,
            arn: root.arn,
            name: root.name,
            enabled_policy_types,
        };
        let listed: ListAccounts = c.read("list-accounts", None)?;
        whole(dir, "list-accounts", None, listed.next_token.as_ref())?;

        // The tree, from the root down: each parent's OUs and accounts.
        let mut units = Vec::new();
        let mut parent_of: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut queue = vec![(root.id.clone(), format!("{}/{}/", org.id, root.id))];
        let mut seen: BTreeSet<String> = BTreeSet::from([root.id.clone()]);
        while let Some((parent, path)) = queue.pop() {
            let children: ListUnits =
                c.read("list-organizational-units-for-parent", Some(&parent))?;
            whole(
                dir,
                "list-organizational-units-for-parent",
                Some(&parent),
                children.next_token.as_ref(),
            )?;
            let accounts: ListAccounts = c.read("list-accounts-for-parent", Some(&parent))?;
            whole(
                dir,
                "list-accounts-for-parent",
                Some(&parent),
                accounts.next_token.as_ref(),
            )?;
            for a in accounts.accounts {
                if parent_of
                    .insert(a.id.clone(), (parent.clone(), path.clone()))
                    .is_some()
                {
                    return Err(ImportError::Capture {
                        dir: label.clone(),
                        message: format!("account `{}` is listed under two parents", a.id),
                    });
                }
            }
            for u in children.organizational_units {
                if !seen.insert(u.id.clone()) || seen.len() > MAX_NODES {
                    return Err(ImportError::Capture {
                        dir: label.clone(),
                        message: format!(
                            "OU `{}` is listed twice in the tree (or the tree has more than {MAX_NODES} OUs)",
                            u.id
                        ),
                    });
                }
                let child_path = format!("{path}{}/", u.id);
                queue.push((u.id.clone(), child_path.clone()));
                units.push(Unit {
                    id: u.id,
                    arn: u.arn,
                    name: u.name,
                    parent_id: parent.clone(),
                    path: child_path,
                });
            }
        }
        units.sort_by(|a, b| a.path.cmp(&b.path));

        let mut accounts = Vec::with_capacity(listed.accounts.len());
        for a in listed.accounts {
            let Some((parent_id, path)) = parent_of.remove(&a.id) else {
                return Err(ImportError::Capture {
                    dir: label.clone(),
                    message: format!(
                        "account `{}` is in `list-accounts` but under no parent: the files of `list-accounts-for-parent` are incomplete",
                        a.id
                    ),
                });
            };
            let tags: ListTags = c.read("list-tags-for-resource", Some(&a.id))?;
            whole(
                dir,
                "list-tags-for-resource",
                Some(&a.id),
                tags.next_token.as_ref(),
            )?;
            accounts.push(Member {
                id: a.id,
                arn: a.arn,
                name: a.name,
                email: a.email,
                status: a.status,
                joined_method: a.joined_method,
                joined_at: a.joined_timestamp,
                parent_id,
                path,
                tags: tags.tags.into_iter().map(|t| (t.key, t.value)).collect(),
            });
        }
        if let Some(id) = parent_of.keys().next() {
            return Err(ImportError::Capture {
                dir: label.clone(),
                message: format!(
                    "account `{id}` is under a parent but not in `list-accounts`: the capture mixes two moments or two organizations"
                ),
            });
        }

        // Policies: every policy described, each with its targets.
        let mut ids = c.described_policies()?;
        ids.sort();
        let mut policies = Vec::with_capacity(ids.len());
        let mut targets = Vec::new();
        for id in ids {
            let p: DescribePolicy = c.read("describe-policy", Some(&id))?;
            let summary = p.policy.policy_summary;
            if summary.id != id {
                return Err(ImportError::Capture {
                    dir: label.clone(),
                    message: format!(
                        "`organization/describe-policy/{id}.json` describes policy `{}`",
                        summary.id
                    ),
                });
            }
            if !POLICY_TYPES.contains(&summary.kind.as_str()) {
                // Tag, backup and AI opt-out policies do not decide access.
                continue;
            }
            let t: ListTargets = c.read("list-targets-for-policy", Some(&id))?;
            whole(
                dir,
                "list-targets-for-policy",
                Some(&id),
                t.next_token.as_ref(),
            )?;
            targets.extend(t.targets.into_iter().map(|t| Target {
                policy_id: id.clone(),
                policy_type: summary.kind.clone(),
                target_id: t.target_id,
                target_type: t.kind,
                target_name: t.name,
            }));
            policies.push(OrgPolicy {
                id: summary.id,
                arn: summary.arn,
                name: summary.name,
                description: summary.description,
                policy_type: summary.kind,
                aws_managed: summary.aws_managed.unwrap_or(false),
                document: p.policy.content,
            });
        }
        let org = Organization {
            id: org.id,
            arn: org.arn,
            feature_set: org.feature_set,
            management_account_id: org.master_account_id,
            management_account_arn: org.master_account_arn,
            root,
            units,
            accounts,
            policies,
            targets,
        };
        Ok(org)
    }
}

// ---- Tables -----------------------------------------------------------------------------

/// The organization tables: empty without an organization. Every policy document is
/// checked as its kind (an SCP as an SCP, an RCP as an RCP); one that is not valid fails
/// the import, naming the policy.
pub(crate) fn tables(
    org: Option<&Organization>,
) -> Result<Vec<(&'static Table, RecordBatch)>, ImportError> {
    let mut organization = TableBuilder::new(def("organization")?);
    let mut accounts = TableBuilder::new(def("accounts")?);
    let mut units = TableBuilder::new(def("organizational_units")?);
    let mut policies = TableBuilder::new(def("organization_policies")?);
    let mut targets = TableBuilder::new(def("organization_policy_targets")?);
    if let Some(o) = org {
        let mgmt = o.management_account_id.as_str();
        organization.push(&[
            mgmt.into(),
            (&o.id).into(),
            Cell::Text(o.arn.as_deref()),
            Cell::Text(o.feature_set.as_deref()),
            Cell::Text(o.management_account_arn.as_deref()),
            (&o.root.id).into(),
            (&o.root.enabled_policy_types).into(),
        ])?;
        for a in &o.accounts {
            accounts.push(&[
                (&a.id).into(),
                Cell::Text(a.name.as_deref()),
                Cell::Text(a.email.as_deref()),
                Cell::Text(a.arn.as_deref()),
                Cell::Text(a.status.as_deref()),
                Cell::Text(a.joined_method.as_deref()),
                Cell::Timestamp(a.joined_at),
                (&a.parent_id).into(),
                (&a.path).into(),
                (a.id == mgmt).into(),
                a.tags.as_slice().into(),
            ])?;
        }
        for u in &o.units {
            units.push(&[
                mgmt.into(),
                (&u.id).into(),
                Cell::Text(u.arn.as_deref()),
                (&u.name).into(),
                (&u.parent_id).into(),
                (&u.path).into(),
            ])?;
        }
        for p in &o.policies {
            let kind = match p.policy_type.as_str() {
                "RESOURCE_CONTROL_POLICY" => DocumentKind::ResourceControl,
                _ => DocumentKind::ServiceControl,
            };
            let file = format!("{FOLDER}/describe-policy/{}.json", p.id);
            let doc = load_document(
                &Value::String(p.document.clone()),
                kind,
                &file,
                &|| format!("organization `{}`", o.id),
                &|| format!("{} `{}` ({})", kind_name(kind), p.name, p.id),
            )?;
            policies.push(&[
                mgmt.into(),
                (&p.id).into(),
                Cell::Text(p.arn.as_deref()),
                (&p.name).into(),
                Cell::Text(p.description.as_deref()),
                (&p.policy_type).into(),
                p.aws_managed.into(),
                doc.text.as_str().into(),
            ])?;
        }
        for t in &o.targets {
            targets.push(&[
                mgmt.into(),
                (&t.policy_id).into(),
                (&t.policy_type).into(),
                (&t.target_id).into(),
                (&t.target_type).into(),
                Cell::Text(t.target_name.as_deref()),
            ])?;
        }
    }
    let mut out = Vec::with_capacity(5);
    for mut b in [organization, accounts, units, policies, targets] {
        out.push((b.table(), b.finish()?));
    }
    Ok(out)
}

fn kind_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::ResourceControl => "RCP",
        _ => "SCP",
    }
}
