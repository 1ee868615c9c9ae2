//! The registry of regional resource kinds read through the signed client: one entry per
//! resource type with its service, how to list it and read its policy (request and answer,
//! in the service's protocol), the snapshot parts it fills and the kind of document its
//! policy is. The calls' IAM actions are in [`crate::actions::API_ACTIONS`].

use iamsnap_policy::DocumentKind;
use serde_json::{Value, json};

use crate::actions::Part;
use crate::error::ApiError;
use crate::signed::{Answer, Call, encode};
use crate::xml;

/// Where a kind is read: a region of the caller's account.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub(crate) region: String,
    pub(crate) account: String,
    pub(crate) partition: String,
}

/// A resource found by a listing.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) arn: String,
    pub(crate) name: String,
    /// What the policy call names it by (queue URL, repository name, ARN).
    pub(crate) handle: String,
}

/// One page of a listing and the token of the next one.
#[derive(Debug, Default)]
pub(crate) struct Listed {
    pub(crate) resources: Vec<Resource>,
    pub(crate) next: Option<String>,
}

/// One regional resource kind.
#[derive(Debug)]
pub(crate) struct Kind {
    /// Service prefix, as in IAM actions and ARNs.
    pub(crate) service: &'static str,
    /// Resource type, as the service authorization reference names it.
    pub(crate) resource_type: &'static str,
    /// The part its listing fills (missing when the listing fails).
    pub(crate) list_part: Part,
    /// The part its policies fill.
    pub(crate) policy_part: Part,
    /// The API its policies are read with, `<service>:<operation>` (the `source` column).
    pub(crate) source: &'static str,
    /// How its policies are checked: most name their resource, some imply it.
    pub(crate) document: DocumentKind,
    /// The request of a listing page, after the page with `token`.
    pub(crate) list: fn(&Place, Option<&str>) -> Call,
    /// The resources of a listing page, and the next token.
    pub(crate) listed: fn(&Place, &Answer) -> Result<Listed, ApiError>,
    /// The request of a resource's policy.
    pub(crate) get_policy: fn(&Place, &Resource) -> Call,
    /// The policy text of an answer, `None` when the resource has none.
    pub(crate) policy: fn(&Answer) -> Result<Option<String>, ApiError>,
    /// Error codes of the policy call that mean "no policy".
    pub(crate) no_policy: &'static [&'static str],
    /// Error codes that mean the resource went away since it was listed.
    pub(crate) gone: &'static [&'static str],
}

/// Every regional resource kind the export reads.
pub(crate) static KINDS: &[Kind] = &[
    Kind {
        service: "kms",
        resource_type: "key",
        list_part: Part::KmsKeys,
        policy_part: Part::KmsKeyPolicies,
        source: "kms:GetKeyPolicy",
        document: DocumentKind::Resource,
        list: |p, token| kms(p, "ListKeys", json!({"Limit": 1000, "Marker": token})),
        listed: |p, a| {
            let v = a.json("ListKeys")?;
            let resources = array(&v, "Keys")
                .filter_map(|k| {
                    let arn = text(k, "KeyArn")?;
                    let id = text(k, "KeyId").unwrap_or_else(|| last_segment(&arn));
                    Some(Resource {
                        name: id,
                        handle: arn.clone(),
                        arn,
                    })
                })
                .collect();
            let _ = p;
            Ok(Listed {
                resources,
                next: next_marker(&v, "NextMarker"),
            })
        },
        get_policy: |p, r| {
            kms(
                p,
                "GetKeyPolicy",
                json!({"KeyId": r.handle, "PolicyName": "default"}),
            )
        },
        policy: |a| Ok(text(&a.json("GetKeyPolicy")?, "Policy")),
        no_policy: &[],
        gone: &["NotFoundException"],
    },
    Kind {
        service: "sqs",
        resource_type: "queue",
        list_part: Part::SqsQueues,
        policy_part: Part::SqsQueuePolicies,
        source: "sqs:GetQueueAttributes",
        document: DocumentKind::Resource,
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
        listed: |p, a| {
            let v = a.json("ListQueues")?;
            let resources = array(&v, "QueueUrls")
                .filter_map(Value::as_str)
                .map(|url| {
                    let mut segments = url.trim_end_matches('/').rsplit('/');
                    let name = segments.next().unwrap_or(url).to_owned();
                    let account = segments
                        .next()
                        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
                        .unwrap_or(&p.account);
                    Resource {
                        arn: format!("arn:{}:sqs:{}:{account}:{name}", p.partition, p.region),
                        name,
                        handle: url.to_owned(),
                    }
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextToken").filter(|t| !t.is_empty()),
            })
        },
        get_policy: |p, r| {
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
        policy: |a| {
            let v = a.json("GetQueueAttributes")?;
            Ok(v.get("Attributes").and_then(|m| text(m, "Policy")))
        },
        no_policy: &[],
        gone: &[
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        ],
    },
    Kind {
        service: "sns",
        resource_type: "topic",
        list_part: Part::SnsTopics,
        policy_part: Part::SnsTopicPolicies,
        source: "sns:GetTopicAttributes",
        document: DocumentKind::Resource,
        list: |p, token| {
            let params: Vec<(&str, &str)> = token.map(|t| ("NextToken", t)).into_iter().collect();
            Call::query("ListTopics", "sns", &p.region, "2010-03-31", &params)
        },
        listed: |_, a| {
            let leaves = xml::leaves(&a.text());
            let resources = xml::values(&leaves, "Topics/member/TopicArn")
                .into_iter()
                .map(|arn| Resource {
                    arn: arn.to_owned(),
                    name: last_segment(arn),
                    handle: arn.to_owned(),
                })
                .collect();
            let next = xml::values(&leaves, "ListTopicsResult/NextToken")
                .first()
                .filter(|t| !t.is_empty())
                .map(|t| (*t).to_owned());
            Ok(Listed { resources, next })
        },
        get_policy: |p, r| {
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
        no_policy: &[],
        gone: &["NotFound"],
    },
    Kind {
        service: "secretsmanager",
        resource_type: "secret",
        list_part: Part::Secrets,
        policy_part: Part::SecretPolicies,
        source: "secretsmanager:GetResourcePolicy",
        document: DocumentKind::Resource,
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
        listed: |_, a| {
            let v = a.json("ListSecrets")?;
            let resources = array(&v, "SecretList")
                .filter_map(|s| {
                    let arn = text(s, "ARN")?;
                    Some(Resource {
                        name: text(s, "Name").unwrap_or_else(|| last_segment(&arn)),
                        handle: arn.clone(),
                        arn,
                    })
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextToken").filter(|t| !t.is_empty()),
            })
        },
        get_policy: |p, r| {
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
        policy: |a| Ok(text(&a.json("GetResourcePolicy")?, "ResourcePolicy")),
        no_policy: &[],
        gone: &["ResourceNotFoundException"],
    },
    Kind {
        service: "lambda",
        resource_type: "function",
        list_part: Part::LambdaFunctions,
        policy_part: Part::LambdaPolicies,
        source: "lambda:GetPolicy",
        document: DocumentKind::Resource,
        list: |p, token| {
            let mut path = "/2015-03-31/functions/?MaxItems=50".to_owned();
            if let Some(t) = token {
                path.push_str(&format!("&Marker={}", encode(t)));
            }
            Call::rest(
                "ListFunctions",
                "lambda",
                "lambda",
                &p.region,
                path,
                Vec::new(),
            )
        },
        listed: |_, a| {
            let v = a.json("ListFunctions")?;
            let resources = array(&v, "Functions")
                .filter_map(|f| {
                    let arn = text(f, "FunctionArn")?;
                    let name = text(f, "FunctionName").unwrap_or_else(|| last_segment(&arn));
                    Some(Resource {
                        handle: name.clone(),
                        name,
                        arn,
                    })
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextMarker").filter(|t| !t.is_empty()),
            })
        },
        get_policy: |p, r| {
            Call::rest(
                "lambda:GetPolicy",
                "lambda",
                "lambda",
                &p.region,
                format!("/2015-03-31/functions/{}/policy", encode(&r.handle)),
                Vec::new(),
            )
        },
        policy: |a| Ok(text(&a.json("lambda:GetPolicy")?, "Policy")),
        no_policy: &["ResourceNotFoundException"],
        gone: &[],
    },
    Kind {
        service: "ecr",
        resource_type: "repository",
        list_part: Part::EcrRepositories,
        policy_part: Part::EcrRepositoryPolicies,
        source: "ecr:GetRepositoryPolicy",
        // A repository policy names no resource: it is the repository's.
        document: DocumentKind::ImpliedResource,
        list: |p, token| {
            ecr(
                p,
                "DescribeRepositories",
                without_nulls(json!({"maxResults": 1000, "nextToken": token})),
            )
        },
        listed: |_, a| {
            let v = a.json("DescribeRepositories")?;
            let resources = array(&v, "repositories")
                .filter_map(|r| {
                    let arn = text(r, "repositoryArn")?;
                    let name = text(r, "repositoryName")?;
                    Some(Resource {
                        handle: name.clone(),
                        name,
                        arn,
                    })
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "nextToken").filter(|t| !t.is_empty()),
            })
        },
        get_policy: |p, r| {
            ecr(
                p,
                "GetRepositoryPolicy",
                json!({"repositoryName": r.handle}),
            )
        },
        policy: |a| Ok(text(&a.json("GetRepositoryPolicy")?, "policyText")),
        no_policy: &["RepositoryPolicyNotFoundException"],
        gone: &["RepositoryNotFoundException"],
    },
];

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

pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

/// KMS's paging: the marker when `Truncated` is true.
pub(crate) fn next_marker(v: &Value, key: &str) -> Option<String> {
    if v.get("Truncated").and_then(Value::as_bool) == Some(true) {
        text(v, key).filter(|t| !t.is_empty())
    } else {
        None
    }
}

fn last_segment(arn: &str) -> String {
    arn.rsplit([':', '/']).next().unwrap_or(arn).to_owned()
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

    fn kind(service: &str) -> &'static Kind {
        KINDS.iter().find(|k| k.service == service).unwrap()
    }

    #[test]
    fn every_kind_is_listed_once() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(KINDS.iter().skip(i + 1).all(|o| o.service != k.service));
            assert!(k.source.starts_with(&format!("{}:", k.service)));
        }
    }

    #[test]
    fn queue_urls_become_arns() {
        let k = kind("sqs");
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
        let k = kind("kms");
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

    #[test]
    fn topic_policies_are_read_from_the_attribute_entries() {
        let k = kind("sns");
        let policy = (k.policy)(&answer(
            "<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>Owner</key><value>1</value></entry><entry><key>Policy</key><value>{&quot;Version&quot;:&quot;2012-10-17&quot;}</value></entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>",
        ))
        .unwrap();
        assert_eq!(policy.as_deref(), Some(r#"{"Version":"2012-10-17"}"#));
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
