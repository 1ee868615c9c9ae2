//! A local AWS endpoint for the exporter's tests: `moto_server` (PyPI `moto[server]`,
//! pinned in tests/requirements.txt and installed by scripts/test) on a free loopback
//! port, stopped when dropped. And a loopback proxy in front of it that injects throttling,
//! server errors and AccessDenied answers, and stands in for CloudTrail's `LookupEvents`,
//! which moto does not implement.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A running moto_server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub port: u16,
}

fn moto_server_binary() -> Option<PathBuf> {
    if std::env::var("IAMSNAP_SKIP_MOTO").as_deref() == Ok("1") {
        return None;
    }
    let python = std::env::var("IAMSNAP_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "IAMSNAP_TEST_PYTHON is not set: the export tests need moto_server; run them with \
             scripts/test (it installs tests/requirements.txt into a private virtualenv), or set \
             IAMSNAP_SKIP_MOTO=1 to skip them explicitly"
        )
    });
    let bin = PathBuf::from(&python)
        .parent()
        .map(|d| d.join("moto_server"))
        .unwrap();
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/test (it installs moto[server] from tests/requirements.txt \
         next to {python}), or set IAMSNAP_SKIP_MOTO=1 to skip the export tests explicitly",
        bin.display()
    );
    Some(bin)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    /// Starts moto_server; `None` only when IAMSNAP_SKIP_MOTO=1. Fails the test when
    /// moto is not installed.
    pub fn start() -> Option<Moto> {
        let bin = moto_server_binary()?;
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(&bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ALLOW_NONEXISTENT_REGION", "true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut moto = Moto {
                child,
                url: format!("http://127.0.0.1:{port}"),
                port,
            };
            if moto.wait_ready(Duration::from_secs(30)) {
                return Some(moto);
            }
            // Lost the port to someone else, or slow to start: try another port.
        }
        panic!("moto_server did not answer on 127.0.0.1 within 30 s (three tries)");
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let req = "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
                let mut answer = String::new();
                if s.write_all(req.as_bytes()).is_ok()
                    && s.read_to_string(&mut answer).is_ok()
                    && answer.starts_with("HTTP/1.")
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy does to requests.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer this many requests with throttling (429, `Throttling`; S3's `SlowDown`) or
    /// server errors (503), alternating, on every other request from the first on, in
    /// the protocol of the request.
    pub transient: usize,
    /// Answer every request for this API operation with AccessDenied, in the protocol of
    /// its service (IAM's XML, S3's XML, CloudTrail's JSON).
    pub deny: Option<&'static str>,
    /// With `deny`: only the requests whose body holds this text (e.g. one account's id in
    /// an `AssumeRole`).
    pub deny_only_with: Option<String>,
    /// Answer `LookupEvents` (`CloudTrail_20131101.LookupEvents`) from these events.
    pub lookup: Option<Arc<LookupEvents>>,
}

/// A stand-in for CloudTrail's event history: `LookupEvents` answered from CloudTrail
/// records, as AWS answers it — the events of the region the request is signed for, with
/// `eventTime` between `StartTime` and `EndTime`, newest first, `MaxResults` (at most 50)
/// per page with a `NextToken`, each record as the event's `CloudTrailEvent` string.
#[derive(Debug, Clone, Default)]
pub struct LookupEvents {
    /// Whole CloudTrail records (`eventTime`, `awsRegion`, `eventID`, ...).
    pub records: Vec<Value>,
    /// Events per page at most, below `MaxResults`.
    pub page_size: usize,
    /// Positions (0-based) among the `LookupEvents` requests received that are answered
    /// with 429 `ThrottlingException` instead.
    pub throttle: Vec<usize>,
}

/// One request the proxy received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The API operation.
    pub operation: String,
    /// The request line's target (path and query).
    pub target: String,
    /// The region the request is signed for.
    pub region: String,
    /// When it arrived.
    pub at: Instant,
    /// Answered with an injected error.
    pub injected: bool,
}

/// What the proxy saw and did.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Requests received, per operation.
    pub requests: BTreeMap<String, u64>,
    /// Throttling and server error answers injected.
    pub transient_injected: u64,
    /// AccessDenied answers injected.
    pub denied: u64,
    /// Every request, in order of arrival.
    pub seen: Vec<Seen>,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// A loopback HTTP proxy in front of moto_server, one request per connection.
pub struct FaultProxy {
    pub url: String,
    port: u16,
    counts: Arc<Mutex<Counts>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn target(head: &str) -> &str {
    head.lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
}

/// The API operation of a request: the `Action` of IAM's and STS's query protocol, the
/// `X-Amz-Target` of JSON protocols, or S3's from the method and query (its `x-id`, or the
/// sub-resource of a bucket: `?policy` is `GetBucketPolicy`).
fn operation(head: &str, body: &[u8]) -> String {
    if let Some(t) = header(head, "x-amz-target") {
        return t.rsplit('.').next().unwrap_or(t).to_owned();
    }
    if let Some(action) = String::from_utf8_lossy(body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
    {
        return action.to_owned();
    }
    let target = target(head);
    let query = target.split_once('?').map_or("", |(_, q)| q);
    if let Some(id) = query.split('&').find_map(|kv| kv.strip_prefix("x-id=")) {
        return id.to_owned();
    }
    if query.split('&').any(|kv| kv == "list-type=2") {
        return "ListObjectsV2".to_owned();
    }
    let method = head.split(' ').next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    // Lambda's and S3 Control's REST paths.
    if let Some(rest) = path.strip_prefix("/2015-03-31/functions") {
        return if rest.ends_with("/policy") {
            "GetPolicy"
        } else {
            "ListFunctions"
        }
        .to_owned();
    }
    if path.starts_with("/v20180820/configuration/publicAccessBlock") {
        return "GetAccountPublicAccessBlock".to_owned();
    }
    // The REST paths of the other resource kinds.
    let by_path: &[(&str, &str, &str)] = &[
        ("/2018-10-31/layers", "/policy", "GetLayerVersionPolicy"),
        ("/2018-10-31/layers", "/versions", "ListLayerVersions"),
        ("/2018-10-31/layers", "", "ListLayers"),
        (
            "/backup-vaults",
            "/access-policy",
            "GetBackupVaultAccessPolicy",
        ),
        ("/backup-vaults", "", "ListBackupVaults"),
        (
            "/2015-02-01/file-systems",
            "/policy",
            "DescribeFileSystemPolicy",
        ),
        ("/2015-02-01/file-systems", "", "DescribeFileSystems"),
        ("/v20180820/accesspoint/", "/policy", "GetAccessPointPolicy"),
        ("/v20180820/accesspoint/", "", "GetAccessPoint"),
        ("/v20180820/accesspoint", "", "ListAccessPoints"),
        (
            "/getresourceshareassociations",
            "",
            "GetResourceShareAssociations",
        ),
        ("/getresourceshares", "", "GetResourceShares"),
    ];
    if let Some((_, _, op)) = by_path
        .iter()
        .find(|(prefix, end, _)| path.starts_with(prefix) && path.ends_with(end))
    {
        return (*op).to_owned();
    }
    if method == "GET" {
        for (sub, op) in [
            ("policy", "GetBucketPolicy"),
            ("publicAccessBlock", "GetPublicAccessBlock"),
            ("ownershipControls", "GetBucketOwnershipControls"),
            ("tagging", "GetBucketTagging"),
            ("location", "GetBucketLocation"),
            ("abac", "GetBucketAbac"),
        ] {
            if query
                .split('&')
                .any(|kv| kv == sub || kv.starts_with(&format!("{sub}=")))
            {
                return op.to_owned();
            }
        }
    }
    if method == "GET" && path.trim_start_matches('/').contains('/') {
        return "GetObject".to_owned();
    }
    "?".to_owned()
}

/// The region of a SigV4 signature: `Credential=AKID/DATE/REGION/SERVICE/aws4_request`.
fn signing_region(head: &str) -> String {
    header(head, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or("")
        .to_owned()
}

fn json_response(status: &str, body: &Value) -> Vec<u8> {
    let body = body.to_string();
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn s3_error_response(status: &str, code: &str, message: &str) -> Vec<u8> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>0000000000000000</RequestId></Error>"
    );
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Throttling (429) or a server error (503), in the protocol of the request: S3's XML
/// (`SlowDown`), the JSON protocols' `__type`, or IAM's and the other query protocols' XML.
fn transient_response(head: &str, throttle: bool) -> Vec<u8> {
    if is_s3(head) {
        if throttle {
            // S3 throttles with `SlowDown` (a 503 on AWS; a 429 here, which the exporter
            // counts as throttling from the status alone, as the test expects).
            s3_error_response(
                "429 Too Many Requests",
                "SlowDown",
                "Please reduce your request rate.",
            )
        } else {
            s3_error_response("503 Service Unavailable", "ServiceUnavailable", "Try again")
        }
    } else if header(head, "x-amz-target").is_some() {
        if throttle {
            json_response(
                "429 Too Many Requests",
                &json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
            )
        } else {
            json_response(
                "503 Service Unavailable",
                &json!({"__type": "ServiceUnavailableException", "message": "Try again"}),
            )
        }
    } else if throttle {
        error_response("429 Too Many Requests", "Throttling", "Rate exceeded")
    } else {
        error_response("503 Service Unavailable", "ServiceUnavailable", "Try again")
    }
}

/// Whether a request is S3's (REST-XML, signed for the `s3` service).
fn is_s3(head: &str) -> bool {
    header(head, "authorization").is_some_and(|a| a.contains("/s3/aws4_request"))
}

/// AccessDenied for `op`, in the protocol of the request.
fn denied_response(head: &str, op: &str) -> Vec<u8> {
    let who = "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform";
    if header(head, "x-amz-target").is_some() {
        json_response(
            "400 Bad Request",
            &json!({"__type": "AccessDeniedException", "message": format!("{who}: cloudtrail:{op}")}),
        )
    } else if op == "ListObjectsV2" || op == "GetObject" || is_s3(head) {
        s3_error_response("403 Forbidden", "AccessDenied", "Access Denied")
    } else {
        error_response("403 Forbidden", "AccessDenied", &format!("{who}: iam:{op}"))
    }
}

fn epoch(time: &str) -> f64 {
    chrono::DateTime::parse_from_rfc3339(time)
        .unwrap()
        .timestamp() as f64
}

impl LookupEvents {
    /// The answer to one `LookupEvents` request.
    fn answer(&self, region: &str, body: &[u8]) -> Vec<u8> {
        let request: Value = serde_json::from_slice(body).unwrap();
        let number = |k: &str| request[k].as_f64();
        let start = number("StartTime").unwrap_or(f64::MIN);
        let end = number("EndTime").unwrap_or(f64::MAX);
        let max = request["MaxResults"]
            .as_u64()
            .map_or(50, |m| m.min(50) as usize)
            .min(self.page_size);
        let offset: usize = request["NextToken"]
            .as_str()
            .map_or(0, |t| t.strip_prefix("page-").unwrap().parse().unwrap());
        let mut events: Vec<&Value> = self
            .records
            .iter()
            .filter(|r| r["awsRegion"] == region)
            .filter(|r| {
                let t = epoch(r["eventTime"].as_str().unwrap());
                start <= t && t <= end
            })
            .collect();
        events.sort_by(|a, b| {
            (b["eventTime"].as_str(), b["eventID"].as_str())
                .cmp(&(a["eventTime"].as_str(), a["eventID"].as_str()))
        });
        let page: Vec<Value> = events
            .iter()
            .skip(offset)
            .take(max)
            .map(|r| {
                json!({
                    "EventId": r["eventID"],
                    "EventName": r["eventName"],
                    "ReadOnly": r["readOnly"].as_bool().map(|b| b.to_string()),
                    "EventTime": epoch(r["eventTime"].as_str().unwrap()),
                    "EventSource": r["eventSource"],
                    "Resources": [],
                    "CloudTrailEvent": r.to_string(),
                })
            })
            .collect();
        let mut answer = json!({ "Events": page });
        if offset + max < events.len() {
            answer["NextToken"] = json!(format!("page-{}", offset + max));
        }
        json_response("200 OK", &answer)
    }
}

fn error_response(status: &str, code: &str, message: &str) -> Vec<u8> {
    let body = format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    );
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl FaultProxy {
    pub fn start(upstream_port: u16, faults: Faults) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts = Arc::new(Mutex::new(Counts::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let counts = counts.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = 0usize;
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut client) = conn else { continue };
                    let Some((head, body)) = read_request(&mut client) else {
                        continue;
                    };
                    let op = operation(&head, &body);
                    let region = signing_region(&head);
                    let index = seen;
                    seen += 1;
                    let inject = {
                        let mut c = counts.lock().unwrap();
                        let lookups = c.requests.get("LookupEvents").copied().unwrap_or(0);
                        *c.requests.entry(op.clone()).or_default() += 1;
                        let chosen = faults
                            .deny_only_with
                            .as_ref()
                            .is_none_or(|t| body.windows(t.len()).any(|w| w == t.as_bytes()));
                        if faults.deny == Some(op.as_str()) && chosen {
                            c.denied += 1;
                            Some(denied_response(&head, &op))
                        } else if let (Some(lookup), "LookupEvents") = (&faults.lookup, op.as_str())
                        {
                            if lookup.throttle.contains(&(lookups as usize)) {
                                c.transient_injected += 1;
                                Some(json_response(
                                    "429 Too Many Requests",
                                    &json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
                                ))
                            } else {
                                Some(lookup.answer(&region, &body))
                            }
                        } else if index.is_multiple_of(2)
                            && (c.transient_injected as usize) < faults.transient
                        {
                            c.transient_injected += 1;
                            Some(transient_response(&head, c.transient_injected % 2 == 1))
                        } else {
                            None
                        }
                    };
                    {
                        let mut c = counts.lock().unwrap();
                        let injected = inject
                            .as_ref()
                            .is_some_and(|a| !a.starts_with(b"HTTP/1.1 200"));
                        c.seen.push(Seen {
                            operation: op.clone(),
                            target: target(&head).to_owned(),
                            region,
                            at: Instant::now(),
                            injected,
                        });
                    }
                    // Each connection is served in its own thread so a slow answer does not
                    // hold up concurrent requests.
                    std::thread::spawn(move || {
                        let answer = match inject {
                            Some(a) => a,
                            None => forward(upstream_port, &head, &body),
                        };
                        let _ = client.write_all(&answer);
                        let _ = client.flush();
                        let _ = client.shutdown(Shutdown::Both);
                    });
                }
            })
        };
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            port,
            counts,
            stop,
            thread: Some(thread),
        }
    }

    pub fn counts(&self) -> Counts {
        self.counts.lock().unwrap().clone()
    }
}

/// Sends one request to moto and returns its whole answer (moto closes each connection).
fn forward(port: u16, head: &str, body: &[u8]) -> Vec<u8> {
    let mut upstream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    upstream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // One request per connection both ways.
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.is_empty() && !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let head = format!("{}\r\n\r\n", lines.join("\r\n"));
    upstream.write_all(head.as_bytes()).unwrap();
    upstream.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = upstream.read_to_end(&mut answer);
    answer
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
