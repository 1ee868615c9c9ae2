//! The registry of regional resource kinds, read by both paths: the live export
//! (`iamsnap-export`, through the signed client) and the AWS CLI capture
//! (`scripts/capture-org`, read back by [`crate::capture_resources`]). Each kind is one
//! entry of [`KINDS`] and says, once: its service and resource type; each call it makes
//! ([`Step`]: the API operation, the IAM action that allows it, the manifest part it fills,
//! the AWS CLI command that makes it and its arguments, the error codes that mean "no
//! policy" or "gone"); how a listing's resources are picked by the capture script and named
//! in its files ([`Pick`], [`FileOf`]); how the resources, their ARNs and rows are made of an
//! answer; where its policy comes from and what kind of document it is.
//!
//! The export adds only its wire protocol (how a request is signed and sent, how an XML
//! answer is read); the capture script's calls are generated from this registry
//! ([`capture_script`]; a test checks `scripts/capture-org` holds the current text), and
//! the actions in `docs/export-policy.json` and `docs/capture-org-policy.json` are checked
//! against [`all_steps`].

use std::collections::BTreeMap;

use iamsnap_policy::DocumentKind;
use serde_json::Value;

use crate::resources::{Captured, GrantRow, PolicyRow, SettingRow, epoch, normalize_policy};

/// Where a kind is read: a region of an account.
#[derive(Debug, Clone)]
pub struct Place {
    /// The region.
    pub region: String,
    /// The account id.
    pub account: String,
    /// The partition of the region's ARNs (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
}

impl Place {
    /// The place of `account` in `region`, its partition told by the region's name.
    pub fn new(region: &str, account: &str) -> Place {
        Place {
            region: region.to_owned(),
            account: account.to_owned(),
            partition: partition(Some(region)).to_owned(),
        }
    }
}

/// The partition of a region's ARNs.
pub fn partition(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

/// A resource found by a listing.
#[derive(Debug, Clone, Default)]
pub struct Resource {
    /// Its ARN (the account id for a CloudWatch Logs policy of the account).
    pub arn: String,
    /// Its name, as `resource_policies.name` gives it.
    pub name: String,
    /// What the calls about it name it by (queue URL, key id, table name, ARN): the value
    /// the capture script picks from the listing ([`Pick`]).
    pub handle: String,
    /// For a resource of a second-level listing, its parent's handle (a layer's name).
    pub parent: String,
    /// Its policy, when the listing gives it; `None`: it has none.
    pub policy: Option<String>,
    /// Settings the listing gives, as `resource_settings` rows of the resource (source:
    /// the listing's action).
    pub settings: Vec<(&'static str, String)>,
}

/// One AWS call a kind makes.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// The API operation as the export's client names it (`ListKeys`; qualified,
    /// `lambda:GetPolicy`, where another service has an operation of that name).
    pub operation: &'static str,
    /// The IAM action that allows it.
    pub action: &'static str,
    /// The manifest part it fills (missing when it fails).
    pub part: &'static str,
    /// The AWS CLI's service name (`s3control`): the folder of its files.
    pub cli: &'static str,
    /// The AWS CLI's command (`get-key-policy`): the folder (or file) of its answers.
    pub command: &'static str,
    /// A folder under the command's, when one command is made twice per resource.
    pub variant: &'static str,
    /// The arguments after the command. `{handle}` is the resource's handle, `{parent}` its
    /// parent's, `{account}`, `{region}` and `{partition}` those of the place.
    pub args: &'static [&'static str],
    /// Error codes of an answer meaning "no policy" or "no configuration".
    pub none: &'static [&'static str],
    /// Error codes meaning the resource went away since it was listed.
    pub gone: &'static [&'static str],
}

impl Step {
    /// The path of its answer under a region's folder, without the extension: `file` is
    /// the resource's file name ([`FileOf`]), `None` for a listing.
    pub fn stem(&self, file: Option<&str>) -> String {
        let mut stem = format!("{}/{}", self.cli, self.command);
        if !self.variant.is_empty() {
            stem.push('/');
            stem.push_str(self.variant);
        }
        if let Some(f) = file {
            stem.push('/');
            stem.push_str(f);
        }
        stem
    }

    /// `service command`, for messages.
    pub fn input(&self) -> String {
        format!("{} {}", self.cli, self.command)
    }
}

/// How the capture script picks the handles of a listing's resources from the AWS CLI's
/// JSON output (with grep: the CLI prints one member per line).
#[derive(Debug, Clone, Copy)]
pub struct Pick {
    /// The member whose values are the handles (`"KeyId": "..."`); `None`: the handles are
    /// the strings of an array (`QueueUrls`, `TableNames`), one per line.
    pub member: Option<&'static str>,
    /// The extended regular expression every handle matches (anything else is skipped);
    /// it also keeps the handles to the characters AWS allows.
    pub pattern: &'static str,
    /// Whether the values are numbers (a layer version), not strings.
    pub number: bool,
}

/// How a resource's file is named of its handle (then made one file name with
/// [`crate::capture_resources::file_name`]).
#[derive(Debug, Clone, Copy)]
pub enum FileOf {
    /// The handle itself.
    Handle,
    /// What follows the last `sep` (a queue URL's name, a topic ARN's name).
    AfterLast(char),
    /// What follows the first `marker` (a secret ARN's `name-suffix`).
    After(&'static str),
    /// `<parent>:<handle>` (a layer's version).
    ParentAndHandle,
}

impl FileOf {
    /// The file key of a resource.
    pub fn key(self, r: &Resource) -> String {
        match self {
            FileOf::Handle => r.handle.clone(),
            FileOf::AfterLast(sep) => r.handle.rsplit(sep).next().unwrap_or("").to_owned(),
            FileOf::After(marker) => r
                .handle
                .split_once(marker)
                .map_or_else(|| r.handle.clone(), |(_, k)| k.to_owned()),
            FileOf::ParentAndHandle => format!("{}:{}", r.parent, r.handle),
        }
    }

    /// The same, in bash, of the variables `handle` and `parent`.
    fn bash(self) -> String {
        match self {
            FileOf::Handle => "\"$handle\"".to_owned(),
            FileOf::AfterLast(sep) => format!("\"${{handle##*{sep}}}\""),
            FileOf::After(marker) => format!("\"${{handle#*{marker}}}\""),
            FileOf::ParentAndHandle => "\"$parent:$handle\"".to_owned(),
        }
    }
}

/// The resources of a listing's answer (the AWS CLI's output, or a JSON protocol's
/// answer, which are the same).
pub type Listed = fn(&Place, &Value) -> Vec<Resource>;

/// The per-resource calls of a kind: how resources are picked and named, and checked.
#[derive(Debug)]
pub struct Each {
    /// How the capture script picks the handles from the listing.
    pub pick: Pick,
    /// How a resource's files are named.
    pub file: FileOf,
    /// What a handle is, for messages (`queue name`).
    pub what: &'static str,
    /// Whether a file key ([`FileOf::key`]) has the characters AWS allows for the kind.
    pub valid: fn(&str) -> bool,
}

/// A second-level listing: per resource of the first, its own resources (a layer's
/// versions), whose policies are read.
#[derive(Debug)]
pub struct Nested {
    /// The call that lists a parent's resources.
    pub step: Step,
    /// The resources of its answer, of a parent.
    pub listed: fn(&Place, &Resource, &Value) -> Vec<Resource>,
    /// How the children are picked and named.
    pub each: Each,
}

/// The resource-based policy of a kind.
#[derive(Debug)]
pub struct Policy {
    /// The API it is read with, `<service>:<operation>` (the `source` column).
    pub source: &'static str,
    /// How it is checked: most name their resource, some imply it.
    pub document: DocumentKind,
    /// Its call, one per resource; `None`: the listing gives it ([`Resource::policy`]).
    pub call: Option<Step>,
    /// The policy text of the call's answer (AWS CLI output; JSON protocols' answers).
    pub text: fn(&Value) -> Option<String>,
}

/// What else is read of each resource: calls whose answers (per call, in order, its pages:
/// the AWS CLI's output is one) become rows.
#[derive(Debug)]
pub struct Extra {
    /// The calls.
    pub steps: &'static [Step],
    /// The rows of their answers.
    pub rows: fn(&Place, &Kind, &Resource, &[Vec<Value>]) -> Captured,
}

/// One regional resource kind.
#[derive(Debug)]
pub struct Kind {
    /// Service prefix, as in IAM actions and ARNs.
    pub service: &'static str,
    /// Resource type, as the service authorization reference names it.
    pub resource_type: &'static str,
    /// The listing of its resources (of the parents, for a nested kind).
    pub list: Step,
    /// The resources of the listing's answer (the AWS CLI's output).
    pub listed: Listed,
    /// The per-resource calls' handles and files; `None` when it makes none.
    pub each: Option<Each>,
    /// A second level of listing.
    pub nested: Option<Nested>,
    /// Its resource-based policy, if it has one.
    pub policy: Option<Policy>,
    /// What else is read of each resource.
    pub extras: &'static [Extra],
}

impl Kind {
    /// The action of the listing whose settings rows it writes (`source`): the nested
    /// listing's, when it has one.
    pub fn list_source(&self) -> &'static str {
        self.nested
            .as_ref()
            .map_or(self.list.action, |n| n.step.action)
    }

    /// Every call it makes, in order.
    pub fn steps(&self) -> Vec<&Step> {
        let mut out = vec![&self.list];
        out.extend(self.nested.as_ref().map(|n| &n.step));
        out.extend(self.policy.as_ref().and_then(|p| p.call.as_ref()));
        out.extend(self.extras.iter().flat_map(|e| e.steps.iter()));
        out
    }

    /// The per-resource calls' handles and files of the resources whose policies are read.
    pub fn leaf(&self) -> Option<&Each> {
        match &self.nested {
            Some(n) => Some(&n.each),
            None => self.each.as_ref(),
        }
    }

    /// The policy row of a resource.
    pub fn policy_row(&self, place: &Place, r: &Resource, text: &str) -> Option<PolicyRow> {
        let of = self.policy.as_ref()?;
        let (policy, problem) = normalize_policy(text, of.document);
        Some(PolicyRow {
            account_id: place.account.clone(),
            region: Some(place.region.clone()),
            service: self.service,
            resource_type: self.resource_type,
            arn: r.arn.clone(),
            name: r.name.clone(),
            policy,
            source: of.source,
            problem,
        })
    }

    /// A setting row of a resource of the kind.
    pub fn setting(
        &self,
        place: &Place,
        arn: &str,
        setting: String,
        value: String,
        source: &'static str,
    ) -> SettingRow {
        SettingRow {
            account_id: place.account.clone(),
            region: Some(place.region.clone()),
            service: self.service,
            resource_type: self.resource_type,
            arn: arn.to_owned(),
            setting,
            value,
            source,
        }
    }

    /// The rows of the settings the listing gave.
    pub fn listed_settings(&self, place: &Place, r: &Resource) -> Vec<SettingRow> {
        r.settings
            .iter()
            .map(|(k, v)| {
                self.setting(
                    place,
                    &r.arn,
                    (*k).to_owned(),
                    v.clone(),
                    self.list_source(),
                )
            })
            .collect()
    }
}

const fn step(
    operation: &'static str,
    action: &'static str,
    part: &'static str,
    cli: &'static str,
    command: &'static str,
    args: &'static [&'static str],
) -> Step {
    Step {
        operation,
        action,
        part,
        cli,
        command,
        variant: "",
        args,
        none: &[],
        gone: &[],
    }
}

// ---- The calls -------------------------------------------------------------------------

/// `kms:ListKeys`.
pub const KMS_LIST_KEYS: Step = step(
    "ListKeys",
    "kms:ListKeys",
    "kms_keys",
    "kms",
    "list-keys",
    &[],
);
/// `kms:GetKeyPolicy` (the `default` policy).
pub const KMS_GET_KEY_POLICY: Step = Step {
    gone: &["NotFoundException"],
    ..step(
        "GetKeyPolicy",
        "kms:GetKeyPolicy",
        "kms_key_policies",
        "kms",
        "get-key-policy",
        &["--key-id", "{handle}", "--policy-name", "default"],
    )
};
/// `kms:ListGrants`, into `kms_grants`.
pub const KMS_LIST_GRANTS: Step = Step {
    gone: &["NotFoundException"],
    ..step(
        "ListGrants",
        "kms:ListGrants",
        "kms_grants",
        "kms",
        "list-grants",
        &["--key-id", "{handle}"],
    )
};
/// `kms:ListResourceTags`.
pub const KMS_LIST_TAGS: Step = Step {
    gone: &["NotFoundException"],
    ..step(
        "ListResourceTags",
        "kms:ListResourceTags",
        "kms_key_tags",
        "kms",
        "list-resource-tags",
        &["--key-id", "{handle}"],
    )
};
/// `s3:GetAccessPoint`: an access point's Block Public Access, network origin, bucket.
pub const S3_GET_ACCESS_POINT: Step = Step {
    gone: &["NoSuchAccessPoint"],
    ..step(
        "GetAccessPoint",
        "s3:GetAccessPoint",
        "s3_access_point_settings",
        "s3control",
        "get-access-point",
        &["--account-id", "{account}", "--name", "{handle}"],
    )
};
const RAM_ASSOCIATIONS: Step = Step {
    gone: &["UnknownResourceException"],
    ..step(
        "GetResourceShareAssociations",
        "ram:GetResourceShareAssociations",
        "ram_share_associations",
        "ram",
        "get-resource-share-associations",
        &[],
    )
};
/// `ram:GetResourceShareAssociations` of a share's principals.
pub const RAM_PRINCIPALS: Step = Step {
    variant: "PRINCIPAL",
    args: &[
        "--association-type",
        "PRINCIPAL",
        "--resource-share-arns",
        "{handle}",
    ],
    ..RAM_ASSOCIATIONS
};
/// `ram:GetResourceShareAssociations` of a share's resources.
pub const RAM_RESOURCES: Step = Step {
    variant: "RESOURCE",
    args: &[
        "--association-type",
        "RESOURCE",
        "--resource-share-arns",
        "{handle}",
    ],
    ..RAM_ASSOCIATIONS
};

// ---- Reading answers ---------------------------------------------------------------------

/// A string member.
pub fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The members of an array member.
pub fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

/// What follows the last `:` or `/` of an ARN.
pub fn last_segment(arn: &str) -> String {
    arn.rsplit([':', '/']).next().unwrap_or(arn).to_owned()
}

/// The region of an ARN, when it has one.
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// A resource named by its ARN, name and handle.
pub fn resource(arn: String, name: String, handle: String) -> Resource {
    Resource {
        arn,
        name,
        handle,
        ..Resource::default()
    }
}

/// Whether `name` is 1 to `max` characters, each ASCII alphanumeric or one of `extra`.
pub fn chars_ok(name: &str, max: usize, extra: &str) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// An SQS queue's ARN and name of its URL (the account in the URL, else the place's).
pub fn queue(place: &Place, url: &str) -> Resource {
    let mut segments = url.trim_end_matches('/').rsplit('/');
    let name = segments.next().unwrap_or(url).to_owned();
    let account = segments
        .next()
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(&place.account);
    resource(
        format!(
            "arn:{}:sqs:{}:{account}:{name}",
            place.partition, place.region
        ),
        name,
        url.to_owned(),
    )
}

/// An SNS topic of its ARN.
pub fn topic(arn: &str) -> Resource {
    resource(arn.to_owned(), last_segment(arn), arn.to_owned())
}

/// An S3 access point of its name and (listed) ARN; `None` when it is of another region
/// (an emulator may list every region's).
pub fn access_point(place: &Place, name: String, arn: Option<String>) -> Option<Resource> {
    let arn = arn.unwrap_or_else(|| {
        format!(
            "arn:{}:s3:{}:{}:accesspoint/{name}",
            place.partition, place.region, place.account
        )
    });
    arn_region(&arn)
        .is_none_or(|region| region == place.region)
        .then(|| resource(arn, name.clone(), name))
}

/// A VPC endpoint of its id, owner, policy and the fields of its settings
/// (`vpc_id`, `service_name`, `endpoint_type`).
pub fn vpc_endpoint(
    place: &Place,
    id: String,
    owner: Option<String>,
    policy: Option<String>,
    settings: [Option<String>; 3],
) -> Resource {
    let owner = owner
        .filter(|o| !o.is_empty())
        .unwrap_or_else(|| place.account.clone());
    let arn = format!(
        "arn:{}:ec2:{}:{owner}:vpc-endpoint/{id}",
        place.partition, place.region
    );
    let settings = ["vpc_id", "service_name", "endpoint_type"]
        .into_iter()
        .zip(settings)
        .filter_map(|(setting, v)| Some((setting, v?)))
        .collect();
    Resource {
        policy: policy.filter(|d| !d.is_empty()),
        settings,
        ..resource(arn, id.clone(), id)
    }
}

/// The settings of an access point's configuration (each Block Public Access setting
/// `false` when absent, as for buckets; its network origin, VPC and bucket when given).
pub fn access_point_settings(
    block: [Option<bool>; 4],
    others: [Option<String>; 3],
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = crate::resources::PUBLIC_ACCESS_SETTINGS
        .into_iter()
        .zip(block)
        .map(|(k, v)| (k, v.unwrap_or(false).to_string()))
        .collect();
    for (setting, v) in ["network_origin", "vpc_id", "bucket"]
        .into_iter()
        .zip(others)
    {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push((setting, v));
        }
    }
    out
}

const PUBLIC_ACCESS_MEMBERS: [&str; 4] = [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
];

fn access_point_rows(place: &Place, kind: &Kind, r: &Resource, answers: &[Vec<Value>]) -> Captured {
    let mut out = Captured::default();
    let Some(v) = answers.first().and_then(|pages| pages.first()) else {
        return out;
    };
    let block = v.get("PublicAccessBlockConfiguration");
    let flags =
        PUBLIC_ACCESS_MEMBERS.map(|m| block.and_then(|b| b.get(m)).and_then(Value::as_bool));
    let others = [
        text(v, "NetworkOrigin"),
        v.get("VpcConfiguration").and_then(|c| text(c, "VpcId")),
        text(v, "Bucket"),
    ];
    for (k, value) in access_point_settings(flags, others) {
        out.settings.push(kind.setting(
            place,
            &r.arn,
            k.to_owned(),
            value,
            S3_GET_ACCESS_POINT.action,
        ));
    }
    out
}

/// A KMS date as an answer gives it: seconds since the epoch (the API, AWS CLI v1), or ISO
/// 8601 (AWS CLI v2, or `cli_timestamp_format = iso8601`).
pub fn date(v: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    match v {
        Value::Number(n) => n.as_f64().and_then(epoch),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
            .or_else(|| s.parse::<f64>().ok().and_then(epoch)),
        _ => None,
    }
}

/// A key's grants (`ListGrants` answers) into `kms_grants`.
fn grant_rows(place: &Place, _: &Kind, key: &Resource, answers: &[Vec<Value>]) -> Captured {
    let mut out = Captured::default();
    for g in answers.iter().flatten().flat_map(|a| array(a, "Grants")) {
        let Some(grant_id) = text(g, "GrantId") else {
            continue;
        };
        out.grants.push(GrantRow {
            account_id: place.account.clone(),
            region: place.region.clone(),
            key_arn: key.arn.clone(),
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
    out
}

/// A key's tags (`ListResourceTags` answers) as `tag:<key>` settings.
fn tag_rows(place: &Place, kind: &Kind, key: &Resource, answers: &[Vec<Value>]) -> Captured {
    let tags: BTreeMap<String, String> = answers
        .iter()
        .flatten()
        .flat_map(|a| array(a, "Tags"))
        .filter_map(|t| Some((text(t, "TagKey")?, text(t, "TagValue")?)))
        .collect();
    Captured {
        settings: tags
            .into_iter()
            .map(|(k, v)| {
                kind.setting(place, &key.arn, format!("tag:{k}"), v, KMS_LIST_TAGS.action)
            })
            .collect(),
        ..Captured::default()
    }
}

/// Whether a RAM association still shares (not failed, nor being or already undone).
fn associated(a: &Value) -> bool {
    text(a, "status").is_none_or(|s| s == "ASSOCIATED" || s == "ASSOCIATING")
}

/// The entities of associations answers, sorted, with whether each is external.
fn entities(pages: Option<&Vec<Value>>) -> Vec<(String, bool)> {
    let mut list: Vec<(String, bool)> = pages
        .into_iter()
        .flatten()
        .flat_map(|a| array(a, "resourceShareAssociations"))
        .filter(|a| associated(a))
        .filter_map(|a| {
            let entity = text(a, "associatedEntity")?;
            let external = a.get("external").and_then(Value::as_bool) == Some(true);
            Some((entity, external))
        })
        .collect();
    list.sort();
    list.dedup();
    list
}

/// A resource share's principals and resources (the answers of [`RAM_PRINCIPALS`] and
/// [`RAM_RESOURCES`]): rows of the share (`principal`, `external_principal`, `resource`)
/// and, on the ARN of every resource it shares, `ram_share`, `ram_principal` and
/// `ram_allow_external_principals` (resource type `shared-resource`).
fn ram_rows(place: &Place, kind: &Kind, share: &Resource, answers: &[Vec<Value>]) -> Captured {
    let principals = entities(answers.first());
    let shared = entities(answers.get(1));
    let allow_external = share
        .settings
        .iter()
        .find(|(k, _)| *k == "allow_external_principals")
        .map(|(_, v)| v.clone());
    let row = |resource_type: &'static str, arn: &str, setting: &str, value: &str| SettingRow {
        resource_type,
        ..kind.setting(
            place,
            arn,
            setting.to_owned(),
            value.to_owned(),
            RAM_ASSOCIATIONS.action,
        )
    };
    let mut out = Captured::default();
    for (principal, external) in &principals {
        out.settings
            .push(row("resource-share", &share.arn, "principal", principal));
        if *external {
            out.settings.push(row(
                "resource-share",
                &share.arn,
                "external_principal",
                principal,
            ));
        }
    }
    for (arn, _) in &shared {
        out.settings
            .push(row("resource-share", &share.arn, "resource", arn));
        out.settings
            .push(row("shared-resource", arn, "ram_share", &share.arn));
        for (principal, _) in &principals {
            out.settings
                .push(row("shared-resource", arn, "ram_principal", principal));
        }
        if let Some(v) = &allow_external {
            out.settings.push(row(
                "shared-resource",
                arn,
                "ram_allow_external_principals",
                v,
            ));
        }
    }
    out
}

// ---- The kinds -------------------------------------------------------------------------

/// A kind's policy read by a call.
const fn called(
    source: &'static str,
    document: DocumentKind,
    call: Step,
    text: fn(&Value) -> Option<String>,
) -> Option<Policy> {
    Some(Policy {
        source,
        document,
        call: Some(call),
        text,
    })
}

/// A kind's policy given by its listing.
const fn listed_policy(source: &'static str) -> Option<Policy> {
    Some(Policy {
        source,
        document: DocumentKind::Resource,
        call: None,
        text: |_| None,
    })
}

fn policy_member(v: &Value) -> Option<String> {
    text(v, "Policy")
}

/// KMS keys: the `default` policy, grants and tags.
pub static KMS_KEY: Kind = Kind {
    service: "kms",
    resource_type: "key",
    list: KMS_LIST_KEYS,
    listed: |_, v| {
        array(v, "Keys")
            .filter_map(|k| {
                let arn = text(k, "KeyArn")?;
                let id = text(k, "KeyId").unwrap_or_else(|| last_segment(&arn));
                Some(resource(arn, id.clone(), id))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("KeyId"),
            pattern: "[A-Za-z0-9-]{1,128}",
            number: false,
        },
        file: FileOf::Handle,
        what: "key id",
        valid: |n| chars_ok(n, 128, "-"),
    }),
    nested: None,
    policy: called(
        "kms:GetKeyPolicy",
        DocumentKind::Resource,
        KMS_GET_KEY_POLICY,
        policy_member,
    ),
    extras: &[
        Extra {
            steps: &[KMS_LIST_GRANTS],
            rows: grant_rows,
        },
        Extra {
            steps: &[KMS_LIST_TAGS],
            rows: tag_rows,
        },
    ],
};

/// SQS queues: the `Policy` attribute.
pub static SQS_QUEUE: Kind = Kind {
    service: "sqs",
    resource_type: "queue",
    list: step(
        "ListQueues",
        "sqs:ListQueues",
        "sqs_queues",
        "sqs",
        "list-queues",
        &[],
    ),
    listed: |p, v| {
        array(v, "QueueUrls")
            .filter_map(Value::as_str)
            .map(|url| queue(p, url))
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: None,
            pattern: r#"https?://[^"]+/[A-Za-z0-9_-]{1,80}(\.fifo)?"#,
            number: false,
        },
        file: FileOf::AfterLast('/'),
        what: "queue name",
        valid: |n| chars_ok(n, 80, "-_.") && !n.starts_with('.'),
    }),
    nested: None,
    policy: called(
        "sqs:GetQueueAttributes",
        DocumentKind::Resource,
        Step {
            gone: &[
                "AWS.SimpleQueueService.NonExistentQueue",
                "QueueDoesNotExist",
            ],
            ..step(
                "GetQueueAttributes",
                "sqs:GetQueueAttributes",
                "sqs_queue_policies",
                "sqs",
                "get-queue-attributes",
                &["--queue-url", "{handle}", "--attribute-names", "Policy"],
            )
        },
        |v| v.get("Attributes").and_then(|a| text(a, "Policy")),
    ),
    extras: &[],
};

/// SNS topics: the `Policy` attribute.
pub static SNS_TOPIC: Kind = Kind {
    service: "sns",
    resource_type: "topic",
    list: step(
        "ListTopics",
        "sns:ListTopics",
        "sns_topics",
        "sns",
        "list-topics",
        &[],
    ),
    listed: |_, v| {
        array(v, "Topics")
            .filter_map(|t| text(t, "TopicArn"))
            .map(|arn| topic(&arn))
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("TopicArn"),
            pattern: "arn:[a-z-]+:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?",
            number: false,
        },
        file: FileOf::AfterLast(':'),
        what: "topic name",
        valid: |n| chars_ok(n, 256, "-_.") && !n.starts_with('.'),
    }),
    nested: None,
    policy: called(
        "sns:GetTopicAttributes",
        DocumentKind::Resource,
        Step {
            gone: &["NotFound"],
            ..step(
                "GetTopicAttributes",
                "sns:GetTopicAttributes",
                "sns_topic_policies",
                "sns",
                "get-topic-attributes",
                &["--topic-arn", "{handle}"],
            )
        },
        |v| v.get("Attributes").and_then(|a| text(a, "Policy")),
    ),
    extras: &[],
};

/// Secrets Manager secrets.
pub static SECRET: Kind = Kind {
    service: "secretsmanager",
    resource_type: "secret",
    list: step(
        "ListSecrets",
        "secretsmanager:ListSecrets",
        "secrets",
        "secretsmanager",
        "list-secrets",
        &[],
    ),
    listed: |_, v| {
        array(v, "SecretList")
            .filter_map(|s| {
                let arn = text(s, "ARN")?;
                let name = text(s, "Name").unwrap_or_else(|| last_segment(&arn));
                Some(resource(arn.clone(), name, arn))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("ARN"),
            pattern: "arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,600}",
            number: false,
        },
        file: FileOf::After(":secret:"),
        what: "secret name",
        valid: |n| chars_ok(n, 600, "/_+=.@-"),
    }),
    nested: None,
    policy: called(
        "secretsmanager:GetResourcePolicy",
        DocumentKind::Resource,
        Step {
            gone: &["ResourceNotFoundException"],
            ..step(
                "GetResourcePolicy",
                "secretsmanager:GetResourcePolicy",
                "secret_policies",
                "secretsmanager",
                "get-resource-policy",
                &["--secret-id", "{handle}"],
            )
        },
        |v| text(v, "ResourcePolicy"),
    ),
    extras: &[],
};

/// Lambda functions.
pub static LAMBDA_FUNCTION: Kind = Kind {
    service: "lambda",
    resource_type: "function",
    list: step(
        "ListFunctions",
        "lambda:ListFunctions",
        "lambda_functions",
        "lambda",
        "list-functions",
        &[],
    ),
    listed: |_, v| {
        array(v, "Functions")
            .filter_map(|f| {
                let arn = text(f, "FunctionArn")?;
                let name = text(f, "FunctionName").unwrap_or_else(|| last_segment(&arn));
                Some(resource(arn, name.clone(), name))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("FunctionName"),
            pattern: "[A-Za-z0-9_-]{1,170}",
            number: false,
        },
        file: FileOf::Handle,
        what: "function name",
        valid: |n| chars_ok(n, 170, "-_"),
    }),
    nested: None,
    policy: called(
        "lambda:GetPolicy",
        DocumentKind::Resource,
        Step {
            none: &["ResourceNotFoundException"],
            ..step(
                "lambda:GetPolicy",
                "lambda:GetPolicy",
                "lambda_policies",
                "lambda",
                "get-policy",
                &["--function-name", "{handle}"],
            )
        },
        policy_member,
    ),
    extras: &[],
};

/// Lambda layer versions: each version of each layer.
pub static LAMBDA_LAYER_VERSION: Kind = Kind {
    service: "lambda",
    resource_type: "layerVersion",
    list: step(
        "ListLayers",
        "lambda:ListLayers",
        "lambda_layers",
        "lambda",
        "list-layers",
        &[],
    ),
    listed: |_, v| {
        array(v, "Layers")
            .filter_map(|l| {
                let arn = text(l, "LayerArn")?;
                let name = text(l, "LayerName").unwrap_or_else(|| last_segment(&arn));
                Some(resource(arn, name.clone(), name))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("LayerName"),
            pattern: "[A-Za-z0-9_-]{1,140}",
            number: false,
        },
        file: FileOf::Handle,
        what: "layer name",
        valid: |n| chars_ok(n, 140, "-_"),
    }),
    nested: Some(Nested {
        step: step(
            "ListLayerVersions",
            "lambda:ListLayerVersions",
            "lambda_layer_versions",
            "lambda",
            "list-layer-versions",
            &["--layer-name", "{handle}"],
        ),
        listed: |_, layer, v| {
            array(v, "LayerVersions")
                .filter_map(|l| {
                    let arn = text(l, "LayerVersionArn")?;
                    let version = l.get("Version").and_then(Value::as_i64)?;
                    Some(Resource {
                        parent: layer.handle.clone(),
                        ..resource(
                            arn,
                            format!("{}:{version}", layer.name),
                            version.to_string(),
                        )
                    })
                })
                .collect()
        },
        each: Each {
            pick: Pick {
                member: Some("Version"),
                pattern: "[0-9]{1,12}",
                number: true,
            },
            file: FileOf::ParentAndHandle,
            what: "layer version",
            valid: |n| {
                n.rsplit_once(':').is_some_and(|(layer, version)| {
                    chars_ok(layer, 140, "-_")
                        && chars_ok(version, 12, "")
                        && version.bytes().all(|b| b.is_ascii_digit())
                })
            },
        },
    }),
    policy: called(
        "lambda:GetLayerVersionPolicy",
        DocumentKind::Resource,
        Step {
            none: &["ResourceNotFoundException"],
            ..step(
                "GetLayerVersionPolicy",
                "lambda:GetLayerVersionPolicy",
                "lambda_layer_policies",
                "lambda",
                "get-layer-version-policy",
                &["--layer-name", "{parent}", "--version-number", "{handle}"],
            )
        },
        policy_member,
    ),
    extras: &[],
};

/// ECR repositories.
pub static ECR_REPOSITORY: Kind = Kind {
    service: "ecr",
    resource_type: "repository",
    list: step(
        "DescribeRepositories",
        "ecr:DescribeRepositories",
        "ecr_repositories",
        "ecr",
        "describe-repositories",
        &[],
    ),
    listed: |_, v| {
        array(v, "repositories")
            .filter_map(|r| {
                let arn = text(r, "repositoryArn")?;
                let name = text(r, "repositoryName")?;
                Some(resource(arn, name.clone(), name))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("repositoryName"),
            pattern: "[a-z0-9][a-z0-9._/-]{0,255}",
            number: false,
        },
        file: FileOf::Handle,
        what: "repository name",
        valid: |n| chars_ok(n, 256, "._/-") && !n.starts_with(['.', '/']),
    }),
    nested: None,
    policy: called(
        "ecr:GetRepositoryPolicy",
        // A repository policy names no resource: it is the repository's.
        DocumentKind::ImpliedResource,
        Step {
            none: &["RepositoryPolicyNotFoundException"],
            gone: &["RepositoryNotFoundException"],
            ..step(
                "GetRepositoryPolicy",
                "ecr:GetRepositoryPolicy",
                "ecr_repository_policies",
                "ecr",
                "get-repository-policy",
                &["--repository-name", "{handle}"],
            )
        },
        |v| text(v, "policyText"),
    ),
    extras: &[],
};

/// EventBridge event buses: `ListEventBuses` gives each bus's policy, as `DescribeEventBus`
/// would.
pub static EVENT_BUS: Kind = Kind {
    service: "events",
    resource_type: "event-bus",
    list: step(
        "ListEventBuses",
        "events:ListEventBuses",
        "event_buses",
        "events",
        "list-event-buses",
        &[],
    ),
    listed: |_, v| {
        array(v, "EventBuses")
            .filter_map(|b| {
                let arn = text(b, "Arn")?;
                let name = text(b, "Name").unwrap_or_else(|| last_segment(&arn));
                Some(Resource {
                    policy: text(b, "Policy").filter(|p| !p.is_empty()),
                    ..resource(arn.clone(), name, arn)
                })
            })
            .collect()
    },
    each: None,
    nested: None,
    policy: listed_policy("events:ListEventBuses"),
    extras: &[],
};

/// DynamoDB tables' resource policies.
pub static DYNAMODB_TABLE: Kind = Kind {
    service: "dynamodb",
    resource_type: "table",
    list: step(
        "ListTables",
        "dynamodb:ListTables",
        "dynamodb_tables",
        "dynamodb",
        "list-tables",
        &[],
    ),
    listed: |p, v| {
        array(v, "TableNames")
            .filter_map(Value::as_str)
            .map(|name| {
                let arn = format!(
                    "arn:{}:dynamodb:{}:{}:table/{name}",
                    p.partition, p.region, p.account
                );
                resource(arn, name.to_owned(), name.to_owned())
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: None,
            pattern: "[A-Za-z0-9_.-]{3,255}",
            number: false,
        },
        file: FileOf::Handle,
        what: "table name",
        valid: |n| n.len() >= 3 && chars_ok(n, 255, "_.-") && !n.starts_with('.'),
    }),
    nested: None,
    policy: called(
        "dynamodb:GetResourcePolicy",
        DocumentKind::Resource,
        Step {
            none: &["PolicyNotFoundException"],
            gone: &["ResourceNotFoundException"],
            ..step(
                "dynamodb:GetResourcePolicy",
                "dynamodb:GetResourcePolicy",
                "dynamodb_table_policies",
                "dynamodb",
                "get-resource-policy",
                &[
                    "--resource-arn",
                    "arn:{partition}:dynamodb:{region}:{account}:table/{handle}",
                ],
            )
        },
        policy_member,
    ),
    extras: &[],
};

/// AWS Backup vaults' access policies.
pub static BACKUP_VAULT: Kind = Kind {
    service: "backup",
    resource_type: "backupVault",
    list: step(
        "ListBackupVaults",
        "backup:ListBackupVaults",
        "backup_vaults",
        "backup",
        "list-backup-vaults",
        &[],
    ),
    listed: |_, v| {
        array(v, "BackupVaultList")
            .filter_map(|b| {
                let arn = text(b, "BackupVaultArn")?;
                let name = text(b, "BackupVaultName")?;
                Some(resource(arn, name.clone(), name))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("BackupVaultName"),
            pattern: "[A-Za-z0-9_.-]{2,50}",
            number: false,
        },
        file: FileOf::Handle,
        what: "backup vault name",
        valid: |n| n.len() >= 2 && chars_ok(n, 50, "_.-") && !n.starts_with('.'),
    }),
    nested: None,
    policy: called(
        "backup:GetBackupVaultAccessPolicy",
        DocumentKind::Resource,
        Step {
            // A vault without a policy (and one deleted since it was listed).
            none: &["ResourceNotFoundException"],
            ..step(
                "GetBackupVaultAccessPolicy",
                "backup:GetBackupVaultAccessPolicy",
                "backup_vault_policies",
                "backup",
                "get-backup-vault-access-policy",
                &["--backup-vault-name", "{handle}"],
            )
        },
        policy_member,
    ),
    extras: &[],
};

/// EFS file systems' policies.
pub static EFS_FILE_SYSTEM: Kind = Kind {
    service: "elasticfilesystem",
    resource_type: "file-system",
    list: step(
        "DescribeFileSystems",
        "elasticfilesystem:DescribeFileSystems",
        "efs_file_systems",
        "efs",
        "describe-file-systems",
        &[],
    ),
    listed: |_, v| {
        array(v, "FileSystems")
            .filter_map(|f| {
                let arn = text(f, "FileSystemArn")?;
                let id = text(f, "FileSystemId")?;
                Some(resource(arn, id.clone(), id))
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("FileSystemId"),
            pattern: "fs-[0-9a-f]{8,40}",
            number: false,
        },
        file: FileOf::Handle,
        what: "file system id",
        valid: |n| n.starts_with("fs-") && chars_ok(n, 43, "-"),
    }),
    nested: None,
    policy: called(
        "elasticfilesystem:DescribeFileSystemPolicy",
        DocumentKind::Resource,
        Step {
            none: &["PolicyNotFound"],
            gone: &["FileSystemNotFound"],
            ..step(
                "DescribeFileSystemPolicy",
                "elasticfilesystem:DescribeFileSystemPolicy",
                "efs_file_system_policies",
                "efs",
                "describe-file-system-policy",
                &["--file-system-id", "{handle}"],
            )
        },
        policy_member,
    ),
    extras: &[],
};

/// CloudWatch Logs' resource policies belong to the account in a region, not to a
/// resource: `arn` is the account id (`resource_type` `account`), or the log group's ARN for
/// a policy scoped to one; `name` is the policy's name.
pub static LOGS_RESOURCE_POLICY: Kind = Kind {
    service: "logs",
    resource_type: "resource-policy",
    list: step(
        "DescribeResourcePolicies",
        "logs:DescribeResourcePolicies",
        "logs_resource_policies",
        "logs",
        "describe-resource-policies",
        &[],
    ),
    listed: |p, v| {
        array(v, "resourcePolicies")
            .filter_map(|r| {
                let name = text(r, "policyName")?;
                let arn = text(r, "resourceArn")
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| p.account.clone());
                Some(Resource {
                    policy: text(r, "policyDocument"),
                    ..resource(arn, name.clone(), name)
                })
            })
            .collect()
    },
    each: None,
    nested: None,
    policy: listed_policy("logs:DescribeResourcePolicies"),
    extras: &[],
};

/// S3 access points: their policies and settings.
pub static S3_ACCESS_POINT: Kind = Kind {
    service: "s3",
    resource_type: "accesspoint",
    list: step(
        "ListAccessPoints",
        "s3:ListAccessPoints",
        "s3_access_points",
        "s3control",
        "list-access-points",
        &["--account-id", "{account}"],
    ),
    listed: |p, v| {
        array(v, "AccessPointList")
            .filter_map(|ap| access_point(p, text(ap, "Name")?, text(ap, "AccessPointArn")))
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("Name"),
            pattern: "[a-z0-9][a-z0-9-]{1,62}",
            number: false,
        },
        file: FileOf::Handle,
        what: "access point name",
        valid: |n| chars_ok(n, 63, "-") && !n.starts_with('-'),
    }),
    nested: None,
    policy: called(
        "s3:GetAccessPointPolicy",
        DocumentKind::Resource,
        Step {
            none: &["NoSuchAccessPointPolicy"],
            gone: &["NoSuchAccessPoint"],
            ..step(
                "GetAccessPointPolicy",
                "s3:GetAccessPointPolicy",
                "s3_access_point_policies",
                "s3control",
                "get-access-point-policy",
                &["--account-id", "{account}", "--name", "{handle}"],
            )
        },
        policy_member,
    ),
    extras: &[Extra {
        steps: &[S3_GET_ACCESS_POINT],
        rows: access_point_rows,
    }],
};

/// VPC endpoints: the listing gives each one's policy and settings.
pub static VPC_ENDPOINT: Kind = Kind {
    service: "ec2",
    resource_type: "vpc-endpoint",
    list: step(
        "DescribeVpcEndpoints",
        "ec2:DescribeVpcEndpoints",
        "vpc_endpoints",
        "ec2",
        "describe-vpc-endpoints",
        &[],
    ),
    listed: |p, v| {
        array(v, "VpcEndpoints")
            .filter_map(|e| {
                Some(vpc_endpoint(
                    p,
                    text(e, "VpcEndpointId")?,
                    text(e, "OwnerId"),
                    text(e, "PolicyDocument"),
                    [
                        text(e, "VpcId"),
                        text(e, "ServiceName"),
                        text(e, "VpcEndpointType"),
                    ],
                ))
            })
            .collect()
    },
    each: None,
    nested: None,
    policy: listed_policy("ec2:DescribeVpcEndpoints"),
    extras: &[],
};

/// Resource shares the account owns: no policy of their own, but who each shared resource
/// is shared with, as settings of the share and of every resource in it.
pub static RAM_RESOURCE_SHARE: Kind = Kind {
    service: "ram",
    resource_type: "resource-share",
    list: step(
        "GetResourceShares",
        "ram:GetResourceShares",
        "ram_resource_shares",
        "ram",
        "get-resource-shares",
        &["--resource-owner", "SELF"],
    ),
    listed: |_, v| {
        array(v, "resourceShares")
            // Deleted and failed shares share nothing.
            .filter(|s| text(s, "status").is_none_or(|st| st == "ACTIVE" || st == "PENDING"))
            .filter_map(|s| {
                let arn = text(s, "resourceShareArn")?;
                let name = text(s, "name").unwrap_or_else(|| last_segment(&arn));
                let external = s
                    .get("allowExternalPrincipals")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                Some(Resource {
                    settings: vec![("allow_external_principals", external.to_string())],
                    ..resource(arn.clone(), name, arn)
                })
            })
            .collect()
    },
    each: Some(Each {
        pick: Pick {
            member: Some("resourceShareArn"),
            pattern: "arn:[a-z-]+:ram:[a-z0-9-]+:[0-9]{12}:resource-share/[A-Za-z0-9-]{1,64}",
            number: false,
        },
        file: FileOf::AfterLast('/'),
        what: "resource share id",
        valid: |n| chars_ok(n, 64, "-"),
    }),
    nested: None,
    policy: None,
    extras: &[Extra {
        steps: &[RAM_PRINCIPALS, RAM_RESOURCES],
        rows: ram_rows,
    }],
};

/// Every regional resource kind, in the order they are read.
pub static KINDS: &[&Kind] = &[
    &KMS_KEY,
    &SQS_QUEUE,
    &SNS_TOPIC,
    &SECRET,
    &LAMBDA_FUNCTION,
    &LAMBDA_LAYER_VERSION,
    &ECR_REPOSITORY,
    &EVENT_BUS,
    &DYNAMODB_TABLE,
    &BACKUP_VAULT,
    &EFS_FILE_SYSTEM,
    &LOGS_RESOURCE_POLICY,
    &S3_ACCESS_POINT,
    &VPC_ENDPOINT,
    &RAM_RESOURCE_SHARE,
];

/// Every call of every kind, each once.
pub fn all_steps() -> Vec<&'static Step> {
    let mut out: Vec<&'static Step> = Vec::new();
    for k in KINDS {
        for s in k.steps() {
            if !out.iter().any(|o| o.operation == s.operation) {
                out.push(s);
            }
        }
    }
    out
}

// ---- The capture script ----------------------------------------------------------------

/// The first line of the generated part of `scripts/capture-org`.
pub const SCRIPT_BEGIN: &str = "  # ---- Generated from crates/import/src/registry.rs (`capture_script`); do not edit by hand.";
/// Its last line.
pub const SCRIPT_END: &str = "  # ---- End of the generated part.";

/// A word of a command line in bash: placeholders as the script's variables.
fn bash_word(word: &str) -> String {
    let w = word
        .replace("{handle}", "${handle}")
        .replace("{parent}", "${parent}")
        .replace("{account}", "${account}")
        .replace("{region}", "${region}")
        .replace("{partition}", "${partition}");
    if w.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.,/:=".contains(c))
    {
        w
    } else {
        format!("\"{w}\"")
    }
}

fn bash_call(step: &Step, file: &str, indent: &str) -> String {
    // A "gone" answer leaves `.none` too: the resource has nothing to read.
    let codes: Vec<&str> = step.none.iter().chain(step.gone).copied().collect();
    let none = if codes.is_empty() {
        "''".to_owned()
    } else {
        codes.join(",")
    };
    let mut line = format!(
        "{indent}rcall \"$dir/{}{file}\" {none} {} {}",
        step.stem(None),
        step.cli,
        step.command
    );
    for a in step.args {
        line.push(' ');
        line.push_str(&bash_word(a));
    }
    line.push_str(" \"${r[@]}\"");
    line.push_str(extra_args(step));
    line
}

fn extra_args(step: &Step) -> &'static str {
    if step.cli == "sqs" {
        " \"${sqs_endpoint[@]}\""
    } else {
        ""
    }
}

fn bash_pick(pick: &Pick, file: &str) -> String {
    match (pick.member, pick.number) {
        (Some(m), false) => format!("values \"{file}\" {m} '{}'", pick.pattern),
        (Some(m), true) => format!("numbers \"{file}\" {m} '{}'", pick.pattern),
        (None, _) => format!("elements \"{file}\" '{}'", pick.pattern),
    }
}

/// The calls of every kind in one region, as `scripts/capture-org` makes them (inside its
/// `resources` function: `$dir` is the region's folder, `r` the `--region` arguments,
/// `account`, `region` and `partition` the place).
pub fn capture_script() -> String {
    let mut out = vec![SCRIPT_BEGIN.to_owned()];
    let file = |f: &FileOf| format!("/$(fname {})", f.bash());
    for k in KINDS {
        out.push(format!("  # {} {}", k.service, k.resource_type));
        let list = k.list.stem(None);
        let Some(each) = &k.each else {
            out.push(format!("{} || true", bash_call(&k.list, "", "  ")));
            continue;
        };
        let calls: Vec<&Step> = k
            .policy
            .as_ref()
            .and_then(|p| p.call.as_ref())
            .into_iter()
            .chain(k.extras.iter().flat_map(|e| e.steps.iter()))
            .collect();
        out.push(format!("  if {}; then", bash_call(&k.list, "", "")));
        out.push(format!(
            "    for handle in $({}); do",
            bash_pick(&each.pick, &format!("$dir/{list}.json"))
        ));
        match &k.nested {
            None => {
                for c in &calls {
                    out.push(format!(
                        "{} || true",
                        bash_call(c, &file(&each.file), "      ")
                    ));
                }
            }
            Some(n) => {
                let parents = n.step.stem(None);
                out.push(format!(
                    "      if {}; then",
                    bash_call(&n.step, &file(&each.file), "")
                ));
                out.push("        parent=$handle".to_owned());
                out.push(format!(
                    "        for handle in $({}); do",
                    bash_pick(
                        &n.each.pick,
                        &format!("$dir/{parents}{}.json", file(&each.file))
                    )
                ));
                for c in &calls {
                    out.push(format!(
                        "{} || true",
                        bash_call(c, &file(&n.each.file), "          ")
                    ));
                }
                out.push("        done".to_owned());
                out.push("      fi".to_owned());
            }
        }
        out.push("    done".to_owned());
        out.push("  fi".to_owned());
    }
    out.push(SCRIPT_END.to_owned());
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/capture-org")
    }

    /// `scripts/capture-org` makes the calls of the registry: its generated part is the
    /// current [`capture_script`] (`IAMSNAP_UPDATE_DOCS=1` rewrites it).
    #[test]
    fn the_capture_script_makes_the_calls_of_the_registry() {
        let text = std::fs::read_to_string(script_path()).unwrap();
        let begin = text
            .find(SCRIPT_BEGIN)
            .expect("the script has the generated part");
        let end = text.find(SCRIPT_END).expect("the generated part ends") + SCRIPT_END.len() + 1;
        let expected = capture_script();
        if text.get(begin..end) == Some(expected.as_str()) {
            return;
        }
        if std::env::var("IAMSNAP_UPDATE_DOCS").is_ok_and(|v| v == "1") {
            let updated = format!("{}{expected}{}", &text[..begin], &text[end..]);
            std::fs::write(script_path(), updated).unwrap();
            return;
        }
        panic!(
            "scripts/capture-org is stale: run `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-import registry`"
        );
    }

    #[test]
    fn every_kind_is_listed_once_with_its_calls_named_once() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(
                KINDS
                    .iter()
                    .skip(i + 1)
                    .all(|o| (o.service, o.resource_type) != (k.service, k.resource_type))
            );
            for s in k.steps() {
                assert!(
                    s.action.starts_with(&format!("{}:", k.service)),
                    "{}",
                    s.action
                );
                // Patterns go into single quotes, arguments are plain words.
                assert!(!s.args.iter().any(|a| a.contains(['\'', '"', '$', '`'])));
            }
            if let Some(each) = k.leaf() {
                assert!(!each.pick.pattern.contains('\''));
                assert!(k.policy.as_ref().is_none_or(|p| p.call.is_some()) || !k.extras.is_empty());
            }
        }
        let steps = all_steps();
        for (i, s) in steps.iter().enumerate() {
            assert!(
                steps
                    .iter()
                    .skip(i + 1)
                    .all(|o| o.stem(None) != s.stem(None)),
                "{} is made twice",
                s.stem(None)
            );
        }
    }

    #[test]
    fn file_keys_follow_the_handle() {
        let r = |handle: &str| Resource {
            handle: handle.to_owned(),
            parent: "layer".to_owned(),
            ..Resource::default()
        };
        assert_eq!(
            FileOf::AfterLast('/').key(&r("https://sqs.eu-west-1.amazonaws.com/111122223333/jobs")),
            "jobs"
        );
        assert_eq!(
            FileOf::After(":secret:").key(&r(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbCd"
            )),
            "app/db-AbCd"
        );
        assert_eq!(FileOf::ParentAndHandle.key(&r("2")), "layer:2");
    }

    #[test]
    fn cli_listings_give_the_rows_export_writes() {
        let place = Place::new("eu-west-1", "111122223333");
        let endpoints = (VPC_ENDPOINT.listed)(
            &place,
            &serde_json::json!({"VpcEndpoints": [{"VpcEndpointId": "vpce-1", "VpcEndpointType": "Gateway",
                "VpcId": "vpc-1", "ServiceName": "com.amazonaws.eu-west-1.s3",
                "PolicyDocument": "{}", "OwnerId": "111122223333"}]}),
        );
        let e = endpoints.first().unwrap();
        assert_eq!(
            e.arn,
            "arn:aws:ec2:eu-west-1:111122223333:vpc-endpoint/vpce-1"
        );
        assert_eq!(
            VPC_ENDPOINT
                .listed_settings(&place, e)
                .iter()
                .map(|s| (s.setting.as_str(), s.source))
                .collect::<Vec<_>>(),
            [
                ("vpc_id", "ec2:DescribeVpcEndpoints"),
                ("service_name", "ec2:DescribeVpcEndpoints"),
                ("endpoint_type", "ec2:DescribeVpcEndpoints")
            ]
        );
        let points = (S3_ACCESS_POINT.listed)(
            &place,
            &serde_json::json!({"AccessPointList": [
                {"Name": "ap1", "AccessPointArn": "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap1"},
                {"Name": "ap2", "AccessPointArn": "arn:aws:s3:us-east-1:111122223333:accesspoint/ap2"}]}),
        );
        assert_eq!(points.len(), 1);
        let versions = (LAMBDA_LAYER_VERSION.nested.as_ref().unwrap().listed)(
            &place,
            &resource(
                "arn:l".to_owned(),
                "my-layer".to_owned(),
                "my-layer".to_owned(),
            ),
            &serde_json::json!({"LayerVersions": [{"LayerVersionArn": "arn:aws:lambda:eu-west-1:111122223333:layer:my-layer:3", "Version": 3}]}),
        );
        let v = versions.first().unwrap();
        assert_eq!(
            (v.name.as_str(), v.handle.as_str(), v.parent.as_str()),
            ("my-layer:3", "3", "my-layer")
        );
    }
}
