//! The export itself: what is called, in which order, with which bounds.

use std::collections::BTreeSet;
use std::future::Future;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, JobStatusType, ReportStateType};
use chrono::{DateTime, Utc};
use iamsnap_snapshot::{
    Manifest, ManifestInfo, MissingPart, SnapshotWriter, Source, TABLES, TableBuilder,
};
use tokio::task::JoinSet;

use crate::actions::Part;
use crate::api::{Api, CallStats, Connection, Missing};
use crate::cloudtrail::{self, CloudTrailRequest, Env};
use crate::convert::{self, instant};
use crate::error::{ApiError, ExportError, FailureKind};
use crate::resources;
use iamsnap_import::credential_report::CredentialReport;
use iamsnap_import::model::{
    AccessKey, AccountSettings, Extras, OidcProvider, PasswordPolicy, SamlProvider,
    ServiceLastAccessed,
};
use iamsnap_import::organization::Organization;
use iamsnap_import::{Page, arn_account, build_tables_with};

use crate::org::OrgRequest;

/// What to export and how.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// Profile, region, endpoint and retries.
    pub connection: Connection,
    /// The snapshot folder to create.
    pub output: PathBuf,
    /// Replace `output` if it is an existing snapshot.
    pub force: bool,
    /// Fail (and write nothing) when any part cannot be read.
    pub strict: bool,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// How long to wait for IAM's reports (the credential report, each principal's service
    /// last accessed job) before recording them missing.
    pub poll_timeout: Duration,
    /// The capture time written in the manifest; CloudTrail's days are counted back from it.
    pub captured_at: DateTime<Utc>,
    /// CloudTrail activity to read into `activity` (nothing: the table is empty).
    pub cloudtrail: CloudTrailRequest,
    /// Read resource-based policies and settings (`resource_policies`,
    /// `resource_settings`, `kms_grants`); `false` (`--no-resources`) records them as not
    /// captured.
    pub resources: bool,
    /// The regions whose resources are read (`--regions`); `None`: every region enabled
    /// for the account (`ec2:DescribeRegions`).
    pub regions: Option<Vec<String>>,
    /// The whole organization (`--org`): its structure and policies, then each account
    /// through a role in it. `None`: the caller's account alone.
    pub org: Option<OrgRequest>,
}

/// Observes an export's progress, e.g. to draw bars. Steps are named by the constants of
/// this module's users (`"authorization details"`, `"access keys"`, ...).
pub trait ExportProgress: Send + Sync {
    /// A step starts, with its number of units when known.
    fn start(&self, step: &'static str, total: Option<u64>);
    /// `by` more units of `step` are done.
    fn advance(&self, step: &'static str, by: u64);
    /// `step` is over.
    fn finish(&self, step: &'static str);
}

/// No progress display.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoExportProgress;

impl ExportProgress for NoExportProgress {
    fn start(&self, _step: &'static str, _total: Option<u64>) {}
    fn advance(&self, _step: &'static str, _by: u64) {}
    fn finish(&self, _step: &'static str) {}
}

/// A finished export.
#[derive(Debug, Clone)]
pub struct ExportOutcome {
    /// The manifest written.
    pub manifest: Manifest,
    /// API calls and HTTP attempts made.
    pub stats: CallStats,
    /// Wall time of the export, connection to rename.
    pub elapsed: Duration,
    /// What was read and skipped of CloudTrail, when it was asked for.
    pub activity: Option<iamsnap_cloudtrail::Stats>,
}

const STEP_AUTH: &str = "authorization details";
const STEP_KEYS: &str = "access keys";
const STEP_LAST_ACCESSED: &str = "service last accessed";
const STEP_REPORT: &str = "credential report";
const STEP_ACCOUNT: &str = "providers and account settings";

/// Pages of authorization details beyond which the API is taken to loop.
const MAX_PAGES: usize = 100_000;

struct Ctx {
    api: Arc<Api>,
    missing: Arc<Missing>,
    progress: Arc<dyn ExportProgress>,
    account: String,
    concurrency: usize,
    poll_timeout: Duration,
}

/// What was read of one account: its IAM, reports, providers, settings and resources, and
/// the parts that could not be read.
pub(crate) struct AccountCapture {
    pub(crate) account: String,
    pages: Vec<Page>,
    report: Option<CredentialReport>,
    access_keys: Vec<AccessKey>,
    keys_listed_for: BTreeSet<String>,
    oidc_providers: Vec<OidcProvider>,
    saml_providers: Vec<SamlProvider>,
    service_last_accessed: Vec<ServiceLastAccessed>,
    settings: AccountSettings,
    resources: Option<resources::Captured>,
    /// What could not be read (shared with the CloudTrail reader of a one-account export).
    missing: Arc<Missing>,
}

/// Everything an export read, ready to be written.
pub(crate) struct Captured {
    /// The organization (`--org`).
    pub(crate) organization: Option<Organization>,
    /// Each account read, in account order.
    pub(crate) accounts: Vec<AccountCapture>,
    /// Parts missing beyond the accounts' own (accounts not entered, organization parts).
    pub(crate) missing: Vec<MissingPart>,
}

/// Exports the account the credentials belong to (or, with [`ExportRequest::org`], the
/// organization and its accounts) into a new snapshot. Nothing is left on disk on error.
pub async fn export(
    request: &ExportRequest,
    progress: Arc<dyn ExportProgress>,
) -> Result<ExportOutcome, ExportError> {
    let started = Instant::now();
    request.cloudtrail.check()?;
    if let Some(org) = &request.org {
        org.check(&request.cloudtrail)?;
    }
    // Refuse an existing output before calling anything.
    let writer = SnapshotWriter::create(&request.output, request.force)?;
    let concurrency = request.concurrency.max(1);
    let api = Arc::new(Api::connect(&request.connection, concurrency).await?);
    let identity = api
        .call("GetCallerIdentity", api.sts.get_caller_identity().send())
        .await
        .map_err(ExportError::Api)?;
    let account = identity
        .account()
        .map(str::to_owned)
        .ok_or_else(|| ExportError::Internal("GetCallerIdentity named no account".to_owned()))?;
    let partition = identity
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned();

    // One account: CloudTrail's missing parts are the account's. An organization: the
    // caller's, beside each account's own.
    let missing = Arc::new(Missing::default());
    let captured = async {
        match &request.org {
            None => {
                let one = capture_account(
                    api.clone(),
                    account.clone(),
                    &partition,
                    request,
                    progress.clone(),
                    missing.clone(),
                )
                .await?;
                Ok(Captured {
                    organization: None,
                    accounts: vec![one],
                    missing: Vec::new(),
                })
            }
            Some(org) => {
                crate::org::capture(&api, &account, &partition, request, org, progress.clone())
                    .await
            }
        }
    };
    let activity = {
        let env = Env {
            api: api.clone(),
            missing: if request.org.is_some() {
                Arc::new(Missing::default())
            } else {
                missing.clone()
            },
            progress: progress.clone(),
            concurrency,
        };
        async move {
            if request.cloudtrail.is_empty() {
                return Ok((None, Vec::new()));
            }
            let summary = cloudtrail::read(&env, &request.cloudtrail, request.captured_at)
                .await?
                .finish();
            let parts = if request.org.is_some() {
                env.missing.parts()
            } else {
                Vec::new()
            };
            Ok::<_, ExportError>((Some(summary), parts))
        }
    };
    let (captured, activity) = tokio::join!(captured, activity);
    let mut captured = captured?;
    let (activity, activity_missing) = activity?;
    captured.missing.extend(activity_missing);
    let manifest = write(writer, captured, activity.as_ref(), request)?;
    Ok(ExportOutcome {
        manifest,
        stats: api.stats(),
        elapsed: started.elapsed(),
        activity: activity.map(|s| s.stats),
    })
}

/// Reads one account through `api`: its IAM (authorization details, access keys, service
/// last accessed), credential report, providers, settings and, unless `--no-resources`, its
/// resources. Fails only when the authorization details cannot be read.
pub(crate) async fn capture_account(
    api: Arc<Api>,
    account: String,
    partition: &str,
    request: &ExportRequest,
    progress: Arc<dyn ExportProgress>,
    missing: Arc<Missing>,
) -> Result<AccountCapture, ExportError> {
    let concurrency = request.concurrency.max(1);
    let ctx = Arc::new(Ctx {
        api,
        missing,
        progress,
        account,
        concurrency,
        poll_timeout: request.poll_timeout,
    });
    let core = {
        let ctx = ctx.clone();
        async move {
            let pages = authorization_details(&ctx).await?;
            let users = principals(&pages, "user");
            let roles = principals(&pages, "role");
            let keys = access_keys(ctx.clone(), users.clone());
            let last_accessed =
                service_last_accessed(ctx.clone(), users.into_iter().chain(roles).collect());
            let (keys, last_accessed) = tokio::join!(keys, last_accessed);
            Ok::<_, ExportError>((pages, keys?, last_accessed?))
        }
    };
    let resources = {
        let env = Arc::new(resources::Env {
            api: ctx.api.clone(),
            missing: ctx.missing.clone(),
            progress: ctx.progress.clone(),
            account: ctx.account.clone(),
            partition: partition.to_owned(),
            concurrency,
            regions: request.regions.clone(),
            home_region: ctx.api.region(),
        });
        async move {
            if request.resources {
                resources::capture(env).await.map(Some)
            } else {
                Ok(None)
            }
        }
    };
    let (core, report, oidc, saml, settings, resources) = tokio::join!(
        core,
        credential_report(&ctx),
        oidc_providers(ctx.clone()),
        saml_providers(ctx.clone()),
        account_settings(&ctx),
        resources,
    );
    let (pages, (access_keys, keys_listed_for), service_last_accessed) = core?;
    Ok(AccountCapture {
        account: ctx.account.clone(),
        pages,
        report,
        access_keys,
        keys_listed_for,
        oidc_providers: oidc?,
        saml_providers: saml?,
        service_last_accessed,
        settings,
        resources: resources?,
        missing: ctx.missing.clone(),
    })
}

/// Writes what was read as the snapshot's tables and manifest.
fn write(
    mut writer: SnapshotWriter,
    captured: Captured,
    activity: Option<&iamsnap_cloudtrail::Summary>,
    request: &ExportRequest,
) -> Result<Manifest, ExportError> {
    let one_account = captured.organization.is_none();
    let mut missing = captured.missing;
    let mut pages = Vec::new();
    let mut reports = Vec::new();
    let mut resources = request.resources.then(resources::Captured::default);
    let mut extras = Extras {
        account_id: None,
        organization: captured.organization,
        ..Extras::default()
    };
    for a in captured.accounts {
        let mut parts = a.missing.parts();
        if !request.resources {
            parts.push(MissingPart {
                part: resources::SKIPPED_PART.to_owned(),
                reason: "not read: the export was run with --no-resources".to_owned(),
                action: None,
                account: None,
                region: None,
            });
        }
        if one_account {
            extras.account_id = Some(a.account.clone());
        } else {
            for p in &mut parts {
                p.account = Some(a.account.clone());
            }
        }
        missing.extend(parts);
        pages.extend(a.pages);
        if let Some(r) = a.report {
            let name = if one_account {
                "the credential report (GetCredentialReport)".to_owned()
            } else {
                format!(
                    "the credential report of {} (GetCredentialReport)",
                    a.account
                )
            };
            reports.push((name, r));
        }
        extras.access_keys.extend(a.access_keys);
        extras.keys_listed_for.extend(a.keys_listed_for);
        extras.oidc_providers.extend(a.oidc_providers);
        extras.saml_providers.extend(a.saml_providers);
        extras.service_last_accessed.extend(a.service_last_accessed);
        extras.account_settings.push(a.settings);
        if let (Some(all), Some(r)) = (&mut resources, a.resources) {
            all.extend(r);
        }
    }
    if request.strict && !missing.is_empty() {
        // `--no-resources` is asked for, not missing.
        let unasked: Vec<MissingPart> = missing
            .iter()
            .filter(|m| m.part != resources::SKIPPED_PART)
            .cloned()
            .collect();
        if !unasked.is_empty() {
            return Err(ExportError::Incomplete(unasked));
        }
    }

    let reports: Vec<(&str, &CredentialReport)> =
        reports.iter().map(|(n, r)| (n.as_str(), r)).collect();
    let imported = build_tables_with(&pages, &reports, false, &extras)?;
    drop(pages);
    for (table, batch) in &imported.tables {
        writer.write_table(table, std::slice::from_ref(batch))?;
    }
    let mut account_ids = imported.account_ids;
    let mut notes = imported.notes;
    let mut inputs = Vec::new();
    if let Some(summary) = activity {
        let (table, batch) = iamsnap_cloudtrail::activity_table(&summary.rows)?;
        writer.write_table(table, std::slice::from_ref(&batch))?;
        account_ids.extend(summary.account_ids());
        notes.extend(summary.notes());
        inputs.extend(summary.inputs.iter().cloned());
    }
    let mut resource_tables = Vec::new();
    if let Some(captured) = resources {
        for (table, batch) in captured.tables()? {
            writer.write_table(table, std::slice::from_ref(&batch))?;
            resource_tables.push(table.name);
        }
    }
    // Tables of other sources (CloudTrail activity when none was asked for, resources with
    // --no-resources) are written empty: every snapshot has every table. The manifest's
    // `missing` says which were not read.
    for table in TABLES {
        let written = imported.tables.iter().any(|(t, _)| t.name == table.name)
            || (activity.is_some() && table.name == iamsnap_cloudtrail::TABLE)
            || resource_tables.contains(&table.name);
        if !written {
            let empty = TableBuilder::new(table).finish()?;
            writer.write_table(table, std::slice::from_ref(&empty))?;
        }
    }
    account_ids.sort();
    account_ids.dedup();
    writer.record_missing(missing);
    Ok(writer.finish(ManifestInfo {
        captured_at: request.captured_at,
        source: Source {
            kind: "export".to_owned(),
            inputs,
        },
        account_ids,
        catalog_date: iamsnap_catalog::Catalog::embedded()
            .ok()
            .map(|c| c.data_date().to_owned()),
        notes,
    })?)
}

/// An error of our own making for an operation (a bound reached, an unusable answer).
fn failure(operation: &'static str, message: String) -> ApiError {
    ApiError {
        operation,
        action: crate::actions::api_action(operation).map_or(operation, |a| a.action),
        kind: FailureKind::Other,
        code: None,
        status: None,
        message,
    }
}

/// Between 50 % and 100 % of `d`, at random, so that parallel pollers spread out.
fn jittered(d: Duration) -> Duration {
    let r = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    d.mul_f64(0.5 + (r % 1024) as f64 / 2048.0)
}

/// Waits before the next poll of a job; `false` once `deadline` has passed.
async fn wait(delay: &mut Duration, deadline: Instant) -> bool {
    let now = Instant::now();
    if now >= deadline {
        return false;
    }
    let pause = jittered(*delay).min(deadline - now);
    tokio::time::sleep(pause).await;
    *delay = (*delay * 2).min(Duration::from_secs(5));
    true
}

/// Runs `f` on every item with at most `limit` tasks at once, in any order.
pub(crate) async fn bounded<T, R, F, Fut>(
    items: Vec<T>,
    limit: usize,
    f: F,
) -> Result<Vec<R>, ExportError>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let join = |e: tokio::task::JoinError| ExportError::Internal(format!("a task failed: {e}"));
    let mut set = JoinSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if set.len() >= limit
            && let Some(done) = set.join_next().await
        {
            out.push(done.map_err(join)?);
        }
        set.spawn(f(item));
    }
    while let Some(done) = set.join_next().await {
        out.push(done.map_err(join)?);
    }
    Ok(out)
}

async fn authorization_details(ctx: &Ctx) -> Result<Vec<Page>, ExportError> {
    ctx.progress.start(STEP_AUTH, None);
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = ctx
            .api
            .call(
                "GetAccountAuthorizationDetails",
                ctx.api
                    .iam
                    .get_account_authorization_details()
                    .set_marker(marker.clone())
                    .max_items(1000)
                    .send(),
            )
            .await
            .map_err(ExportError::Api)?;
        let file = format!("GetAccountAuthorizationDetails page {}", pages.len() + 1);
        let names = policy_names(ctx, convert::policies_lacking_names(&out)).await?;
        let details = convert::auth_details(&out, &file, &names)?;
        pages.push(Page {
            file,
            details,
            account: Some(ctx.account.clone()),
        });
        ctx.progress.advance(STEP_AUTH, 1);
        match out.marker() {
            Some(next) if out.is_truncated() && pages.len() < MAX_PAGES => {
                marker = Some(next.to_owned());
            }
            _ => break,
        }
    }
    ctx.progress.finish(STEP_AUTH);
    Ok(pages)
}

/// Names and ids of the given managed policies, from `GetPolicy`.
async fn policy_names(ctx: &Ctx, arns: Vec<String>) -> Result<convert::PolicyNames, ExportError> {
    let mut names = convert::PolicyNames::new();
    for arn in arns {
        let out = ctx
            .api
            .call(
                "GetPolicy",
                ctx.api.iam.get_policy().policy_arn(&arn).send(),
            )
            .await
            .map_err(ExportError::Api)?;
        if let Some(p) = out.policy()
            && let (Some(name), Some(id)) = (p.policy_name(), p.policy_id())
        {
            names.insert(arn, (name.to_owned(), id.to_owned()));
        }
    }
    Ok(names)
}

/// A user or role to ask about: (name, ARN, account, kind).
type Principal = (String, String, String, &'static str);

fn principals(pages: &[Page], kind: &'static str) -> Vec<Principal> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in pages {
        let list: Vec<(&str, &str)> = if kind == "user" {
            p.details
                .user_detail_list
                .iter()
                .map(|u| (u.user_name.as_str(), u.arn.as_str()))
                .collect()
        } else {
            p.details
                .role_detail_list
                .iter()
                .map(|r| (r.role_name.as_str(), r.arn.as_str()))
                .collect()
        };
        for (name, arn) in list {
            if seen.insert(arn.to_owned()) {
                let account = arn_account(arn).unwrap_or_default().to_owned();
                out.push((name.to_owned(), arn.to_owned(), account, kind));
            }
        }
    }
    out
}

fn not_applicable(v: &str) -> Option<String> {
    (!v.is_empty() && v != "N/A").then(|| v.to_owned())
}

/// Every user's keys, with their last use: the keys and the users whose keys were listed.
/// The first user is asked alone, so that a denial is met once rather than by every
/// request in flight.
async fn access_keys(
    ctx: Arc<Ctx>,
    users: Vec<Principal>,
) -> Result<(Vec<AccessKey>, BTreeSet<String>), ExportError> {
    ctx.progress.start(STEP_KEYS, Some(users.len() as u64));
    let mut users = users.into_iter();
    let mut results = Vec::new();
    if let Some(first) = users.next() {
        results.push(user_keys(&ctx, &first).await.map(|k| (first.1, k)));
        ctx.progress.advance(STEP_KEYS, 1);
    }
    results.extend(
        bounded(users.collect(), ctx.concurrency, |user| {
            let ctx = ctx.clone();
            async move {
                let keys = user_keys(&ctx, &user).await;
                ctx.progress.advance(STEP_KEYS, 1);
                keys.map(|k| (user.1, k))
            }
        })
        .await?,
    );
    ctx.progress.finish(STEP_KEYS);
    let mut listed = BTreeSet::new();
    let mut keys = Vec::new();
    for (arn, user_keys) in results.into_iter().flatten() {
        listed.insert(arn);
        keys.extend(user_keys);
    }
    keys.sort_by(|a, b| (&a.user_arn, &a.access_key_id).cmp(&(&b.user_arn, &b.access_key_id)));
    Ok((keys, listed))
}

/// One user's keys; `None` when they could not be listed.
async fn user_keys(ctx: &Ctx, user: &Principal) -> Option<Vec<AccessKey>> {
    let (name, arn, account, _) = user;
    if ctx.missing.denied(Part::AccessKeys) {
        return None;
    }
    let mut metadata = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = ctx
            .api
            .call(
                "ListAccessKeys",
                ctx.api
                    .iam
                    .list_access_keys()
                    .user_name(name)
                    .set_marker(marker.clone())
                    .send(),
            )
            .await;
        match out {
            Ok(out) => {
                metadata.extend(out.access_key_metadata().iter().cloned());
                match out.marker() {
                    Some(next) if out.is_truncated() => marker = Some(next.to_owned()),
                    _ => break,
                }
            }
            Err(e) => {
                ctx.missing.record_with(
                    Part::AccessKeys,
                    &e,
                    Some(format!("first for user `{name}`")),
                );
                return None;
            }
        }
    }
    let mut keys = Vec::with_capacity(metadata.len());
    for m in metadata {
        let Some(id) = m.access_key_id() else {
            continue;
        };
        let mut key = AccessKey {
            account_id: account.clone(),
            user_name: name.clone(),
            user_arn: arn.clone(),
            access_key_id: id.to_owned(),
            status: m
                .status()
                .map_or_else(|| "Inactive".to_owned(), |s| s.as_str().to_owned()),
            create_date: m.create_date().and_then(instant),
            last_used_date: None,
            last_used_region: None,
            last_used_service: None,
        };
        if !ctx.missing.denied(Part::AccessKeyLastUsed) {
            match ctx
                .api
                .call(
                    "GetAccessKeyLastUsed",
                    ctx.api
                        .iam
                        .get_access_key_last_used()
                        .access_key_id(id)
                        .send(),
                )
                .await
            {
                Ok(out) => {
                    if let Some(used) = out.access_key_last_used() {
                        key.last_used_date = used.last_used_date().and_then(instant);
                        key.last_used_region = not_applicable(used.region());
                        key.last_used_service = not_applicable(used.service_name());
                    }
                }
                Err(e) => ctx.missing.record(Part::AccessKeyLastUsed, &e),
            }
        }
        keys.push(key);
    }
    Some(keys)
}

/// Service last accessed data of every user and role. The first principal is asked alone:
/// when that fails (denied, or not offered by the endpoint), the rest are not asked.
async fn service_last_accessed(
    ctx: Arc<Ctx>,
    principals: Vec<Principal>,
) -> Result<Vec<ServiceLastAccessed>, ExportError> {
    ctx.progress
        .start(STEP_LAST_ACCESSED, Some(principals.len() as u64));
    let mut rest = principals.into_iter();
    let mut out = Vec::new();
    if let Some(first) = rest.next() {
        let first_result = principal_last_accessed(&ctx, &first).await;
        ctx.progress.advance(STEP_LAST_ACCESSED, 1);
        match first_result {
            Ok(rows) => {
                out.extend(rows);
                let results = bounded(rest.collect(), ctx.concurrency, |p| {
                    let ctx = ctx.clone();
                    async move {
                        let rows = if ctx.missing.denied(Part::ServiceLastAccessed) {
                            Vec::new()
                        } else {
                            match principal_last_accessed(&ctx, &p).await {
                                Ok(rows) => rows,
                                Err(e) => {
                                    ctx.missing.record_with(
                                        Part::ServiceLastAccessed,
                                        &e,
                                        Some(format!("first for `{}`", p.1)),
                                    );
                                    Vec::new()
                                }
                            }
                        };
                        ctx.progress.advance(STEP_LAST_ACCESSED, 1);
                        rows
                    }
                })
                .await?;
                out.extend(results.into_iter().flatten());
            }
            Err(e) => {
                ctx.missing.record_with(
                    Part::ServiceLastAccessed,
                    &e,
                    Some("so no principal was asked further".to_owned()),
                );
            }
        }
    }
    ctx.progress.finish(STEP_LAST_ACCESSED);
    out.sort_by(|a, b| {
        (&a.principal_arn, &a.service_namespace).cmp(&(&b.principal_arn, &b.service_namespace))
    });
    Ok(out)
}

async fn principal_last_accessed(
    ctx: &Ctx,
    principal: &Principal,
) -> Result<Vec<ServiceLastAccessed>, ApiError> {
    const GENERATE: &str = "GenerateServiceLastAccessedDetails";
    const GET: &str = "GetServiceLastAccessedDetails";
    let (name, arn, account, kind) = principal;
    let job = ctx
        .api
        .call(
            GENERATE,
            ctx.api
                .iam
                .generate_service_last_accessed_details()
                .arn(arn)
                .granularity(AccessAdvisorUsageGranularityType::ServiceLevel)
                .send(),
        )
        .await?;
    let job_id = job
        .job_id()
        .ok_or_else(|| failure(GENERATE, "the answer has no job id".to_owned()))?
        .to_owned();
    let deadline = Instant::now() + ctx.poll_timeout;
    let mut delay = Duration::from_millis(200);
    let mut marker: Option<String> = None;
    let mut rows = Vec::new();
    loop {
        let out = ctx
            .api
            .call(
                GET,
                ctx.api
                    .iam
                    .get_service_last_accessed_details()
                    .job_id(&job_id)
                    .set_marker(marker.clone())
                    .send(),
            )
            .await?;
        match out.job_status() {
            JobStatusType::Completed => {
                let completed = instant(out.job_completion_date());
                for s in out.services_last_accessed() {
                    rows.push(ServiceLastAccessed {
                        account_id: account.clone(),
                        principal_arn: arn.clone(),
                        principal_type: kind,
                        principal_name: name.clone(),
                        service_namespace: s.service_namespace().to_owned(),
                        service_name: s.service_name().to_owned(),
                        last_authenticated: s.last_authenticated().and_then(instant),
                        last_authenticated_entity: s.last_authenticated_entity().map(str::to_owned),
                        last_authenticated_region: s.last_authenticated_region().map(str::to_owned),
                        total_authenticated_entities: s
                            .total_authenticated_entities()
                            .map(i64::from),
                        job_completion_date: completed,
                    });
                }
                match out.marker() {
                    Some(next) if out.is_truncated() => marker = Some(next.to_owned()),
                    _ => return Ok(rows),
                }
            }
            JobStatusType::Failed => {
                let why = out
                    .error()
                    .map(|e| format!("{}: {}", e.code(), e.message()))
                    .unwrap_or_else(|| "no reason given".to_owned());
                return Err(failure(GET, format!("the job for `{arn}` failed: {why}")));
            }
            _ => {
                if !wait(&mut delay, deadline).await {
                    return Err(failure(
                        GET,
                        format!(
                            "the job for `{arn}` did not complete within {} s",
                            ctx.poll_timeout.as_secs()
                        ),
                    ));
                }
            }
        }
    }
}

/// Generates the credential report, waits for it (bounded) and parses it.
async fn credential_report(ctx: &Ctx) -> Option<CredentialReport> {
    ctx.progress.start(STEP_REPORT, None);
    let result = fetch_credential_report(ctx).await;
    ctx.progress.finish(STEP_REPORT);
    match result {
        Ok(report) => Some(report),
        Err(e) => {
            ctx.missing.record(Part::CredentialReport, &e);
            None
        }
    }
}

async fn fetch_credential_report(ctx: &Ctx) -> Result<CredentialReport, ApiError> {
    const GENERATE: &str = "GenerateCredentialReport";
    const GET: &str = "GetCredentialReport";
    let deadline = Instant::now() + ctx.poll_timeout;
    let mut delay = Duration::from_millis(250);
    let timed_out = || {
        failure(
            GENERATE,
            format!(
                "the report was not ready within {} s",
                ctx.poll_timeout.as_secs()
            ),
        )
    };
    loop {
        let out = ctx
            .api
            .call(GENERATE, ctx.api.iam.generate_credential_report().send())
            .await?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if !wait(&mut delay, deadline).await {
            return Err(timed_out());
        }
    }
    loop {
        match ctx
            .api
            .call(GET, ctx.api.iam.get_credential_report().send())
            .await
        {
            Ok(out) => {
                let content = out
                    .content()
                    .ok_or_else(|| failure(GET, "the answer has no content".to_owned()))?;
                return CredentialReport::read(content.as_ref(), "the credential report")
                    .map_err(|e| failure(GET, format!("unreadable report: {e}")));
            }
            // Not ready yet, or gone: generate again and wait, within the same bound.
            Err(e)
                if matches!(
                    e.code.as_deref(),
                    Some("ReportInProgress" | "ReportNotPresent" | "ReportExpired")
                ) =>
            {
                if !wait(&mut delay, deadline).await {
                    return Err(timed_out());
                }
                if e.code.as_deref() != Some("ReportInProgress") {
                    ctx.api
                        .call(GENERATE, ctx.api.iam.generate_credential_report().send())
                        .await?;
                }
            }
            Err(e) => return Err(e),
        }
    }
}

fn strip_scheme(url: &str) -> String {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
        .to_owned()
}

fn tag_pairs(tags: &[aws_sdk_iam::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

async fn oidc_providers(ctx: Arc<Ctx>) -> Result<Vec<OidcProvider>, ExportError> {
    let listed = match ctx
        .api
        .call(
            "ListOpenIDConnectProviders",
            ctx.api.iam.list_open_id_connect_providers().send(),
        )
        .await
    {
        Ok(out) => out,
        Err(e) => {
            ctx.missing.record(Part::OidcProviders, &e);
            return Ok(Vec::new());
        }
    };
    let arns: Vec<String> = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn().map(str::to_owned))
        .collect();
    let results = bounded(arns, ctx.concurrency, |arn| {
        let ctx = ctx.clone();
        async move {
            let out = ctx
                .api
                .call(
                    "GetOpenIDConnectProvider",
                    ctx.api
                        .iam
                        .get_open_id_connect_provider()
                        .open_id_connect_provider_arn(&arn)
                        .send(),
                )
                .await;
            match out {
                Ok(out) => Some(OidcProvider {
                    account_id: arn_account(&arn).unwrap_or(&ctx.account).to_owned(),
                    url: strip_scheme(out.url().unwrap_or_else(|| {
                        arn.split_once(":oidc-provider/").map_or("", |(_, u)| u)
                    })),
                    client_ids: out.client_id_list().to_vec(),
                    thumbprints: out.thumbprint_list().to_vec(),
                    create_date: out.create_date().and_then(instant),
                    tags: tag_pairs(out.tags()),
                    arn,
                }),
                Err(e) => {
                    ctx.missing.record_with(
                        Part::OidcProviders,
                        &e,
                        Some(format!("first for `{arn}`")),
                    );
                    None
                }
            }
        }
    })
    .await?;
    let mut providers: Vec<OidcProvider> = results.into_iter().flatten().collect();
    providers.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(providers)
}

async fn saml_providers(ctx: Arc<Ctx>) -> Result<Vec<SamlProvider>, ExportError> {
    let listed = match ctx
        .api
        .call(
            "ListSAMLProviders",
            ctx.api.iam.list_saml_providers().send(),
        )
        .await
    {
        Ok(out) => out,
        Err(e) => {
            ctx.missing.record(Part::SamlProviders, &e);
            return Ok(Vec::new());
        }
    };
    let entries: Vec<SamlProvider> = listed
        .saml_provider_list()
        .iter()
        .filter_map(|p| {
            let arn = p.arn()?.to_owned();
            Some(SamlProvider {
                account_id: arn_account(&arn).unwrap_or(&ctx.account).to_owned(),
                create_date: p.create_date().and_then(instant),
                valid_until: p.valid_until().and_then(instant),
                metadata_document: None,
                tags: Vec::new(),
                arn,
            })
        })
        .collect();
    let results = bounded(entries, ctx.concurrency, |mut provider| {
        let ctx = ctx.clone();
        async move {
            match ctx
                .api
                .call(
                    "GetSAMLProvider",
                    ctx.api
                        .iam
                        .get_saml_provider()
                        .saml_provider_arn(&provider.arn)
                        .send(),
                )
                .await
            {
                Ok(out) => {
                    provider.metadata_document = out.saml_metadata_document().map(str::to_owned);
                    provider.tags = tag_pairs(out.tags());
                    if provider.valid_until.is_none() {
                        provider.valid_until = out.valid_until().and_then(instant);
                    }
                }
                Err(e) => ctx.missing.record_with(
                    Part::SamlProviders,
                    &e,
                    Some(format!("first for `{}`", provider.arn)),
                ),
            }
            provider
        }
    })
    .await?;
    let mut providers = results;
    providers.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(providers)
}

async fn account_settings(ctx: &Ctx) -> AccountSettings {
    ctx.progress.start(STEP_ACCOUNT, None);
    let policy = match ctx
        .api
        .call(
            "GetAccountPasswordPolicy",
            ctx.api.iam.get_account_password_policy().send(),
        )
        .await
    {
        Ok(out) => Some(out.password_policy().map(|p| PasswordPolicy {
            minimum_password_length: p.minimum_password_length().map(i64::from),
            require_symbols: Some(p.require_symbols()),
            require_numbers: Some(p.require_numbers()),
            require_uppercase_characters: Some(p.require_uppercase_characters()),
            require_lowercase_characters: Some(p.require_lowercase_characters()),
            allow_users_to_change_password: Some(p.allow_users_to_change_password()),
            expire_passwords: Some(p.expire_passwords()),
            max_password_age: p.max_password_age().map(i64::from),
            password_reuse_prevention: p.password_reuse_prevention().map(i64::from),
            hard_expiry: p.hard_expiry(),
        })),
        // No custom policy: IAM's default applies.
        Err(e) if e.kind == FailureKind::NotFound => Some(None),
        Err(e) => {
            ctx.missing.record(Part::PasswordPolicy, &e);
            None
        }
    };
    let mut aliases = Vec::new();
    let mut marker: Option<String> = None;
    let aliases = loop {
        match ctx
            .api
            .call(
                "ListAccountAliases",
                ctx.api
                    .iam
                    .list_account_aliases()
                    .set_marker(marker.clone())
                    .send(),
            )
            .await
        {
            Ok(out) => {
                aliases.extend(out.account_aliases().iter().cloned());
                match out.marker() {
                    Some(next) if out.is_truncated() => marker = Some(next.to_owned()),
                    _ => break Some(aliases),
                }
            }
            Err(e) => {
                ctx.missing.record(Part::AccountAliases, &e);
                break None;
            }
        }
    };
    ctx.progress.finish(STEP_ACCOUNT);
    AccountSettings {
        account_id: ctx.account.clone(),
        aliases,
        password_policy: policy,
    }
}
