//! How the export reads each kind of the registry of regional resource kinds
//! ([`iamsnap_import::registry`], shared with the AWS CLI capture: each kind's calls, IAM
//! actions, parts, codes, ARNs and rows): the requests in the service's protocol through
//! the signed client, and the reading of the answers the registry does not read itself
//! (XML). A test checks that every request is a call of the registry.

use std::future::Future;
use std::pin::Pin;

use iamsnap_import::registry;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::resources::{self, Captured, Env};
use crate::signed::{Answer, Call, encode};
use crate::xml;

pub(crate) use iamsnap_import::registry::{Place, Resource, text};

/// One page of a listing and the token of the next one.
#[derive(Debug, Default)]
pub(crate) struct Listed {
    pub(crate) resources: Vec<Resource>,
    pub(crate) next: Option<String>,
}

/// A reader of a resource's settings beyond its policy (grants, tags, shares): its own
/// calls, parts and rows.
pub(crate) type ReadSettings = for<'a> fn(
    &'a Env,
    &'a Place,
    &'a Resource,
) -> Pin<Box<dyn Future<Output = Captured> + Send + 'a>>;

/// How the export reads one kind of the registry ([`registry::KINDS`]: its calls, parts,
/// rows and codes): the requests in the service's protocol, and what is read of an answer
/// the registry does not read itself (XML; the JSON protocols' answers are the AWS CLI's
/// outputs, read by the registry).
#[derive(Debug)]
pub(crate) struct Kind {
    /// The kind, in the registry.
    pub(crate) facts: &'static registry::Kind,
    /// The request of a listing page, after the page with `token`.
    pub(crate) list: fn(&Place, Option<&str>) -> Call,
    /// The resources of a listing page, and the next token.
    pub(crate) listed: fn(&Place, &Answer) -> Result<Listed, ApiError>,
    /// The second level of listing, when the registry's kind has one.
    pub(crate) nested: Option<Nested>,
    /// The policy call, when the registry's kind reads its policy with one.
    pub(crate) policy: Option<PolicyCall>,
    /// What else is read of each resource, into `resource_settings` (or `kms_grants`).
    pub(crate) settings: Option<ReadSettings>,
}

/// The listing of each first-level resource's own resources.
#[derive(Debug)]
pub(crate) struct Nested {
    pub(crate) list: fn(&Place, &Resource, Option<&str>) -> Call,
    pub(crate) listed: fn(&Place, &Resource, &Answer) -> Result<Listed, ApiError>,
}

/// The call of a resource's policy.
#[derive(Debug)]
pub(crate) struct PolicyCall {
    pub(crate) request: fn(&Place, &Resource) -> Call,
    /// The policy text of an answer, `None` when the resource has none.
    pub(crate) policy: fn(&Answer) -> Result<Option<String>, ApiError>,
}

/// A page of a JSON listing: its resources as the registry reads them, and the next token.
fn json_page(p: &Place, a: &Answer, kind: &registry::Kind, next: &str) -> Result<Listed, ApiError> {
    let v = a.json(kind.list.operation)?;
    Ok(Listed {
        resources: (kind.listed)(p, &v),
        next: text(&v, next).filter(|t| !t.is_empty()),
    })
}

/// The policy of a JSON answer, as the registry reads it.
fn json_policy(a: &Answer, kind: &registry::Kind) -> Result<Option<String>, ApiError> {
    let Some(of) = &kind.policy else {
        return Ok(None);
    };
    let operation = of.call.map_or(kind.list.operation, |c| c.operation);
    Ok((of.text)(&a.json(operation)?))
}

/// Every regional resource kind the export reads, one per kind of the registry.
pub(crate) static KINDS: &[Kind] = &[
    Kind {
        facts: &registry::KMS_KEY,
        list: |p, token| kms(p, "ListKeys", json!({"Limit": 1000, "Marker": token})),
        listed: |p, a| {
            let v = a.json("ListKeys")?;
            Ok(Listed {
                resources: (registry::KMS_KEY.listed)(p, &v),
                next: next_marker(&v, "NextMarker"),
            })
        },
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                kms(
                    p,
                    "GetKeyPolicy",
                    json!({"KeyId": r.handle, "PolicyName": "default"}),
                )
            },
            policy: |a| json_policy(a, &registry::KMS_KEY),
        }),
        settings: Some(|env, place, r| Box::pin(resources::kms_grants_and_tags(env, place, r))),
    },
    Kind {
        facts: &registry::SQS_QUEUE,
        list: |p, token| {
            Call::json(
                "ListQueues",
                "sqs",
                "sqs",
                &p.region,
                "1.0",
                "AmazonSQS.ListQueues".to_owned(),
                &without_nulls(json!({"MaxResults": 1000, "NextToken": token})),
            )
        },
        listed: |p, a| json_page(p, a, &registry::SQS_QUEUE, "NextToken"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::json(
                    "GetQueueAttributes",
                    "sqs",
                    "sqs",
                    &p.region,
                    "1.0",
                    "AmazonSQS.GetQueueAttributes".to_owned(),
                    &json!({"QueueUrl": r.handle, "AttributeNames": ["Policy"]}),
                )
            },
            policy: |a| json_policy(a, &registry::SQS_QUEUE),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::SNS_TOPIC,
        list: |p, token| {
            let params: Vec<(&str, &str)> = token.map(|t| ("NextToken", t)).into_iter().collect();
            Call::query("ListTopics", "sns", &p.region, "2010-03-31", &params)
        },
        listed: |_, a| {
            let leaves = xml::leaves(&a.text());
            let resources = xml::values(&leaves, "Topics/member/TopicArn")
                .into_iter()
                .map(registry::topic)
                .collect();
            let next = xml::values(&leaves, "ListTopicsResult/NextToken")
                .first()
                .filter(|t| !t.is_empty())
                .map(|t| (*t).to_owned());
            Ok(Listed { resources, next })
        },
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::query(
                    "GetTopicAttributes",
                    "sns",
                    &p.region,
                    "2010-03-31",
                    &[("TopicArn", r.handle.as_str())],
                )
            },
            policy: |a| {
                let leaves = xml::leaves(&a.text());
                let keys = xml::values(&leaves, "entry/key");
                let values = xml::values(&leaves, "entry/value");
                Ok(keys
                    .iter()
                    .zip(values)
                    .find(|(k, _)| **k == "Policy")
                    .map(|(_, v)| v.to_owned()))
            },
        }),
        settings: None,
    },
    Kind {
        facts: &registry::SECRET,
        list: |p, token| {
            Call::json(
                "ListSecrets",
                "secretsmanager",
                "secretsmanager",
                &p.region,
                "1.1",
                "secretsmanager.ListSecrets".to_owned(),
                &without_nulls(json!({"MaxResults": 100, "NextToken": token})),
            )
        },
        listed: |p, a| json_page(p, a, &registry::SECRET, "NextToken"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::json(
                    "GetResourcePolicy",
                    "secretsmanager",
                    "secretsmanager",
                    &p.region,
                    "1.1",
                    "secretsmanager.GetResourcePolicy".to_owned(),
                    &json!({"SecretId": r.handle}),
                )
            },
            policy: |a| json_policy(a, &registry::SECRET),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::LAMBDA_FUNCTION,
        list: |p, token| lambda(p, "ListFunctions", "/2015-03-31/functions/", token),
        listed: |p, a| json_page(p, a, &registry::LAMBDA_FUNCTION, "NextMarker"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::rest(
                    "lambda:GetPolicy",
                    "lambda",
                    "lambda",
                    &p.region,
                    format!("/2015-03-31/functions/{}/policy", encode(&r.handle)),
                    Vec::new(),
                )
            },
            policy: |a| json_policy(a, &registry::LAMBDA_FUNCTION),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::LAMBDA_LAYER_VERSION,
        list: |p, token| lambda(p, "ListLayers", "/2018-10-31/layers", token),
        listed: |p, a| json_page(p, a, &registry::LAMBDA_LAYER_VERSION, "NextMarker"),
        // One policy per version of a layer.
        nested: Some(Nested {
            list: |p, layer, token| {
                let path = format!("/2018-10-31/layers/{}/versions", encode(&layer.handle));
                lambda(p, "ListLayerVersions", &path, token)
            },
            listed: |p, layer, a| {
                let v = a.json("ListLayerVersions")?;
                let resources = registry::LAMBDA_LAYER_VERSION
                    .nested
                    .as_ref()
                    .map(|n| (n.listed)(p, layer, &v))
                    .unwrap_or_default();
                Ok(Listed {
                    resources,
                    next: text(&v, "NextMarker").filter(|t| !t.is_empty()),
                })
            },
        }),
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::rest(
                    "GetLayerVersionPolicy",
                    "lambda",
                    "lambda",
                    &p.region,
                    format!(
                        "/2018-10-31/layers/{}/versions/{}/policy",
                        encode(&r.parent),
                        encode(&r.handle)
                    ),
                    Vec::new(),
                )
            },
            policy: |a| json_policy(a, &registry::LAMBDA_LAYER_VERSION),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::ECR_REPOSITORY,
        list: |p, token| {
            ecr(
                p,
                "DescribeRepositories",
                without_nulls(json!({"maxResults": 1000, "nextToken": token})),
            )
        },
        listed: |p, a| json_page(p, a, &registry::ECR_REPOSITORY, "nextToken"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                ecr(
                    p,
                    "GetRepositoryPolicy",
                    json!({"repositoryName": r.handle}),
                )
            },
            policy: |a| json_policy(a, &registry::ECR_REPOSITORY),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::EVENT_BUS,
        list: |p, token| {
            Call::json(
                "ListEventBuses",
                "events",
                "events",
                &p.region,
                "1.1",
                "AWSEvents.ListEventBuses".to_owned(),
                &without_nulls(json!({"Limit": 100, "NextToken": token})),
            )
        },
        listed: |p, a| json_page(p, a, &registry::EVENT_BUS, "NextToken"),
        nested: None,
        policy: None,
        settings: None,
    },
    Kind {
        facts: &registry::DYNAMODB_TABLE,
        list: |p, token| {
            dynamodb(
                p,
                "ListTables",
                without_nulls(json!({"Limit": 100, "ExclusiveStartTableName": token})),
            )
        },
        listed: |p, a| json_page(p, a, &registry::DYNAMODB_TABLE, "LastEvaluatedTableName"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                dynamodb(
                    p,
                    "dynamodb:GetResourcePolicy",
                    json!({"ResourceArn": r.arn}),
                )
            },
            policy: |a| json_policy(a, &registry::DYNAMODB_TABLE),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::BACKUP_VAULT,
        list: |p, token| {
            let mut path = "/backup-vaults/?maxResults=1000".to_owned();
            if let Some(t) = token {
                path.push_str(&format!("&nextToken={}", encode(t)));
            }
            Call::rest(
                "ListBackupVaults",
                "backup",
                "backup",
                &p.region,
                path,
                Vec::new(),
            )
        },
        listed: |p, a| json_page(p, a, &registry::BACKUP_VAULT, "NextToken"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::rest(
                    "GetBackupVaultAccessPolicy",
                    "backup",
                    "backup",
                    &p.region,
                    format!("/backup-vaults/{}/access-policy", encode(&r.handle)),
                    Vec::new(),
                )
            },
            policy: |a| json_policy(a, &registry::BACKUP_VAULT),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::EFS_FILE_SYSTEM,
        list: |p, token| {
            let mut path = "/2015-02-01/file-systems?MaxItems=100".to_owned();
            if let Some(t) = token {
                path.push_str(&format!("&Marker={}", encode(t)));
            }
            Call::rest(
                "DescribeFileSystems",
                "elasticfilesystem",
                "elasticfilesystem",
                &p.region,
                path,
                Vec::new(),
            )
        },
        listed: |p, a| json_page(p, a, &registry::EFS_FILE_SYSTEM, "NextMarker"),
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                Call::rest(
                    "DescribeFileSystemPolicy",
                    "elasticfilesystem",
                    "elasticfilesystem",
                    &p.region,
                    format!("/2015-02-01/file-systems/{}/policy", encode(&r.handle)),
                    Vec::new(),
                )
            },
            policy: |a| json_policy(a, &registry::EFS_FILE_SYSTEM),
        }),
        settings: None,
    },
    Kind {
        facts: &registry::LOGS_RESOURCE_POLICY,
        list: |p, token| {
            Call::json(
                "DescribeResourcePolicies",
                "logs",
                "logs",
                &p.region,
                "1.1",
                "Logs_20140328.DescribeResourcePolicies".to_owned(),
                &without_nulls(json!({"limit": 50, "nextToken": token})),
            )
        },
        listed: |p, a| json_page(p, a, &registry::LOGS_RESOURCE_POLICY, "nextToken"),
        nested: None,
        policy: None,
        settings: None,
    },
    Kind {
        facts: &registry::S3_ACCESS_POINT,
        list: |p, token| {
            let mut path = "/v20180820/accesspoint?maxResults=1000".to_owned();
            if let Some(t) = token {
                path.push_str(&format!("&nextToken={}", encode(t)));
            }
            s3control(p, "ListAccessPoints", path)
        },
        listed: |p, a| {
            let body = a.text();
            let resources = xml::elements(&body, "AccessPointList/AccessPoint")
                .into_iter()
                .filter_map(|ap| {
                    let leaves = xml::leaves(ap);
                    registry::access_point(
                        p,
                        xml::field(&leaves, "Name")?,
                        xml::field(&leaves, "AccessPointArn"),
                    )
                })
                .collect();
            let leaves = xml::leaves(&body);
            let next = xml::under_root(&leaves, "NextToken").filter(|t| !t.is_empty());
            Ok(Listed { resources, next })
        },
        nested: None,
        policy: Some(PolicyCall {
            request: |p, r| {
                s3control(
                    p,
                    "GetAccessPointPolicy",
                    format!("/v20180820/accesspoint/{}/policy", encode(&r.handle)),
                )
            },
            policy: |a| {
                let leaves = xml::leaves(&a.text());
                Ok(xml::under_root(&leaves, "Policy"))
            },
        }),
        settings: Some(|env, place, r| Box::pin(resources::access_point_settings(env, place, r))),
    },
    Kind {
        facts: &registry::VPC_ENDPOINT,
        list: |p, token| {
            let mut params = vec![("MaxResults", "1000")];
            if let Some(t) = token {
                params.push(("NextToken", t));
            }
            Call::query(
                "DescribeVpcEndpoints",
                "ec2",
                &p.region,
                "2016-11-15",
                &params,
            )
        },
        listed: |p, a| {
            let body = a.text();
            let resources = xml::elements(&body, "vpcEndpointSet/item")
                .into_iter()
                .filter_map(|item| {
                    let leaves = xml::leaves(item);
                    Some(registry::vpc_endpoint(
                        p,
                        xml::field(&leaves, "vpcEndpointId")?,
                        xml::field(&leaves, "ownerId"),
                        xml::field(&leaves, "policyDocument"),
                        [
                            xml::field(&leaves, "vpcId"),
                            xml::field(&leaves, "serviceName"),
                            xml::field(&leaves, "vpcEndpointType"),
                        ],
                    ))
                })
                .collect();
            let next = xml::under_root(&xml::leaves(&body), "nextToken").filter(|t| !t.is_empty());
            Ok(Listed { resources, next })
        },
        nested: None,
        policy: None,
        settings: None,
    },
    Kind {
        facts: &registry::RAM_RESOURCE_SHARE,
        list: |p, token| {
            ram(
                p,
                "GetResourceShares",
                "/getresourceshares",
                json!({"resourceOwner": "SELF", "maxResults": 500, "nextToken": token}),
            )
        },
        listed: |p, a| json_page(p, a, &registry::RAM_RESOURCE_SHARE, "nextToken"),
        nested: None,
        policy: None,
        settings: Some(|env, place, r| Box::pin(resources::ram_share_settings(env, place, r))),
    },
];

fn lambda(p: &Place, operation: &'static str, path: &str, token: Option<&str>) -> Call {
    let mut path = format!("{path}?MaxItems=50");
    if let Some(t) = token {
        path.push_str(&format!("&Marker={}", encode(t)));
    }
    Call::rest(operation, "lambda", "lambda", &p.region, path, Vec::new())
}

fn dynamodb(p: &Place, operation: &'static str, body: Value) -> Call {
    let name = operation.rsplit(':').next().unwrap_or(operation);
    Call::json(
        operation,
        "dynamodb",
        "dynamodb",
        &p.region,
        "1.0",
        format!("DynamoDB_20120810.{name}"),
        &body,
    )
}

/// An S3 Control request of the caller's account.
fn s3control(p: &Place, operation: &'static str, path: String) -> Call {
    Call::rest(
        operation,
        "s3",
        &format!("{}.s3-control", p.account),
        &p.region,
        path,
        vec![("x-amz-account-id", p.account.clone())],
    )
}

/// A RAM request (REST-JSON, `POST`).
pub(crate) fn ram(p: &Place, operation: &'static str, path: &str, body: Value) -> Call {
    Call::rest_json(
        operation,
        "ram",
        "ram",
        &p.region,
        path,
        &without_nulls(body),
    )
}

/// The request of one page of a share's associations of one type (`PRINCIPAL` or
/// `RESOURCE`).
pub(crate) fn ram_associations(
    p: &Place,
    share: &str,
    association_type: &str,
    token: Option<&str>,
) -> Call {
    ram(
        p,
        "GetResourceShareAssociations",
        "/getresourceshareassociations",
        json!({"associationType": association_type, "resourceShareArns": [share],
               "maxResults": 500, "nextToken": token}),
    )
}

/// The request of an access point's configuration (`s3:GetAccessPoint`).
pub(crate) fn get_access_point(p: &Place, name: &str) -> Call {
    s3control(
        p,
        "GetAccessPoint",
        format!("/v20180820/accesspoint/{}", encode(name)),
    )
}

/// The settings of a `GetAccessPoint` answer (as the registry makes them of the AWS CLI's).
pub(crate) fn access_point_settings(a: &Answer) -> Vec<(&'static str, String)> {
    let leaves = xml::leaves(&a.text());
    let flags: Vec<bool> = public_access_block_settings(a)
        .into_iter()
        .map(|(_, on)| on)
        .collect();
    registry::access_point_settings(
        [0, 1, 2, 3].map(|i| flags.get(i).copied()),
        ["NetworkOrigin", "VpcConfiguration/VpcId", "Bucket"]
            .map(|element| xml::under_root(&leaves, element)),
    )
}

fn kms(p: &Place, operation: &'static str, body: Value) -> Call {
    Call::json(
        operation,
        "kms",
        "kms",
        &p.region,
        "1.1",
        format!("TrentService.{operation}"),
        &without_nulls(body),
    )
}

fn ecr(p: &Place, operation: &'static str, body: Value) -> Call {
    Call::json(
        operation,
        "ecr",
        "api.ecr",
        &p.region,
        "1.1",
        format!("AmazonEC2ContainerRegistry_V20150921.{operation}"),
        &body,
    )
}

/// The request of one page of a key's grants (`kms:ListGrants`).
pub(crate) fn kms_list_grants(p: &Place, key: &str, marker: Option<&str>) -> Call {
    kms(
        p,
        "ListGrants",
        json!({"KeyId": key, "Limit": 100, "Marker": marker}),
    )
}

/// The request of one page of a key's tags (`kms:ListResourceTags`).
pub(crate) fn kms_list_tags(p: &Place, key: &str, marker: Option<&str>) -> Call {
    kms(
        p,
        "ListResourceTags",
        json!({"KeyId": key, "Limit": 50, "Marker": marker}),
    )
}

/// The regions enabled for the account (`ec2:DescribeRegions`, asked in `region`).
pub(crate) fn describe_regions(region: &str) -> Call {
    Call::query("DescribeRegions", "ec2", region, "2016-11-15", &[])
}

/// The region names of a `DescribeRegions` answer, sorted.
pub(crate) fn region_names(a: &Answer) -> Vec<String> {
    let leaves = xml::leaves(&a.text());
    let mut names: Vec<String> = xml::values(&leaves, "regionInfo/item/regionName")
        .into_iter()
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The account's S3 Block Public Access (`s3control:GetPublicAccessBlock`).
pub(crate) fn account_public_access_block(region: &str, account: &str) -> Call {
    Call::rest(
        "s3control:GetPublicAccessBlock",
        "s3",
        &format!("{account}.s3-control"),
        region,
        "/v20180820/configuration/publicAccessBlock".to_owned(),
        vec![("x-amz-account-id", account.to_owned())],
    )
}

/// The four settings of a `PublicAccessBlockConfiguration` XML answer.
pub(crate) fn public_access_block_settings(a: &Answer) -> Vec<(&'static str, bool)> {
    let leaves = xml::leaves(&a.text());
    [
        ("block_public_acls", "BlockPublicAcls"),
        ("ignore_public_acls", "IgnorePublicAcls"),
        ("block_public_policy", "BlockPublicPolicy"),
        ("restrict_public_buckets", "RestrictPublicBuckets"),
    ]
    .into_iter()
    .map(|(setting, element)| {
        let on = xml::values(&leaves, element)
            .first()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        (setting, on)
    })
    .collect()
}

/// Removes null members, which JSON protocols reject as values of the wrong type.
fn without_nulls(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|_, m| !m.is_null());
    }
    v
}

/// KMS's paging: the marker when `Truncated` is true.
pub(crate) fn next_marker(v: &Value, key: &str) -> Option<String> {
    if v.get("Truncated").and_then(Value::as_bool) == Some(true) {
        text(v, key).filter(|t| !t.is_empty())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            region: "eu-west-1".to_owned(),
            account: "111122223333".to_owned(),
            partition: "aws".to_owned(),
        }
    }

    fn answer(body: &str) -> Answer {
        Answer {
            body: body.as_bytes().to_vec(),
        }
    }

    fn kind(service: &str, resource_type: &str) -> &'static Kind {
        KINDS
            .iter()
            .find(|k| k.facts.service == service && k.facts.resource_type == resource_type)
            .unwrap()
    }

    fn sample() -> Resource {
        Resource {
            arn: "arn:aws:kms:eu-west-1:111122223333:key/k1".to_owned(),
            name: "n".to_owned(),
            handle: "h".to_owned(),
            ..Resource::default()
        }
    }

    /// Every request a kind makes, with a sample resource.
    fn calls(k: &Kind) -> Vec<Call> {
        let p = place();
        let r = sample();
        let mut out = vec![(k.list)(&p, None), (k.list)(&p, Some("t"))];
        if let Some(n) = &k.nested {
            out.push((n.list)(&p, &r, None));
        }
        if let Some(call) = &k.policy {
            out.push((call.request)(&p, &r));
        }
        out
    }

    /// Every kind of the registry is read once, and every request is one of its calls:
    /// the request's operation is the step's, so its action and part are the registry's.
    #[test]
    fn every_kind_of_the_registry_is_read_once_with_its_calls() {
        assert_eq!(KINDS.len(), registry::KINDS.len());
        for (k, facts) in KINDS.iter().zip(registry::KINDS) {
            assert!(std::ptr::eq(k.facts, *facts), "{}", facts.service);
            assert_eq!(k.nested.is_some(), facts.nested.is_some());
            assert_eq!(
                k.policy.is_some(),
                facts.policy.as_ref().is_some_and(|p| p.call.is_some()),
                "{}",
                facts.service
            );
            let steps: Vec<&str> = facts.steps().iter().map(|s| s.operation).collect();
            for call in calls(k) {
                assert!(
                    steps.contains(&call.operation),
                    "{} is not a call of {} {}",
                    call.operation,
                    facts.service,
                    facts.resource_type
                );
                assert!(crate::actions::api_action(call.operation).is_some());
            }
        }
    }

    #[test]
    fn docs_list_every_kind() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/export.md");
        let docs = std::fs::read_to_string(path).unwrap();
        for k in KINDS {
            let row = format!("| `{}` | `{}` |", k.facts.service, k.facts.resource_type);
            assert!(docs.contains(&row), "docs/export.md lacks the row {row}");
        }
    }

    #[test]
    fn queue_urls_become_arns() {
        let k = kind("sqs", "queue");
        let listed = (k.listed)(
            &place(),
            &answer(r#"{"QueueUrls":["https://sqs.eu-west-1.amazonaws.com/444455556666/jobs"],"NextToken":"t2"}"#),
        )
        .unwrap();
        let r = &listed.resources[0];
        assert_eq!(r.arn, "arn:aws:sqs:eu-west-1:444455556666:jobs");
        assert_eq!(r.name, "jobs");
        assert_eq!(listed.next.as_deref(), Some("t2"));
        let call = (k.list)(&place(), Some("t2"));
        assert_eq!(
            String::from_utf8(call.body).unwrap(),
            r#"{"MaxResults":1000,"NextToken":"t2"}"#
        );
    }

    #[test]
    fn kms_pages_follow_truncated() {
        let k = kind("kms", "key");
        let listed = (k.listed)(
            &place(),
            &answer(r#"{"Keys":[{"KeyId":"k1","KeyArn":"arn:aws:kms:eu-west-1:111122223333:key/k1"}],"Truncated":false,"NextMarker":"m"}"#),
        )
        .unwrap();
        assert_eq!(listed.resources[0].name, "k1");
        assert_eq!(listed.next, None);
        let call = (k.list)(&place(), None);
        assert_eq!(String::from_utf8(call.body).unwrap(), r#"{"Limit":1000}"#);
    }

    fn policy_of(k: &Kind) -> fn(&Answer) -> Result<Option<String>, ApiError> {
        match &k.policy {
            Some(call) => call.policy,
            None => panic!("{} reads no policy", k.facts.service),
        }
    }

    #[test]
    fn topic_policies_are_read_from_the_attribute_entries() {
        let k = kind("sns", "topic");
        let policy = policy_of(k)(&answer(
            "<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>Owner</key><value>1</value></entry><entry><key>Policy</key><value>{&quot;Version&quot;:&quot;2012-10-17&quot;}</value></entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>",
        ))
        .unwrap();
        assert_eq!(policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
    }

    /// The answers of the API references' response syntax, for the calls moto does not
    /// serve.
    #[test]
    fn backup_vault_policies_are_read_from_the_access_policy_answer() {
        let k = kind("backup", "backupVault");
        let listed = (k.listed)(
            &place(),
            &answer(r#"{"BackupVaultList":[{"BackupVaultArn":"arn:aws:backup:eu-west-1:111122223333:backup-vault:Default","BackupVaultName":"Default","NumberOfRecoveryPoints":3}],"NextToken":"n2"}"#),
        )
        .unwrap();
        assert_eq!(listed.resources[0].name, "Default");
        assert_eq!(
            listed.resources[0].arn,
            "arn:aws:backup:eu-west-1:111122223333:backup-vault:Default"
        );
        assert_eq!(listed.next.as_deref(), Some("n2"));
        let call = (k.list)(&place(), Some("n2"));
        assert_eq!(call.path, "/backup-vaults/?maxResults=1000&nextToken=n2");
        let policy = policy_of(k)(&answer(
            r#"{"BackupVaultArn":"arn:aws:backup:eu-west-1:111122223333:backup-vault:Default","BackupVaultName":"Default","Policy":"{\"Version\":\"2012-10-17\"}"}"#,
        ))
        .unwrap();
        assert_eq!(policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
    }

    #[test]
    fn layer_versions_are_listed_per_layer() {
        let k = kind("lambda", "layerVersion");
        let layers = (k.listed)(
            &place(),
            &answer(r#"{"Layers":[{"LayerName":"my layer","LayerArn":"arn:aws:lambda:eu-west-1:111122223333:layer:my-layer"}]}"#),
        )
        .unwrap();
        let nested = k.nested.as_ref().unwrap();
        let layer = &layers.resources[0];
        let call = (nested.list)(&place(), layer, None);
        assert_eq!(
            call.path,
            "/2018-10-31/layers/my%20layer/versions?MaxItems=50"
        );
        let versions = (nested.listed)(
            &place(),
            layer,
            &answer(r#"{"LayerVersions":[{"LayerVersionArn":"arn:aws:lambda:eu-west-1:111122223333:layer:my-layer:2","Version":2}],"NextMarker":"m"}"#),
        )
        .unwrap();
        let v = &versions.resources[0];
        assert_eq!(v.name, "my layer:2");
        assert_eq!(
            v.arn,
            "arn:aws:lambda:eu-west-1:111122223333:layer:my-layer:2"
        );
        assert_eq!(versions.next.as_deref(), Some("m"));
        let request = k.policy.as_ref().unwrap().request;
        assert_eq!(
            request(&place(), v).path,
            "/2018-10-31/layers/my%20layer/versions/2/policy"
        );
    }

    #[test]
    fn vpc_endpoints_keep_each_endpoint_s_own_policy() {
        let k = kind("ec2", "vpc-endpoint");
        let body = r#"<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <vpcEndpointSet>
    <item>
      <vpcEndpointId>vpce-1</vpcEndpointId>
      <vpcEndpointType>Gateway</vpcEndpointType>
      <vpcId>vpc-1</vpcId>
      <serviceName>com.amazonaws.eu-west-1.s3</serviceName>
      <policyDocument>{&quot;Statement&quot;:[{&quot;Effect&quot;:&quot;Allow&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Action&quot;:&quot;*&quot;,&quot;Resource&quot;:&quot;*&quot;}]}</policyDocument>
      <routeTableIdSet><item>rtb-1</item></routeTableIdSet>
      <ownerId>111122223333</ownerId>
    </item>
    <item>
      <vpcEndpointId>vpce-2</vpcEndpointId>
      <vpcEndpointType>Interface</vpcEndpointType>
      <ownerId>444455556666</ownerId>
    </item>
  </vpcEndpointSet>
  <nextToken>t2</nextToken>
</DescribeVpcEndpointsResponse>"#;
        let listed = (k.listed)(&place(), &answer(body)).unwrap();
        assert_eq!(listed.resources.len(), 2);
        let first = &listed.resources[0];
        assert_eq!(
            first.arn,
            "arn:aws:ec2:eu-west-1:111122223333:vpc-endpoint/vpce-1"
        );
        assert!(
            first
                .policy
                .as_deref()
                .unwrap()
                .starts_with(r#"{"Statement""#)
        );
        assert_eq!(
            first.settings,
            [
                ("vpc_id", "vpc-1".to_owned()),
                ("service_name", "com.amazonaws.eu-west-1.s3".to_owned()),
                ("endpoint_type", "Gateway".to_owned())
            ]
        );
        let second = &listed.resources[1];
        assert_eq!(
            second.arn,
            "arn:aws:ec2:eu-west-1:444455556666:vpc-endpoint/vpce-2"
        );
        assert_eq!(second.policy, None);
        assert_eq!(listed.next.as_deref(), Some("t2"));
    }

    #[test]
    fn access_points_are_listed_in_their_region_with_their_settings() {
        let k = kind("s3", "accesspoint");
        let body = "<ListAccessPointsResult><AccessPointList>\
            <AccessPoint><Name>ap1</Name><NetworkOrigin>Internet</NetworkOrigin><Bucket>b</Bucket><AccessPointArn>arn:aws:s3:eu-west-1:111122223333:accesspoint/ap1</AccessPointArn></AccessPoint>\
            <AccessPoint><Name>ap2</Name><NetworkOrigin>VPC</NetworkOrigin><VpcConfiguration><VpcId>vpc-1</VpcId></VpcConfiguration><Bucket>b</Bucket><AccessPointArn>arn:aws:s3:us-east-1:111122223333:accesspoint/ap2</AccessPointArn></AccessPoint>\
            </AccessPointList><NextToken>n</NextToken></ListAccessPointsResult>";
        let listed = (k.listed)(&place(), &answer(body)).unwrap();
        assert_eq!(listed.resources.len(), 1);
        assert_eq!(listed.resources[0].name, "ap1");
        assert_eq!(listed.next.as_deref(), Some("n"));
        let settings = access_point_settings(&answer(
            "<GetAccessPointResult><Name>ap1</Name><Bucket>b</Bucket><NetworkOrigin>Internet</NetworkOrigin>\
             <PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>\
             <BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>\
             </GetAccessPointResult>",
        ));
        let expected: Vec<(&str, String)> = [
            ("block_public_acls", "true"),
            ("ignore_public_acls", "true"),
            ("block_public_policy", "false"),
            ("restrict_public_buckets", "false"),
            ("network_origin", "Internet"),
            ("bucket", "b"),
        ]
        .iter()
        .map(|(k, v)| (*k, (*v).to_owned()))
        .collect();
        assert_eq!(settings, expected);
        let policy = policy_of(k)(&answer(
            "<GetAccessPointPolicyResult><Policy>{&quot;Version&quot;:&quot;2012-10-17&quot;}</Policy></GetAccessPointPolicyResult>",
        ))
        .unwrap();
        assert_eq!(policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
    }

    #[test]
    fn logs_policies_of_the_account_are_named_by_the_account() {
        let k = kind("logs", "resource-policy");
        let listed = (k.listed)(
            &place(),
            &answer(r#"{"resourcePolicies":[{"policyName":"route53","policyDocument":"{}","policyScope":"ACCOUNT"},{"policyName":"one","policyDocument":"{}","resourceArn":"arn:aws:logs:eu-west-1:111122223333:log-group:app"}]}"#),
        )
        .unwrap();
        assert_eq!(listed.resources[0].arn, "111122223333");
        assert_eq!(listed.resources[0].name, "route53");
        assert_eq!(listed.resources[0].policy.as_deref(), Some("{}"));
        assert_eq!(
            listed.resources[1].arn,
            "arn:aws:logs:eu-west-1:111122223333:log-group:app"
        );
        assert_eq!(listed.next, None);
    }

    #[test]
    fn resource_shares_keep_live_shares_and_their_external_setting() {
        let k = kind("ram", "resource-share");
        let listed = (k.listed)(
            &place(),
            &answer(r#"{"resourceShares":[{"resourceShareArn":"arn:aws:ram:eu-west-1:111122223333:resource-share/a","name":"a","allowExternalPrincipals":false,"status":"ACTIVE"},{"resourceShareArn":"arn:aws:ram:eu-west-1:111122223333:resource-share/b","name":"b","status":"DELETED"}]}"#),
        )
        .unwrap();
        assert_eq!(listed.resources.len(), 1);
        assert_eq!(
            listed.resources[0].settings,
            [("allow_external_principals", "false".to_owned())]
        );
        let call = ram_associations(&place(), "arn:s", "PRINCIPAL", None);
        assert_eq!(call.path, "/getresourceshareassociations");
        assert_eq!(
            String::from_utf8(call.body).unwrap(),
            r#"{"associationType":"PRINCIPAL","resourceShareArns":["arn:s"],"maxResults":500}"#
        );
    }

    #[test]
    fn account_public_access_block_reads_each_setting() {
        let settings = public_access_block_settings(&answer(
            "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>",
        ));
        assert_eq!(
            settings,
            [
                ("block_public_acls", true),
                ("ignore_public_acls", false),
                ("block_public_policy", true),
                ("restrict_public_buckets", false)
            ]
        );
    }
}
