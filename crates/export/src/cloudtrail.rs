//! CloudTrail activity read from AWS: a trail's log objects in S3 (`--cloudtrail-s3`) and
//! CloudTrail's event history (`LookupEvents`), summarized by the same [`Summarizer`] as
//! log files on disk, so every source gives the same `activity` rows for the same events.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_iam::error::SdkError;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use iamsnap_snapshot::{MissingPart, SourceInput};
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;

use crate::actions::Part;
use crate::api::{Api, CallStats, Connection, Missing, classify};
use crate::error::{ApiError, ExportError, FailureKind};
use crate::run::ExportProgress;
use iamsnap_cloudtrail::{
    DIGEST_MARKER, Depth, LOOKUP_MAX_DAYS, LOOKUP_SOURCE_KIND, NOTE_PREFIX, S3_SOURCE_KIND,
    S3Location, Summarizer, depth, is_log_name, key_date,
};

/// The CloudTrail sources to read from AWS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudTrailRequest {
    /// Locations of log objects, e.g. `s3://my-trail-bucket/AWSLogs/`.
    pub s3: Vec<S3Location>,
    /// Only S3 objects of the last this many days, by the date in their key (CloudTrail's
    /// `.../YYYY/MM/DD/` folders): older days are neither listed nor read.
    pub s3_days: Option<u32>,
    /// Management events from CloudTrail's event history.
    pub lookup: Option<LookupRequest>,
}

/// `LookupEvents`: the management events of the last `days` days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupRequest {
    /// 1 to 90 (CloudTrail keeps 90 days of event history).
    pub days: u32,
    /// The regions to ask, each its own event history; empty: the configured region.
    pub regions: Vec<String>,
}

impl CloudTrailRequest {
    /// Nothing to read.
    pub fn is_empty(&self) -> bool {
        self.s3.is_empty() && self.lookup.is_none()
    }

    /// Checks the numbers and names before anything is called.
    pub fn check(&self) -> Result<(), ExportError> {
        if self.s3_days == Some(0) {
            return Err(ExportError::Source {
                message: "0 days of CloudTrail logs is nothing to read".to_owned(),
                help: "give a number of days of at least 1".to_owned(),
            });
        }
        if let Some(lookup) = &self.lookup {
            if !(1..=LOOKUP_MAX_DAYS).contains(&lookup.days) {
                return Err(ExportError::Source {
                    message: format!(
                        "LookupEvents reads CloudTrail's event history, which keeps {LOOKUP_MAX_DAYS} days: {} days cannot be read",
                        lookup.days
                    ),
                    help: format!(
                        "give between 1 and {LOOKUP_MAX_DAYS} days, or read the trail's log objects in S3, which go back as far as the trail has kept them"
                    ),
                });
            }
            for r in &lookup.regions {
                let valid = !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !valid {
                    return Err(ExportError::Source {
                        message: format!("`{r}` is not an AWS region name"),
                        help: "name regions as AWS does, e.g. us-east-1,eu-west-1".to_owned(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// What reading CloudTrail from AWS gave, for a caller that writes it (`iamsnap import`).
#[derive(Debug)]
pub struct CloudTrailOutcome {
    /// The events read, with the inputs and notes for the manifest; merge it with other
    /// sources, then [`Summarizer::finish`].
    pub summarizer: Summarizer,
    /// What could not be read (denied, or failed after every retry).
    pub missing: Vec<MissingPart>,
    /// API calls and HTTP attempts made.
    pub stats: CallStats,
}

/// Reads the CloudTrail sources of `request` alone, without an IAM export, as of `now`
/// (the end of the days counted back).
pub async fn read_cloudtrail(
    connection: &Connection,
    request: &CloudTrailRequest,
    concurrency: usize,
    progress: Arc<dyn ExportProgress>,
    now: DateTime<Utc>,
) -> Result<CloudTrailOutcome, ExportError> {
    request.check()?;
    let concurrency = concurrency.max(1);
    let env = Env {
        api: Arc::new(Api::connect(connection, concurrency).await?),
        missing: Arc::new(Missing::default()),
        progress,
        concurrency,
    };
    let summarizer = read(&env, request, now).await?;
    Ok(CloudTrailOutcome {
        summarizer,
        missing: env.missing.parts(),
        stats: env.api.stats(),
    })
}

/// What the readers share with the rest of an export.
#[derive(Clone)]
pub(crate) struct Env {
    pub(crate) api: Arc<Api>,
    pub(crate) missing: Arc<Missing>,
    pub(crate) progress: Arc<dyn ExportProgress>,
    pub(crate) concurrency: usize,
}

const STEP_S3_LIST: &str = "CloudTrail: listing S3";
const STEP_S3_READ: &str = "CloudTrail: S3 objects";
const STEP_LOOKUP: &str = "CloudTrail: LookupEvents pages";

/// Reads every source of `request` into one summarizer. A part that cannot be read is
/// recorded in `env.missing`; a source that is wrong as given (no such bucket, nothing
/// under the prefix) is an error.
pub(crate) async fn read(
    env: &Env,
    request: &CloudTrailRequest,
    now: DateTime<Utc>,
) -> Result<Summarizer, ExportError> {
    request.check()?;
    let mut summarizer = Summarizer::new();
    let since = request
        .s3_days
        .map(|days| days_back(now, days).date_naive());
    for location in &request.s3 {
        summarizer.merge(read_s3(env, location, since).await?);
    }
    if let Some(lookup) = &request.lookup {
        summarizer.merge(lookup_events(env, lookup, now).await?);
    }
    Ok(summarizer)
}

fn days_back(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    TimeDelta::try_days(i64::from(days))
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The sha256 of a listing of `(name, sha256)` pairs, sorted: `<name>\t<sha256>\n` each,
/// as for a folder of log files.
fn listing_sha256(mut listing: Vec<(String, String)>) -> String {
    listing.sort();
    let mut hasher = Sha256::new();
    for (name, sha) in &listing {
        hasher.update(format!("{name}\t{sha}\n").as_bytes());
    }
    hex::encode(hasher.finalize())
}

// ---------------------------------------------------------------------------------------
// S3

/// The objects under a location, sorted into those to read and those skipped.
#[derive(Debug, Default)]
struct Listing {
    /// Keys of log objects to read.
    objects: Vec<String>,
    digest: u64,
    other: u64,
    /// Log objects whose key dates them before the days asked (read from file names: the
    /// dated folders before them are not even listed).
    older: u64,
    /// A region's folder of CloudTrail's layout was found (the prefix is a trail's, even
    /// when none of its days is recent enough).
    trail_folders: bool,
}

impl Listing {
    fn add(&mut self, location: &S3Location, key: &str, since: Option<NaiveDate>) {
        // Folder markers written by consoles and sync tools are not files.
        if key.ends_with('/') {
            return;
        }
        let relative = key.strip_prefix(location.prefix.as_str()).unwrap_or(key);
        let name = relative.rsplit('/').next().unwrap_or(relative);
        if !is_log_name(name) {
            self.other += 1;
        } else if relative.contains(DIGEST_MARKER) {
            self.digest += 1;
        } else if since
            .zip(key_date(key))
            .is_some_and(|(since, date)| date < since)
        {
            self.older += 1;
        } else {
            self.objects.push(key.to_owned());
        }
    }
}

enum ListError {
    /// The listing failed: the part is missing.
    Api(ApiError),
    /// The location is wrong as given.
    Source(ExportError),
}

/// The region S3 says a bucket is in, when a request went to another region.
fn bucket_region<E>(err: &SdkError<E>) -> Option<String> {
    err.raw_response()?
        .headers()
        .get("x-amz-bucket-region")
        .map(str::to_owned)
}

/// Lists the location: above a region's folder one level at a time (`/` as delimiter),
/// each region's folder whole, from the first day asked on (`StartAfter`), so that older
/// days are not listed. Returns the client that reached the bucket (in the bucket's own
/// region when S3 said it is elsewhere).
async fn list(
    env: &Env,
    location: &S3Location,
    since: Option<NaiveDate>,
) -> Result<(aws_sdk_s3::Client, Listing), ListError> {
    const OP: &str = "ListObjectsV2";
    let mut client = env.api.s3(None);
    let mut region = env.api.region();
    let mut listing = Listing::default();
    let mut queue = VecDeque::from([location.prefix.clone()]);
    while let Some(prefix) = queue.pop_front() {
        let (delimiter, start_after) = match depth(&prefix) {
            Depth::Above => (Some("/".to_owned()), None),
            Depth::Region { region } => {
                listing.trail_folders = true;
                let first_day = since
                    .map(|d| format!("{region}{}", d.format("%Y/%m/%d")))
                    .filter(|s| s.as_str() > prefix.as_str());
                (None, first_day)
            }
        };
        let mut token: Option<String> = None;
        loop {
            let request = client
                .list_objects_v2()
                .bucket(&location.bucket)
                .prefix(&prefix)
                .set_delimiter(delimiter.clone())
                .set_start_after(start_after.clone())
                .set_continuation_token(token.clone());
            let out = match env
                .api
                .guarded(OP, request.send())
                .await
                .map_err(ListError::Api)?
            {
                Ok(out) => out,
                Err(e) => {
                    if !env.api.custom_endpoint()
                        && let Some(other) = bucket_region(&e)
                        && other != region
                    {
                        // The bucket is in another region: ask there (once).
                        client = env.api.s3(Some(&other));
                        region = other;
                        continue;
                    }
                    let e = classify(OP, &e);
                    if e.code.as_deref() == Some("NoSuchBucket") {
                        return Err(ListError::Source(ExportError::Source {
                            message: format!(
                                "cannot read `{location}`: the bucket `{}` does not exist ({})",
                                location.bucket, e.message
                            ),
                            help: "give the bucket the trail delivers its logs to (`aws cloudtrail describe-trails` shows it as S3BucketName)".to_owned(),
                        }));
                    }
                    return Err(ListError::Api(e));
                }
            };
            for object in out.contents() {
                if let Some(key) = object.key() {
                    listing.add(location, key, since);
                }
            }
            for folder in out.common_prefixes() {
                if let Some(p) = folder.prefix() {
                    queue.push_back(p.to_owned());
                }
            }
            match out.next_continuation_token() {
                Some(next)
                    if out.is_truncated() == Some(true) && token.as_deref() != Some(next) =>
                {
                    token = Some(next.to_owned());
                }
                _ => break,
            }
        }
    }
    listing.objects.sort();
    Ok((client, listing))
}

async fn read_s3(
    env: &Env,
    location: &S3Location,
    since: Option<NaiveDate>,
) -> Result<Summarizer, ExportError> {
    let mut summarizer = Summarizer::new();
    env.progress.start(STEP_S3_LIST, None);
    let listed = list(env, location, since).await;
    env.progress.finish(STEP_S3_LIST);
    let (client, listing) = match listed {
        Ok(found) => found,
        Err(ListError::Source(e)) => return Err(e),
        Err(ListError::Api(e)) => {
            env.missing.record_with(
                Part::CloudTrailS3,
                &e,
                Some(format!("listing `{location}`")),
            );
            return Ok(summarizer);
        }
    };
    if listing.objects.is_empty() && !listing.trail_folders && listing.older == 0 {
        return Err(ExportError::Source {
            message: format!("no CloudTrail log objects (`.json` or `.json.gz`) under `{location}`"),
            help: "give the bucket and prefix the trail delivers to, e.g. s3://my-trail-bucket/AWSLogs/ (`aws s3 ls` shows what is there)".to_owned(),
        });
    }
    for _ in 0..listing.digest {
        summarizer.count_digest_file();
    }
    for _ in 0..listing.other {
        summarizer.count_other_file();
    }
    let total = listing.objects.len();
    let fetched = download(env, &client, location, listing.objects).await?;
    let read = fetched.hashes.len();
    summarizer.merge(fetched.summarizer);
    let mut note = format!("{NOTE_PREFIX} `{location}`: {read} log objects read");
    if let Some(since) = since {
        note.push_str(&format!(
            ", those dated {since} or later by their key (older days not listed)"
        ));
    }
    if listing.older > 0 {
        note.push_str(&format!("; {} older log objects not read", listing.older));
    }
    if let Some((index, error)) = fetched.failures.first() {
        let key = fetched
            .keys
            .get(*index)
            .map(|k| location.object_name(k))
            .unwrap_or_default();
        let detail = format!(
            "first for `{key}`; {} of {total} log objects not read",
            total - read
        );
        env.missing
            .record_with(Part::CloudTrailS3, error, Some(detail));
        note.push_str(&format!(
            "; {} of {total} not read (see the missing parts)",
            total - read
        ));
    }
    summarizer.add_note(note);
    if read > 0 || total == 0 {
        summarizer.add_input(SourceInput {
            kind: S3_SOURCE_KIND.to_owned(),
            name: location.to_string(),
            sha256: listing_sha256(fetched.hashes),
        });
    }
    Ok(summarizer)
}

/// What the download of a location's objects gave.
struct Fetched {
    summarizer: Summarizer,
    /// `(key below the prefix, sha256)` of each object read.
    hashes: Vec<(String, String)>,
    /// Failures by index into `keys`, in order.
    failures: Vec<(usize, ApiError)>,
    keys: Arc<Vec<String>>,
}

/// One worker's share.
#[derive(Default)]
struct Share {
    summarizer: Summarizer,
    hashes: Vec<(String, String)>,
    failures: Vec<(usize, ApiError)>,
}

/// Reads the objects with at most `env.concurrency` downloads at once, each worker with a
/// summarizer of its own (merged at the end: the result does not depend on the order).
/// After an AccessDenied no further object is asked for.
async fn download(
    env: &Env,
    client: &aws_sdk_s3::Client,
    location: &S3Location,
    keys: Vec<String>,
) -> Result<Fetched, ExportError> {
    let keys = Arc::new(keys);
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    env.progress.start(STEP_S3_READ, Some(keys.len() as u64));
    let mut set = JoinSet::new();
    for _ in 0..env.concurrency.min(keys.len()) {
        let (env, client, location) = (env.clone(), client.clone(), location.clone());
        let (keys, next, stop) = (keys.clone(), next.clone(), stop.clone());
        set.spawn(async move {
            let mut share = Share::default();
            while !stop.load(Ordering::Relaxed) {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(key) = keys.get(index) else { break };
                match get_object(&env, &client, &location.bucket, key).await {
                    Ok(bytes) => {
                        let relative = key
                            .strip_prefix(location.prefix.as_str())
                            .unwrap_or(key)
                            .to_owned();
                        share.hashes.push((relative, sha256_hex(&bytes)));
                        let name = location.object_name(key);
                        let mut summarizer = std::mem::take(&mut share.summarizer);
                        // Summarizing is CPU work: off the threads that drive the requests.
                        summarizer = tokio::task::spawn_blocking(move || {
                            // A malformed object is counted and named by the summarizer.
                            let _ = summarizer.add_log_bytes(&name, &bytes);
                            summarizer
                        })
                        .await
                        .map_err(|e| {
                            ExportError::Internal(format!("summarizing `{key}` failed: {e}"))
                        })?;
                        share.summarizer = summarizer;
                    }
                    Err(e) => {
                        if e.kind == FailureKind::Denied {
                            stop.store(true, Ordering::Relaxed);
                        }
                        share.failures.push((index, e));
                    }
                }
                env.progress.advance(STEP_S3_READ, 1);
            }
            Ok::<_, ExportError>(share)
        });
    }
    let mut fetched = Fetched {
        summarizer: Summarizer::new(),
        hashes: Vec::with_capacity(keys.len()),
        failures: Vec::new(),
        keys,
    };
    while let Some(done) = set.join_next().await {
        let share = done.map_err(|e| {
            ExportError::Internal(format!("a task reading S3 objects failed: {e}"))
        })??;
        fetched.summarizer.merge(share.summarizer);
        fetched.hashes.extend(share.hashes);
        fetched.failures.extend(share.failures);
    }
    fetched.failures.sort_by_key(|(i, _)| *i);
    env.progress.finish(STEP_S3_READ);
    Ok(fetched)
}

/// Attempts at reading an object whose answer's body broke off (the SDK retries requests,
/// not bodies).
const BODY_ATTEMPTS: u32 = 3;

async fn get_object(
    env: &Env,
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Vec<u8>, ApiError> {
    const OP: &str = "GetObject";
    let mut attempt = 1;
    loop {
        let result = env
            .api
            .guarded(OP, async {
                let out = client
                    .get_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| (classify(OP, &e), false))?;
                let body = out.body.collect().await.map_err(|e| {
                    let error = ApiError {
                        operation: OP,
                        action: "s3:GetObject",
                        kind: FailureKind::Unreachable,
                        code: None,
                        status: None,
                        message: format!("the object's content broke off: {e}"),
                    };
                    (error, true)
                })?;
                Ok::<_, (ApiError, bool)>(body.to_vec())
            })
            .await?;
        match result {
            Ok(bytes) => return Ok(bytes),
            Err((_, true)) if attempt < BODY_ATTEMPTS => attempt += 1,
            Err((e, _)) => return Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------
// LookupEvents

/// CloudTrail answers `LookupEvents` at most twice a second per account and region: a
/// region's next request is sent this long after the answer to the previous one (and its
/// retries) came back.
pub(crate) const LOOKUP_INTERVAL: Duration = Duration::from_millis(500);

/// Events per page, the most `LookupEvents` gives.
const LOOKUP_PAGE: i32 = 50;

async fn lookup_events(
    env: &Env,
    request: &LookupRequest,
    now: DateTime<Utc>,
) -> Result<Summarizer, ExportError> {
    let mut regions = if request.regions.is_empty() {
        vec![env.api.region()]
    } else {
        request.regions.clone()
    };
    regions.sort();
    regions.dedup();
    let start = days_back(now, request.days);
    env.progress.start(STEP_LOOKUP, None);
    // Each region has its own limit: they are read at the same time.
    let mut set = JoinSet::new();
    for region in regions {
        set.spawn(lookup_region(env.clone(), region, start, now));
    }
    let mut summarizer = Summarizer::new();
    let mut done = Vec::new();
    while let Some(result) = set.join_next().await {
        done.push(result.map_err(|e| {
            ExportError::Internal(format!("a task reading LookupEvents failed: {e}"))
        })?);
    }
    // The manifest lists the regions in order, however the tasks ended.
    done.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, s) in done {
        summarizer.merge(s);
    }
    env.progress.finish(STEP_LOOKUP);
    Ok(summarizer)
}

/// Every page of one region's event history from `start` to `end`, [`LOOKUP_INTERVAL`]
/// apart; throttling answers are retried by the SDK.
async fn lookup_region(
    env: Env,
    region: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (String, Summarizer) {
    use aws_sdk_cloudtrail::primitives::DateTime as AwsTime;
    const OP: &str = "LookupEvents";
    let client = env.api.cloudtrail(&region);
    let source = format!("LookupEvents {region}");
    let mut summarizer = Summarizer::new();
    let mut token: Option<String> = None;
    let mut last: Option<tokio::time::Instant> = None;
    let (mut pages, mut position) = (0u64, 0u64);
    let mut events: Vec<(String, String)> = Vec::new();
    let mut complete = true;
    loop {
        if let Some(last) = last {
            tokio::time::sleep_until(last + LOOKUP_INTERVAL).await;
        }
        let request = client
            .lookup_events()
            .start_time(AwsTime::from_secs(start.timestamp()))
            .end_time(AwsTime::from_secs(end.timestamp()))
            .max_results(LOOKUP_PAGE)
            .set_next_token(token.clone());
        let result = env.api.call(OP, request.send()).await;
        last = Some(tokio::time::Instant::now());
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                env.missing.record_with(
                    Part::CloudTrailLookupEvents,
                    &e,
                    Some(format!("in {region}, after {position} events")),
                );
                complete = false;
                break;
            }
        };
        pages += 1;
        env.progress.advance(STEP_LOOKUP, 1);
        for event in out.events() {
            match event.cloud_trail_event() {
                Some(json) => {
                    // A malformed event is counted and named by the summarizer.
                    let _ = summarizer.add_event_json_at(&source, position, json.as_bytes());
                    events.push((
                        event.event_id().unwrap_or_default().to_owned(),
                        sha256_hex(json.as_bytes()),
                    ));
                }
                None => summarizer.skip_event(&source, position, "no `CloudTrailEvent`"),
            }
            position += 1;
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => {
                if token.as_deref() == Some(next) {
                    let e = ApiError {
                        operation: OP,
                        action: "cloudtrail:LookupEvents",
                        kind: FailureKind::Other,
                        code: None,
                        status: None,
                        message: "the same NextToken was answered twice".to_owned(),
                    };
                    env.missing.record_with(
                        Part::CloudTrailLookupEvents,
                        &e,
                        Some(format!("in {region}, after {position} events")),
                    );
                    complete = false;
                    break;
                }
                token = Some(next.to_owned());
            }
            _ => break,
        }
    }
    if pages > 0 {
        let range = format!(
            "{}/{}",
            start.format("%Y-%m-%dT%H:%M:%SZ"),
            end.format("%Y-%m-%dT%H:%M:%SZ")
        );
        summarizer.add_input(SourceInput {
            kind: LOOKUP_SOURCE_KIND.to_owned(),
            name: format!("LookupEvents {region} {range}"),
            sha256: listing_sha256(events),
        });
        summarizer.add_note(format!(
            "{NOTE_PREFIX} LookupEvents in {region} from {}: {position} management events in {pages} pages{}",
            range.replace('/', " to "),
            if complete {
                ""
            } else {
                " (incomplete: see the missing parts)"
            }
        ));
    }
    (region, summarizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(text: &str) -> S3Location {
        text.parse().unwrap()
    }

    #[test]
    fn listed_keys_are_sorted_into_logs_digests_others_and_older_days() {
        let loc = location("s3://trail/AWSLogs/");
        let since = NaiveDate::from_ymd_opt(2026, 11, 15);
        let mut l = Listing::default();
        let day = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20";
        l.add(&loc, &format!("{day}/"), since);
        l.add(
            &loc,
            &format!("{day}/1_CloudTrail_us-east-1_20261120T1205Z_a.json.gz"),
            since,
        );
        l.add(&loc, &format!("{day}/notes.txt"), since);
        l.add(
            &loc,
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/1_CloudTrail-Digest_us-east-1_t_us-east-1_20261120T120500Z.json.gz",
            since,
        );
        l.add(
            &loc,
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/14/x.json",
            since,
        );
        l.add(
            &loc,
            "AWSLogs/copied/1_CloudTrail_us-east-1_20230710T1145Z_b.json",
            since,
        );
        // No date at all: read.
        l.add(&loc, "AWSLogs/copied/events.json", since);
        assert_eq!(
            l.objects,
            [
                format!("{day}/1_CloudTrail_us-east-1_20261120T1205Z_a.json.gz"),
                "AWSLogs/copied/events.json".to_owned()
            ]
        );
        assert_eq!((l.digest, l.other, l.older), (1, 1, 2));
    }

    #[test]
    fn requests_are_checked_before_any_call() {
        let lookup = |days| CloudTrailRequest {
            lookup: Some(LookupRequest {
                days,
                regions: Vec::new(),
            }),
            ..CloudTrailRequest::default()
        };
        assert!(lookup(90).check().is_ok());
        for days in [0, 91] {
            let err = lookup(days).check().unwrap_err().to_string();
            assert!(err.contains("keeps 90 days"), "{err}");
        }
        let zero = CloudTrailRequest {
            s3_days: Some(0),
            ..CloudTrailRequest::default()
        };
        assert!(zero.check().is_err());
        let bad_region = CloudTrailRequest {
            lookup: Some(LookupRequest {
                days: 1,
                regions: vec!["us east".to_owned()],
            }),
            ..CloudTrailRequest::default()
        };
        assert!(
            bad_region
                .check()
                .unwrap_err()
                .to_string()
                .contains("`us east` is not an AWS region name")
        );
        assert!(CloudTrailRequest::default().is_empty());
    }

    #[test]
    fn days_count_back_from_now() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(days_back(now, 7).to_rfc3339(), "2026-11-15T08:00:00+00:00");
        assert_eq!(days_back(now, u32::MAX), DateTime::<Utc>::MIN_UTC);
    }
}
