//! The registry of regional resource kinds read through the signed client: one entry per
//! resource type with its service, how to list it (in one or two levels) and where its
//! policy comes from (the listing, or a call: request and answer in the service's
//! protocol), what else is read of each resource, the snapshot parts it fills and the kind
//! of document its policy is. The calls' IAM actions are in
//! [`crate::actions::API_ACTIONS`]; a test checks that every call has one.

use std::future::Future;
use std::pin::Pin;

use iamsnap_policy::DocumentKind;
use serde_json::{Value, json};

use crate::actions::Part;
use crate::error::ApiError;
use crate::resources::{self, Captured, Env};
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
#[derive(Debug, Clone, Default)]
pub(crate) struct Resource {
    pub(crate) arn: String,
    pub(crate) name: String,
    /// What the policy call names it by (queue URL, repository name, ARN).
    pub(crate) handle: String,
    /// Its policy, when the listing gives it ([`PolicyRead::Listed`]); `None`: it has none.
    pub(crate) policy: Option<String>,
    /// Settings the listing gives, as `resource_settings` rows of the resource (`source`:
    /// the kind's `list_source`).
    pub(crate) settings: Vec<(&'static str, String)>,
}

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

/// One regional resource kind: one entry of [`KINDS`] says how it is listed, where its
/// policy comes from, and what else is read of each resource.
#[derive(Debug)]
pub(crate) struct Kind {
    /// Service prefix, as in IAM actions and ARNs.
    pub(crate) service: &'static str,
    /// Resource type, as the service authorization reference names it.
    pub(crate) resource_type: &'static str,
    /// The API its resources are listed with, `<service>:<operation>`.
    pub(crate) list_source: &'static str,
    /// The part its listing fills (missing when the listing fails).
    pub(crate) list_part: Part,
    /// The request of a listing page, after the page with `token`.
    pub(crate) list: fn(&Place, Option<&str>) -> Call,
    /// The resources of a listing page, and the next token.
    pub(crate) listed: fn(&Place, &Answer) -> Result<Listed, ApiError>,
    /// A second level: the resources whose policies are read are listed per resource of
    /// the first listing (a layer's versions).
    pub(crate) nested: Option<Nested>,
    /// Its resource-based policy, if it has one.
    pub(crate) policy: Option<PolicyOf>,
    /// What else is read of each resource, into `resource_settings` (or `kms_grants`).
    pub(crate) settings: Option<ReadSettings>,
}

/// The listing of each first-level resource's own resources.
#[derive(Debug)]
pub(crate) struct Nested {
    /// The part it fills (missing in the region when a listing fails).
    pub(crate) part: Part,
    pub(crate) list: fn(&Place, &Resource, Option<&str>) -> Call,
    pub(crate) listed: fn(&Place, &Resource, &Answer) -> Result<Listed, ApiError>,
}

/// The policy of a kind.
#[derive(Debug)]
pub(crate) struct PolicyOf {
    /// The API it is read with, `<service>:<operation>` (the `source` column).
    pub(crate) source: &'static str,
    /// How it is checked: most name their resource, some imply it.
    pub(crate) document: DocumentKind,
    pub(crate) read: PolicyRead,
}

/// Where a policy comes from.
#[derive(Debug)]
pub(crate) enum PolicyRead {
    /// With the listing ([`Resource::policy`]): no call of its own.
    Listed,
    /// A call per resource.
    Call {
        /// The part it fills.
        part: Part,
        request: fn(&Place, &Resource) -> Call,
        /// The policy text of an answer, `None` when the resource has none.
        policy: fn(&Answer) -> Result<Option<String>, ApiError>,
        /// Error codes that mean "no policy".
        no_policy: &'static [&'static str],
        /// Error codes that mean the resource went away since it was listed.
        gone: &'static [&'static str],
    },
}

/// Every regional resource kind the export reads.
pub(crate) static KINDS: &[Kind] = &[
    Kind {
        service: "kms",
        resource_type: "key",
        list_source: "kms:ListKeys",
        list_part: Part::KmsKeys,
        list: |p, token| kms(p, "ListKeys", json!({"Limit": 1000, "Marker": token})),
        listed: |_, a| {
            let v = a.json("ListKeys")?;
            let resources = array(&v, "Keys")
                .filter_map(|k| {
                    let arn = text(k, "KeyArn")?;
                    let id = text(k, "KeyId").unwrap_or_else(|| last_segment(&arn));
                    Some(resource(arn.clone(), id, arn))
                })
                .collect();
            Ok(Listed {
                resources,
                next: next_marker(&v, "NextMarker"),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "kms:GetKeyPolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::KmsKeyPolicies,
                request: |p, r| {
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
        }),
        settings: Some(|env, place, r| Box::pin(resources::kms_grants_and_tags(env, place, r))),
    },
    Kind {
        service: "sqs",
        resource_type: "queue",
        list_source: "sqs:ListQueues",
        list_part: Part::SqsQueues,
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
                    resource(
                        format!("arn:{}:sqs:{}:{account}:{name}", p.partition, p.region),
                        name,
                        url.to_owned(),
                    )
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "sqs:GetQueueAttributes",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::SqsQueuePolicies,
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
        }),
        settings: None,
    },
    Kind {
        service: "sns",
        resource_type: "topic",
        list_source: "sns:ListTopics",
        list_part: Part::SnsTopics,
        list: |p, token| {
            let params: Vec<(&str, &str)> = token.map(|t| ("NextToken", t)).into_iter().collect();
            Call::query("ListTopics", "sns", &p.region, "2010-03-31", &params)
        },
        listed: |_, a| {
            let leaves = xml::leaves(&a.text());
            let resources = xml::values(&leaves, "Topics/member/TopicArn")
                .into_iter()
                .map(|arn| resource(arn.to_owned(), last_segment(arn), arn.to_owned()))
                .collect();
            let next = xml::values(&leaves, "ListTopicsResult/NextToken")
                .first()
                .filter(|t| !t.is_empty())
                .map(|t| (*t).to_owned());
            Ok(Listed { resources, next })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "sns:GetTopicAttributes",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::SnsTopicPolicies,
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
                no_policy: &[],
                gone: &["NotFound"],
            },
        }),
        settings: None,
    },
    Kind {
        service: "secretsmanager",
        resource_type: "secret",
        list_source: "secretsmanager:ListSecrets",
        list_part: Part::Secrets,
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
                    let name = text(s, "Name").unwrap_or_else(|| last_segment(&arn));
                    Some(resource(arn.clone(), name, arn))
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "secretsmanager:GetResourcePolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::SecretPolicies,
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
                policy: |a| Ok(text(&a.json("GetResourcePolicy")?, "ResourcePolicy")),
                no_policy: &[],
                gone: &["ResourceNotFoundException"],
            },
        }),
        settings: None,
    },
    Kind {
        service: "lambda",
        resource_type: "function",
        list_source: "lambda:ListFunctions",
        list_part: Part::LambdaFunctions,
        list: |p, token| lambda(p, "ListFunctions", "/2015-03-31/functions/", token),
        listed: |_, a| {
            let v = a.json("ListFunctions")?;
            let resources = array(&v, "Functions")
                .filter_map(|f| {
                    let arn = text(f, "FunctionArn")?;
                    let name = text(f, "FunctionName").unwrap_or_else(|| last_segment(&arn));
                    Some(resource(arn, name.clone(), name))
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextMarker").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "lambda:GetPolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::LambdaPolicies,
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
                policy: |a| Ok(text(&a.json("lambda:GetPolicy")?, "Policy")),
                no_policy: &["ResourceNotFoundException"],
                gone: &[],
            },
        }),
        settings: None,
    },
    Kind {
        service: "lambda",
        resource_type: "layerVersion",
        list_source: "lambda:ListLayerVersions",
        list_part: Part::LambdaLayers,
        list: |p, token| lambda(p, "ListLayers", "/2018-10-31/layers", token),
        listed: |_, a| {
            let v = a.json("ListLayers")?;
            let resources = array(&v, "Layers")
                .filter_map(|l| {
                    let arn = text(l, "LayerArn")?;
                    let name = text(l, "LayerName").unwrap_or_else(|| last_segment(&arn));
                    Some(resource(arn, name.clone(), name))
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextMarker").filter(|t| !t.is_empty()),
            })
        },
        // One policy per version of a layer.
        nested: Some(Nested {
            part: Part::LambdaLayerVersions,
            list: |p, layer, token| {
                let path = format!("/2018-10-31/layers/{}/versions", encode(&layer.handle));
                lambda(p, "ListLayerVersions", &path, token)
            },
            listed: |_, layer, a| {
                let v = a.json("ListLayerVersions")?;
                let resources = array(&v, "LayerVersions")
                    .filter_map(|l| {
                        let arn = text(l, "LayerVersionArn")?;
                        let version = l.get("Version").and_then(Value::as_i64)?;
                        Some(resource(
                            arn,
                            format!("{}:{version}", layer.name),
                            format!("{}/versions/{version}", encode(&layer.handle)),
                        ))
                    })
                    .collect();
                Ok(Listed {
                    resources,
                    next: text(&v, "NextMarker").filter(|t| !t.is_empty()),
                })
            },
        }),
        policy: Some(PolicyOf {
            source: "lambda:GetLayerVersionPolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::LambdaLayerPolicies,
                request: |p, r| {
                    Call::rest(
                        "GetLayerVersionPolicy",
                        "lambda",
                        "lambda",
                        &p.region,
                        format!("/2018-10-31/layers/{}/policy", r.handle),
                        Vec::new(),
                    )
                },
                policy: |a| Ok(text(&a.json("GetLayerVersionPolicy")?, "Policy")),
                no_policy: &["ResourceNotFoundException"],
                gone: &[],
            },
        }),
        settings: None,
    },
    Kind {
        service: "ecr",
        resource_type: "repository",
        list_source: "ecr:DescribeRepositories",
        list_part: Part::EcrRepositories,
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
                    Some(resource(arn, name.clone(), name))
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "nextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "ecr:GetRepositoryPolicy",
            // A repository policy names no resource: it is the repository's.
            document: DocumentKind::ImpliedResource,
            read: PolicyRead::Call {
                part: Part::EcrRepositoryPolicies,
                request: |p, r| {
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
        }),
        settings: None,
    },
    Kind {
        service: "events",
        resource_type: "event-bus",
        list_source: "events:ListEventBuses",
        list_part: Part::EventBuses,
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
        listed: |_, a| {
            let v = a.json("ListEventBuses")?;
            let resources = array(&v, "EventBuses")
                .filter_map(|b| {
                    let arn = text(b, "Arn")?;
                    let name = text(b, "Name").unwrap_or_else(|| last_segment(&arn));
                    Some(Resource {
                        policy: text(b, "Policy").filter(|p| !p.is_empty()),
                        ..resource(arn.clone(), name, arn)
                    })
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        // `ListEventBuses` gives each bus's policy, as `DescribeEventBus` would.
        policy: Some(PolicyOf {
            source: "events:ListEventBuses",
            document: DocumentKind::Resource,
            read: PolicyRead::Listed,
        }),
        settings: None,
    },
    Kind {
        service: "dynamodb",
        resource_type: "table",
        list_source: "dynamodb:ListTables",
        list_part: Part::DynamodbTables,
        list: |p, token| {
            dynamodb(
                p,
                "ListTables",
                without_nulls(json!({"Limit": 100, "ExclusiveStartTableName": token})),
            )
        },
        listed: |p, a| {
            let v = a.json("ListTables")?;
            let resources = array(&v, "TableNames")
                .filter_map(Value::as_str)
                .map(|name| {
                    let arn = format!(
                        "arn:{}:dynamodb:{}:{}:table/{name}",
                        p.partition, p.region, p.account
                    );
                    resource(arn.clone(), name.to_owned(), arn)
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "LastEvaluatedTableName").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "dynamodb:GetResourcePolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::DynamodbTablePolicies,
                request: |p, r| {
                    dynamodb(
                        p,
                        "dynamodb:GetResourcePolicy",
                        json!({"ResourceArn": r.handle}),
                    )
                },
                policy: |a| Ok(text(&a.json("dynamodb:GetResourcePolicy")?, "Policy")),
                no_policy: &["PolicyNotFoundException"],
                gone: &["ResourceNotFoundException"],
            },
        }),
        settings: None,
    },
    Kind {
        service: "backup",
        resource_type: "backupVault",
        list_source: "backup:ListBackupVaults",
        list_part: Part::BackupVaults,
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
        listed: |_, a| {
            let v = a.json("ListBackupVaults")?;
            let resources = array(&v, "BackupVaultList")
                .filter_map(|b| {
                    let arn = text(b, "BackupVaultArn")?;
                    let name = text(b, "BackupVaultName")?;
                    Some(resource(arn, name.clone(), name))
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "backup:GetBackupVaultAccessPolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::BackupVaultPolicies,
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
                policy: |a| Ok(text(&a.json("GetBackupVaultAccessPolicy")?, "Policy")),
                // A vault without a policy (and one deleted since it was listed).
                no_policy: &["ResourceNotFoundException"],
                gone: &[],
            },
        }),
        settings: None,
    },
    Kind {
        service: "elasticfilesystem",
        resource_type: "file-system",
        list_source: "elasticfilesystem:DescribeFileSystems",
        list_part: Part::EfsFileSystems,
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
        listed: |_, a| {
            let v = a.json("DescribeFileSystems")?;
            let resources = array(&v, "FileSystems")
                .filter_map(|f| {
                    let arn = text(f, "FileSystemArn")?;
                    let id = text(f, "FileSystemId")?;
                    Some(resource(arn, id.clone(), id))
                })
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "NextMarker").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "elasticfilesystem:DescribeFileSystemPolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::EfsFileSystemPolicies,
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
                policy: |a| Ok(text(&a.json("DescribeFileSystemPolicy")?, "Policy")),
                no_policy: &["PolicyNotFound"],
                gone: &["FileSystemNotFound"],
            },
        }),
        settings: None,
    },
    // CloudWatch Logs' resource policies belong to the account in a region, not to a
    // resource: `arn` is the account id (`resource_type` `account`), or the log group's ARN
    // for a policy scoped to one; `name` is the policy's name.
    Kind {
        service: "logs",
        resource_type: "resource-policy",
        list_source: "logs:DescribeResourcePolicies",
        list_part: Part::LogsResourcePolicies,
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
        listed: |p, a| {
            let v = a.json("DescribeResourcePolicies")?;
            let resources = array(&v, "resourcePolicies")
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
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "nextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "logs:DescribeResourcePolicies",
            document: DocumentKind::Resource,
            read: PolicyRead::Listed,
        }),
        settings: None,
    },
    Kind {
        service: "s3",
        resource_type: "accesspoint",
        list_source: "s3:ListAccessPoints",
        list_part: Part::S3AccessPoints,
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
                    let name = xml::field(&leaves, "Name")?;
                    let arn = xml::field(&leaves, "AccessPointArn").unwrap_or_else(|| {
                        format!(
                            "arn:{}:s3:{}:{}:accesspoint/{name}",
                            p.partition, p.region, p.account
                        )
                    });
                    Some(resource(arn, name.clone(), name))
                })
                // The listing is regional; an emulator may list every region's.
                .filter(|r| arn_region(&r.arn).is_none_or(|region| region == p.region))
                .collect();
            let leaves = xml::leaves(&body);
            let next = xml::under_root(&leaves, "NextToken").filter(|t| !t.is_empty());
            Ok(Listed { resources, next })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "s3:GetAccessPointPolicy",
            document: DocumentKind::Resource,
            read: PolicyRead::Call {
                part: Part::S3AccessPointPolicies,
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
                no_policy: &["NoSuchAccessPointPolicy"],
                gone: &["NoSuchAccessPoint"],
            },
        }),
        settings: Some(|env, place, r| Box::pin(resources::access_point_settings(env, place, r))),
    },
    Kind {
        service: "ec2",
        resource_type: "vpc-endpoint",
        list_source: "ec2:DescribeVpcEndpoints",
        list_part: Part::VpcEndpoints,
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
                    let id = xml::field(&leaves, "vpcEndpointId")?;
                    let owner = xml::field(&leaves, "ownerId")
                        .filter(|o| !o.is_empty())
                        .unwrap_or_else(|| p.account.clone());
                    let arn = format!(
                        "arn:{}:ec2:{}:{owner}:vpc-endpoint/{id}",
                        p.partition, p.region
                    );
                    let settings = [
                        ("vpc_id", "vpcId"),
                        ("service_name", "serviceName"),
                        ("endpoint_type", "vpcEndpointType"),
                    ]
                    .into_iter()
                    .filter_map(|(setting, field)| Some((setting, xml::field(&leaves, field)?)))
                    .collect();
                    Some(Resource {
                        policy: xml::field(&leaves, "policyDocument").filter(|d| !d.is_empty()),
                        settings,
                        ..resource(arn, id.clone(), id)
                    })
                })
                .collect();
            let next = xml::under_root(&xml::leaves(&body), "nextToken").filter(|t| !t.is_empty());
            Ok(Listed { resources, next })
        },
        nested: None,
        policy: Some(PolicyOf {
            source: "ec2:DescribeVpcEndpoints",
            document: DocumentKind::Resource,
            read: PolicyRead::Listed,
        }),
        settings: None,
    },
    // Resource shares the account owns: no policy of their own, but who each shared
    // resource is shared with, as settings of the share and of every resource in it.
    Kind {
        service: "ram",
        resource_type: "resource-share",
        list_source: "ram:GetResourceShares",
        list_part: Part::RamResourceShares,
        list: |p, token| {
            ram(
                p,
                "GetResourceShares",
                "/getresourceshares",
                json!({"resourceOwner": "SELF", "maxResults": 500, "nextToken": token}),
            )
        },
        listed: |_, a| {
            let v = a.json("GetResourceShares")?;
            let resources = array(&v, "resourceShares")
                .filter(|s| {
                    // Deleted and failed shares share nothing.
                    text(s, "status").is_none_or(|st| st == "ACTIVE" || st == "PENDING")
                })
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
                .collect();
            Ok(Listed {
                resources,
                next: text(&v, "nextToken").filter(|t| !t.is_empty()),
            })
        },
        nested: None,
        policy: None,
        settings: Some(|env, place, r| Box::pin(resources::ram_share_settings(env, place, r))),
    },
];

fn resource(arn: String, name: String, handle: String) -> Resource {
    Resource {
        arn,
        name,
        handle,
        ..Resource::default()
    }
}

/// The region of an ARN, when it has one.
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

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

/// The settings of a `GetAccessPoint` answer: its Block Public Access (each setting
/// `false` when absent, as for buckets), its network origin, VPC and bucket.
pub(crate) fn access_point_settings(a: &Answer) -> Vec<(&'static str, String)> {
    let leaves = xml::leaves(&a.text());
    let mut out: Vec<(&'static str, String)> = public_access_block_settings(a)
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    for (setting, element) in [
        ("network_origin", "NetworkOrigin"),
        ("vpc_id", "VpcConfiguration/VpcId"),
        ("bucket", "Bucket"),
    ] {
        if let Some(v) = xml::under_root(&leaves, element).filter(|v| !v.is_empty()) {
            out.push((setting, v));
        }
    }
    out
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

    fn kind(service: &str, resource_type: &str) -> &'static Kind {
        KINDS
            .iter()
            .find(|k| k.service == service && k.resource_type == resource_type)
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
        if let Some(PolicyOf {
            read: PolicyRead::Call { request, .. },
            ..
        }) = &k.policy
        {
            out.push(request(&p, &r));
        }
        out
    }

    #[test]
    fn every_kind_is_listed_once_and_every_call_has_an_action() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(
                KINDS
                    .iter()
                    .skip(i + 1)
                    .all(|o| (o.service, o.resource_type) != (k.service, k.resource_type))
            );
            let prefix = format!("{}:", k.service);
            assert!(k.list_source.starts_with(&prefix), "{}", k.list_source);
            if let Some(of) = &k.policy {
                assert!(of.source.starts_with(&prefix), "{}", of.source);
            }
            for call in calls(k) {
                let a = crate::actions::api_action(call.operation)
                    .unwrap_or_else(|| panic!("{} has no entry in API_ACTIONS", call.operation));
                assert!(
                    a.action.starts_with(&prefix),
                    "{} for {}",
                    a.action,
                    k.service
                );
            }
            // The list source is the first-level listing's action, or the nested one's.
            let list_ops: Vec<&str> = calls(k)
                .iter()
                .filter_map(|c| crate::actions::api_action(c.operation))
                .map(|a| a.action)
                .collect();
            assert!(list_ops.contains(&k.list_source), "{}", k.list_source);
        }
    }

    #[test]
    fn docs_list_every_kind() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/export.md");
        let docs = std::fs::read_to_string(path).unwrap();
        for k in KINDS {
            let row = format!("| `{}` | `{}` |", k.service, k.resource_type);
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
            Some(PolicyOf {
                read: PolicyRead::Call { policy, .. },
                ..
            }) => *policy,
            _ => panic!("{} reads no policy", k.service),
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
        let PolicyOf {
            read: PolicyRead::Call { request, .. },
            ..
        } = k.policy.as_ref().unwrap()
        else {
            panic!("a call")
        };
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
