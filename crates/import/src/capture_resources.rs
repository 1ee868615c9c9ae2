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

use iamsnap_cloudtrail::excerpt;
use iamsnap_policy::DocumentKind;
use iamsnap_snapshot::MissingPart;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{ImportError, JsonInput};
use crate::organization::ReadFile;
use crate::registry::{Each, KINDS, Kind, Place, Resource, Step, array, chars_ok, partition, text};
use crate::resources::{Captured, PUBLIC_ACCESS_SETTINGS, PolicyRow, SettingRow, normalize_policy};

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

/// A global call of the capture (S3 buckets, the account's Block Public Access, the
/// regions): the regional ones are the registry's ([`registry::KINDS`]).
const fn global(
    cli: &'static str,
    command: &'static str,
    part: &'static str,
    action: &'static str,
) -> Step {
    Step {
        operation: command,
        action,
        part,
        cli,
        command,
        variant: "",
        args: &[],
        none: &[],
        gone: &[],
    }
}

const ACCOUNT_BPA: Step = global(
    "s3control",
    "get-public-access-block",
    "s3_account_public_access_block",
    "s3:GetAccountPublicAccessBlock",
);
const LIST_BUCKETS: Step = global("s3api", "list-buckets", "s3_buckets", "s3:ListAllMyBuckets");
const BUCKET_LOCATION: Step = global(
    "s3api",
    "get-bucket-location",
    "s3_buckets",
    "s3:GetBucketLocation",
);
const BUCKET_POLICY: Step = global(
    "s3api",
    "get-bucket-policy",
    "s3_bucket_policies",
    "s3:GetBucketPolicy",
);
const BUCKET_BPA: Step = global(
    "s3api",
    "get-public-access-block",
    "s3_bucket_public_access_block",
    "s3:GetBucketPublicAccessBlock",
);
const BUCKET_OWNERSHIP: Step = global(
    "s3api",
    "get-bucket-ownership-controls",
    "s3_bucket_ownership",
    "s3:GetBucketOwnershipControls",
);
const BUCKET_TAGS: Step = global(
    "s3api",
    "get-bucket-tagging",
    "s3_bucket_tags",
    "s3:GetBucketTagging",
);
const BUCKET_ABAC: Step = global(
    "s3api",
    "get-bucket-abac",
    "s3_bucket_abac",
    "s3:GetBucketAbac",
);
const REGIONS: Step = global("ec2", "describe-regions", "regions", "ec2:DescribeRegions");

/// Every global call of the capture, for the tests of the published policy.
pub const GLOBAL_STEPS: [Step; 9] = [
    ACCOUNT_BPA,
    LIST_BUCKETS,
    BUCKET_LOCATION,
    BUCKET_POLICY,
    BUCKET_BPA,
    BUCKET_OWNERSHIP,
    BUCKET_TAGS,
    BUCKET_ABAC,
    REGIONS,
];

/// What a row is about.
#[derive(Debug, Clone, Copy)]
struct About<'r> {
    region: Option<&'r str>,
    service: &'static str,
    resource_type: &'static str,
    arn: &'r str,
}

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

/// A name as one file name: `/` as `%2F`, a leading `.` as `%2E` (as `scripts/capture-org`
/// writes it).
pub fn file_name(name: &str) -> String {
    let n = name.replace('/', "%2F");
    match n.strip_prefix('.') {
        Some(rest) => format!("%2E{rest}"),
        None => n,
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
        call: &Step,
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
        call: &Step,
        name: Option<&str>,
        subject: Option<&str>,
    ) -> Result<Answer, ImportError> {
        let stem = self.base.join(folder).join(call.stem(name));
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
                JsonInput::AwsCli(call.cli, call.command),
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
            let command = format!("aws {}", call.input());
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
        listing: &Step,
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
            listing.stem(None).rsplit_once('/').map_or("", |(d, _)| d),
            listing.stem(None).rsplit_once('/').map_or("", |(_, f)| f),
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
        // Whether the bucket's tags take part in authorization; an answer without a status
        // is not read as "disabled".
        if let Answer::Json(v) = self.answer(GLOBAL, &BUCKET_ABAC, Some(&file), Some(name))? {
            match v.get("AbacStatus").and_then(|a| text(a, "Status")) {
                Some(status) => {
                    self.setting(about, "abac_status".to_owned(), status, BUCKET_ABAC.action);
                }
                None => self.fail(
                    &BUCKET_ABAC,
                    None,
                    format!(
                        "`aws {}` failed: the answer has no ABAC status",
                        BUCKET_ABAC.input()
                    ),
                    None,
                    Some(format!("first for `{name}`")),
                ),
            }
        }
        Ok(())
    }

    /// The region folders of the capture, checked to be region names.
    fn regions(&mut self) -> Result<Vec<String>, ImportError> {
        let regions_file = self
            .base
            .join(GLOBAL)
            .join(REGIONS.cli)
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

    /// The file name of a resource of `k`'s listing `listing`, its key checked to be of
    /// the kind's characters.
    fn file(
        &self,
        folder: &str,
        listing: &Step,
        each: &Each,
        r: &Resource,
    ) -> Result<String, ImportError> {
        let key = each.file.key(r);
        let key = self.name(folder, listing, each.what, &key, (each.valid)(&key))?;
        Ok(file_name(key))
    }

    /// A regional kind: its resources from its listing (for a nested kind, each parent's
    /// listing), the policy of each, and what else its entry reads.
    fn kind(&mut self, place: &Place, k: &'static Kind) -> Result<(), ImportError> {
        let region = place.region.as_str();
        let Answer::Json(v) = self.answer(region, &k.list, None, None)? else {
            return Ok(());
        };
        let mut resources = (k.listed)(place, &v);
        if let (Some(n), Some(each)) = (&k.nested, &k.each) {
            let mut children = Vec::new();
            for parent in &resources {
                let file = self.file(region, &k.list, each, parent)?;
                if let Answer::Json(v) =
                    self.answer(region, &n.step, Some(&file), Some(&parent.arn))?
                {
                    children.extend((n.listed)(place, parent, &v));
                }
            }
            resources = children;
        }
        let listing = k.nested.as_ref().map_or(&k.list, |n| &n.step);
        'resources: for r in resources {
            let file = match k.leaf() {
                Some(each) => Some(self.file(region, listing, each, &r)?),
                None => None,
            };
            if let Some(of) = &k.policy {
                match (&of.call, &file) {
                    (None, _) => {
                        if let Some(row) =
                            r.policy.as_deref().and_then(|t| k.policy_row(place, &r, t))
                        {
                            self.out.rows.policies.push(row);
                        }
                    }
                    (Some(step), Some(file)) => {
                        match self.answer(region, step, Some(file), Some(&r.arn))? {
                            Answer::Json(v) => {
                                if let Some(row) =
                                    (of.text)(&v).and_then(|t| k.policy_row(place, &r, &t))
                                {
                                    self.out.rows.policies.push(row);
                                }
                            }
                            // The resource went away since it was listed.
                            Answer::None(code) if step.gone.contains(&code.as_str()) => {
                                continue 'resources;
                            }
                            Answer::None(_) | Answer::Failed => {}
                        }
                    }
                    (Some(_), None) => {}
                }
            }
            let settings = k.listed_settings(place, &r);
            self.out.rows.settings.extend(settings);
            let Some(file) = &file else {
                continue;
            };
            for extra in k.extras {
                let mut answers = Vec::new();
                for step in extra.steps {
                    if let Answer::Json(v) = self.answer(region, step, Some(file), Some(&r.arn))? {
                        answers.push(vec![v]);
                    }
                }
                if answers.len() == extra.steps.len() {
                    self.out.rows.extend((extra.rows)(place, k, &r, &answers));
                }
            }
        }
        Ok(())
    }

    fn regional(&mut self, region: &str) -> Result<(), ImportError> {
        let place = Place::new(region, self.account);
        for k in KINDS {
            self.kind(&place, k)?;
        }
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
    use crate::registry::date;

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
