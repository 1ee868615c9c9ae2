//! The resource-based policies of one account of a capture: the AWS CLI outputs
//! `scripts/capture-org` writes under `accounts/<account id>/resources/`, read into the rows
//! `iamsnap export` writes for the same account ([`crate::resources`]).
//!
//! ```text
//! resources/global/s3control/get-public-access-block.json     the account's Block Public Access
//! resources/global/s3api/list-buckets.json
//! resources/global/s3api/<command>/<bucket>.json              get-bucket-location, get-bucket-policy,
//!                                                             get-public-access-block,
//!                                                             get-bucket-ownership-controls,
//!                                                             get-bucket-tagging
//! resources/global/ec2/describe-regions.json                  when --regions was not given
//! resources/<region>/kms/list-keys.json
//! resources/<region>/kms/<command>/<key id>.json              get-key-policy, list-grants,
//!                                                             list-resource-tags
//! resources/<region>/sqs/list-queues.json
//! resources/<region>/sqs/get-queue-attributes/<queue name>.json
//! resources/<region>/sns/list-topics.json
//! resources/<region>/sns/get-topic-attributes/<topic name>.json
//! resources/<region>/secretsmanager/list-secrets.json
//! resources/<region>/secretsmanager/get-resource-policy/<name-suffix of the ARN>.json
//! resources/<region>/lambda/list-functions.json
//! resources/<region>/lambda/get-policy/<function name>.json
//! resources/<region>/ecr/describe-repositories.json
//! resources/<region>/ecr/get-repository-policy/<repository name>.json
//! ```
//!
//! Each call leaves one of three files: `<file>.json`, its output (an empty file is an
//! empty answer); `<file>.none`, an answer meaning "no policy" or "no configuration"
//! (`NoSuchBucketPolicy`, a Lambda function's `ResourceNotFoundException`, ...), holding
//! the error code; `<file>.error.txt`, the AWS CLI's message of a call that failed. A failed
//! or absent call is a missing part of the manifest, per part and region as the export
//! records them (naming the IAM action when the call was denied), never an empty table that
//! reads as "nothing there". An account without `resources/` (captured with
//! `--no-resources`, or by an older `capture-org`) has the part `resources` missing.
//!
//! Names read from the listings name files: each must have the characters AWS allows for
//! its kind, and is written as one file name (`/` as `%2F`, a leading `.` as `%2E`), so a
//! hostile capture cannot make the import read outside it. Every file is read up to
//! [`MAX_FILE_BYTES`].

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use iamsnap_cloudtrail::excerpt;
use iamsnap_policy::DocumentKind;
use iamsnap_snapshot::MissingPart;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{ImportError, JsonInput};
use crate::organization::ReadFile;
use crate::resources::{
    Captured, GrantRow, PUBLIC_ACCESS_SETTINGS, PolicyRow, SettingRow, epoch, normalize_policy,
};

/// The folder of an account's resource files, in its folder.
pub const FOLDER: &str = "resources";
/// Why the resources of an account could not be captured at all, in its folder.
pub const ERROR: &str = "resources-error.txt";
/// The folder of the calls that are not regional.
pub const GLOBAL: &str = "global";
/// The manifest's `missing` part of an account whose resources were not captured (as
/// `export --no-resources` records it).
pub const SKIPPED_PART: &str = "resources";
/// No output of one call comes near this.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// At most this much of an error file is kept as the reason.
const MAX_REASON: usize = 500;

/// One AWS CLI call of the capture.
#[derive(Debug, Clone, Copy)]
struct Call {
    /// The CLI's service name (`s3api`), the folder of its files.
    service: &'static str,
    /// The CLI's command (`get-bucket-policy`).
    command: &'static str,
    /// The manifest part it fills (as the export names it).
    part: &'static str,
    /// The IAM action it needs.
    action: &'static str,
    /// The JSON input, for messages.
    input: &'static str,
}

macro_rules! call {
    ($name:ident, $service:literal, $command:literal, $part:literal, $action:literal) => {
        const $name: Call = Call {
            service: $service,
            command: $command,
            part: $part,
            action: $action,
            input: concat!($service, " ", $command),
        };
    };
}

call!(
    ACCOUNT_BPA,
    "s3control",
    "get-public-access-block",
    "s3_account_public_access_block",
    "s3:GetAccountPublicAccessBlock"
);
call!(
    LIST_BUCKETS,
    "s3api",
    "list-buckets",
    "s3_buckets",
    "s3:ListAllMyBuckets"
);
call!(
    BUCKET_LOCATION,
    "s3api",
    "get-bucket-location",
    "s3_buckets",
    "s3:GetBucketLocation"
);
call!(
    BUCKET_POLICY,
    "s3api",
    "get-bucket-policy",
    "s3_bucket_policies",
    "s3:GetBucketPolicy"
);
call!(
    BUCKET_BPA,
    "s3api",
    "get-public-access-block",
    "s3_bucket_public_access_block",
    "s3:GetBucketPublicAccessBlock"
);
call!(
    BUCKET_OWNERSHIP,
    "s3api",
    "get-bucket-ownership-controls",
    "s3_bucket_ownership",
    "s3:GetBucketOwnershipControls"
);
call!(
    BUCKET_TAGS,
    "s3api",
    "get-bucket-tagging",
    "s3_bucket_tags",
    "s3:GetBucketTagging"
);
call!(
    REGIONS,
    "ec2",
    "describe-regions",
    "regions",
    "ec2:DescribeRegions"
);
call!(LIST_KEYS, "kms", "list-keys", "kms_keys", "kms:ListKeys");
call!(
    KEY_POLICY,
    "kms",
    "get-key-policy",
    "kms_key_policies",
    "kms:GetKeyPolicy"
);
call!(
    KEY_GRANTS,
    "kms",
    "list-grants",
    "kms_grants",
    "kms:ListGrants"
);
call!(
    KEY_TAGS,
    "kms",
    "list-resource-tags",
    "kms_key_tags",
    "kms:ListResourceTags"
);
call!(
    LIST_QUEUES,
    "sqs",
    "list-queues",
    "sqs_queues",
    "sqs:ListQueues"
);
call!(
    QUEUE_ATTRIBUTES,
    "sqs",
    "get-queue-attributes",
    "sqs_queue_policies",
    "sqs:GetQueueAttributes"
);
call!(
    LIST_TOPICS,
    "sns",
    "list-topics",
    "sns_topics",
    "sns:ListTopics"
);
call!(
    TOPIC_ATTRIBUTES,
    "sns",
    "get-topic-attributes",
    "sns_topic_policies",
    "sns:GetTopicAttributes"
);
call!(
    LIST_SECRETS,
    "secretsmanager",
    "list-secrets",
    "secrets",
    "secretsmanager:ListSecrets"
);
call!(
    SECRET_POLICY,
    "secretsmanager",
    "get-resource-policy",
    "secret_policies",
    "secretsmanager:GetResourcePolicy"
);
call!(
    LIST_FUNCTIONS,
    "lambda",
    "list-functions",
    "lambda_functions",
    "lambda:ListFunctions"
);
call!(
    FUNCTION_POLICY,
    "lambda",
    "get-policy",
    "lambda_policies",
    "lambda:GetPolicy"
);
call!(
    LIST_REPOSITORIES,
    "ecr",
    "describe-repositories",
    "ecr_repositories",
    "ecr:DescribeRepositories"
);
call!(
    REPOSITORY_POLICY,
    "ecr",
    "get-repository-policy",
    "ecr_repository_policies",
    "ecr:GetRepositoryPolicy"
);

/// What a row is about.
#[derive(Debug, Clone, Copy)]
struct About<'r> {
    region: Option<&'r str>,
    service: &'static str,
    resource_type: &'static str,
    arn: &'r str,
}

/// The resources of a listing: (ARN, name, the name that names its files).
type Listed = Vec<(String, String, String)>;
/// Reads the resources of a listing in a region.
type Listing<'f> = dyn Fn(&Value, &str) -> Listed + 'f;

/// A regional kind other than KMS keys: a listing, and a policy call per resource whose
/// answer holds the policy.
#[derive(Debug)]
struct Regional {
    listing: Call,
    policy_call: Call,
    /// What a resource's name is, for messages.
    what: &'static str,
    /// Whether a name has the characters AWS allows.
    valid: fn(&str) -> bool,
    /// The policy of an answer.
    policy: fn(&Value) -> Option<String>,
    service: &'static str,
    resource_type: &'static str,
    /// The `source` column, as the export writes it.
    source: &'static str,
    document: DocumentKind,
}

fn attribute_policy(v: &Value) -> Option<String> {
    v.get("Attributes").and_then(|a| text(a, "Policy"))
}

const QUEUES: Regional = Regional {
    listing: LIST_QUEUES,
    policy_call: QUEUE_ATTRIBUTES,
    what: "queue name",
    valid: |n| chars_ok(n, 80, "-_.") && !n.starts_with('.'),
    policy: attribute_policy,
    service: "sqs",
    resource_type: "queue",
    source: "sqs:GetQueueAttributes",
    document: DocumentKind::Resource,
};
const TOPICS: Regional = Regional {
    listing: LIST_TOPICS,
    policy_call: TOPIC_ATTRIBUTES,
    what: "topic name",
    valid: |n| chars_ok(n, 256, "-_.") && !n.starts_with('.'),
    policy: attribute_policy,
    service: "sns",
    resource_type: "topic",
    source: "sns:GetTopicAttributes",
    document: DocumentKind::Resource,
};
const SECRETS: Regional = Regional {
    listing: LIST_SECRETS,
    policy_call: SECRET_POLICY,
    what: "secret name",
    valid: |n| chars_ok(n, 600, "/_+=.@-"),
    policy: |v| text(v, "ResourcePolicy"),
    service: "secretsmanager",
    resource_type: "secret",
    source: "secretsmanager:GetResourcePolicy",
    document: DocumentKind::Resource,
};
const FUNCTIONS: Regional = Regional {
    listing: LIST_FUNCTIONS,
    policy_call: FUNCTION_POLICY,
    what: "function name",
    valid: |n| chars_ok(n, 170, "-_"),
    policy: |v| text(v, "Policy"),
    service: "lambda",
    resource_type: "function",
    source: "lambda:GetPolicy",
    document: DocumentKind::Resource,
};
const REPOSITORIES: Regional = Regional {
    listing: LIST_REPOSITORIES,
    policy_call: REPOSITORY_POLICY,
    what: "repository name",
    valid: |n| chars_ok(n, 256, "._/-") && !n.starts_with(['.', '/']),
    policy: |v| text(v, "policyText"),
    service: "ecr",
    resource_type: "repository",
    source: "ecr:GetRepositoryPolicy",
    // A repository policy names no resource: it is the repository's.
    document: DocumentKind::ImpliedResource,
};

/// What one call left in the capture.
enum Answer {
    /// Its output.
    Json(Value),
    /// "No policy" (or the resource went away): the error code.
    None(String),
    /// It failed, or the capture lacks it (recorded as missing).
    Failed,
}

/// The resources of one account, read from its folder.
#[derive(Debug, Default)]
pub struct AccountResources {
    /// The rows of the three resource tables.
    pub rows: Captured,
    /// What the capture lacks.
    pub missing: Vec<MissingPart>,
    /// Every file read, for the manifest.
    pub files: Vec<ReadFile>,
}

#[derive(Debug)]
struct Failure {
    reason: String,
    action: Option<&'static str>,
    detail: Option<String>,
    count: usize,
}

struct Reader<'a> {
    /// The capture folder.
    capture: &'a Path,
    /// `accounts/<id>/resources`.
    base: PathBuf,
    account: &'a str,
    out: AccountResources,
    failures: BTreeMap<(&'static str, Option<String>), Failure>,
}

/// The partition of a region's ARNs.
fn partition(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

/// A name as one file name: `/` as `%2F`, a leading `.` as `%2E` (as `scripts/capture-org`
/// writes it).
pub fn file_name(name: &str) -> String {
    let n = name.replace('/', "%2F");
    match n.strip_prefix('.') {
        Some(rest) => format!("%2E{rest}"),
        None => n,
    }
}

/// Whether `name` is 1 to `max` characters, each ASCII alphanumeric or one of `extra`.
fn chars_ok(name: &str, max: usize, extra: &str) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn array<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

fn last_segment(arn: &str) -> String {
    arn.rsplit([':', '/']).next().unwrap_or(arn).to_owned()
}

/// A KMS date as the AWS CLI prints it: seconds since the epoch (AWS CLI v1), or ISO 8601
/// (v2, or `cli_timestamp_format = iso8601`).
fn date(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => n.as_f64().and_then(epoch),
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&Utc))
            .or_else(|| s.parse::<f64>().ok().and_then(epoch)),
        _ => None,
    }
}

/// The text of an error file, as one printable line of bounded length.
fn reason_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes.get(..MAX_REASON * 4).unwrap_or(bytes));
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON)
        .collect()
}

/// Whether an AWS CLI message says the call was denied.
fn denied(message: &str) -> bool {
    [
        "AccessDenied",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AuthorizationFailure",
        "not authorized",
    ]
    .iter()
    .any(|w| message.contains(w))
}

impl Reader<'_> {
    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(self.capture)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn refused(&self, message: String) -> ImportError {
        ImportError::Capture {
            dir: self.capture.display().to_string(),
            message,
        }
    }

    /// Reads a file of the capture, at most [`MAX_FILE_BYTES`], recording it.
    fn bytes(&mut self, path: &Path) -> Result<Vec<u8>, ImportError> {
        let io = |source| ImportError::Io {
            file: path.display().to_string(),
            source,
        };
        let mut bytes = Vec::new();
        File::open(path)
            .map_err(io)?
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(self.refused(format!(
                "`{}` is larger than {} MiB, more than any AWS CLI output it could hold",
                self.relative(path),
                MAX_FILE_BYTES >> 20
            )));
        }
        self.out.files.push(ReadFile {
            name: self.relative(path),
            sha256: hex::encode(Sha256::digest(&bytes)),
        });
        Ok(bytes)
    }

    fn fail(
        &mut self,
        call: &Call,
        region: Option<&str>,
        reason: String,
        action: Option<&'static str>,
        detail: Option<String>,
    ) {
        self.failures
            .entry((call.part, region.map(str::to_owned)))
            .and_modify(|f| f.count += 1)
            .or_insert(Failure {
                reason,
                action,
                detail,
                count: 1,
            });
    }

    /// What `call` left for `name` (a file name made with [`file_name`]; `None` for a
    /// listing) in `folder` (a region, or [`GLOBAL`]). `subject` names the resource in the
    /// manifest.
    fn answer(
        &mut self,
        folder: &str,
        call: &Call,
        name: Option<&str>,
        subject: Option<&str>,
    ) -> Result<Answer, ImportError> {
        let mut stem = self.base.join(folder).join(call.service);
        match name {
            Some(n) => stem = stem.join(call.command).join(n),
            None => stem = stem.join(call.command),
        }
        let with = |ext: &str| {
            let mut s = stem.clone().into_os_string();
            s.push(ext);
            PathBuf::from(s)
        };
        let region = (folder != GLOBAL).then_some(folder);
        let detail = subject.map(|s| format!("first for `{s}`"));
        let json = with(".json");
        if json.is_file() {
            let bytes = self.bytes(&json)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                // The AWS CLI prints nothing for an empty answer.
                return Ok(Answer::Json(Value::Object(serde_json::Map::new())));
            }
            let value: Value = crate::json::read(
                bytes.as_slice(),
                &json.display().to_string(),
                JsonInput::AwsCli(call.input),
            )?;
            return Ok(Answer::Json(value));
        }
        let none = with(".none");
        if none.is_file() {
            let bytes = self.bytes(&none)?;
            return Ok(Answer::None(reason_text(&bytes)));
        }
        let error = with(".error.txt");
        if error.is_file() {
            let bytes = self.bytes(&error)?;
            let message = reason_text(&bytes);
            let command = format!("aws {} {}", call.service, call.command);
            if denied(&message) {
                let reason = format!(
                    "AccessDenied: grant {} (`{command}` was refused: {message})",
                    call.action
                );
                self.fail(call, region, reason, Some(call.action), detail);
            } else {
                let reason = format!("`{command}` failed: {message}");
                self.fail(call, region, reason, None, detail);
            }
            return Ok(Answer::Failed);
        }
        let reason = format!(
            "the capture has no `{}` (nor `.none` or `.error.txt`): capture again",
            self.relative(&json)
        );
        self.fail(call, region, reason, None, detail);
        Ok(Answer::Failed)
    }

    /// A name read from `listing`, checked to be of the kind's characters.
    fn name<'n>(
        &self,
        folder: &str,
        listing: &Call,
        what: &str,
        name: &'n str,
        ok: bool,
    ) -> Result<&'n str, ImportError> {
        if ok {
            return Ok(name);
        }
        Err(self.refused(format!(
            "`{}` (a {what} in `accounts/{}/{FOLDER}/{folder}/{}/{}.json`) is not a {what}: it has characters AWS does not allow there",
            excerpt(name),
            self.account,
            listing.service,
            listing.command
        )))
    }

    fn policy_row(
        &mut self,
        about: About<'_>,
        name: &str,
        text: &str,
        source: &'static str,
        kind: DocumentKind,
    ) {
        let (policy, problem) = normalize_policy(text, kind);
        self.out.rows.policies.push(PolicyRow {
            account_id: self.account.to_owned(),
            region: about.region.map(str::to_owned),
            service: about.service,
            resource_type: about.resource_type,
            arn: about.arn.to_owned(),
            name: name.to_owned(),
            policy,
            source,
            problem,
        });
    }

    fn setting(&mut self, about: About<'_>, setting: String, value: String, source: &'static str) {
        self.out.rows.settings.push(SettingRow {
            account_id: self.account.to_owned(),
            region: about.region.map(str::to_owned),
            service: about.service,
            resource_type: about.resource_type,
            arn: about.arn.to_owned(),
            setting,
            value,
            source,
        });
    }

    /// The four Block Public Access settings of a `PublicAccessBlockConfiguration` (every
    /// one off when there is none).
    fn public_access(&mut self, about: About<'_>, config: Option<&Value>, source: &'static str) {
        for (setting, member) in PUBLIC_ACCESS_SETTINGS.iter().zip([
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ]) {
            let on = config
                .and_then(|c| c.get(member))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            self.setting(about, (*setting).to_owned(), on.to_string(), source);
        }
    }

    fn account_public_access_block(&mut self) -> Result<(), ImportError> {
        let account = self.account.to_owned();
        let about = About {
            region: None,
            service: "s3",
            resource_type: "account",
            arn: &account,
        };
        const SOURCE: &str = "s3control:GetPublicAccessBlock";
        match self.answer(GLOBAL, &ACCOUNT_BPA, None, None)? {
            Answer::Json(v) => {
                self.public_access(about, v.get("PublicAccessBlockConfiguration"), SOURCE);
            }
            Answer::None(_) => self.public_access(about, None, SOURCE),
            Answer::Failed => {}
        }
        Ok(())
    }

    fn buckets(&mut self) -> Result<(), ImportError> {
        let Answer::Json(listing) = self.answer(GLOBAL, &LIST_BUCKETS, None, None)? else {
            return Ok(());
        };
        for b in array(&listing, "Buckets") {
            let Some(name) = b.get("Name").and_then(Value::as_str) else {
                continue;
            };
            let first_ok = name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
            let name = self.name(
                GLOBAL,
                &LIST_BUCKETS,
                "bucket name",
                name,
                first_ok && chars_ok(name, 255, ".-_"),
            )?;
            self.bucket(name, text(b, "BucketRegion"))?;
        }
        Ok(())
    }

    fn bucket(&mut self, name: &str, listed_region: Option<String>) -> Result<(), ImportError> {
        let file = file_name(name);
        let region = match listed_region {
            Some(r) => Some(r),
            None => match self.answer(GLOBAL, &BUCKET_LOCATION, Some(&file), Some(name))? {
                Answer::Json(v) => {
                    Some(match v.get("LocationConstraint").and_then(Value::as_str) {
                        None | Some("") => "us-east-1".to_owned(),
                        Some("EU") => "eu-west-1".to_owned(),
                        Some(other) => other.to_owned(),
                    })
                }
                Answer::None(_) => return Ok(()),
                Answer::Failed => None,
            },
        };
        let region = region.as_deref();
        let arn = format!("arn:{}:s3:::{name}", partition(region));
        let about = About {
            region,
            service: "s3",
            resource_type: "bucket",
            arn: &arn,
        };
        match self.answer(GLOBAL, &BUCKET_POLICY, Some(&file), Some(name))? {
            Answer::Json(v) => {
                if let Some(text) = v.get("Policy").and_then(Value::as_str) {
                    self.policy_row(
                        about,
                        name,
                        text,
                        "s3:GetBucketPolicy",
                        DocumentKind::Resource,
                    );
                }
            }
            Answer::None(code) if code == "NoSuchBucket" => return Ok(()),
            Answer::None(_) | Answer::Failed => {}
        }
        const BPA: &str = "s3:GetPublicAccessBlock";
        match self.answer(GLOBAL, &BUCKET_BPA, Some(&file), Some(name))? {
            Answer::Json(v) => {
                self.public_access(about, v.get("PublicAccessBlockConfiguration"), BPA);
            }
            Answer::None(code) if code == "NoSuchPublicAccessBlockConfiguration" => {
                self.public_access(about, None, BPA);
            }
            Answer::None(_) | Answer::Failed => {}
        }
        if let Answer::Json(v) = self.answer(GLOBAL, &BUCKET_OWNERSHIP, Some(&file), Some(name))? {
            let rules: Vec<String> = v
                .get("OwnershipControls")
                .map(|c| {
                    array(c, "Rules")
                        .filter_map(|r| text(r, "ObjectOwnership"))
                        .collect()
                })
                .unwrap_or_default();
            for rule in rules {
                self.setting(
                    about,
                    "object_ownership".to_owned(),
                    rule,
                    "s3:GetBucketOwnershipControls",
                );
            }
        }
        if let Answer::Json(v) = self.answer(GLOBAL, &BUCKET_TAGS, Some(&file), Some(name))? {
            let tags: BTreeMap<String, String> = array(&v, "TagSet")
                .filter_map(|t| Some((text(t, "Key")?, text(t, "Value")?)))
                .collect();
            for (k, value) in tags {
                self.setting(about, format!("tag:{k}"), value, "s3:GetBucketTagging");
            }
        }
        Ok(())
    }

    /// The region folders of the capture, checked to be region names.
    fn regions(&mut self) -> Result<Vec<String>, ImportError> {
        let regions_file = self
            .base
            .join(GLOBAL)
            .join(REGIONS.service)
            .join(format!("{}.error.txt", REGIONS.command));
        if regions_file.is_file() {
            // Only the regions the capture fell back on were read.
            let _ = self.answer(GLOBAL, &REGIONS, None, None)?;
        }
        let io = |source| ImportError::Io {
            file: self.base.display().to_string(),
            source,
        };
        let mut regions = BTreeSet::new();
        for entry in fs::read_dir(&self.base).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == GLOBAL || name.starts_with('.') {
                continue;
            }
            let shape = chars_ok(&name, 30, "-")
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name.ends_with(|c: char| c.is_ascii_digit());
            if !shape || !entry.path().is_dir() {
                return Err(self.refused(format!(
                    "`accounts/{}/{FOLDER}/{}` is not a region folder: `{FOLDER}/` holds `{GLOBAL}/` and one folder per region, named by the region",
                    self.account,
                    excerpt(&name)
                )));
            }
            regions.insert(name);
        }
        Ok(regions.into_iter().collect())
    }

    fn kms(&mut self, region: &str) -> Result<(), ImportError> {
        let Answer::Json(listing) = self.answer(region, &LIST_KEYS, None, None)? else {
            return Ok(());
        };
        for k in array(&listing, "Keys") {
            let Some(arn) = text(k, "KeyArn") else {
                continue;
            };
            let id = text(k, "KeyId").unwrap_or_else(|| last_segment(&arn));
            let id = self
                .name(region, &LIST_KEYS, "key id", &id, chars_ok(&id, 128, "-"))?
                .to_owned();
            let about = About {
                region: Some(region),
                service: "kms",
                resource_type: "key",
                arn: &arn,
            };
            match self.answer(region, &KEY_POLICY, Some(&id), Some(&arn))? {
                Answer::Json(v) => {
                    if let Some(text) = v.get("Policy").and_then(Value::as_str) {
                        self.policy_row(
                            about,
                            &id,
                            text,
                            "kms:GetKeyPolicy",
                            DocumentKind::Resource,
                        );
                    }
                }
                // The key went away since it was listed.
                Answer::None(_) => continue,
                Answer::Failed => {}
            }
            if let Answer::Json(v) = self.answer(region, &KEY_GRANTS, Some(&id), Some(&arn))? {
                for g in array(&v, "Grants") {
                    let Some(grant_id) = text(g, "GrantId") else {
                        continue;
                    };
                    self.out.rows.grants.push(GrantRow {
                        account_id: self.account.to_owned(),
                        region: region.to_owned(),
                        key_arn: arn.clone(),
                        grant_id,
                        name: text(g, "Name").filter(|n| !n.is_empty()),
                        grantee_principal: text(g, "GranteePrincipal"),
                        retiring_principal: text(g, "RetiringPrincipal"),
                        operations: array(g, "Operations")
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect(),
                        constraints: g
                            .get("Constraints")
                            .filter(|c| c.as_object().is_some_and(|o| !o.is_empty()))
                            .map(Value::to_string),
                        issuing_account: text(g, "IssuingAccount"),
                        creation_date: g.get("CreationDate").and_then(date),
                    });
                }
            }
            if let Answer::Json(v) = self.answer(region, &KEY_TAGS, Some(&id), Some(&arn))? {
                let tags: BTreeMap<String, String> = array(&v, "Tags")
                    .filter_map(|t| Some((text(t, "TagKey")?, text(t, "TagValue")?)))
                    .collect();
                for (k, value) in tags {
                    self.setting(about, format!("tag:{k}"), value, "kms:ListResourceTags");
                }
            }
        }
        Ok(())
    }

    /// A regional kind: its resources from its listing (with `listed`), and the policy of
    /// each.
    fn kind(
        &mut self,
        region: &str,
        k: &Regional,
        listed: &Listing<'_>,
    ) -> Result<(), ImportError> {
        let Answer::Json(v) = self.answer(region, &k.listing, None, None)? else {
            return Ok(());
        };
        for (arn, name, key) in listed(&v, region) {
            let key = self.name(region, &k.listing, k.what, &key, (k.valid)(&key))?;
            let file = file_name(key);
            if let Answer::Json(answer) =
                self.answer(region, &k.policy_call, Some(&file), Some(&arn))?
                && let Some(text) = (k.policy)(&answer)
            {
                let about = About {
                    region: Some(region),
                    service: k.service,
                    resource_type: k.resource_type,
                    arn: &arn,
                };
                self.policy_row(about, &name, &text, k.source, k.document);
            }
        }
        Ok(())
    }

    fn regional(&mut self, region: &str) -> Result<(), ImportError> {
        self.kms(region)?;
        let account = self.account.to_owned();
        let part = partition(Some(region));
        let queues = |v: &Value, region: &str| -> Listed {
            array(v, "QueueUrls")
                .filter_map(Value::as_str)
                .map(|url| {
                    let mut segments = url.trim_end_matches('/').rsplit('/');
                    let name = segments.next().unwrap_or(url).to_owned();
                    let owner = segments
                        .next()
                        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
                        .unwrap_or(&account);
                    (
                        format!("arn:{part}:sqs:{region}:{owner}:{name}"),
                        name.clone(),
                        name,
                    )
                })
                .collect()
        };
        self.kind(region, &QUEUES, &queues)?;
        self.kind(region, &TOPICS, &|v, _| {
            array(v, "Topics")
                .filter_map(|t| text(t, "TopicArn"))
                .map(|arn| {
                    let name = last_segment(&arn);
                    (arn, name.clone(), name)
                })
                .collect()
        })?;
        self.kind(region, &SECRETS, &|v, _| {
            array(v, "SecretList")
                .filter_map(|s| {
                    let arn = text(s, "ARN")?;
                    let name = text(s, "Name").unwrap_or_else(|| last_segment(&arn));
                    let key = arn
                        .split_once(":secret:")
                        .map_or_else(|| arn.clone(), |(_, k)| k.to_owned());
                    Some((arn, name, key))
                })
                .collect()
        })?;
        self.kind(region, &FUNCTIONS, &|v, _| {
            array(v, "Functions")
                .filter_map(|f| {
                    let arn = text(f, "FunctionArn")?;
                    let name = text(f, "FunctionName").unwrap_or_else(|| last_segment(&arn));
                    Some((arn, name.clone(), name))
                })
                .collect()
        })?;
        self.kind(region, &REPOSITORIES, &|v, _| {
            array(v, "repositories")
                .filter_map(|r| {
                    let arn = text(r, "repositoryArn")?;
                    let name = text(r, "repositoryName")?;
                    Some((arn, name.clone(), name))
                })
                .collect()
        })?;
        Ok(())
    }

    fn finish(mut self) -> AccountResources {
        for ((part, region), f) in std::mem::take(&mut self.failures) {
            let mut reason = f.reason;
            if let Some(d) = &f.detail {
                reason.push_str(&format!(" [{d}]"));
            }
            if f.count > 1 {
                reason.push_str(&format!(" ({} calls failed)", f.count));
            }
            self.out.missing.push(MissingPart {
                part: part.to_owned(),
                reason,
                action: f.action.map(str::to_owned),
                account: Some(self.account.to_owned()),
                region,
            });
        }
        self.out
    }
}

/// Reads the resources of account `account` (its folder `folder` in the capture `capture`).
/// An account without `resources/` has the part `resources` missing, with `why` (the
/// account's `error.txt`) or the reason the capture recorded.
pub fn read_account(
    capture: &Path,
    folder: &Path,
    account: &str,
    why: Option<String>,
) -> Result<AccountResources, ImportError> {
    let base = folder.join(FOLDER);
    if !base.is_dir() {
        let reason = fs::read(folder.join(ERROR))
            .ok()
            .map(|b| reason_text(&b))
            .filter(|r| !r.is_empty())
            .or(why)
            .unwrap_or_else(|| {
                format!(
                    "not captured: the capture has no `accounts/{account}/{FOLDER}/` (captured with --no-resources, or by a capture-org that did not read resource policies)"
                )
            });
        return Ok(AccountResources {
            missing: vec![MissingPart {
                part: SKIPPED_PART.to_owned(),
                reason,
                action: None,
                account: Some(account.to_owned()),
                region: None,
            }],
            ..AccountResources::default()
        });
    }
    let mut reader = Reader {
        capture,
        base,
        account,
        out: AccountResources::default(),
        failures: BTreeMap::new(),
    };
    reader.account_public_access_block()?;
    reader.buckets()?;
    for region in reader.regions()? {
        reader.regional(&region)?;
    }
    Ok(reader.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_one_plain_file_name() {
        assert_eq!(file_name("team/app"), "team%2Fapp");
        assert_eq!(file_name("../x"), "%2E.%2Fx");
        assert_eq!(file_name(".."), "%2E.");
        assert_eq!(file_name("plain-name.fifo"), "plain-name.fifo");
    }

    #[test]
    fn kms_dates_read_in_either_cli_format() {
        let iso = date(&Value::from("2026-01-02T03:04:05.5+00:00"));
        let epoch_v = date(&serde_json::json!(1767323045.5));
        assert_eq!(iso, epoch_v);
        assert!(iso.is_some());
    }

    #[test]
    fn denials_are_told_from_other_failures() {
        assert!(denied(
            "An error occurred (AccessDenied) when calling the GetBucketPolicy operation: Access Denied"
        ));
        assert!(denied(
            "An error occurred (AccessDeniedException) when calling the ListKeys operation: User: x is not authorized to perform: kms:ListKeys"
        ));
        assert!(!denied(
            "Could not connect to the endpoint URL: \"https://kms.eu-west-3.amazonaws.com/\""
        ));
    }
}
