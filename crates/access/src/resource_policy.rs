//! The resource-based policies of a snapshot, found by the resource a request names, and
//! what the snapshot knows when it has none: that the resource has no policy, or that its
//! policy was not captured (the answer then depends on it).
//!
//! Built from the `resource_policies` table (the policies) and `resource_settings` (which
//! account each S3 bucket belongs to: a bucket's ARN does not say), with the manifest's
//! `missing` parts (an account, region or service whose resources could not be read).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::RecordBatch;
use iamsnap_snapshot::MissingPart;

use crate::document::Document;
use crate::model::{column as strings, value as get};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The services whose resource-based policies a snapshot captures (see docs/export.md):
/// for their resources, a missing policy means "no policy" only when the capture read the
/// resource's account and region. Other services' resource policies are not captured.
pub const CAPTURED_SERVICES: &[&str] = &[
    "s3",
    "kms",
    "sqs",
    "sns",
    "secretsmanager",
    "lambda",
    "ecr",
    "events",
    "dynamodb",
    "backup",
    "elasticfilesystem",
];

/// Which resource policies a part of the manifest's `missing` is about: `None` when it is
/// about none (IAM, the organization, or a setting that is not a policy: tags, Block Public
/// Access, ownership, grants), `Some(None)` when about every service (a whole account or
/// region not read), `Some(Some(service))` when about one service's.
fn part_service(part: &str) -> Option<Option<&'static str>> {
    const SETTINGS: &[&str] = &[
        "_tags",
        "_ownership",
        "_public_access_block",
        "_abac",
        "_settings",
        "_grants",
    ];
    if SETTINGS.iter().any(|s| part.ends_with(s)) || part.starts_with("ram_") {
        return None;
    }
    if matches!(part, "resources" | "regions" | "iam" | "account") {
        return Some(None);
    }
    // Longer prefixes first: access points and layers are kinds of their own.
    const SERVICES: &[(&str, &str)] = &[
        ("s3_access_point", "s3:accesspoint"),
        ("lambda_layer", "lambda:layer"),
        ("s3_", "s3"),
        ("kms_", "kms"),
        ("sqs_", "sqs"),
        ("sns_", "sns"),
        ("secret", "secretsmanager"),
        ("lambda_", "lambda"),
        ("ecr_", "ecr"),
        ("event_", "events"),
        ("dynamodb_", "dynamodb"),
        ("backup_", "backup"),
        ("efs_", "elasticfilesystem"),
    ];
    SERVICES
        .iter()
        .find(|(prefix, _)| part.starts_with(prefix))
        .map(|(_, service)| Some(*service))
}

#[derive(Debug)]
struct Entry {
    account: String,
    document: Arc<Document>,
}

/// What the snapshot has of a resource's policy.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The resource's policy.
    Policy(&'a Arc<Document>),
    /// The resource has no policy (its account and region were read).
    None,
    /// The snapshot cannot tell: why.
    Unknown(String),
}

/// A KMS grant: operations on a key given to a principal besides the key policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsGrant {
    /// The key's ARN.
    pub key_arn: String,
    /// The key's account.
    pub account: String,
    /// The grant's id.
    pub grant_id: String,
    /// The grant's name, when it has one.
    pub name: Option<String>,
    /// Who the operations are given to: an ARN or a service principal.
    pub grantee: String,
    /// The operations, as actions: `kms:Decrypt`.
    pub actions: Vec<String>,
    /// The encryption context constraints (JSON text), when the grant has some.
    pub constraints: Option<String>,
}

/// The resource-based policies of a snapshot.
#[derive(Debug, Default)]
pub struct ResourcePolicies {
    by_arn: FastMap<String, Entry>,
    /// VPC endpoint id → its ARN, for every endpoint the capture listed (with a policy or
    /// not).
    endpoints: FastMap<String, String>,
    /// The KMS grants.
    grants: Vec<KmsGrant>,
    /// The resource policy each grant amounts to, in the order of `grants`.
    grant_documents: Vec<Arc<Document>>,
    /// Each key's grants (indexes into `grants`).
    grants_by_key: FastMap<String, Vec<usize>>,
    /// S3 bucket name → (account, region).
    buckets: FastMap<String, (String, Option<String>)>,
    /// `RestrictPublicBuckets` of S3 Block Public Access, by bucket ARN or account id.
    restrict_public: FastMap<String, bool>,
    /// Why the snapshot holds no resource policies at all, when it holds none.
    not_captured: Option<String>,
    /// The accounts whose resources were read.
    accounts: HashSet<String>,
    /// Parts the capture could not read that concern resources.
    missing: Vec<MissingPart>,
}

/// The tables and manifest facts [`ResourcePolicies::build`] reads.
#[derive(Debug, Default)]
pub struct ResourceTables {
    /// The `resource_policies` table, when the snapshot has it.
    pub policies: Option<RecordBatch>,
    /// The `resource_settings` table, when the snapshot has it.
    pub settings: Option<RecordBatch>,
    /// The `kms_grants` table, when the snapshot has it.
    pub grants: Option<RecordBatch>,
    /// Why the snapshot lacks resource policies altogether (coverage), if it does.
    pub not_captured: Option<String>,
    /// The accounts the snapshot covers.
    pub accounts: Vec<String>,
    /// The manifest's `missing` parts.
    pub missing: Vec<MissingPart>,
}

/// The ARN a resource's policy is attached to, for a resource a request names: the bucket
/// of an object, the access point of an object through it, the table of an index or
/// stream, the function of a version or alias; other ARNs as they are.
pub fn policy_holder(resource: &str) -> String {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let (Some(service), Some(rest)) = (parts.get(2), parts.get(5)) else {
        return resource.to_owned();
    };
    let prefix = || parts.get(..5).map(|p| p.join(":")).unwrap_or_default();
    match *service {
        "s3" if parts.get(3).is_some_and(|r| r.is_empty()) => {
            let bucket = rest.split('/').next().unwrap_or(rest);
            format!("{}:{bucket}", prefix())
        }
        "s3" if rest.starts_with("accesspoint/") => {
            let name: Vec<&str> = rest.splitn(3, '/').take(2).collect();
            format!("{}:{}", prefix(), name.join("/"))
        }
        "dynamodb" if rest.starts_with("table/") => {
            let name: Vec<&str> = rest.splitn(3, '/').take(2).collect();
            format!("{}:{}", prefix(), name.join("/"))
        }
        "lambda" if rest.starts_with("function:") => {
            let name: Vec<&str> = rest.splitn(3, ':').take(2).collect();
            format!("{}:{}", prefix(), name.join(":"))
        }
        _ => resource.to_owned(),
    }
}

/// The service and region of an ARN.
fn service_region(arn: &str) -> (&str, Option<&str>) {
    let mut parts = arn.splitn(6, ':').skip(2);
    let service = parts.next().unwrap_or_default();
    let region = parts.next().filter(|r| !r.is_empty());
    (service, region)
}

impl ResourcePolicies {
    /// The policies of `tables`.
    pub fn build(tables: ResourceTables) -> Result<Self, String> {
        let mut out = Self {
            not_captured: tables.not_captured,
            accounts: tables.accounts.into_iter().collect(),
            missing: tables
                .missing
                .into_iter()
                .filter(|m| part_service(&m.part).is_some())
                .collect(),
            ..Self::default()
        };
        if let Some(p) = &tables.policies {
            let accounts = strings(p, "account_id")?;
            let regions = strings(p, "region")?;
            let services = strings(p, "service")?;
            let types = strings(p, "resource_type")?;
            let arns = strings(p, "arn")?;
            let texts = strings(p, "policy")?;
            for row in 0..p.num_rows() {
                let (Some(account), Some(arn)) = (get(accounts, row), get(arns, row)) else {
                    continue;
                };
                if get(services, row) == Some("s3") && get(types, row) == Some("bucket") {
                    out.note_bucket(arn, account, get(regions, row));
                }
                if get(types, row) == Some("vpc-endpoint") {
                    out.note_endpoint(arn);
                }
                let text = get(texts, row).map(Arc::<str>::from);
                out.by_arn.insert(
                    arn.to_owned(),
                    Entry {
                        account: account.to_owned(),
                        document: Arc::new(Document::resource_policy(arn, text)),
                    },
                );
            }
        }
        if let Some(s) = &tables.settings {
            let accounts = strings(s, "account_id")?;
            let regions = strings(s, "region")?;
            let services = strings(s, "service")?;
            let types = strings(s, "resource_type")?;
            let arns = strings(s, "arn")?;
            let settings = strings(s, "setting")?;
            let values = strings(s, "value")?;
            for row in 0..s.num_rows() {
                if get(types, row) == Some("vpc-endpoint")
                    && let Some(arn) = get(arns, row)
                {
                    out.note_endpoint(arn);
                }
                if get(services, row) != Some("s3") {
                    continue;
                }
                if get(settings, row) == Some("restrict_public_buckets")
                    && let Some(arn) = get(arns, row)
                {
                    out.restrict_public
                        .insert(arn.to_owned(), get(values, row) == Some("true"));
                }
                if get(types, row) != Some("bucket") {
                    continue;
                }
                if let (Some(account), Some(arn)) = (get(accounts, row), get(arns, row)) {
                    out.note_bucket(arn, account, get(regions, row));
                }
            }
        }
        if let Some(g) = &tables.grants {
            out.grants = read_grants(g)?;
            for (i, g) in out.grants.iter().enumerate() {
                out.grant_documents.push(grant_document(g));
                out.grants_by_key
                    .entry(g.key_arn.clone())
                    .or_default()
                    .push(i);
            }
        }
        Ok(out)
    }

    /// The KMS grants of the snapshot.
    pub fn grants(&self) -> &[KmsGrant] {
        &self.grants
    }

    /// Every KMS grant with the resource policy it amounts to.
    pub fn all_grants(&self) -> impl Iterator<Item = (&KmsGrant, &Arc<Document>)> {
        self.grants.iter().zip(&self.grant_documents)
    }

    /// The grants of the key `key_arn`, each with the resource policy it amounts to
    /// ([`grant_document`]).
    pub fn grants_of(&self, key_arn: &str) -> impl Iterator<Item = (&KmsGrant, &Arc<Document>)> {
        self.grants_by_key
            .get(key_arn)
            .into_iter()
            .flatten()
            .filter_map(|i| Some((self.grants.get(*i)?, self.grant_documents.get(*i)?)))
    }

    fn note_endpoint(&mut self, arn: &str) {
        if let Some((_, id)) = arn.rsplit_once(":vpc-endpoint/") {
            self.endpoints.insert(id.to_owned(), arn.to_owned());
        }
    }

    /// The policy of the VPC endpoint `id` (`vpce-...`) a request goes through: its
    /// policy; `None` when the endpoint has none (it then allows everything, as an
    /// endpoint's default policy does); unknown when the snapshot does not hold the
    /// endpoint.
    pub fn endpoint_policy(&self, id: &str) -> Lookup<'_> {
        match self.endpoints.get(id) {
            Some(arn) => match self.by_arn.get(arn) {
                Some(entry) => Lookup::Policy(&entry.document),
                None => Lookup::None,
            },
            None => Lookup::Unknown(format!(
                "VPC endpoint {id} is not in the snapshot: its policy is unknown"
            )),
        }
    }

    fn note_bucket(&mut self, arn: &str, account: &str, region: Option<&str>) {
        if let Some(bucket) = arn.strip_prefix("arn:aws:s3:::") {
            let entry = self
                .buckets
                .entry(bucket.to_owned())
                .or_insert_with(|| (account.to_owned(), None));
            if entry.1.is_none() {
                entry.1 = region.map(str::to_owned);
            }
        }
    }

    /// The account that owns `resource`: the one in its ARN, or for an S3 bucket the
    /// account the snapshot found it in.
    pub fn account_of<'a>(&'a self, resource: &'a str) -> Option<&'a str> {
        if let Some(account) = crate::resources::arn_account(resource) {
            return Some(account);
        }
        if is_aws_owned(resource) {
            return Some(AWS_OWNER);
        }
        let bucket = resource.strip_prefix("arn:aws:s3:::")?.split('/').next()?;
        self.buckets.get(bucket).map(|(a, _)| a.as_str())
    }

    /// Whether S3 Block Public Access restricts a public policy of the bucket of `resource`
    /// (`RestrictPublicBuckets` on the bucket or on its account).
    pub fn restricts_public(&self, resource: &str, account: Option<&str>) -> bool {
        let holder = policy_holder(resource);
        self.restrict_public.get(&holder) == Some(&true)
            || account.is_some_and(|a| self.restrict_public.get(a) == Some(&true))
    }

    /// The region of `resource`: the one in its ARN, or for an S3 bucket the region the
    /// snapshot found it in.
    pub fn region_of<'a>(&'a self, resource: &'a str) -> Option<&'a str> {
        let (_, region) = service_region(resource);
        if region.is_some() {
            return region;
        }
        let bucket = resource.strip_prefix("arn:aws:s3:::")?.split('/').next()?;
        self.buckets.get(bucket).and_then(|(_, r)| r.as_deref())
    }

    /// The policy of `resource` (see [`policy_holder`]) in `account`, or what the snapshot
    /// knows of it. `None` for a service whose resource policies are never captured.
    pub fn lookup(&self, resource: &str, account: Option<&str>) -> Option<Lookup<'_>> {
        let holder = policy_holder(resource);
        let (service, region) = service_region(&holder);
        if !CAPTURED_SERVICES.contains(&service) {
            return None;
        }
        if let Some(entry) = self.by_arn.get(&holder)
            && account.is_none_or(|a| a == entry.account)
        {
            return Some(Lookup::Policy(&entry.document));
        }
        if let Some(why) = &self.not_captured {
            return Some(Lookup::Unknown(format!(
                "the policy of {holder} is unknown: the snapshot holds no resource-based policies ({why})"
            )));
        }
        let Some(account) = account else {
            return Some(Lookup::Unknown(format!(
                "{holder} is not in any account of the snapshot: its account and its policy are unknown"
            )));
        };
        if !self.accounts.contains(account) {
            return Some(Lookup::Unknown(format!(
                "account {account} is not in the snapshot: the policy of {holder} is unknown"
            )));
        }
        let region = match (service, region) {
            ("s3", None) => holder
                .strip_prefix("arn:aws:s3:::")
                .and_then(|b| self.buckets.get(b))
                .and_then(|(_, r)| r.as_deref()),
            (_, r) => r,
        };
        // The kind a part is about: access points and layers apart from their services'
        // other resources.
        let kind = if holder.contains(":accesspoint/") {
            "s3:accesspoint"
        } else if holder.contains(":layer:") {
            "lambda:layer"
        } else {
            service
        };
        let lacking = self.missing.iter().find(|m| {
            part_service(&m.part).is_some_and(|s| s.is_none_or(|s| s == kind))
                && m.account.as_deref().is_none_or(|a| a == account)
                && match (&m.region, region) {
                    (None, _) | (Some(_), None) => true,
                    (Some(m), Some(r)) => m == r,
                }
        });
        if let Some(m) = lacking {
            return Some(Lookup::Unknown(format!(
                "the policy of {holder} may exist: the capture could not read {} ({})",
                m.subject(),
                m.reason
            )));
        }
        Some(Lookup::None)
    }

    /// Every resource policy document, for parsing them all at once.
    pub(crate) fn documents(&self) -> impl Iterator<Item = &Arc<Document>> {
        self.by_arn.values().map(|e| &e.document)
    }

    /// The policy of the resource `arn` names exactly (a bucket, a key), if captured.
    pub fn get(&self, arn: &str) -> Option<&Arc<Document>> {
        self.by_arn.get(arn).map(|e| &e.document)
    }

    /// Every resource with a policy: (ARN, account, document).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &Arc<Document>)> {
        self.by_arn
            .iter()
            .map(|(arn, e)| (arn.as_str(), e.account.as_str(), &e.document))
    }
}

impl KmsGrant {
    /// How the grant is named in explanations: `KMS grant <id> (<name>)`.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!("KMS grant {} ({name})", self.grant_id),
            None => format!("KMS grant {}", self.grant_id),
        }
    }

    /// Whether the grantee is an AWS service principal.
    pub fn to_service(&self) -> bool {
        self.grantee.ends_with(".amazonaws.com")
    }
}

/// The resource policy a KMS grant amounts to: one statement allowing the grantee the
/// grant's operations on the key, with its encryption context constraints as conditions
/// (`EncryptionContextSubset`: each pair must be in the request's context;
/// `EncryptionContextEquals`: the context must be exactly those pairs). A grant whose
/// constraints are of a form not known here is a policy the snapshot cannot read, so the
/// answers that depend on it are unknown rather than wrong.
pub fn grant_document(g: &KmsGrant) -> Arc<Document> {
    use serde_json::{Map, Value, json};
    let principal = if g.to_service() {
        json!({ "Service": g.grantee })
    } else {
        json!({ "AWS": g.grantee })
    };
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": g.actions,
        "Resource": "*",
    });
    let condition = match g.constraints.as_deref() {
        None => Some(None),
        Some(text) => serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|c| grant_condition(&c))
            .map(Some),
    };
    let text = match condition {
        None => None,
        Some(c) => {
            if let (Some(c), Some(obj)) = (c.filter(|c| !c.is_empty()), statement.as_object_mut()) {
                obj.insert("Condition".to_owned(), Value::Object(c));
            }
            let doc: Map<String, Value> = [
                ("Version".to_owned(), json!("2012-10-17")),
                ("Statement".to_owned(), json!([statement])),
            ]
            .into_iter()
            .collect();
            Some(Arc::from(Value::Object(doc).to_string()))
        }
    };
    Arc::new(Document::resource_policy(
        format!("{} of {}", g.describe(), g.key_arn),
        text,
    ))
}

/// The condition block of a grant's `Constraints`; `None` when they hold something else
/// than string encryption context pairs.
fn grant_condition(c: &serde_json::Value) -> Option<serde_json::Map<String, serde_json::Value>> {
    use serde_json::{Map, Value, json};
    let obj = c.as_object()?;
    let mut equals = Map::new();
    let mut exact_keys: Option<Vec<String>> = None;
    for (form, pairs) in obj {
        let pairs = pairs.as_object()?;
        match form.as_str() {
            "EncryptionContextSubset" => {}
            "EncryptionContextEquals" => {
                exact_keys = Some(pairs.keys().cloned().collect());
            }
            _ => return None,
        }
        for (k, v) in pairs {
            equals.insert(
                format!("kms:EncryptionContext:{k}"),
                Value::String(v.as_str()?.to_owned()),
            );
        }
    }
    let mut out = Map::new();
    if !equals.is_empty() {
        out.insert("StringEquals".to_owned(), Value::Object(equals));
    }
    if let Some(keys) = exact_keys {
        out.insert(
            "ForAllValues:StringEquals".to_owned(),
            json!({ "kms:EncryptionContextKeys": keys }),
        );
    }
    Some(out)
}

/// The owner of AWS managed policies (`arn:aws:iam::aws:policy/...`): AWS, not any
/// customer's account.
pub const AWS_OWNER: &str = "aws";

/// Whether `resource` belongs to AWS itself (an AWS managed policy).
pub fn is_aws_owned(resource: &str) -> bool {
    resource
        .strip_prefix("arn:")
        .and_then(|r| r.split(':').nth(3))
        == Some(AWS_OWNER)
}

/// The grants of the `kms_grants` table.
fn read_grants(batch: &RecordBatch) -> Result<Vec<KmsGrant>, String> {
    use arrow::array::{Array as _, AsArray as _};
    let accounts = strings(batch, "account_id")?;
    let keys = strings(batch, "key_arn")?;
    let ids = strings(batch, "grant_id")?;
    let names = strings(batch, "name")?;
    let grantees = strings(batch, "grantee_principal")?;
    let constraints = strings(batch, "constraints")?;
    let operations = batch
        .column_by_name("operations")
        .and_then(|c| c.as_list_opt::<i32>())
        .ok_or("table `kms_grants`: no list column `operations`")?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let (Some(account), Some(key), Some(grantee)) =
            (get(accounts, row), get(keys, row), get(grantees, row))
        else {
            continue;
        };
        let mut actions: Vec<String> = Vec::new();
        if !operations.is_null(row) {
            let values = operations.value(row);
            if let Some(values) = values.as_string_opt::<i32>() {
                for i in 0..values.len() {
                    if !values.is_null(i) {
                        actions.push(format!("kms:{}", values.value(i)));
                    }
                }
            }
        }
        actions.sort();
        actions.dedup();
        out.push(KmsGrant {
            key_arn: key.to_owned(),
            account: account.to_owned(),
            grant_id: get(ids, row).unwrap_or_default().to_owned(),
            name: get(names, row).map(str::to_owned),
            grantee: grantee.to_owned(),
            actions,
            constraints: get(constraints, row).map(str::to_owned),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(constraints: Option<&str>) -> KmsGrant {
        KmsGrant {
            key_arn: "arn:aws:kms:eu-west-1:111122223333:key/k".to_owned(),
            account: "111122223333".to_owned(),
            grant_id: "g1".to_owned(),
            name: None,
            grantee: "arn:aws:iam::444455556666:role/app".to_owned(),
            actions: vec!["kms:Decrypt".to_owned()],
            constraints: constraints.map(str::to_owned),
        }
    }

    #[test]
    fn a_grant_reads_as_a_key_policy_with_its_constraints_as_conditions() {
        let exact = grant_document(&grant(Some(
            r#"{"EncryptionContextEquals":{"app":"billing"}}"#,
        )));
        let text: serde_json::Value = serde_json::from_str(exact.text().unwrap()).unwrap();
        assert_eq!(
            text["Statement"][0]["Condition"],
            serde_json::json!({
                "StringEquals": {"kms:EncryptionContext:app": "billing"},
                "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["app"]}
            })
        );
        assert_eq!(
            text["Statement"][0]["Principal"],
            serde_json::json!({"AWS": "arn:aws:iam::444455556666:role/app"})
        );
        assert!(exact.compiled().is_some());
        let plain = grant_document(&grant(None));
        let text: serde_json::Value = serde_json::from_str(plain.text().unwrap()).unwrap();
        assert!(text["Statement"][0].get("Condition").is_none());
        // Constraints of a form not known here: a policy the snapshot cannot read.
        assert!(
            grant_document(&grant(Some(r#"{"Other":{"a":"b"}}"#)))
                .compiled()
                .is_none()
        );
        assert!(
            grant_document(&grant(Some(r#"{"EncryptionContextSubset":{"a":1}}"#)))
                .compiled()
                .is_none()
        );
    }

    #[test]
    fn a_policy_is_found_on_the_resource_that_holds_it() {
        assert_eq!(policy_holder("arn:aws:s3:::b/k/x"), "arn:aws:s3:::b");
        assert_eq!(policy_holder("arn:aws:s3:::b"), "arn:aws:s3:::b");
        assert_eq!(
            policy_holder("arn:aws:s3:eu-west-1:111122223333:accesspoint/ap/object/k"),
            "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap"
        );
        assert_eq!(
            policy_holder("arn:aws:dynamodb:eu-west-1:111122223333:table/T/index/I"),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/T"
        );
        assert_eq!(
            policy_holder("arn:aws:lambda:eu-west-1:111122223333:function:f:prod"),
            "arn:aws:lambda:eu-west-1:111122223333:function:f"
        );
        assert_eq!(
            policy_holder("arn:aws:kms:eu-west-1:111122223333:key/k"),
            "arn:aws:kms:eu-west-1:111122223333:key/k"
        );
    }

    #[test]
    fn missing_parts_make_only_their_services_policies_unknown() {
        assert_eq!(part_service("s3_bucket_policies"), Some(Some("s3")));
        assert_eq!(part_service("s3_buckets"), Some(Some("s3")));
        assert_eq!(
            part_service("s3_access_points"),
            Some(Some("s3:accesspoint"))
        );
        assert_eq!(part_service("lambda_layers"), Some(Some("lambda:layer")));
        assert_eq!(
            part_service("secret_policies"),
            Some(Some("secretsmanager"))
        );
        assert_eq!(part_service("resources"), Some(None));
        assert_eq!(part_service("s3_bucket_tags"), None);
        assert_eq!(part_service("kms_grants"), None);
        assert_eq!(part_service("credential_report"), None);
        assert_eq!(part_service("organization_policies"), None);
    }
}
