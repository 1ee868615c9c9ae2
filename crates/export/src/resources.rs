//! Resource-based policies and the settings that change who can reach a resource, read
//! live into `resource_policies`, `resource_settings` and `kms_grants`: S3 through the SDK
//! (buckets listed once, each read in its region; the account's Block Public Access
//! through S3 Control), every kind of [`KINDS`] in every region through the signed client.
//!
//! Every document is kept as decoded, compact JSON and checked as a resource-based policy
//! by the policy parser; a document AWS accepted but the parser does not is kept with its
//! problem rather than failing the export. A call the caller may not make is recorded in
//! the manifest's `missing` (per part, naming the action to grant), never left as an empty
//! table that reads as "nothing there".

use std::collections::BTreeMap;
use std::sync::Arc;

use iamsnap_policy::DocumentKind;
use serde_json::Value;

use crate::actions::Part;
use crate::api::{Api, Missing};
use crate::error::{ApiError, ExportError};
use crate::run::{ExportProgress, bounded};
use iamsnap_import::registry;

use crate::services::{self, KINDS, Kind, Listed, Place, Resource};
use crate::signed::{self, Answer, Call};

// The rows and their tables are the import crate's, shared with the import of AWS CLI
// captures.
pub(crate) use iamsnap_import::resources::{Captured, PolicyRow, SettingRow, normalize_policy};

/// Pages of one listing beyond which the API is taken to loop.
const MAX_PAGES: usize = 10_000;

/// The manifest's `missing` entry of an export run with `--no-resources`.
pub const SKIPPED_PART: &str = "resources";

const STEP_S3: &str = "S3 buckets";

/// What the capture needs from the export.
pub(crate) struct Env {
    pub(crate) api: Arc<Api>,
    pub(crate) missing: Arc<Missing>,
    pub(crate) progress: Arc<dyn ExportProgress>,
    pub(crate) account: String,
    /// The partition of the caller's ARN (`aws`, `aws-cn`, `aws-us-gov`), for the ARNs
    /// built here.
    pub(crate) partition: String,
    pub(crate) concurrency: usize,
    /// The regions to read (`--regions`); `None`: the regions enabled for the account.
    pub(crate) regions: Option<Vec<String>>,
    /// The region requests are signed for, where global calls go.
    pub(crate) home_region: String,
}

const STEP_REGIONAL: &str = "resource policies";

/// Reads every resource kind's policies and settings: S3 (global listing, each bucket in
/// its region), the account's S3 Block Public Access, and every regional kind of
/// [`KINDS`] in every region.
pub(crate) async fn capture(env: Arc<Env>) -> Result<Captured, ExportError> {
    let (buckets, account, regional) = tokio::join!(
        s3_buckets(env.clone()),
        account_public_access_block(&env),
        regional(env.clone()),
    );
    let mut out = Captured::default();
    out.extend(buckets?);
    out.extend(account);
    out.extend(regional?);
    Ok(out)
}

/// The regions to read: `--regions`, else those `DescribeRegions` lists (the regions
/// enabled for the account), else, when that fails, the home region alone.
async fn regions(env: &Env) -> Vec<String> {
    if let Some(r) = &env.regions {
        return r.clone();
    }
    match env
        .api
        .send(&services::describe_regions(&env.home_region))
        .await
    {
        Ok(answer) => {
            let names = services::region_names(&answer);
            if names.is_empty() {
                vec![env.home_region.clone()]
            } else {
                names
            }
        }
        Err(e) => {
            env.missing.record_with(
                Part::Regions,
                &e,
                Some(format!(
                    "only {} was read; name the regions with --regions",
                    env.home_region
                )),
            );
            vec![env.home_region.clone()]
        }
    }
}

async fn regional(env: Arc<Env>) -> Result<Captured, ExportError> {
    let regions = regions(&env).await;
    let pairs: Vec<(&'static Kind, String)> = regions
        .iter()
        .flat_map(|r| KINDS.iter().map(move |k| (k, r.clone())))
        .collect();
    env.progress.start(STEP_REGIONAL, Some(pairs.len() as u64));
    let results = bounded(pairs, env.concurrency, |(kind, region)| {
        let env = env.clone();
        async move {
            let out = capture_kind(env.clone(), kind, region).await;
            env.progress.advance(STEP_REGIONAL, 1);
            out
        }
    })
    .await?;
    env.progress.finish(STEP_REGIONAL);
    let mut out = Captured::default();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Why a failed call of a regional part failed, in the manifest's words.
fn where_detail(e: &ApiError, what: String) -> Option<String> {
    if signed::unavailable(e) {
        Some(format!(
            "{what}; the service is not offered in this region, or the region is not enabled for the account"
        ))
    } else {
        Some(what)
    }
}

/// Every page of a listing (`MAX_PAGES` at most), or the error of the first page that
/// failed.
async fn listing(
    env: &Env,
    request: impl Fn(Option<&str>) -> Call,
    listed: impl Fn(&Answer) -> Result<Listed, ApiError>,
) -> Result<Vec<Resource>, ApiError> {
    let mut resources = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0usize;
    loop {
        let answer = env.api.send(&request(token.as_deref())).await?;
        let page = listed(&answer)?;
        resources.extend(page.resources);
        pages += 1;
        match page.next {
            Some(next) if pages < MAX_PAGES && token.as_ref() != Some(&next) => {
                token = Some(next);
            }
            _ => return Ok(resources),
        }
    }
}

/// One kind in one region: its resources (for a nested kind, those of every first-level
/// resource), their policies, and what else its entry reads of each.
async fn capture_kind(
    env: Arc<Env>,
    kind: &'static Kind,
    region: String,
) -> Result<Captured, ExportError> {
    let place = Place {
        region: region.clone(),
        account: env.account.clone(),
        partition: env.partition.clone(),
    };
    let listed = listing(
        &env,
        |token| (kind.list)(&place, token),
        |answer| (kind.listed)(&place, answer),
    )
    .await;
    let mut resources = match listed {
        Ok(r) => r,
        Err(e) => {
            let facts = kind.facts;
            let detail = where_detail(
                &e,
                format!(
                    "no `{}` `{}` was listed",
                    facts.service, facts.resource_type
                ),
            );
            env.missing
                .record_in(Part::Resource(facts.list.part), Some(&region), &e, detail);
            return Ok(Captured::default());
        }
    };
    if let (Some(nested), Some(facts)) = (&kind.nested, &kind.facts.nested) {
        let part = Part::Resource(facts.step.part);
        let mut children = Vec::new();
        for parent in &resources {
            if env.missing.denied_in(part, Some(&region)) {
                break;
            }
            let listed = listing(
                &env,
                |token| (nested.list)(&place, parent, token),
                |answer| (nested.listed)(&place, parent, answer),
            )
            .await;
            match listed {
                Ok(r) => children.extend(r),
                Err(e) => env.missing.record_in(
                    part,
                    Some(&region),
                    &e,
                    Some(format!("first for `{}`", parent.arn)),
                ),
            }
        }
        resources = children;
    }
    // The first resource alone, so that a denial is met once.
    let mut rest = resources.into_iter();
    let mut out = Captured::default();
    if let Some(first) = rest.next() {
        out.extend(resource(&env, kind, &place, first).await);
    }
    let results = bounded(rest.collect(), env.concurrency, |r| {
        let env = env.clone();
        let place = place.clone();
        async move { resource(&env, kind, &place, r).await }
    })
    .await?;
    for r in results {
        out.extend(r);
    }
    Ok(out)
}

/// One resource: its policy (from the listing or its own call), the settings the listing
/// gave, and what the kind's settings reader reads.
async fn resource(env: &Env, kind: &'static Kind, place: &Place, r: Resource) -> Captured {
    let mut out = Captured::default();
    let facts = kind.facts;
    let region = Some(place.region.as_str());
    match facts.policy.as_ref().map(|of| of.call.as_ref()) {
        None => {}
        Some(None) => {
            if let Some(row) = r
                .policy
                .as_deref()
                .and_then(|t| facts.policy_row(place, &r, t))
            {
                out.policies.push(row);
            }
        }
        Some(Some(step)) => {
            let part = Part::Resource(step.part);
            // Denied in this region already: not asked again.
            if let Some(call) = kind
                .policy
                .as_ref()
                .filter(|_| !env.missing.denied_in(part, region))
            {
                let got = match env.api.send(&(call.request)(place, &r)).await {
                    Ok(answer) => (call.policy)(&answer),
                    Err(e) => Err(e),
                };
                let code = |e: &ApiError, codes: &[&str]| {
                    e.code.as_deref().is_some_and(|c| codes.contains(&c))
                };
                match got {
                    Ok(Some(text)) => out.policies.extend(facts.policy_row(place, &r, &text)),
                    Ok(None) => {}
                    Err(e) if code(&e, step.none) => {}
                    Err(e) if code(&e, step.gone) => return out,
                    Err(e) => env.missing.record_in(
                        part,
                        region,
                        &e,
                        Some(format!("first for `{}`", r.arn)),
                    ),
                }
            }
        }
    }
    out.settings.extend(facts.listed_settings(place, &r));
    if let Some(read) = kind.settings {
        out.extend(read(env, place, &r).await);
    }
    out
}

/// Every page of a JSON listing of one resource (`ListGrants`, `ListResourceTags`,
/// `GetResourceShareAssociations`), the next page's token read by `next`.
async fn json_pages(
    env: &Env,
    request: impl Fn(Option<&str>) -> Call,
    next: impl Fn(&Value) -> Option<String>,
) -> Result<Vec<Value>, ApiError> {
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let call = request(marker.as_deref());
        let page = env.api.send(&call).await?.json(call.operation)?;
        let following = next(&page);
        pages.push(page);
        match following {
            Some(n) if pages.len() < MAX_PAGES && marker.as_ref() != Some(&n) => {
                marker = Some(n);
            }
            _ => return Ok(pages),
        }
    }
}

/// The pages of each call of an extra of the registry's kind (`ListGrants`,
/// `ListResourceTags`, `GetResourceShareAssociations`), then its rows; its part missing when
/// a call fails.
async fn extra_rows(
    env: &Env,
    place: &Place,
    kind: &'static registry::Kind,
    extra: &'static registry::Extra,
    r: &Resource,
    request: impl Fn(&registry::Step, Option<&str>) -> Call,
    next: impl Fn(&Value) -> Option<String> + Copy,
) -> Captured {
    let region = Some(place.region.as_str());
    let mut answers = Vec::new();
    for step in extra.steps {
        let part = Part::Resource(step.part);
        if env.missing.denied_in(part, region) {
            return Captured::default();
        }
        match json_pages(env, |t| request(step, t), next).await {
            Ok(pages) => answers.push(pages),
            Err(e) => {
                env.missing
                    .record_in(part, region, &e, Some(format!("first for `{}`", r.arn)));
                return Captured::default();
            }
        }
    }
    (extra.rows)(place, kind, r, &answers)
}

/// A KMS key's grants (into `kms_grants`) and tags.
pub(crate) async fn kms_grants_and_tags(env: &Env, place: &Place, key: &Resource) -> Captured {
    let mut out = Captured::default();
    let kind = &registry::KMS_KEY;
    for extra in kind.extras {
        let request = |step: &registry::Step, m: Option<&str>| {
            if step.operation == registry::KMS_LIST_GRANTS.operation {
                services::kms_list_grants(place, &key.handle, m)
            } else {
                services::kms_list_tags(place, &key.handle, m)
            }
        };
        let next = |page: &Value| services::next_marker(page, "NextMarker");
        out.extend(extra_rows(env, place, kind, extra, key, request, next).await);
    }
    out
}

/// An S3 access point's Block Public Access, network origin, VPC and bucket
/// (`s3:GetAccessPoint`, an XML answer).
pub(crate) async fn access_point_settings(env: &Env, place: &Place, point: &Resource) -> Captured {
    let mut out = Captured::default();
    let region = Some(place.region.as_str());
    let step = registry::S3_GET_ACCESS_POINT;
    let part = Part::Resource(step.part);
    if env.missing.denied_in(part, region) {
        return out;
    }
    match env
        .api
        .send(&services::get_access_point(place, &point.handle))
        .await
    {
        Ok(answer) => {
            for (setting, value) in services::access_point_settings(&answer) {
                out.settings.push(registry::S3_ACCESS_POINT.setting(
                    place,
                    &point.arn,
                    setting.to_owned(),
                    value,
                    step.action,
                ));
            }
        }
        Err(e) if e.code.as_deref().is_some_and(|c| step.gone.contains(&c)) => {}
        Err(e) => {
            env.missing
                .record_in(part, region, &e, Some(format!("first for `{}`", point.arn)))
        }
    }
    out
}

/// A resource share's principals and resources (`ram:GetResourceShareAssociations`), as
/// the registry makes its rows.
pub(crate) async fn ram_share_settings(env: &Env, place: &Place, share: &Resource) -> Captured {
    let mut out = Captured::default();
    let kind = &registry::RAM_RESOURCE_SHARE;
    for extra in kind.extras {
        let request = |step: &registry::Step, t: Option<&str>| {
            // The variant is the association type.
            services::ram_associations(place, &share.arn, step.variant, t)
        };
        let next = |page: &Value| services::text(page, "nextToken").filter(|t| !t.is_empty());
        out.extend(extra_rows(env, place, kind, extra, share, request, next).await);
    }
    out
}

/// The four Block Public Access settings as rows.
fn public_access_rows(
    row: impl Fn(String, String) -> SettingRow,
    settings: &[(&'static str, bool)],
) -> Vec<SettingRow> {
    settings
        .iter()
        .map(|(k, v)| row((*k).to_owned(), v.to_string()))
        .collect()
}

use iamsnap_import::resources::PUBLIC_ACCESS_SETTINGS;

/// The account's S3 Block Public Access (S3 Control), which applies to every bucket.
async fn account_public_access_block(env: &Env) -> Captured {
    let mut out = Captured::default();
    let row = |setting: String, value: String| SettingRow {
        account_id: env.account.clone(),
        region: None,
        service: "s3",
        resource_type: "account",
        arn: env.account.clone(),
        setting,
        value,
        source: "s3control:GetPublicAccessBlock",
    };
    match env
        .api
        .send(&services::account_public_access_block(
            &env.home_region,
            &env.account,
        ))
        .await
    {
        Ok(answer) => {
            out.settings =
                public_access_rows(row, &services::public_access_block_settings(&answer));
        }
        Err(e) if is(&e, "NoSuchPublicAccessBlockConfiguration") => {
            let off: Vec<(&'static str, bool)> =
                PUBLIC_ACCESS_SETTINGS.iter().map(|k| (*k, false)).collect();
            out.settings = public_access_rows(row, &off);
        }
        Err(e) => env.missing.record(Part::S3AccountPublicAccessBlock, &e),
    }
    out
}

/// The AWS error code of a failed call, when it is `code`.
fn is(e: &ApiError, code: &str) -> bool {
    e.code.as_deref() == Some(code)
}

/// A bucket to read: name, and its region when the listing gave it.
type Bucket = (String, Option<String>);

async fn list_buckets(env: &Env) -> Result<Vec<Bucket>, ApiError> {
    let s3 = env.api.s3(None);
    let mut buckets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = env
            .api
            .call(
                "ListBuckets",
                s3.list_buckets()
                    .set_continuation_token(token.clone())
                    .send(),
            )
            .await?;
        for b in out.buckets() {
            if let Some(name) = b.name() {
                buckets.push((name.to_owned(), b.bucket_region().map(str::to_owned)));
            }
        }
        match out.continuation_token() {
            Some(next) if !next.is_empty() && Some(next) != token.as_deref() => {
                token = Some(next.to_owned());
            }
            _ => return Ok(buckets),
        }
    }
}

/// S3 buckets: policy, Block Public Access, ownership controls, tags.
async fn s3_buckets(env: Arc<Env>) -> Result<Captured, ExportError> {
    env.progress.start(STEP_S3, None);
    let buckets = match list_buckets(&env).await {
        Ok(b) => b,
        Err(e) => {
            env.missing.record(Part::S3Buckets, &e);
            env.progress.finish(STEP_S3);
            return Ok(Captured::default());
        }
    };
    env.progress.finish(STEP_S3);
    env.progress.start(STEP_S3, Some(buckets.len() as u64));
    // The first bucket alone, so that a denial is met once rather than by every request
    // in flight.
    let mut buckets = buckets.into_iter();
    let mut results = Vec::new();
    if let Some(first) = buckets.next() {
        results.push(s3_bucket(&env, first).await);
        env.progress.advance(STEP_S3, 1);
    }
    let rest = bounded(buckets.collect(), env.concurrency, |bucket| {
        let env = env.clone();
        async move {
            let rows = s3_bucket(&env, bucket).await;
            env.progress.advance(STEP_S3, 1);
            rows
        }
    })
    .await?;
    results.extend(rest);
    env.progress.finish(STEP_S3);
    let mut out = Captured::default();
    for r in results {
        out.extend(r);
    }
    Ok(out)
}

/// The region of a bucket from `GetBucketLocation`: an empty constraint is `us-east-1`,
/// the legacy `EU` is `eu-west-1`.
async fn bucket_region(env: &Env, name: &str) -> Result<String, ApiError> {
    let out = env
        .api
        .call(
            "GetBucketLocation",
            env.api.s3(None).get_bucket_location().bucket(name).send(),
        )
        .await?;
    Ok(match out.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    })
}

async fn s3_bucket(env: &Env, (name, listed_region): Bucket) -> Captured {
    let mut out = Captured::default();
    let region = match listed_region {
        Some(r) => Some(r),
        None => match bucket_region(env, &name).await {
            Ok(r) => Some(r),
            Err(e) if is(&e, "NoSuchBucket") => return out,
            Err(e) => {
                env.missing
                    .record_with(Part::S3Buckets, &e, Some(format!("first for `{name}`")));
                None
            }
        },
    };
    let s3 = env.api.s3(region.as_deref());
    let arn = format!("arn:{}:s3:::{name}", env.partition);
    let setting = |setting: String, value: String, source: &'static str| SettingRow {
        account_id: env.account.clone(),
        region: region.clone(),
        service: "s3",
        resource_type: "bucket",
        arn: arn.clone(),
        setting,
        value,
        source,
    };
    let record = |part: Part, e: &ApiError| {
        env.missing
            .record_with(part, e, Some(format!("first for `{name}`")));
    };

    if !env.missing.denied(Part::S3BucketPolicies) {
        match env
            .api
            .call(
                "GetBucketPolicy",
                s3.get_bucket_policy().bucket(&name).send(),
            )
            .await
        {
            Ok(got) => {
                if let Some(text) = got.policy() {
                    let (policy, problem) = normalize_policy(text, DocumentKind::Resource);
                    out.policies.push(PolicyRow {
                        account_id: env.account.clone(),
                        region: region.clone(),
                        service: "s3",
                        resource_type: "bucket",
                        arn: arn.clone(),
                        name: name.clone(),
                        policy,
                        source: "s3:GetBucketPolicy",
                        problem,
                    });
                }
            }
            Err(e) if is(&e, "NoSuchBucketPolicy") => {}
            Err(e) if is(&e, "NoSuchBucket") => return out,
            Err(e) => record(Part::S3BucketPolicies, &e),
        }
    }

    if !env.missing.denied(Part::S3BucketPublicAccessBlock) {
        const SOURCE: &str = "s3:GetPublicAccessBlock";
        match env
            .api
            .call(
                "GetPublicAccessBlock",
                s3.get_public_access_block().bucket(&name).send(),
            )
            .await
        {
            Ok(got) => {
                let c = got.public_access_block_configuration();
                for (key, value) in [
                    ("block_public_acls", c.and_then(|c| c.block_public_acls())),
                    ("ignore_public_acls", c.and_then(|c| c.ignore_public_acls())),
                    (
                        "block_public_policy",
                        c.and_then(|c| c.block_public_policy()),
                    ),
                    (
                        "restrict_public_buckets",
                        c.and_then(|c| c.restrict_public_buckets()),
                    ),
                ] {
                    let value = value.unwrap_or(false).to_string();
                    out.settings.push(setting(key.to_owned(), value, SOURCE));
                }
            }
            // No configuration: every setting is off, as AWS treats it.
            Err(e) if is(&e, "NoSuchPublicAccessBlockConfiguration") => {
                for key in [
                    "block_public_acls",
                    "ignore_public_acls",
                    "block_public_policy",
                    "restrict_public_buckets",
                ] {
                    out.settings
                        .push(setting(key.to_owned(), "false".to_owned(), SOURCE));
                }
            }
            Err(e) => record(Part::S3BucketPublicAccessBlock, &e),
        }
    }

    if !env.missing.denied(Part::S3BucketOwnership) {
        match env
            .api
            .call(
                "GetBucketOwnershipControls",
                s3.get_bucket_ownership_controls().bucket(&name).send(),
            )
            .await
        {
            Ok(got) => {
                for rule in got
                    .ownership_controls()
                    .map(|c| c.rules())
                    .unwrap_or_default()
                {
                    out.settings.push(setting(
                        "object_ownership".to_owned(),
                        rule.object_ownership().as_str().to_owned(),
                        "s3:GetBucketOwnershipControls",
                    ));
                }
            }
            Err(e) if is(&e, "OwnershipControlsNotFoundError") => {}
            Err(e) => record(Part::S3BucketOwnership, &e),
        }
    }

    if !env.missing.denied(Part::S3BucketTags) {
        match env
            .api
            .call(
                "GetBucketTagging",
                s3.get_bucket_tagging().bucket(&name).send(),
            )
            .await
        {
            Ok(got) => {
                let tags: BTreeMap<&str, &str> =
                    got.tag_set().iter().map(|t| (t.key(), t.value())).collect();
                for (k, v) in tags {
                    out.settings.push(setting(
                        format!("tag:{k}"),
                        v.to_owned(),
                        "s3:GetBucketTagging",
                    ));
                }
            }
            Err(e) if is(&e, "NoSuchTagSet") => {}
            Err(e) => record(Part::S3BucketTags, &e),
        }
    }

    // Whether the bucket's tags take part in authorization (`aws:ResourceTag` conditions).
    if !env.missing.denied(Part::S3BucketAbac) {
        match env
            .api
            .call("GetBucketAbac", s3.get_bucket_abac().bucket(&name).send())
            .await
        {
            Ok(got) => match got.abac_status().and_then(|a| a.status()) {
                Some(status) => out.settings.push(setting(
                    "abac_status".to_owned(),
                    status.as_str().to_owned(),
                    "s3:GetBucketAbac",
                )),
                // An answer without a status is not read as "disabled".
                None => record(
                    Part::S3BucketAbac,
                    &signed::unusable("GetBucketAbac", "the answer has no ABAC status".to_owned()),
                ),
            },
            Err(e) if is(&e, "NoSuchBucket") => {}
            Err(e) => record(Part::S3BucketAbac, &e),
        }
    }
    out
}
