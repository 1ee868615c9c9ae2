//! Word lists and AWS-side constants the generated accounts are made of.

/// Application names (one word each); more are made by combining them with [`APP_SUFFIXES`].
pub(super) const APP_WORDS: &[&str] = &[
    "orders",
    "billing",
    "payments",
    "catalog",
    "search",
    "checkout",
    "inventory",
    "shipping",
    "accounts",
    "identity",
    "notifications",
    "reporting",
    "analytics",
    "recommendations",
    "pricing",
    "reviews",
    "media",
    "uploads",
    "thumbnails",
    "invoices",
    "ledger",
    "fraud",
    "loyalty",
    "marketing",
    "campaigns",
    "emails",
    "sms",
    "chat",
    "support",
    "tickets",
    "onboarding",
    "profiles",
    "sessions",
    "gateway",
    "webhooks",
    "scheduler",
    "exports",
    "imports",
    "etl",
    "warehouse",
    "metrics",
    "audit",
    "compliance",
    "documents",
    "signatures",
    "contracts",
    "partners",
    "vendors",
    "subscriptions",
    "refunds",
    "taxes",
    "quotes",
    "bookings",
    "calendar",
    "maps",
    "geo",
    "devices",
    "telemetry",
    "firmware",
    "streaming",
    "transcoder",
    "feeds",
    "ratings",
    "wishlist",
];

/// Second parts of combined application names.
pub(super) const APP_SUFFIXES: &[&str] = &[
    "api", "core", "svc", "worker", "portal", "engine", "hub", "sync", "jobs", "admin", "web",
    "mobile", "data", "events", "stream", "batch", "edge", "internal", "legacy", "v2",
];

/// Environments, by how often an application has them.
pub(super) const ENVS: &[(&str, f64)] = &[("prod", 1.0), ("staging", 0.7), ("dev", 0.8)];

/// Owning teams.
pub(super) const TEAMS: &[&str] = &[
    "platform",
    "payments",
    "data",
    "growth",
    "core",
    "security",
    "infra",
    "mobile",
    "web",
    "analytics",
    "ml",
    "commerce",
];

/// Regions applications run in, by weight.
pub(super) const REGIONS: &[(&str, u32)] = &[
    ("us-east-1", 55),
    ("eu-west-1", 25),
    ("us-west-2", 12),
    ("eu-central-1", 5),
    ("ap-southeast-2", 3),
];

/// Lambda function roles.
pub(super) const FUNCTIONS: &[&str] = &[
    "api",
    "worker",
    "processor",
    "handler",
    "sync",
    "ingest",
    "cron",
    "authorizer",
    "resize",
    "notifier",
    "exporter",
    "webhook",
    "consumer",
    "cleanup",
];

/// ECS services.
pub(super) const ECS_SERVICES: &[&str] =
    &["api", "web", "worker", "scheduler", "consumer", "admin"];

/// Table entities.
pub(super) const ENTITIES: &[&str] = &[
    "items", "events", "state", "jobs", "records", "sessions", "cache", "locks",
];

/// First names of people.
pub(super) const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "wendy", "yusuf", "zoe",
    "amir", "bianca", "chen", "dmitri", "elena", "fatima", "gustav", "hana", "ines", "jonas",
    "kenji", "leila", "marco", "nadia", "oscar", "priya", "quentin", "rosa", "samir", "tara",
    "ugo", "valeria", "wei", "ximena", "yara", "zain", "lucas", "maya", "noah",
];

/// Last names of people.
pub(super) const LAST_NAMES: &[&str] = &[
    "smith",
    "garcia",
    "mueller",
    "rossi",
    "kowalski",
    "nguyen",
    "tanaka",
    "silva",
    "dubois",
    "jensen",
    "novak",
    "ivanova",
    "okafor",
    "haddad",
    "kim",
    "patel",
    "murphy",
    "schmidt",
    "moreau",
    "lopez",
    "brown",
    "wilson",
    "yamamoto",
    "andersson",
    "fischer",
    "costa",
    "ali",
    "chen",
    "singh",
    "weber",
    "martin",
    "bernard",
    "kovacs",
    "horvat",
    "popescu",
    "santos",
    "oliveira",
    "nakamura",
    "larsen",
    "virtanen",
];

/// What bot users do.
pub(super) const BOT_PURPOSES: &[&str] = &[
    "deployer", "sync", "backup", "export", "uploader", "reporter", "monitor", "scanner",
    "importer", "mailer",
];

/// Services an access key was last used with.
pub(super) const KEY_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "ec2",
    "cloudformation",
    "ecr",
    "dynamodb",
    "lambda",
    "sqs",
    "secretsmanager",
    "iam",
    "logs",
];

/// Third parties given a role, with the role name they document.
pub(super) const VENDORS: &[(&str, &str)] = &[
    ("datadog", "DatadogIntegrationRole"),
    ("newrelic", "NewRelicInfrastructure-Integrations"),
    ("wiz", "WizAccess-Role"),
    ("snyk", "snyk-cloud-access"),
    ("cloudhealth", "CloudHealth-Access"),
    ("lacework", "lacework-audit-role"),
    ("vanta", "vanta-auditor"),
    ("spot", "SpotByNetApp-Access"),
];

/// Service-linked roles: trusted service, role name, AWS managed policy name, its actions.
pub(super) const SERVICE_LINKED: &[(&str, &str, &str, &[&str])] = &[
    (
        "ecs.amazonaws.com",
        "AWSServiceRoleForECS",
        "AmazonECSServiceRolePolicy",
        &[
            "ec2:AttachNetworkInterface",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DetachNetworkInterface",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
            "servicediscovery:RegisterInstance",
            "servicediscovery:DeregisterInstance",
        ],
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing",
        "AWSElasticLoadBalancingServiceRolePolicy",
        &[
            "ec2:DescribeAddresses",
            "ec2:DescribeInstances",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "logs:CreateLogDelivery",
        ],
    ),
    (
        "autoscaling.amazonaws.com",
        "AWSServiceRoleForAutoScaling",
        "AutoScalingServiceRolePolicy",
        &[
            "ec2:RunInstances",
            "ec2:TerminateInstances",
            "ec2:CreateTags",
            "ec2:Describe*",
            "elasticloadbalancing:Register*",
            "cloudwatch:PutMetricAlarm",
            "sns:Publish",
        ],
    ),
    (
        "rds.amazonaws.com",
        "AWSServiceRoleForRDS",
        "AmazonRDSServiceRolePolicy",
        &[
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateNetworkInterface",
            "ec2:DescribeVpcs",
            "logs:CreateLogGroup",
            "logs:PutLogEvents",
            "kinesis:PutRecord",
        ],
    ),
    (
        "support.amazonaws.com",
        "AWSServiceRoleForSupport",
        "AWSSupportServiceRolePolicy",
        &[
            "iam:GetRole",
            "iam:ListRoles",
            "ec2:Describe*",
            "s3:GetBucketPolicy",
            "cloudtrail:DescribeTrails",
        ],
    ),
    (
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
        "AWSTrustedAdvisorServiceRolePolicy",
        &[
            "autoscaling:Describe*",
            "cloudformation:DescribeStacks",
            "ec2:Describe*",
            "iam:GenerateCredentialReport",
            "iam:GetCredentialReport",
            "s3:GetBucketAcl",
        ],
    ),
    (
        "organizations.amazonaws.com",
        "AWSServiceRoleForOrganizations",
        "AWSOrganizationsServiceTrustPolicy",
        &[
            "iam:GetRole",
            "iam:ListRoles",
            "organizations:DescribeOrganization",
        ],
    ),
    (
        "sso.amazonaws.com",
        "AWSServiceRoleForSSO",
        "AWSSSOServiceRolePolicy",
        &["iam:ListRoles", "organizations:DescribeOrganization"],
    ),
    (
        "guardduty.amazonaws.com",
        "AWSServiceRoleForAmazonGuardDuty",
        "AmazonGuardDutyServiceRolePolicy",
        &[
            "ec2:DescribeInstances",
            "ec2:DescribeImages",
            "ec2:DescribeVpcEndpoints",
            "organizations:ListAccounts",
        ],
    ),
    (
        "config.amazonaws.com",
        "AWSServiceRoleForConfig",
        "AWSConfigServiceRolePolicy",
        &[
            "iam:GetAccountAuthorizationDetails",
            "iam:GetRole",
            "s3:GetBucketPolicy",
            "ec2:Describe*",
            "lambda:GetFunction",
        ],
    ),
    (
        "ecs.application-autoscaling.amazonaws.com",
        "AWSServiceRoleForApplicationAutoScaling_ECSService",
        "AWSApplicationAutoscalingECSServicePolicy",
        &[
            "ecs:DescribeServices",
            "ecs:UpdateService",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:PutMetricAlarm",
        ],
    ),
];

/// IAM write actions of service-linked role policies, limited (as AWS limits them) to the
/// roles the service manages: service, actions, resource.
pub(super) const SERVICE_LINKED_SCOPED: &[(&str, &[&str], &str)] = &[
    (
        "organizations.amazonaws.com",
        &["iam:DeleteRole"],
        "arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*",
    ),
    (
        "sso.amazonaws.com",
        &[
            "iam:AttachRolePolicy",
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:PutRolePolicy",
        ],
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*",
    ),
];

/// IAM Identity Center permission sets provisioned into the account.
pub(super) const PERMISSION_SETS: &[&str] = &[
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "SecurityAudit",
    "DeveloperAccess",
    "BillingAccess",
];
