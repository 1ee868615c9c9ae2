//! `export --org`: an AWS Organization into one snapshot. From the management account or a
//! delegated administrator, the organization's structure and policies are read through the
//! Organizations API (the answers are turned into the organization by the same code that
//! reads `scripts/capture-org`'s files); then every active account is read as a one-account
//! export is, the caller's own with the caller's credentials and each other through
//! `--member-role` (`sts:AssumeRole`), several accounts at once within one bound on
//! requests in flight.
//!
//! An account that cannot be entered, and a part of the organization that cannot be read
//! (policies, account tags), is recorded in the manifest's `missing` with the action to
//! grant, and the export goes on; `--strict` fails instead and writes nothing.

use std::collections::BTreeSet;
use std::sync::Arc;

use iamsnap_import::organization::{Answers, Member, Organization, POLICY_TYPES};
use iamsnap_snapshot::MissingPart;
use serde_json::{Map, Value, json};

use crate::actions::Part;
use crate::api::{Api, Missing};
use crate::cloudtrail::CloudTrailRequest;
use crate::error::{ApiError, ExportError, FailureKind};
use crate::run::{
    AccountCapture, Captured, ExportProgress, ExportRequest, NoExportProgress, bounded,
    capture_account,
};
use crate::signed::{Call, unusable};

/// What `export --org` is asked for.
#[derive(Debug, Clone, Default)]
pub struct OrgRequest {
    /// The role to enter each account other than the caller's (`--member-role`), a name
    /// (or `path/name`) the same in every account. `None`: only the caller's account's IAM
    /// is read; the others are recorded as not read.
    pub member_role: Option<String>,
    /// The external id the member role's trust policy requires (`--external-id`).
    pub external_id: Option<String>,
    /// Only these accounts (`--accounts`); `None`: every account of the organization.
    pub accounts: Option<Vec<String>>,
    /// Not these accounts (`--exclude-accounts`).
    pub exclude_accounts: Vec<String>,
    /// Accounts read at once (`--parallel-accounts`).
    pub parallel_accounts: usize,
}

/// The session name of the member role, as CloudTrail shows it in each account.
const SESSION_NAME: &str = "iamsnap-export";

/// Pages of one listing beyond which the API is taken to loop.
const MAX_PAGES: usize = 10_000;

const STEP_ORGANIZATION: &str = "organization";
const STEP_ACCOUNTS: &str = "accounts";

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A role name or `path/name` as IAM allows them.
fn is_role_name(s: &str) -> bool {
    let name = s.rsplit('/').next().unwrap_or(s);
    !name.is_empty()
        && s.len() <= 512
        && name.len() <= 64
        && !s.starts_with('/')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
}

impl OrgRequest {
    /// Checks the request before anything is called.
    pub(crate) fn check(&self, cloudtrail: &CloudTrailRequest) -> Result<(), ExportError> {
        if cloudtrail.lookup.is_some() {
            return Err(ExportError::Source {
                message: "--cloudtrail-days without --cloudtrail-s3 reads the event history (LookupEvents) of the caller's account alone, not of the organization".to_owned(),
                help: "read the organization trail's log objects: --cloudtrail-s3 s3://BUCKET/AWSLogs/ (with --cloudtrail-days N for the last N days)".to_owned(),
            });
        }
        for id in self.accounts.iter().flatten().chain(&self.exclude_accounts) {
            if !is_account_id(id) {
                return Err(ExportError::Config(format!(
                    "`{}` is not an account id: give 12-digit ids, comma-separated",
                    iamsnap_cloudtrail::excerpt(id)
                )));
            }
        }
        if let Some(role) = &self.member_role
            && !is_role_name(role)
        {
            return Err(ExportError::Config(format!(
                "`{}` is not a role name: --member-role takes the name of the role in each account (letters, digits and +=,.@_-, at most 64), optionally after its path",
                iamsnap_cloudtrail::excerpt(role)
            )));
        }
        Ok(())
    }
}

/// Where the Organizations API is, by partition (it is global, served from one region).
fn api_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-northwest-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// A request of the Organizations API (AWS JSON 1.1). `operation` may be qualified
/// (`organizations:ListPolicies`) where another service has an operation of its name.
fn call(operation: &'static str, region: &str, body: Value) -> Call {
    let name = operation.rsplit(':').next().unwrap_or(operation);
    Call::json(
        operation,
        "organizations",
        "organizations",
        region,
        "1.1",
        format!("AWSOrganizationsV20161128.{name}"),
        &body,
    )
}

/// Every page of a listing, merged as the AWS CLI prints it: the `key` lists of all pages
/// under `key`, without `NextToken`.
async fn all_pages(
    api: &Api,
    operation: &'static str,
    region: &str,
    params: &[(&str, &str)],
    key: &str,
) -> Result<Value, ApiError> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut body = Map::new();
        for (k, v) in params {
            body.insert((*k).to_owned(), json!(v));
        }
        if let Some(t) = &token {
            body.insert("NextToken".to_owned(), json!(t));
        }
        let answer = api
            .send(&call(operation, region, Value::Object(body)))
            .await?
            .json(operation)?;
        let Some(page) = answer.get(key).and_then(Value::as_array) else {
            return Err(unusable(
                operation,
                format!("the answer has no `{key}` list"),
            ));
        };
        items.extend(page.iter().cloned());
        match answer.get("NextToken").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok(json!({ key: items })),
        }
    }
    Err(unusable(
        operation,
        format!("more than {MAX_PAGES} pages: the listing does not end"),
    ))
}

/// The ids under `key` of a merged listing.
fn ids(listing: &Value, key: &str) -> Vec<String> {
    listing
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("Id").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// Reads the organization: fails when its structure cannot be read (nothing can be
/// exported as an organization without it); records policies and tags that cannot be read.
async fn organization(
    api: &Arc<Api>,
    region: &'static str,
    missing: &Arc<Missing>,
    concurrency: usize,
) -> Result<Organization, ExportError> {
    let mut answers = Answers::default();
    let describe = api
        .send(&call("DescribeOrganization", region, json!({})))
        .await
        .and_then(|a| a.json("DescribeOrganization"))
        .map_err(ExportError::Api)?;
    answers.insert("describe-organization", None, &describe);
    let roots = all_pages(api, "ListRoots", region, &[], "Roots")
        .await
        .map_err(ExportError::Api)?;
    answers.insert("list-roots", None, &roots);
    let accounts = all_pages(api, "ListAccounts", region, &[], "Accounts")
        .await
        .map_err(ExportError::Api)?;
    answers.insert("list-accounts", None, &accounts);

    // The tree, from the root down, one level at a time.
    let mut level = ids(&roots, "Roots");
    let mut seen: BTreeSet<String> = level.iter().cloned().collect();
    while !level.is_empty() {
        let results = bounded(level, concurrency, |parent| {
            let api = api.clone();
            async move {
                let units = all_pages(
                    &api,
                    "ListOrganizationalUnitsForParent",
                    region,
                    &[("ParentId", &parent)],
                    "OrganizationalUnits",
                )
                .await?;
                let accounts = all_pages(
                    &api,
                    "ListAccountsForParent",
                    region,
                    &[("ParentId", &parent)],
                    "Accounts",
                )
                .await?;
                Ok::<_, ApiError>((parent, units, accounts))
            }
        })
        .await?;
        let mut next = Vec::new();
        for r in results {
            let (parent, units, accounts) = r.map_err(ExportError::Api)?;
            for id in ids(&units, "OrganizationalUnits") {
                // A loop, or a tree beyond any organization's size, is caught when the
                // answers are read; here it only must not go on forever.
                if seen.insert(id.clone()) && seen.len() <= 100_000 {
                    next.push(id);
                }
            }
            answers.insert(
                "list-organizational-units-for-parent",
                Some(&parent),
                &units,
            );
            answers.insert("list-accounts-for-parent", Some(&parent), &accounts);
        }
        next.sort();
        level = next;
    }

    // Service and resource control policies, each with its targets.
    let mut policy_ids = Vec::new();
    for kind in POLICY_TYPES {
        match all_pages(
            api,
            "organizations:ListPolicies",
            region,
            &[("Filter", kind)],
            "Policies",
        )
        .await
        {
            Ok(listing) => policy_ids.extend(ids(&listing, "Policies")),
            Err(e) => missing.record_with(
                Part::OrganizationPolicies,
                &e,
                Some(format!("the {kind} policies")),
            ),
        }
    }
    let described = bounded(policy_ids, concurrency, |id| {
        let api = api.clone();
        async move {
            let policy = api
                .send(&call(
                    "organizations:DescribePolicy",
                    region,
                    json!({"PolicyId": id}),
                ))
                .await
                .and_then(|a| a.json("organizations:DescribePolicy"))?;
            let targets = all_pages(
                &api,
                "ListTargetsForPolicy",
                region,
                &[("PolicyId", &id)],
                "Targets",
            )
            .await?;
            Ok::<_, ApiError>((id, policy, targets))
        }
    })
    .await?;
    for d in described {
        match d {
            Ok((id, policy, targets)) => {
                answers.insert("describe-policy", Some(&id), &policy);
                answers.insert("list-targets-for-policy", Some(&id), &targets);
            }
            Err(e) => missing.record(Part::OrganizationPolicies, &e),
        }
    }

    // Each account's tags; an account whose tags cannot be read has none in the table,
    // and the manifest says why.
    let tagged = bounded(ids(&accounts, "Accounts"), concurrency, |id| {
        let api = api.clone();
        async move {
            let tags = all_pages(
                &api,
                "organizations:ListTagsForResource",
                region,
                &[("ResourceId", &id)],
                "Tags",
            )
            .await;
            (id, tags)
        }
    })
    .await?;
    for (id, tags) in tagged {
        let tags = tags.unwrap_or_else(|e| {
            missing.record_with(Part::AccountTags, &e, Some(format!("first for `{id}`")));
            json!({"Tags": []})
        });
        answers.insert("list-tags-for-resource", Some(&id), &tags);
    }
    Ok(Organization::from_answers(answers)?)
}

/// Why an account of the organization is not read, or `None` when it is.
fn not_read(member: &Member, caller: &str, request: &OrgRequest) -> Option<String> {
    let status = member.status.as_deref().unwrap_or("ACTIVE");
    if status != "ACTIVE" {
        return Some(format!(
            "not read: the account's status is {status}, and only active accounts can be entered"
        ));
    }
    if member.id != caller && request.member_role.is_none() {
        return Some(format!(
            "not read: give --member-role to read the accounts other than {caller}, the caller's"
        ));
    }
    None
}

/// The parts of an account that was not read: its IAM, and its resources (unless none were
/// asked for), with the same reason.
fn account_parts(
    account: &str,
    reason: String,
    action: Option<&str>,
    resources: bool,
) -> Vec<MissingPart> {
    let part = |part: &str| MissingPart {
        part: part.to_owned(),
        reason: reason.clone(),
        action: action.map(str::to_owned),
        account: Some(account.to_owned()),
        region: None,
    };
    let mut parts = vec![part("iam")];
    if resources {
        parts.push(part(crate::resources::SKIPPED_PART));
    }
    parts
}

/// Reads the organization and its accounts.
pub(crate) async fn capture(
    api: &Arc<Api>,
    caller: &str,
    partition: &str,
    request: &ExportRequest,
    org_request: &OrgRequest,
    progress: Arc<dyn ExportProgress>,
) -> Result<Captured, ExportError> {
    let concurrency = request.concurrency.max(1);
    let missing = Arc::new(Missing::default());
    progress.start(STEP_ORGANIZATION, None);
    let org = organization(api, api_region(partition), &missing, concurrency).await;
    progress.finish(STEP_ORGANIZATION);
    let org = org?;

    let known: BTreeSet<&str> = org.accounts.iter().map(|a| a.id.as_str()).collect();
    for id in org_request.accounts.iter().flatten() {
        if !known.contains(id.as_str()) {
            return Err(ExportError::Config(format!(
                "account {id} (--accounts) is not in organization {}; its accounts are listed by `aws organizations list-accounts`",
                org.id
            )));
        }
    }
    let mut parts = Vec::new();
    let mut to_read = Vec::new();
    for a in &org.accounts {
        let wanted = org_request
            .accounts
            .as_ref()
            .is_none_or(|only| only.contains(&a.id))
            && !org_request.exclude_accounts.contains(&a.id);
        let reason = if wanted {
            not_read(a, caller, org_request)
        } else {
            Some("not read: left out by --accounts or --exclude-accounts".to_owned())
        };
        match reason {
            Some(reason) => parts.extend(account_parts(&a.id, reason, None, request.resources)),
            None => to_read.push(a.id.clone()),
        }
    }

    progress.start(STEP_ACCOUNTS, Some(to_read.len() as u64));
    let partition = partition.to_owned();
    let results = bounded(to_read, org_request.parallel_accounts.max(1), |account| {
        let api = api.clone();
        let caller = caller.to_owned();
        let partition = partition.clone();
        let request = request.clone();
        let progress = progress.clone();
        let org_request = org_request.clone();
        async move {
            let out =
                read_account(&api, &caller, &partition, &request, &org_request, account).await;
            progress.advance(STEP_ACCOUNTS, 1);
            out
        }
    })
    .await?;
    progress.finish(STEP_ACCOUNTS);
    let mut accounts = Vec::new();
    for r in results {
        match r? {
            Ok(a) => accounts.push(a),
            Err(not_read) => parts.extend(not_read),
        }
    }
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    parts.extend(missing.parts());
    Ok(Captured {
        organization: Some(org),
        accounts,
        missing: parts,
    })
}

/// One account: entered (unless it is the caller's) and read; what cannot be entered or
/// whose IAM cannot be read is a missing part.
async fn read_account(
    api: &Arc<Api>,
    caller: &str,
    partition: &str,
    request: &ExportRequest,
    org_request: &OrgRequest,
    account: String,
) -> Result<Result<AccountCapture, Vec<MissingPart>>, ExportError> {
    let member_api = if account == caller {
        api.clone()
    } else {
        let role = org_request.member_role.as_deref().unwrap_or_default();
        let arn = format!("arn:{partition}:iam::{account}:role/{role}");
        match api
            .assume(&arn, org_request.external_id.as_deref(), SESSION_NAME)
            .await
        {
            Ok(member) => Arc::new(member),
            Err(e) => {
                let reason = format!("cannot enter the account through `{arn}`: {}", e.reason());
                let action = (e.kind == FailureKind::Denied).then_some(e.action);
                return Ok(Err(account_parts(
                    &account,
                    reason,
                    action,
                    request.resources,
                )));
            }
        }
    };
    // Each account's own steps are not drawn: the accounts' bar stands for them.
    let quiet: Arc<dyn ExportProgress> = Arc::new(NoExportProgress);
    match capture_account(
        member_api,
        account.clone(),
        partition,
        request,
        quiet,
        Arc::new(Missing::default()),
    )
    .await
    {
        Ok(a) => Ok(Ok(a)),
        // The authorization details could not be read: the account's IAM is missing.
        Err(ExportError::Api(e)) => {
            let action = (e.kind == FailureKind::Denied).then_some(e.action);
            Ok(Err(account_parts(
                &account,
                e.reason(),
                action,
                request.resources,
            )))
        }
        Err(other) => Err(other),
    }
}
