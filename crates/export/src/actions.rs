//! Every AWS API the exporter calls, with the IAM action that allows it and the part of the
//! snapshot it fills. `docs/export-policy.json` must allow each of them (a test checks it
//! with the policy evaluator); AccessDenied messages name the action from here.

use iamsnap_import::registry::{self, Step};

/// One API the exporter calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiAction {
    /// The API operation, e.g. `GetAccountAuthorizationDetails`.
    pub operation: &'static str,
    /// The IAM action that allows it, e.g. `iam:GetAccountAuthorizationDetails`.
    pub action: &'static str,
    /// The snapshot part it fills (see [`Part`]).
    pub part: Part,
}

/// A part of the snapshot, recorded in the manifest's `missing` when it could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The account id (`sts:GetCallerIdentity`); without it nothing is exported.
    Identity,
    /// Users, groups, roles, policies, trust: without them nothing is exported.
    AuthorizationDetails,
    /// Access key ids and status, per user.
    AccessKeys,
    /// When and where each access key was last used.
    AccessKeyLastUsed,
    /// The credential report.
    CredentialReport,
    /// Service last accessed data per user and role.
    ServiceLastAccessed,
    /// OpenID Connect providers.
    OidcProviders,
    /// SAML providers.
    SamlProviders,
    /// The account password policy.
    PasswordPolicy,
    /// The account aliases.
    AccountAliases,
    /// CloudTrail log objects in S3 (`--cloudtrail-s3`), for `activity`.
    CloudTrailS3,
    /// CloudTrail's event history (`LookupEvents`), for `activity`.
    CloudTrailLookupEvents,
    /// The account's S3 buckets and their regions, for the resource tables.
    S3Buckets,
    /// S3 bucket policies, for `resource_policies`.
    S3BucketPolicies,
    /// S3 Block Public Access of each bucket, for `resource_settings`.
    S3BucketPublicAccessBlock,
    /// S3 bucket ownership controls, for `resource_settings`.
    S3BucketOwnership,
    /// S3 bucket tags, for `resource_settings`.
    S3BucketTags,
    /// S3 bucket ABAC status (`GetBucketAbac`), for `resource_settings`.
    S3BucketAbac,
    /// The account's S3 Block Public Access.
    S3AccountPublicAccessBlock,
    /// The regions enabled for the account (when `--regions` is not given).
    Regions,
    /// The organization: its root, OUs and accounts (`--org`).
    Organization,
    /// Service and resource control policies and their targets (`--org`).
    OrganizationPolicies,
    /// The tags of the organization's accounts (`--org`).
    AccountTags,
    /// A member account, entered through `--member-role` (`--org`).
    MemberAccount,
    /// A part of a regional resource kind, as the registry of kinds names it
    /// (`iamsnap_import::registry`).
    Resource(&'static str),
}

impl Part {
    /// The name used in the manifest and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Identity => "caller_identity",
            Part::AuthorizationDetails => "authorization_details",
            Part::AccessKeys => "access_keys",
            Part::AccessKeyLastUsed => "access_key_last_used",
            Part::CredentialReport => "credential_report",
            Part::ServiceLastAccessed => "service_last_accessed",
            Part::OidcProviders => "oidc_providers",
            Part::SamlProviders => "saml_providers",
            Part::PasswordPolicy => "password_policy",
            Part::AccountAliases => "account_aliases",
            Part::CloudTrailS3 => "cloudtrail_s3",
            Part::CloudTrailLookupEvents => "cloudtrail_lookup_events",
            Part::S3Buckets => "s3_buckets",
            Part::S3BucketPolicies => "s3_bucket_policies",
            Part::S3BucketPublicAccessBlock => "s3_bucket_public_access_block",
            Part::S3BucketOwnership => "s3_bucket_ownership",
            Part::S3BucketTags => "s3_bucket_tags",
            Part::S3BucketAbac => "s3_bucket_abac",
            Part::S3AccountPublicAccessBlock => "s3_account_public_access_block",
            Part::Regions => "regions",
            Part::Organization => "organization",
            Part::OrganizationPolicies => "organization_policies",
            Part::AccountTags => "account_tags",
            Part::MemberAccount => "account",
            Part::Resource(name) => name,
        }
    }

    /// Whether an export can go on without this part.
    pub fn is_optional(self) -> bool {
        !matches!(self, Part::Identity | Part::AuthorizationDetails)
    }
}

const fn api(operation: &'static str, action: &'static str, part: Part) -> ApiAction {
    ApiAction {
        operation,
        action,
        part,
    }
}

/// Every API the exporter calls, beyond the calls of the resource kinds (in the registry
/// of kinds both the export and the AWS CLI capture read, `iamsnap_import::registry`).
pub const API_ACTIONS: &[ApiAction] = &[
    api("GetCallerIdentity", "sts:GetCallerIdentity", Part::Identity),
    api(
        "GetAccountAuthorizationDetails",
        "iam:GetAccountAuthorizationDetails",
        Part::AuthorizationDetails,
    ),
    // Only for managed policies whose name or id the authorization details lack.
    api("GetPolicy", "iam:GetPolicy", Part::AuthorizationDetails),
    api("ListAccessKeys", "iam:ListAccessKeys", Part::AccessKeys),
    api(
        "GetAccessKeyLastUsed",
        "iam:GetAccessKeyLastUsed",
        Part::AccessKeyLastUsed,
    ),
    api(
        "GenerateCredentialReport",
        "iam:GenerateCredentialReport",
        Part::CredentialReport,
    ),
    api(
        "GetCredentialReport",
        "iam:GetCredentialReport",
        Part::CredentialReport,
    ),
    api(
        "GenerateServiceLastAccessedDetails",
        "iam:GenerateServiceLastAccessedDetails",
        Part::ServiceLastAccessed,
    ),
    api(
        "GetServiceLastAccessedDetails",
        "iam:GetServiceLastAccessedDetails",
        Part::ServiceLastAccessed,
    ),
    api(
        "ListOpenIDConnectProviders",
        "iam:ListOpenIDConnectProviders",
        Part::OidcProviders,
    ),
    api(
        "GetOpenIDConnectProvider",
        "iam:GetOpenIDConnectProvider",
        Part::OidcProviders,
    ),
    api(
        "ListSAMLProviders",
        "iam:ListSAMLProviders",
        Part::SamlProviders,
    ),
    api(
        "GetSAMLProvider",
        "iam:GetSAMLProvider",
        Part::SamlProviders,
    ),
    api(
        "GetAccountPasswordPolicy",
        "iam:GetAccountPasswordPolicy",
        Part::PasswordPolicy,
    ),
    api(
        "ListAccountAliases",
        "iam:ListAccountAliases",
        Part::AccountAliases,
    ),
    // `--cloudtrail-s3`: S3 authorizes listing a bucket's objects as `s3:ListBucket`.
    api("ListObjectsV2", "s3:ListBucket", Part::CloudTrailS3),
    api("GetObject", "s3:GetObject", Part::CloudTrailS3),
    // `--cloudtrail-days` without `--cloudtrail-s3`.
    api(
        "LookupEvents",
        "cloudtrail:LookupEvents",
        Part::CloudTrailLookupEvents,
    ),
    // Resource-based policies and settings (unless `--no-resources`).
    api("ListBuckets", "s3:ListAllMyBuckets", Part::S3Buckets),
    // Only for buckets whose region the listing does not give.
    api("GetBucketLocation", "s3:GetBucketLocation", Part::S3Buckets),
    api(
        "GetBucketPolicy",
        "s3:GetBucketPolicy",
        Part::S3BucketPolicies,
    ),
    api(
        "GetPublicAccessBlock",
        "s3:GetBucketPublicAccessBlock",
        Part::S3BucketPublicAccessBlock,
    ),
    api(
        "GetBucketOwnershipControls",
        "s3:GetBucketOwnershipControls",
        Part::S3BucketOwnership,
    ),
    api(
        "GetBucketTagging",
        "s3:GetBucketTagging",
        Part::S3BucketTags,
    ),
    api("GetBucketAbac", "s3:GetBucketAbac", Part::S3BucketAbac),
    // Through the signed client. An operation whose name another service also uses is
    // written `<service>:<operation>`.
    api(
        "s3control:GetPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
        Part::S3AccountPublicAccessBlock,
    ),
    api("DescribeRegions", "ec2:DescribeRegions", Part::Regions),
];

/// Every API `export --org` calls beyond [`API_ACTIONS`], with the caller's credentials
/// (the management account or a delegated administrator): the organization's structure
/// and policies, and the role that enters each member account. Keep
/// `docs/export-org-policy.json` in step.
pub const ORG_API_ACTIONS: &[ApiAction] = &[
    api(
        "DescribeOrganization",
        "organizations:DescribeOrganization",
        Part::Organization,
    ),
    api("ListRoots", "organizations:ListRoots", Part::Organization),
    api(
        "ListAccounts",
        "organizations:ListAccounts",
        Part::Organization,
    ),
    api(
        "ListOrganizationalUnitsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        Part::Organization,
    ),
    api(
        "ListAccountsForParent",
        "organizations:ListAccountsForParent",
        Part::Organization,
    ),
    api(
        "organizations:ListPolicies",
        "organizations:ListPolicies",
        Part::OrganizationPolicies,
    ),
    api(
        "organizations:DescribePolicy",
        "organizations:DescribePolicy",
        Part::OrganizationPolicies,
    ),
    api(
        "ListTargetsForPolicy",
        "organizations:ListTargetsForPolicy",
        Part::OrganizationPolicies,
    ),
    api(
        "organizations:ListTagsForResource",
        "organizations:ListTagsForResource",
        Part::AccountTags,
    ),
    api("AssumeRole", "sts:AssumeRole", Part::MemberAccount),
];

/// Operations authorized by an action of another name.
pub const RENAMED_ACTIONS: &[(&str, &str)] = &[
    ("ListObjectsV2", "s3:ListBucket"),
    ("ListBuckets", "s3:ListAllMyBuckets"),
    ("GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    (
        "s3control:GetPublicAccessBlock",
        "s3:GetAccountPublicAccessBlock",
    ),
];

/// The entry of a call of the registry of resource kinds.
fn kind_action(step: &Step) -> ApiAction {
    api(step.operation, step.action, Part::Resource(step.part))
}

/// Every API the exporter calls (without `--org`): [`API_ACTIONS`] and the calls of the
/// registry of resource kinds. Keep `docs/export-policy.json` in step.
pub fn all_api_actions() -> Vec<ApiAction> {
    let mut out = API_ACTIONS.to_vec();
    out.extend(registry::all_steps().into_iter().map(kind_action));
    out
}

/// The entry of an operation.
pub fn api_action(operation: &str) -> Option<ApiAction> {
    API_ACTIONS
        .iter()
        .chain(ORG_API_ACTIONS)
        .copied()
        .find(|a| a.operation == operation)
        .or_else(|| {
            registry::all_steps()
                .into_iter()
                .find(|s| s.operation == operation)
                .map(kind_action)
        })
}

/// Actions that start a report IAM computes (access level `Write` in the catalog, since
/// they start a job), and nothing else: the only non-read actions the policy may grant.
pub const REPORT_ACTIONS: &[&str] = &[
    "iam:GenerateCredentialReport",
    "iam:GenerateServiceLastAccessedDetails",
];

#[cfg(test)]
mod tests {
    use super::*;
    use iamsnap_catalog::{AccessLevel, Catalog};
    use iamsnap_policy::{
        CompiledPolicy, Context, Decision, DocumentKind, PolicySet, Request, evaluate,
        parse_document_text_as,
    };

    fn policy_text() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/export-policy.json");
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn every_operation_is_listed_once_with_a_known_action() {
        let catalog = Catalog::embedded().unwrap();
        let all: Vec<ApiAction> = all_api_actions()
            .into_iter()
            .chain(ORG_API_ACTIONS.iter().copied())
            .collect();
        for (i, a) in all.iter().enumerate() {
            assert!(
                all[i + 1..].iter().all(|b| b.operation != a.operation),
                "{} twice",
                a.operation
            );
            assert!(
                catalog.action(a.action).is_some(),
                "{} is not in the action catalog",
                a.action
            );
            match RENAMED_ACTIONS.iter().find(|(op, _)| *op == a.operation) {
                Some((_, action)) => assert_eq!(a.action, *action),
                // Qualified where another service has an operation of the same name.
                None if a.operation.contains(':') => assert_eq!(a.action, a.operation),
                None => assert_eq!(a.action.split(':').nth(1), Some(a.operation)),
            }
        }
    }

    /// A resource each action is asked for: S3's are a trail's bucket and one of its log
    /// objects (the policy may scope them), the others `*`.
    fn example_resource(action: &str) -> &'static str {
        match action {
            "s3:ListBucket" => "arn:aws:s3:::acme-trail",
            "s3:GetObject" => {
                "arn:aws:s3:::acme-trail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/22/111122223333_CloudTrail_us-east-1_20261122T1205Z_a.json.gz"
            }
            _ => "*",
        }
    }

    #[test]
    fn docs_name_every_action_and_part() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/export.md");
        let docs = std::fs::read_to_string(path).unwrap();
        for a in all_api_actions() {
            let action = format!("`{}`", a.action);
            assert!(
                docs.contains(&action),
                "docs/export.md does not name {action}"
            );
            let part = format!("`{}`", a.part.as_str());
            assert!(
                !a.part.is_optional() || docs.contains(&part),
                "docs/export.md does not name the part {part}"
            );
        }
    }

    #[test]
    fn the_published_policy_allows_every_api_the_exporter_calls() {
        let doc = parse_document_text_as(&policy_text(), DocumentKind::Identity).unwrap();
        let policy = [CompiledPolicy::new("export-policy", &doc)];
        for a in all_api_actions() {
            let request = Request {
                principal: "arn:aws:iam::111122223333:user/auditor".to_owned(),
                principal_account: "111122223333".to_owned(),
                action: a.action.to_owned(),
                resource: example_resource(a.action).to_owned(),
                resource_account: "111122223333".to_owned(),
                context: Context::default(),
            };
            let ev = evaluate(
                &request,
                &PolicySet {
                    identity: &policy,
                    ..PolicySet::default()
                },
            );
            assert_eq!(
                ev.decision,
                Decision::Allow,
                "docs/export-policy.json does not allow {} ({})",
                a.action,
                a.operation
            );
        }
    }

    #[test]
    fn the_published_policy_reads_only_cloudtrail_log_objects_in_s3() {
        let doc = parse_document_text_as(&policy_text(), DocumentKind::Identity).unwrap();
        let policy = [CompiledPolicy::new("export-policy", &doc)];
        let decide = |action: &str, resource: &str| {
            let request = Request {
                principal: "arn:aws:iam::111122223333:user/auditor".to_owned(),
                principal_account: "111122223333".to_owned(),
                action: action.to_owned(),
                resource: resource.to_owned(),
                resource_account: "111122223333".to_owned(),
                context: Context::default(),
            };
            evaluate(
                &request,
                &PolicySet {
                    identity: &policy,
                    ..PolicySet::default()
                },
            )
            .decision
        };
        // A trail delivering under a prefix of its own.
        assert_eq!(
            decide(
                "s3:GetObject",
                "arn:aws:s3:::acme-trail/org/AWSLogs/o-1/111122223333/CloudTrail/eu-west-1/2026/11/22/x.json.gz"
            ),
            Decision::Allow
        );
        assert_ne!(
            decide("s3:GetObject", "arn:aws:s3:::acme-data/customers.csv"),
            Decision::Allow
        );
    }

    #[test]
    fn the_published_policy_grants_only_read_access_and_report_generation() {
        let catalog = Catalog::embedded().unwrap();
        let doc = parse_document_text_as(&policy_text(), DocumentKind::Identity).unwrap();
        let mut granted = 0;
        for s in &doc.statements {
            assert_eq!(s.effect.as_str(), "Allow");
            assert!(s.not_action.is_none(), "NotAction grants too much");
            assert!(s.condition_json.is_none());
            let patterns = s.action.as_deref().unwrap_or_default();
            let set = catalog.expand_all(patterns);
            for action in catalog.actions_in(&set) {
                granted += 1;
                let levels = action.access_levels();
                let read_only = levels
                    .iter()
                    .all(|l| matches!(l, AccessLevel::List | AccessLevel::Read));
                assert!(
                    read_only || REPORT_ACTIONS.contains(&action.full_name()),
                    "{} has access level {:?}: the export policy must stay read-only",
                    action.full_name(),
                    levels.iter().map(AccessLevel::as_str).collect::<Vec<_>>()
                );
            }
        }
        // Every action of the policy is one the exporter calls: least privilege.
        assert_eq!(granted, all_api_actions().len());
        for r in REPORT_ACTIONS {
            assert!(all_api_actions().iter().any(|a| a.action == *r));
        }
    }

    fn org_policy() -> Vec<CompiledPolicy> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/export-org-policy.json"
        );
        let doc = parse_document_text_as(
            &std::fs::read_to_string(path).unwrap(),
            DocumentKind::Identity,
        )
        .unwrap();
        vec![CompiledPolicy::new("export-org-policy", &doc)]
    }

    /// The identity side alone (a member role's trust policy decides the other side).
    fn org_decision(policy: &[CompiledPolicy], action: &str, resource: &str) -> Decision {
        let request = Request {
            principal: "arn:aws:iam::111122223333:role/auditor".to_owned(),
            principal_account: "111122223333".to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            resource_account: "111122223333".to_owned(),
            context: Context::default(),
        };
        evaluate(
            &request,
            &PolicySet {
                identity: policy,
                ..PolicySet::default()
            },
        )
        .decision
    }

    #[test]
    fn the_published_org_policy_allows_every_organization_call_and_only_the_audit_role() {
        let policy = org_policy();
        for a in ORG_API_ACTIONS {
            let resource = if a.action == "sts:AssumeRole" {
                "arn:aws:iam::222233334444:role/iamsnap-audit"
            } else {
                "*"
            };
            assert_eq!(
                org_decision(&policy, a.action, resource),
                Decision::Allow,
                "docs/export-org-policy.json does not allow {}",
                a.action
            );
        }
        assert_ne!(
            org_decision(
                &policy,
                "sts:AssumeRole",
                "arn:aws:iam::222233334444:role/OrganizationAccountAccessRole"
            ),
            Decision::Allow
        );
        // Reads only, besides entering the audit role; nothing the export does not call.
        let catalog = Catalog::embedded().unwrap();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/export-org-policy.json"
        );
        let doc = parse_document_text_as(
            &std::fs::read_to_string(path).unwrap(),
            DocumentKind::Identity,
        )
        .unwrap();
        let mut granted = Vec::new();
        for s in &doc.statements {
            assert_eq!(s.effect.as_str(), "Allow");
            assert!(s.not_action.is_none() && s.condition_json.is_none());
            let set = catalog.expand_all(s.action.as_deref().unwrap_or_default());
            for action in catalog.actions_in(&set) {
                let read_only = action
                    .access_levels()
                    .iter()
                    .all(|l| matches!(l, AccessLevel::List | AccessLevel::Read));
                assert!(
                    read_only || action.full_name() == "sts:AssumeRole",
                    "{} is not a read",
                    action.full_name()
                );
                granted.push(action.full_name().to_owned());
            }
        }
        granted.sort();
        let mut called: Vec<String> = ORG_API_ACTIONS
            .iter()
            .map(|a| a.action.to_owned())
            .collect();
        called.sort();
        assert_eq!(granted, called);
    }
}
