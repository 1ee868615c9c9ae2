//! One small signed-request client for the services whose SDK crates the exporter does not
//! link (KMS, SQS, SNS, Secrets Manager, Lambda, ECR, EventBridge, DynamoDB, Backup, EFS,
//! CloudWatch Logs, EC2, S3 Control, RAM): a
//! request is built for its protocol (AWS JSON 1.0/1.1, AWS query, REST-JSON, REST-XML),
//! signed with SigV4 (`aws-sigv4`, which the SDK uses) and sent through the SDK's own
//! HTTPS connector, with the SDK's credentials, retries with exponential backoff and jitter
//! on throttling, 5xx answers and dropped connections, and the exporter's call counters.
//!
//! Each service crate of the AWS SDK would add its generated code (several MB of binary
//! and minutes of release build each, see docs/performance.md) for the two or three read
//! operations used here.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;

use crate::actions::api_action;
use crate::api::Stats;
use crate::error::{ApiError, FailureKind};

/// One request, before signing.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// The operation, as [`crate::actions::API_ACTIONS`] names it.
    pub(crate) operation: &'static str,
    /// The SigV4 signing name (`kms`, `sqs`, `s3` for S3 Control).
    pub(crate) service: &'static str,
    /// The host's first labels on AWS (`kms`, `api.ecr`, `<account>.s3-control`).
    pub(crate) host_prefix: String,
    pub(crate) region: String,
    pub(crate) method: &'static str,
    /// Path and query, encoded.
    pub(crate) path: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl Call {
    /// An AWS JSON request (`X-Amz-Target: <prefix>.<operation>`).
    pub(crate) fn json(
        operation: &'static str,
        service: &'static str,
        host_prefix: &str,
        region: &str,
        version: &str,
        target: String,
        body: &Value,
    ) -> Self {
        Self {
            operation,
            service,
            host_prefix: host_prefix.to_owned(),
            region: region.to_owned(),
            method: "POST",
            path: "/".to_owned(),
            headers: vec![
                ("content-type", format!("application/x-amz-json-{version}")),
                ("x-amz-target", target),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// An AWS query request (`Action=...&Version=...`, form-encoded).
    pub(crate) fn query(
        operation: &'static str,
        service: &'static str,
        region: &str,
        version: &str,
        params: &[(&str, &str)],
    ) -> Self {
        let action = operation.rsplit(':').next().unwrap_or(operation);
        let mut body = format!("Action={action}&Version={version}");
        for (k, v) in params {
            body.push('&');
            body.push_str(&encode(k));
            body.push('=');
            body.push_str(&encode(v));
        }
        Self {
            operation,
            service,
            host_prefix: service.to_owned(),
            region: region.to_owned(),
            method: "POST",
            path: "/".to_owned(),
            headers: vec![(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            )],
            body: body.into_bytes(),
        }
    }

    /// A REST-JSON request with a JSON body (`POST /path`).
    pub(crate) fn rest_json(
        operation: &'static str,
        service: &'static str,
        host_prefix: &str,
        region: &str,
        path: &str,
        body: &Value,
    ) -> Self {
        Self {
            operation,
            service,
            host_prefix: host_prefix.to_owned(),
            region: region.to_owned(),
            method: "POST",
            path: path.to_owned(),
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A REST request without a body (`GET /path?query`).
    pub(crate) fn rest(
        operation: &'static str,
        service: &'static str,
        host_prefix: &str,
        region: &str,
        path: String,
        headers: Vec<(&'static str, String)>,
    ) -> Self {
        Self {
            operation,
            service,
            host_prefix: host_prefix.to_owned(),
            region: region.to_owned(),
            method: "GET",
            path,
            headers,
            body: Vec::new(),
        }
    }
}

/// Percent-encodes a query or form value (RFC 3986 unreserved characters kept).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A successful answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (an empty body is `{}`).
    pub(crate) fn json(&self, operation: &'static str) -> Result<Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(serde_json::Map::new()));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| unusable(operation, format!("the answer is not JSON: {e}")))
    }

    /// The body as text (XML).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An error of an answer we cannot use.
pub(crate) fn unusable(operation: &'static str, message: String) -> ApiError {
    ApiError {
        operation,
        action: api_action(operation).map_or(operation, |a| a.action),
        kind: FailureKind::Other,
        code: None,
        status: None,
        message,
    }
}

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AuthorizationError",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
];

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];

/// Codes that say the service is not offered where it was asked (a region without it, an
/// opt-in region not enabled).
const UNAVAILABLE_CODES: &[&str] = &[
    "InvalidClientTokenId",
    "OptInRequired",
    "UnsupportedOperation",
    "UnknownOperationException",
    "InvalidAction",
];

/// The signed-request client.
#[derive(Debug)]
pub(crate) struct Signer {
    connector: SharedHttpConnector,
    credentials: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
    endpoint: Option<String>,
    max_attempts: u32,
    stats: Arc<Stats>,
}

impl Signer {
    pub(crate) fn new(
        credentials: SharedCredentialsProvider,
        endpoint: Option<String>,
        max_attempts: u32,
        stats: Arc<Stats>,
    ) -> Result<Self, String> {
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build();
        let connector = aws_smithy_http_client::default_connector(
            &settings,
            aws_smithy_async::rt::sleep::default_async_sleep(),
        )
        .ok_or_else(|| "no HTTPS connector is available in this build".to_owned())?;
        Ok(Self {
            connector,
            credentials,
            cached: tokio::sync::Mutex::new(None),
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
            max_attempts: max_attempts.max(1),
            stats,
        })
    }

    /// Credentials, fetched once and again when they are about to expire.
    async fn credentials(&self, operation: &'static str) -> Result<Credentials, ApiError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.expiry()
                .is_none_or(|t| t > SystemTime::now() + Duration::from_secs(120))
        {
            return Ok(c.clone());
        }
        let fresh = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| unusable(operation, format!("no AWS credentials: {e}")))?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }

    fn url(&self, call: &Call) -> String {
        match &self.endpoint {
            Some(e) => format!("{e}{}", call.path),
            None => {
                let suffix = if call.region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!(
                    "https://{}.{}.{suffix}{}",
                    call.host_prefix, call.region, call.path
                )
            }
        }
    }

    fn signed_request(
        &self,
        call: &Call,
        credentials: Credentials,
    ) -> Result<aws_smithy_runtime_api::client::orchestrator::HttpRequest, String> {
        let url = self.url(call);
        let mut builder = http::Request::builder().method(call.method).uri(&url);
        for (k, v) in &call.headers {
            builder = builder.header(*k, v);
        }
        let mut request = builder
            .body(SdkBody::from(call.body.clone()))
            .map_err(|e| format!("cannot build the request for `{url}`: {e}"))?;
        let identity: Identity = credentials.into();
        let mut settings = SigningSettings::default();
        if call.service == "s3" {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&call.region)
            .name(call.service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| format!("cannot sign: {e}"))?
            .into();
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        let signable = SignableRequest::new(
            call.method,
            &url,
            headers.into_iter(),
            SignableBody::Bytes(&call.body),
        )
        .map_err(|e| format!("cannot sign: {e}"))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| format!("cannot sign: {e}"))?
            .into_parts();
        instructions.apply_to_request_http1x(&mut request);
        request
            .try_into()
            .map_err(|e| format!("cannot send the request for `{url}`: {e}"))
    }

    /// Sends `call`, retrying throttling, 5xx answers and failed connections.
    pub(crate) async fn send(&self, call: &Call) -> Result<Answer, ApiError> {
        let operation = call.operation;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let last = attempt >= self.max_attempts;
            let credentials = self.credentials(operation).await?;
            let request = self
                .signed_request(call, credentials)
                .map_err(|m| unusable(operation, m))?;
            self.stats.count_attempt();
            let outcome = match self.connector.call(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let error_type = response
                        .headers()
                        .get("x-amzn-errortype")
                        .map(str::to_owned);
                    match ByteStream::new(response.into_body()).collect().await {
                        Ok(body) => Ok((status, error_type, body.into_bytes().to_vec())),
                        Err(e) => Err(format!("the answer could not be read: {e}")),
                    }
                }
                Err(e) => Err(format!("no answer: {e}")),
            };
            match outcome {
                Ok((status, _, body)) if (200..300).contains(&status) => {
                    return Ok(Answer { body });
                }
                Ok((status, error_type, body)) => {
                    let error = answer_error(operation, status, error_type.as_deref(), &body);
                    let throttled = error.kind == FailureKind::Throttled;
                    if throttled {
                        self.stats.count_throttled();
                    } else if status >= 500 {
                        self.stats.count_server_error();
                    }
                    if last || !(throttled || status >= 500) {
                        return Err(error);
                    }
                }
                Err(message) => {
                    if last {
                        return Err(ApiError {
                            operation,
                            action: api_action(operation).map_or(operation, |a| a.action),
                            kind: FailureKind::Unreachable,
                            code: None,
                            status: None,
                            message,
                        });
                    }
                }
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

/// Full jitter: a random pause up to 200 ms × 2^(attempt-1), at most 20 s.
fn backoff(attempt: u32) -> Duration {
    let cap = Duration::from_millis(200)
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(Duration::from_secs(20));
    let r = RandomState::new().hash_one(Instant::now());
    cap.mul_f64((r % 1024) as f64 / 1024.0)
}

/// The error of a non-2xx answer, from its body (JSON `__type`/`code` and `message`, or
/// XML `<Code>` and `<Message>`) or the `x-amzn-ErrorType` header.
pub(crate) fn answer_error(
    operation: &'static str,
    status: u16,
    error_type: Option<&str>,
    body: &[u8],
) -> ApiError {
    let text = String::from_utf8_lossy(body);
    let (mut code, mut message) = (None, None);
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) {
        code = ["__type", "code", "Code"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_owned);
        message = ["message", "Message", "errorMessage"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .map(str::to_owned);
    } else if text.trim_start().starts_with('<') {
        let leaves = crate::xml::leaves(&text);
        code = leaves
            .iter()
            .find(|(p, _)| p.ends_with("Error/Code") || p == "Error/Code")
            .map(|(_, v)| v.clone());
        message = leaves
            .iter()
            .find(|(p, _)| p.ends_with("Error/Message"))
            .map(|(_, v)| v.clone());
    }
    let code = code
        .or_else(|| error_type.map(str::to_owned))
        // `aws.protocoltests#AccessDeniedException`, `AccessDeniedException:http://...`
        .map(|c| {
            let c = c.rsplit('#').next().unwrap_or(&c);
            c.split(':').next().unwrap_or(c).to_owned()
        })
        .filter(|c| !c.is_empty());
    let kind = match (code.as_deref(), status) {
        (Some(c), _) if DENIED_CODES.contains(&c) => FailureKind::Denied,
        (_, 403) => FailureKind::Denied,
        (Some(c), _) if THROTTLING_CODES.contains(&c) => FailureKind::Throttled,
        (_, 429) => FailureKind::Throttled,
        (_, 404) => FailureKind::NotFound,
        _ => FailureKind::Other,
    };
    let message = match (&code, message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        (None, _) => format!("HTTP {status} without an AWS error code"),
    };
    ApiError {
        operation,
        action: api_action(operation).map_or(operation, |a| a.action),
        kind,
        code,
        status: Some(status),
        message: message.replace('\n', " "),
    }
}

/// Whether an error says the service is not offered in the region asked (or the region is
/// not enabled): the part is missing there, for that reason.
pub(crate) fn unavailable(e: &ApiError) -> bool {
    e.code
        .as_deref()
        .is_some_and(|c| UNAVAILABLE_CODES.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_from_json_xml_and_headers() {
        let e = answer_error(
            "ListKeys",
            400,
            None,
            br#"{"__type":"com.amazonaws.kms#AccessDeniedException","message":"no"}"#,
        );
        assert_eq!(e.kind, FailureKind::Denied);
        assert_eq!(e.code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(e.message, "AccessDeniedException: no");
        assert_eq!(e.action, "kms:ListKeys");

        let e = answer_error(
            "ListTopics",
            400,
            None,
            b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
        );
        assert_eq!(e.kind, FailureKind::Throttled);
        assert_eq!(e.message, "Throttling: Rate exceeded");

        let e = answer_error(
            "ListFunctions",
            404,
            Some("ResourceNotFoundException:http://x"),
            b"",
        );
        assert_eq!(e.kind, FailureKind::NotFound);
        assert_eq!(e.code.as_deref(), Some("ResourceNotFoundException"));

        let e = answer_error("ListQueues", 503, None, b"busy");
        assert_eq!(e.kind, FailureKind::Other);
        assert_eq!(e.message, "HTTP 503 without an AWS error code");
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode("a b/c~d=é"), "a%20b%2Fc~d%3D%C3%A9");
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        for attempt in 1..40 {
            assert!(backoff(attempt) <= Duration::from_secs(20));
        }
        assert!(backoff(1) <= Duration::from_millis(200));
    }
}
