//! The AWS side: configuration resolved as the AWS CLI does, clients with retries (IAM and
//! STS; S3 and CloudTrail for activity), a bound on requests in flight, counters of calls
//! and attempts, and error classification.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{SharedCredentialsProvider, future as credentials_future};
use aws_sdk_iam::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_iam::config::{ConfigBag, Intercept, ProvideCredentials, Region, RuntimeComponents};
use aws_sdk_iam::error::{BoxError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tokio::sync::Semaphore;

use crate::actions::{Part, api_action};
use crate::error::{ApiError, ExportError, FailureKind};
use crate::signed::{Answer, Call, Signer};

/// Where and how to connect.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// A named profile of the AWS config files (`--profile`; default: `AWS_PROFILE` or
    /// `default`).
    pub profile: Option<String>,
    /// The region (`--region`; default: `AWS_REGION`, the profile's, else `us-east-1`, where
    /// IAM's global endpoint is).
    pub region: Option<String>,
    /// Another endpoint for every service (`--endpoint-url`), e.g. a local emulator.
    pub endpoint_url: Option<String>,
    /// Attempts per call, first one included, for throttling and server errors.
    pub max_attempts: u32,
}

/// The region IAM's global endpoint lives in, used when nothing names a region.
const DEFAULT_REGION: &str = "us-east-1";

/// API calls made and HTTP attempts sent.
#[derive(Debug, Default)]
pub struct Stats {
    calls: Mutex<BTreeMap<&'static str, u64>>,
    attempts: AtomicU64,
    throttled: AtomicU64,
    server_errors: AtomicU64,
}

/// A copy of the counters at the end of an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Calls per operation (one per request, retries not counted).
    pub calls: BTreeMap<&'static str, u64>,
    /// HTTP requests sent, retries included.
    pub attempts: u64,
    /// Answers that said to slow down (HTTP 429, or a throttling error code).
    pub throttled: u64,
    /// Answers with a 5xx status.
    pub server_errors: u64,
}

impl CallStats {
    /// Calls made, retries not counted.
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Attempts beyond the first of each call.
    pub fn retries(&self) -> u64 {
        self.attempts.saturating_sub(self.total_calls())
    }
}

impl Stats {
    pub(crate) fn count_attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_server_error(&self) {
        self.server_errors.fetch_add(1, Ordering::Relaxed);
    }

    fn count_call(&self, operation: &'static str) {
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(operation).or_default() += 1;
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> CallStats {
        CallStats {
            calls: self.calls.lock().map(|c| c.clone()).unwrap_or_default(),
            attempts: self.attempts.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            server_errors: self.server_errors.load(Ordering::Relaxed),
        }
    }
}

/// Counts every HTTP attempt and the answers that make the SDK retry.
#[derive(Debug, Clone)]
struct Counter(Arc<Stats>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "iamsnap-call-counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let status = context.response().status().as_u16();
        if status == 429 {
            self.0.throttled.fetch_add(1, Ordering::Relaxed);
        } else if status >= 500 {
            self.0.server_errors.fetch_add(1, Ordering::Relaxed);
        } else if status == 400
            && context.response().body().bytes().is_some_and(|b| {
                // IAM's and STS's XML, CloudTrail's JSON.
                contains(b, b"<Code>Throttling</Code>") || contains(b, b"ThrottlingException")
            })
        {
            self.0.throttled.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Clients for IAM and STS (and, made on demand, S3 and CloudTrail), and the signed client
/// of the other services, sharing one bound on requests in flight.
#[derive(Debug)]
pub struct Api {
    /// The IAM client.
    pub iam: aws_sdk_iam::Client,
    /// The STS client.
    pub sts: aws_sdk_sts::Client,
    signer: Signer,
    config: aws_config::SdkConfig,
    permits: Arc<Semaphore>,
    stats: Arc<Stats>,
    max_attempts: u32,
}

/// The credentials of an assumed role: those of the first `AssumeRole` while they last,
/// then the SDK's provider, which assumes the role again.
#[derive(Debug)]
struct Assumed {
    first: std::sync::Mutex<Option<Credentials>>,
    renew: AssumeRoleProvider,
}

impl ProvideCredentials for Assumed {
    fn provide_credentials<'a>(&'a self) -> credentials_future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let fresh = self.first.lock().ok().and_then(|first| {
            first
                .as_ref()
                .filter(|c| {
                    c.expiry()
                        .is_none_or(|t| t > SystemTime::now() + Duration::from_secs(300))
                })
                .cloned()
        });
        match fresh {
            Some(c) => credentials_future::ProvideCredentials::ready(Ok(c)),
            None => self.renew.provide_credentials(),
        }
    }
}

impl Api {
    /// Resolves region and credentials as the AWS CLI does (flags, environment, config and
    /// credentials files, SSO, web identity, container and instance metadata) and checks
    /// that credentials are there before any call.
    pub async fn connect(conn: &Connection, concurrency: usize) -> Result<Self, ExportError> {
        let retry = RetryConfig::standard()
            .with_max_attempts(conn.max_attempts.max(1))
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(20));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(Duration::from_secs(60))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(p) = &conn.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &conn.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &conn.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let mut config = loader.load().await;
        if config.region().is_none() {
            config = config
                .into_builder()
                .region(Region::new(DEFAULT_REGION))
                .build();
        }
        let provider = config.credentials_provider().ok_or_else(|| {
            ExportError::Config("no AWS credentials provider could be set up".to_owned())
        })?;
        provider.provide_credentials().await.map_err(|e| {
            ExportError::Config(format!("no AWS credentials: {}", DisplayErrorContext(&e)))
        })?;
        Self::from_config(
            config,
            provider,
            Arc::new(Semaphore::new(concurrency.max(1))),
            Arc::new(Stats::default()),
            conn.max_attempts,
        )
        .map_err(ExportError::Config)
    }

    fn from_config(
        config: aws_config::SdkConfig,
        provider: SharedCredentialsProvider,
        permits: Arc<Semaphore>,
        stats: Arc<Stats>,
        max_attempts: u32,
    ) -> Result<Self, String> {
        let iam = aws_sdk_iam::config::Builder::from(&config)
            .interceptor(Counter(stats.clone()))
            .build();
        let sts = aws_sdk_sts::config::Builder::from(&config)
            .interceptor(Counter(stats.clone()))
            .build();
        let signer = Signer::new(
            provider,
            config.endpoint_url().map(str::to_owned),
            max_attempts,
            stats.clone(),
        )?;
        Ok(Self {
            iam: aws_sdk_iam::Client::from_conf(iam),
            sts: aws_sdk_sts::Client::from_conf(sts),
            signer,
            config,
            permits,
            stats,
            max_attempts,
        })
    }

    /// The clients of another account, entered through `role_arn` (`sts:AssumeRole`, with
    /// `external_id` when given), sharing this one's bound on requests in flight and its
    /// counters. The role is assumed once here, so that a refusal is known before anything
    /// else is asked; the credentials are renewed (assuming it again) before they expire.
    pub async fn assume(
        &self,
        role_arn: &str,
        external_id: Option<&str>,
        session_name: &str,
    ) -> Result<Self, ApiError> {
        const OPERATION: &str = "AssumeRole";
        let out = self
            .call(
                OPERATION,
                self.sts
                    .assume_role()
                    .role_arn(role_arn)
                    .role_session_name(session_name)
                    .set_external_id(external_id.map(str::to_owned))
                    .send(),
            )
            .await?;
        let first = out.credentials().map(|c| {
            Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_owned()),
                SystemTime::try_from(*c.expiration()).ok(),
                "iamsnap-assume-role",
            )
        });
        let Some(first) = first else {
            return Err(ApiError {
                operation: OPERATION,
                action: action_of(OPERATION),
                kind: FailureKind::Other,
                code: None,
                status: None,
                message: format!("assuming `{role_arn}` gave no credentials"),
            });
        };
        let mut renew = AssumeRoleProvider::builder(role_arn)
            .session_name(session_name)
            .configure(&self.config);
        if let Some(id) = external_id {
            renew = renew.external_id(id);
        }
        let provider = SharedCredentialsProvider::new(Assumed {
            first: std::sync::Mutex::new(Some(first)),
            renew: renew.build().await,
        });
        let config = self
            .config
            .clone()
            .into_builder()
            .credentials_provider(provider.clone())
            .build();
        Self::from_config(
            config,
            provider,
            self.permits.clone(),
            self.stats.clone(),
            self.max_attempts,
        )
        .map_err(|message| ApiError {
            operation: OPERATION,
            action: action_of(OPERATION),
            kind: FailureKind::Other,
            code: None,
            status: None,
            message,
        })
    }

    /// The region requests are signed for: `--region`, the environment's or the profile's,
    /// else `us-east-1`.
    pub fn region(&self) -> String {
        self.config
            .region()
            .map_or_else(|| DEFAULT_REGION.to_owned(), |r| r.as_ref().to_owned())
    }

    /// Whether `--endpoint-url` sends every request elsewhere than AWS.
    pub fn custom_endpoint(&self) -> bool {
        self.config.endpoint_url().is_some()
    }

    /// An S3 client, for `region` or the configured one. With a custom endpoint buckets are
    /// addressed by path (`http://host/bucket/key`): an emulator has no DNS name per bucket.
    pub fn s3(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let mut b = aws_sdk_s3::config::Builder::from(&self.config)
            .interceptor(Counter(self.stats.clone()))
            .force_path_style(self.custom_endpoint());
        if let Some(r) = region {
            b = b.region(Region::new(r.to_owned()));
        }
        aws_sdk_s3::Client::from_conf(b.build())
    }

    /// A CloudTrail client for `region` (CloudTrail's event history is per region).
    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&self.config)
            .interceptor(Counter(self.stats.clone()))
            .region(Region::new(region.to_owned()))
            .build();
        aws_sdk_cloudtrail::Client::from_conf(conf)
    }

    /// Runs one call of `operation` once a slot is free, counting it.
    pub async fn call<T, E, F>(&self, operation: &'static str, call: F) -> Result<T, ApiError>
    where
        F: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.guarded(operation, call)
            .await?
            .map_err(|e| classify(operation, &e))
    }

    /// Sends one request of the signed client once a slot is free, counting it.
    pub(crate) async fn send(&self, call: &Call) -> Result<Answer, ApiError> {
        self.guarded(call.operation, self.signer.send(call)).await?
    }

    /// Runs `work` (one call of `operation`, and whatever must happen while its request is
    /// open, such as reading an answer's body) once a slot is free, counting the call.
    pub async fn guarded<T, F>(&self, operation: &'static str, work: F) -> Result<T, ApiError>
    where
        F: Future<Output = T>,
    {
        let _permit = self.permits.acquire().await.map_err(|_| ApiError {
            operation,
            action: action_of(operation),
            kind: FailureKind::Other,
            code: None,
            status: None,
            message: "the export was stopped".to_owned(),
        })?;
        self.stats.count_call(operation);
        Ok(work.await)
    }

    /// The counters now.
    pub fn stats(&self) -> CallStats {
        self.stats.snapshot()
    }
}

fn action_of(operation: &'static str) -> &'static str {
    api_action(operation).map_or(operation, |a| a.action)
}

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

/// What kind of failure an SDK error is, with the operation's IAM action.
pub(crate) fn classify<E>(operation: &'static str, err: &SdkError<E>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().map(str::to_owned);
    let status = err.raw_response().map(|r| r.status().as_u16());
    let kind = match (&code, status) {
        (Some(c), _) if DENIED_CODES.contains(&c.as_str()) => FailureKind::Denied,
        (_, Some(403)) => FailureKind::Denied,
        (Some(c), _) if c == "NoSuchEntity" => FailureKind::NotFound,
        (Some(c), _) if THROTTLING_CODES.contains(&c.as_str()) => FailureKind::Throttled,
        (_, Some(429)) => FailureKind::Throttled,
        _ => match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => FailureKind::Unreachable,
            _ => FailureKind::Other,
        },
    };
    let message = match (err.code(), err.message(), status) {
        (Some(c), Some(m), _) => format!("{c}: {m}"),
        (Some(c), None, _) => c.to_owned(),
        (None, _, Some(s)) => format!("HTTP {s} without an AWS error code"),
        _ => DisplayErrorContext(err).to_string(),
    };
    ApiError {
        operation,
        action: action_of(operation),
        kind,
        code,
        status,
        message: message.replace('\n', " "),
    }
}

/// The parts that could not be read, collected from every task, per region for regional
/// parts.
#[derive(Debug, Default)]
pub struct Missing {
    parts: Mutex<BTreeMap<(Part, Option<String>), Failure>>,
}

#[derive(Debug)]
struct Failure {
    error: ApiError,
    count: u64,
    detail: Option<String>,
}

impl Missing {
    /// Records that `part` is (at least partly) missing because of `error`. The first error
    /// of a part is kept; later ones are counted.
    pub fn record(&self, part: Part, error: &ApiError) {
        self.record_with(part, error, None);
    }

    /// Like [`Missing::record`], with words on what was lost (e.g. which principal).
    pub fn record_with(&self, part: Part, error: &ApiError, detail: Option<String>) {
        self.record_in(part, None, error, detail);
    }

    /// Like [`Missing::record_with`], for a regional part in `region`.
    pub fn record_in(
        &self,
        part: Part,
        region: Option<&str>,
        error: &ApiError,
        detail: Option<String>,
    ) {
        if let Ok(mut parts) = self.parts.lock() {
            parts
                .entry((part, region.map(str::to_owned)))
                .and_modify(|f| f.count += 1)
                .or_insert_with(|| Failure {
                    error: error.clone(),
                    count: 1,
                    detail,
                });
        }
    }

    /// Whether calls for `part` were denied: further calls would be denied too.
    pub fn denied(&self, part: Part) -> bool {
        self.denied_in(part, None)
    }

    /// Whether calls for `part` in `region` were denied.
    pub fn denied_in(&self, part: Part, region: Option<&str>) -> bool {
        self.parts.lock().is_ok_and(|p| {
            p.get(&(part, region.map(str::to_owned)))
                .is_some_and(|f| f.error.kind == FailureKind::Denied)
        })
    }

    /// The manifest's `missing` entries, in a stable order.
    pub fn parts(&self) -> Vec<iamsnap_snapshot::MissingPart> {
        let Ok(parts) = self.parts.lock() else {
            return Vec::new();
        };
        parts
            .iter()
            .map(|((part, region), f)| {
                let mut reason = f.error.reason();
                if let Some(d) = &f.detail {
                    reason.push_str(&format!(" [{d}]"));
                }
                if f.count > 1 {
                    reason.push_str(&format!(" ({} calls failed)", f.count));
                }
                iamsnap_snapshot::MissingPart {
                    part: part.as_str().to_owned(),
                    reason,
                    action: (f.error.kind == FailureKind::Denied)
                        .then(|| f.error.action.to_owned()),
                    account: None,
                    region: region.clone(),
                }
            })
            .collect()
    }
}
