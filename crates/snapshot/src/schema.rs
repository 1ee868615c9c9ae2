//! Every snapshot table and column, with its meaning: the single source of truth for the
//! Arrow schemas, the Parquet files and the generated reference (`docs/schema.md`).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::manifest::OLDEST_FORMAT_VERSION;

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text.
    Text,
    /// A boolean.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// An instant, microseconds since the epoch, UTC.
    Timestamp,
    /// A list of UTF-8 texts.
    TextList,
    /// A map from text keys to text values (AWS tags).
    TextMap,
}

impl ColumnType {
    /// The Arrow type that stores this column.
    pub fn data_type(self) -> DataType {
        match self {
            Self::Text => DataType::Utf8,
            Self::Bool => DataType::Boolean,
            Self::Int => DataType::Int64,
            Self::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Self::TextList => DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            Self::TextMap => DataType::Map(
                Arc::new(Field::new(
                    "entries",
                    DataType::Struct(Fields::from(vec![
                        Field::new("keys", DataType::Utf8, false),
                        Field::new("values", DataType::Utf8, true),
                    ])),
                    false,
                )),
                false,
            ),
        }
    }

    /// The SQL-ish type name shown in the schema reference.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Bool => "boolean",
            Self::Int => "bigint",
            Self::Timestamp => "timestamp (UTC)",
            Self::TextList => "list<text>",
            Self::TextMap => "map<text, text>",
        }
    }
}

/// How a column's values are laid out in its Parquet file. Readers need not know: every
/// layout is standard Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The writer's default: dictionary encoding, which suits repeated values.
    Default,
    /// Sorted, mostly distinct texts (`s3:GetObject`, `s3:GetObjectAcl`, ...): each value is
    /// stored as the length of the prefix it shares with the previous one and the rest
    /// (`DELTA_BYTE_ARRAY`), without a dictionary.
    SortedText,
}

/// One column of a snapshot table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Column name, snake_case.
    pub name: &'static str,
    /// Logical type.
    pub ty: ColumnType,
    /// Whether the column may be null.
    pub nullable: bool,
    /// What the column means, for the schema reference.
    pub doc: &'static str,
    /// How its values are laid out in the file.
    pub layout: Layout,
}

impl Column {
    /// The column with its values laid out as [`Layout::SortedText`].
    const fn sorted_text(self) -> Self {
        Self {
            layout: Layout::SortedText,
            ..self
        }
    }
}

/// One snapshot table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Table name; the Parquet file is `<name>.parquet`.
    pub name: &'static str,
    /// The format version that added the table ([`OLDEST_FORMAT_VERSION`] for the tables
    /// every readable snapshot has). A snapshot of an older version lacks it, and readers
    /// treat it as absent.
    pub since: u32,
    /// What one row is.
    pub doc: &'static str,
    /// Columns in file order.
    pub columns: &'static [Column],
}

impl Table {
    /// The Arrow schema, with each column's documentation in its field metadata (`doc`).
    pub fn schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                Field::new(c.name, c.ty.data_type(), c.nullable)
                    .with_metadata(HashMap::from([("doc".to_owned(), c.doc.to_owned())]))
            })
            .collect();
        Arc::new(Schema::new_with_metadata(
            fields,
            HashMap::from([("doc".to_owned(), self.doc.to_owned())]),
        ))
    }

    /// The Parquet file name of this table inside a snapshot.
    pub fn file_name(&self) -> String {
        format!("{}.parquet", self.name)
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether a snapshot of format `version` has this table.
    pub fn in_format(&self, version: u32) -> bool {
        self.since <= version
    }
}

/// The table with this name.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

const fn col(name: &'static str, ty: ColumnType, nullable: bool, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable,
        doc,
        layout: Layout::Default,
    }
}

use ColumnType::{Bool, Int, Text, TextList, TextMap, Timestamp};

const ACCOUNT_ID: Column = col(
    "account_id",
    Text,
    false,
    "12-digit AWS account id the row belongs to (snapshots may hold several accounts).",
);

/// Every table of a snapshot, in the order they are documented.
pub static TABLES: &[Table] = &[
    Table {
        name: "users",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per IAM user.",
        columns: &[
            ACCOUNT_ID,
            col("arn", Text, false, "User ARN."),
            col("name", Text, false, "User name."),
            col("user_id", Text, false, "Stable unique id (`AIDA...`)."),
            col("path", Text, false, "IAM path, `/` by default."),
            col(
                "create_date",
                Timestamp,
                false,
                "When the user was created.",
            ),
            col(
                "permissions_boundary_arn",
                Text,
                true,
                "ARN of the managed policy set as permissions boundary, if any.",
            ),
            col(
                "group_names",
                TextList,
                false,
                "Names of the groups the user belongs to.",
            ),
            col("tags", TextMap, false, "Tags, key to value."),
        ],
    },
    Table {
        name: "roles",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per IAM role, including service-linked roles.",
        columns: &[
            ACCOUNT_ID,
            col("arn", Text, false, "Role ARN."),
            col("name", Text, false, "Role name."),
            col("role_id", Text, false, "Stable unique id (`AROA...`)."),
            col(
                "path",
                Text,
                false,
                "IAM path; service-linked roles live under `/aws-service-role/`.",
            ),
            col(
                "create_date",
                Timestamp,
                false,
                "When the role was created.",
            ),
            col(
                "assume_role_policy",
                Text,
                false,
                "The trust policy document as decoded JSON text (see the `trust` table for it flattened).",
            ),
            col(
                "permissions_boundary_arn",
                Text,
                true,
                "ARN of the managed policy set as permissions boundary, if any.",
            ),
            col(
                "is_service_linked",
                Bool,
                false,
                "Whether the role is service-linked (path `/aws-service-role/`): created and managed by an AWS service.",
            ),
            col(
                "last_used_date",
                Timestamp,
                true,
                "When the role was last assumed (`RoleLastUsed`); null when never used within IAM's tracking period or unknown.",
            ),
            col(
                "last_used_region",
                Text,
                true,
                "Region in which the role was last used.",
            ),
            col("tags", TextMap, false, "Tags, key to value."),
        ],
    },
    Table {
        name: "groups",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per IAM group.",
        columns: &[
            ACCOUNT_ID,
            col("arn", Text, false, "Group ARN."),
            col("name", Text, false, "Group name."),
            col("group_id", Text, false, "Stable unique id (`AGPA...`)."),
            col("path", Text, false, "IAM path."),
            col(
                "create_date",
                Timestamp,
                false,
                "When the group was created.",
            ),
        ],
    },
    Table {
        name: "group_members",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per (group, member user) pair.",
        columns: &[
            ACCOUNT_ID,
            col(
                "group_arn",
                Text,
                true,
                "Group ARN; null when the group is named by a user but absent from the input.",
            ),
            col("group_name", Text, false, "Group name."),
            col("user_arn", Text, false, "Member user ARN."),
            col("user_name", Text, false, "Member user name."),
        ],
    },
    Table {
        name: "policies",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per policy: AWS managed and customer managed policies (default version) and inline policies of users, groups and roles.",
        columns: &[
            ACCOUNT_ID,
            col(
                "policy_key",
                Text,
                false,
                "Unique key of the policy within the snapshot: the ARN for managed policies, `<owner ARN>#inline/<name>` for inline ones. `attachments` and `statements` refer to it.",
            ),
            col(
                "policy_type",
                Text,
                false,
                "`aws_managed`, `customer_managed` or `inline`.",
            ),
            col("arn", Text, true, "Policy ARN; null for inline policies."),
            col("name", Text, false, "Policy name."),
            col(
                "policy_id",
                Text,
                true,
                "Stable unique id (`ANPA...`); null for inline policies.",
            ),
            col("path", Text, true, "IAM path of a managed policy."),
            col(
                "owner_type",
                Text,
                true,
                "For inline policies: `user`, `group` or `role`, the kind of identity that embeds it.",
            ),
            col(
                "owner_arn",
                Text,
                true,
                "For inline policies: ARN of the identity that embeds it.",
            ),
            col(
                "default_version_id",
                Text,
                true,
                "Managed policies: the version in force (`v3`).",
            ),
            col(
                "attachment_count",
                Int,
                true,
                "Managed policies: identities the policy is attached to, as IAM reports it (`AttachmentCount`). Null for inline policies, when the input omits it or gives null, and for AWS managed policies listed by a file holding several accounts (the count is of whichever account the file was captured from; the import says so in a note).",
            ),
            col(
                "permissions_boundary_usage_count",
                Int,
                true,
                "Managed policies: identities using the policy as permissions boundary, as IAM reports it (`PermissionsBoundaryUsageCount`). Null for inline policies, when the input omits it or gives null, and for AWS managed policies listed by a file holding several accounts (as `attachment_count`).",
            ),
            col(
                "is_attachable",
                Bool,
                true,
                "Managed policies: whether it can be attached.",
            ),
            col(
                "description",
                Text,
                true,
                "Managed policies: description, when the input has it.",
            ),
            col(
                "create_date",
                Timestamp,
                true,
                "Managed policies: when it was created.",
            ),
            col(
                "update_date",
                Timestamp,
                true,
                "Managed policies: when its default version last changed.",
            ),
            col(
                "document",
                Text,
                true,
                "The policy document in force (the default version for managed policies), as decoded JSON text; null when the input lists the policy without its document.",
            ),
        ],
    },
    Table {
        name: "policy_versions",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per stored version of a managed policy (IAM keeps up to five).",
        columns: &[
            ACCOUNT_ID,
            col("policy_arn", Text, false, "ARN of the managed policy."),
            col("version_id", Text, false, "Version id (`v1`, `v2`, ...)."),
            col(
                "is_default",
                Bool,
                false,
                "Whether this version is the one in force.",
            ),
            col(
                "create_date",
                Timestamp,
                true,
                "When the version was created.",
            ),
            col(
                "document",
                Text,
                false,
                "The version's document as decoded JSON text.",
            ),
        ],
    },
    Table {
        name: "attachments",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per (principal, policy) pair in force: managed and inline policies, attached directly or inherited from a group. Permissions boundaries are in `users.permissions_boundary_arn` and `roles.permissions_boundary_arn`.",
        columns: &[
            ACCOUNT_ID,
            col("principal_type", Text, false, "`user`, `group` or `role`."),
            col(
                "principal_arn",
                Text,
                false,
                "ARN of the user, group or role the policy applies to.",
            ),
            col("principal_name", Text, false, "Name of that principal."),
            col(
                "policy_key",
                Text,
                false,
                "Key of the policy (see `policies.policy_key`).",
            ),
            col(
                "policy_type",
                Text,
                false,
                "`aws_managed`, `customer_managed` or `inline`.",
            ),
            col(
                "policy_arn",
                Text,
                true,
                "Policy ARN; null for inline policies.",
            ),
            col("policy_name", Text, false, "Policy name."),
            col(
                "via",
                Text,
                false,
                "`direct`, or `group` when a user inherits it from a group.",
            ),
            col(
                "via_group_arn",
                Text,
                true,
                "The group it is inherited from, when `via` is `group`.",
            ),
            col("via_group_name", Text, true, "Name of that group."),
        ],
    },
    Table {
        name: "statements",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per statement of every policy document in force: identity policies (default versions of managed policies, inline policies) and role trust policies.",
        columns: &[
            ACCOUNT_ID,
            col(
                "policy_key",
                Text,
                false,
                "Key of the policy (see `policies.policy_key`); for trust policies `<role ARN>#trust`.",
            ),
            col(
                "policy_type",
                Text,
                false,
                "`aws_managed`, `customer_managed`, `inline` or `trust`.",
            ),
            col(
                "policy_name",
                Text,
                false,
                "Policy name; the role name for trust policies.",
            ),
            col(
                "policy_arn",
                Text,
                true,
                "Managed policy ARN; null for inline and trust policies.",
            ),
            col(
                "owner_arn",
                Text,
                true,
                "For inline and trust policies: the identity that embeds the document.",
            ),
            col(
                "version",
                Text,
                true,
                "The document's policy language `Version` (`2012-10-17`); null when absent.",
            ),
            col(
                "statement_index",
                Int,
                false,
                "0-based position of the statement in its document.",
            ),
            col("sid", Text, true, "Statement id (`Sid`), if any."),
            col("effect", Text, false, "`Allow` or `Deny`."),
            col(
                "actions",
                TextList,
                true,
                "`Action` patterns as written; null when the statement uses `NotAction`.",
            ),
            col(
                "not_actions",
                TextList,
                true,
                "`NotAction` patterns; null when absent.",
            ),
            col(
                "resources",
                TextList,
                true,
                "`Resource` patterns; null when absent (trust policies, `NotResource`).",
            ),
            col(
                "not_resources",
                TextList,
                true,
                "`NotResource` patterns; null when absent.",
            ),
            col(
                "principal",
                Text,
                true,
                "`Principal` element as JSON text; null when absent.",
            ),
            col(
                "not_principal",
                Text,
                true,
                "`NotPrincipal` element as JSON text; null when absent.",
            ),
            col(
                "condition",
                Text,
                true,
                "`Condition` element as JSON text; null when absent.",
            ),
            col(
                "condition_keys",
                TextList,
                false,
                "Distinct condition keys the statement tests, e.g. `aws:SourceAccount`.",
            ),
        ],
    },
    Table {
        name: "trust",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per principal named in a role's trust policy (`Principal` or `NotPrincipal`), with the statement's actions and conditions.",
        columns: &[
            ACCOUNT_ID,
            col(
                "role_arn",
                Text,
                false,
                "The role whose trust policy this is.",
            ),
            col("role_name", Text, false, "Role name."),
            col(
                "statement_index",
                Int,
                false,
                "0-based position of the statement in the trust policy.",
            ),
            col("sid", Text, true, "Statement id, if any."),
            col("effect", Text, false, "`Allow` or `Deny`."),
            col(
                "is_not_principal",
                Bool,
                false,
                "Whether the principal comes from `NotPrincipal` (everyone except it).",
            ),
            col(
                "principal_type",
                Text,
                false,
                "`*`, `AWS`, `Service`, `Federated` or `CanonicalUser`.",
            ),
            col(
                "principal",
                Text,
                false,
                "The principal value as written: an account id, ARN, service name or provider.",
            ),
            col(
                "principal_kind",
                Text,
                false,
                "What the principal is: `anyone`, `account`, `role`, `user`, `assumed_role`, `federated_user`, `service`, `oidc`, `saml`, `web_identity`, `canonical_user`, `unique_id` (a deleted principal) or `other`.",
            ),
            col(
                "principal_account",
                Text,
                true,
                "Account id the principal belongs to, when it names one.",
            ),
            col(
                "is_cross_account",
                Bool,
                false,
                "Whether the principal belongs to another account than the role (false when unknown).",
            ),
            col(
                "provider",
                Text,
                true,
                "Identity provider of a federated principal, e.g. `token.actions.githubusercontent.com`.",
            ),
            col(
                "actions",
                TextList,
                true,
                "The statement's `Action` (e.g. `sts:AssumeRoleWithWebIdentity`); null with `NotAction`.",
            ),
            col(
                "not_actions",
                TextList,
                true,
                "The statement's `NotAction`, if any.",
            ),
            col(
                "condition",
                Text,
                true,
                "The statement's `Condition` element as JSON text; null when absent.",
            ),
            col(
                "condition_keys",
                TextList,
                false,
                "Distinct condition keys the statement tests (e.g. `sts:ExternalId`, `token.actions.githubusercontent.com:sub`).",
            ),
        ],
    },
    Table {
        name: "instance_profiles",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per (instance profile, role) pair; a profile without a role has one row with null role.",
        columns: &[
            ACCOUNT_ID,
            col("arn", Text, false, "Instance profile ARN."),
            col("name", Text, false, "Instance profile name."),
            col(
                "instance_profile_id",
                Text,
                false,
                "Stable unique id (`AIPA...`).",
            ),
            col("path", Text, false, "IAM path."),
            col(
                "create_date",
                Timestamp,
                false,
                "When the profile was created.",
            ),
            col("role_arn", Text, true, "ARN of the role in the profile."),
            col("role_name", Text, true, "Name of the role in the profile."),
        ],
    },
    Table {
        name: "oidc_providers",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per IAM OpenID Connect identity provider: the issuers whose tokens roles can trust with `sts:AssumeRoleWithWebIdentity`. Filled by `iamsnap export`; empty in imports (the authorization details do not list providers).",
        columns: &[
            ACCOUNT_ID,
            col(
                "arn",
                Text,
                false,
                "Provider ARN (`arn:aws:iam::<account>:oidc-provider/<host/path>`), as trust policies name it in `Federated`.",
            ),
            col(
                "url",
                Text,
                false,
                "Issuer URL without `https://` (e.g. `token.actions.githubusercontent.com`): the prefix of the provider's condition keys (`<url>:sub`, `<url>:aud`).",
            ),
            col(
                "client_ids",
                TextList,
                false,
                "Audiences (client ids) the provider accepts in a token's `aud` claim.",
            ),
            col(
                "thumbprints",
                TextList,
                false,
                "Hex SHA-1 thumbprints of the issuer's certificates that IAM trusts.",
            ),
            col(
                "create_date",
                Timestamp,
                true,
                "When the provider was created.",
            ),
            col("tags", TextMap, false, "Tags, key to value."),
        ],
    },
    Table {
        name: "saml_providers",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per IAM SAML 2.0 identity provider: the identity providers whose assertions roles can trust with `sts:AssumeRoleWithSAML`. Filled by `iamsnap export`; empty in imports.",
        columns: &[
            ACCOUNT_ID,
            col(
                "arn",
                Text,
                false,
                "Provider ARN (`arn:aws:iam::<account>:saml-provider/<name>`), as trust policies name it in `Federated`.",
            ),
            col(
                "name",
                Text,
                false,
                "Provider name (the last part of the ARN).",
            ),
            col(
                "create_date",
                Timestamp,
                true,
                "When the provider was created.",
            ),
            col(
                "valid_until",
                Timestamp,
                true,
                "When the provider's metadata document expires.",
            ),
            col(
                "metadata_document",
                Text,
                true,
                "The SAML metadata document (XML) IAM holds for the provider; null when it could not be read (see the manifest's `missing`).",
            ),
            col("tags", TextMap, false, "Tags, key to value."),
        ],
    },
    Table {
        name: "service_last_accessed",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per (user or role, AWS service) in IAM's service last accessed data: the services a principal's policies allow, and when the principal last used each. Filled by `iamsnap export` (`GenerateServiceLastAccessedDetails`, service level); empty in imports.",
        columns: &[
            ACCOUNT_ID,
            col("principal_arn", Text, false, "ARN of the user or role."),
            col("principal_type", Text, false, "`user` or `role`."),
            col("principal_name", Text, false, "Name of the user or role."),
            col(
                "service_namespace",
                Text,
                false,
                "The service's action prefix (e.g. `s3`, `iam`).",
            ),
            col(
                "service_name",
                Text,
                false,
                "The service's name (e.g. `Amazon S3`).",
            ),
            col(
                "last_authenticated",
                Timestamp,
                true,
                "When the principal last authenticated to the service; null when not within IAM's tracking period (400 days).",
            ),
            col(
                "last_authenticated_entity",
                Text,
                true,
                "ARN of the entity that made that last authenticated request.",
            ),
            col(
                "last_authenticated_region",
                Text,
                true,
                "Region of that last authenticated request.",
            ),
            col(
                "total_authenticated_entities",
                Int,
                true,
                "How many entities authenticated to the service through this principal within the tracking period.",
            ),
            col(
                "job_completion_date",
                Timestamp,
                true,
                "When IAM finished computing the data (the report's own date).",
            ),
        ],
    },
    Table {
        name: "account_settings",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per exported account: its aliases and its IAM password policy. Filled by `iamsnap export`; empty in imports (the authorization details carry neither). A value that could not be read is null, and the manifest's `missing` says why.",
        columns: &[
            ACCOUNT_ID,
            col(
                "aliases",
                TextList,
                true,
                "Account aliases (at most one in practice); null when they could not be read.",
            ),
            col(
                "password_policy_exists",
                Bool,
                true,
                "Whether the account has a custom password policy (false: IAM's default applies); null when it could not be read.",
            ),
            col(
                "minimum_password_length",
                Int,
                true,
                "Minimum password length; null without a policy.",
            ),
            col(
                "require_symbols",
                Bool,
                true,
                "Whether passwords need a non-alphanumeric character.",
            ),
            col(
                "require_numbers",
                Bool,
                true,
                "Whether passwords need a digit.",
            ),
            col(
                "require_uppercase_characters",
                Bool,
                true,
                "Whether passwords need an uppercase letter.",
            ),
            col(
                "require_lowercase_characters",
                Bool,
                true,
                "Whether passwords need a lowercase letter.",
            ),
            col(
                "allow_users_to_change_password",
                Bool,
                true,
                "Whether users may change their own password.",
            ),
            col("expire_passwords", Bool, true, "Whether passwords expire."),
            col(
                "max_password_age",
                Int,
                true,
                "Days a password stays valid; null when passwords do not expire.",
            ),
            col(
                "password_reuse_prevention",
                Int,
                true,
                "How many previous passwords cannot be reused; null when not set.",
            ),
            col(
                "hard_expiry",
                Bool,
                true,
                "Whether an expired password blocks the user until an administrator resets it.",
            ),
        ],
    },
    Table {
        name: "access_keys",
        since: OLDEST_FORMAT_VERSION,
        doc: "One row per access key of an IAM user (or of the root user).",
        columns: &[
            ACCOUNT_ID,
            col(
                "user_name",
                Text,
                false,
                "Owning user; `<root_account>` for the root user.",
            ),
            col("user_arn", Text, false, "Owning user's ARN."),
            col(
                "access_key_id",
                Text,
                true,
                "Access key id (`AKIA...`); null when the source (the credential report) does not name it.",
            ),
            col(
                "key_slot",
                Int,
                true,
                "1 or 2: the key's column pair in the credential report.",
            ),
            col("status", Text, false, "`Active` or `Inactive`."),
            col(
                "create_date",
                Timestamp,
                true,
                "When the key was created (the credential report's `last_rotated`).",
            ),
            col(
                "last_used_date",
                Timestamp,
                true,
                "When the key was last used; null when never used.",
            ),
            col("last_used_region", Text, true, "Region of the last use."),
            col(
                "last_used_service",
                Text,
                true,
                "Service of the last use (e.g. `s3`).",
            ),
            col(
                "source",
                Text,
                false,
                "Where the row comes from: `credential_report` or `api`.",
            ),
        ],
    },
    Table {
        name: "credential_report",
        since: OLDEST_FORMAT_VERSION,
        doc: "The IAM credential report, one row per user plus the root user, with typed values. In the report's special values, `N/A` (not applicable or never) and `not_supported` become null; `no_information` also becomes null and is noted in `password_last_used_note`.",
        columns: &[
            ACCOUNT_ID,
            col(
                "user",
                Text,
                false,
                "User name; `<root_account>` for the root user.",
            ),
            col("arn", Text, false, "User ARN."),
            col(
                "user_creation_time",
                Timestamp,
                true,
                "When the user was created.",
            ),
            col(
                "password_enabled",
                Bool,
                true,
                "Whether the user has a console password; null for the root user (`not_supported`).",
            ),
            col(
                "password_last_used",
                Timestamp,
                true,
                "When the password was last used to sign in; null when never or unknown.",
            ),
            col(
                "password_last_used_note",
                Text,
                true,
                "The report's text when `password_last_used` is not a date: `N/A` (no password or never used), `no_information` (not used since IAM began tracking in October 2014) or `not_supported`.",
            ),
            col(
                "password_last_changed",
                Timestamp,
                true,
                "When the password was last set.",
            ),
            col(
                "password_next_rotation",
                Timestamp,
                true,
                "When the password policy requires the next change.",
            ),
            col(
                "mfa_active",
                Bool,
                false,
                "Whether an MFA device is enabled.",
            ),
            col(
                "access_key_1_active",
                Bool,
                false,
                "Whether key 1 is active.",
            ),
            col(
                "access_key_1_last_rotated",
                Timestamp,
                true,
                "When key 1 was created or last rotated.",
            ),
            col(
                "access_key_1_last_used_date",
                Timestamp,
                true,
                "When key 1 was last used.",
            ),
            col(
                "access_key_1_last_used_region",
                Text,
                true,
                "Region of key 1's last use.",
            ),
            col(
                "access_key_1_last_used_service",
                Text,
                true,
                "Service of key 1's last use.",
            ),
            col(
                "access_key_2_active",
                Bool,
                false,
                "Whether key 2 is active.",
            ),
            col(
                "access_key_2_last_rotated",
                Timestamp,
                true,
                "When key 2 was created or last rotated.",
            ),
            col(
                "access_key_2_last_used_date",
                Timestamp,
                true,
                "When key 2 was last used.",
            ),
            col(
                "access_key_2_last_used_region",
                Text,
                true,
                "Region of key 2's last use.",
            ),
            col(
                "access_key_2_last_used_service",
                Text,
                true,
                "Service of key 2's last use.",
            ),
            col(
                "cert_1_active",
                Bool,
                false,
                "Whether signing certificate 1 is active.",
            ),
            col(
                "cert_1_last_rotated",
                Timestamp,
                true,
                "When certificate 1 was created or last rotated.",
            ),
            col(
                "cert_2_active",
                Bool,
                false,
                "Whether signing certificate 2 is active.",
            ),
            col(
                "cert_2_last_rotated",
                Timestamp,
                true,
                "When certificate 2 was created or last rotated.",
            ),
        ],
    },
    Table {
        name: "activity",
        since: OLDEST_FORMAT_VERSION,
        doc: "CloudTrail activity, summarized: one row per distinct (account, caller, event source, event name, region, source IP, user agent family, error code, UTC day) with its event count and first and last event time. Assumed-role sessions are folded to their role. Empty when the snapshot was made without CloudTrail logs. See docs/cloudtrail.md.",
        columns: &[
            col(
                "account_id",
                Text,
                false,
                "12-digit AWS account id the events were recorded in (`recipientAccountId`; else the caller's account, else the account in the log file's name).",
            ),
            col(
                "principal",
                Text,
                false,
                "Who called: an IAM user, root or federated-user ARN; for an assumed-role session the role's ARN (the session issuer, with its path; else folded from the session ARN, `arn:aws:iam::<account>:role/<name>`); for an AWS service its service principal (`lambda.amazonaws.com`); `anonymous`; for a caller in another account its principal id; `unknown` when the record does not say.",
            ),
            col(
                "principal_type",
                Text,
                false,
                "`userIdentity.type` as CloudTrail writes it (`IAMUser`, `AssumedRole`, `Root`, `FederatedUser`, `AWSService`, `AWSAccount`, `IdentityCenterUser`, ...), with `AWSService` for a service call without a type, `Anonymous` for anonymous callers and `Unknown` when absent.",
            ),
            col(
                "principal_account",
                Text,
                true,
                "The caller's own account (`userIdentity.accountId`); differs from `account_id` for cross-account calls.",
            ),
            col(
                "session_issuer_arn",
                Text,
                true,
                "For temporary credentials: the ARN of the role or user that issued the session (`sessionContext.sessionIssuer.arn`).",
            ),
            col(
                "invoked_by",
                Text,
                true,
                "The AWS service that made the call on the caller's behalf (`userIdentity.invokedBy`, e.g. `AWS Internal`, `cloudformation.amazonaws.com`).",
            ),
            col(
                "event_source",
                Text,
                false,
                "The service called (`eventSource`, e.g. `iam.amazonaws.com`).",
            ),
            col(
                "event_name",
                Text,
                false,
                "The API action (`eventName`, e.g. `CreateAccessKey`).",
            ),
            col(
                "region",
                Text,
                true,
                "The region of the call (`awsRegion`).",
            ),
            col(
                "source_ip",
                Text,
                true,
                "`sourceIPAddress`: an IP address, or a service name (`AWS Internal`, `lambda.amazonaws.com`) for calls made by AWS.",
            ),
            col(
                "user_agent_family",
                Text,
                true,
                "The kind of client, from the user agent: `aws-cli`, `boto3`, `aws-sdk-<language>` (`go`, `java`, `js`, `dotnet`, `ruby`, `php`, `cpp`, `rust`, `kotlin`, `swift`), `terraform`, `console`, `aws-internal` or `other`; null when the record has no user agent.",
            ),
            col(
                "error_code",
                Text,
                true,
                "`errorCode` of failed calls (e.g. `AccessDenied`); null for successful calls.",
            ),
            col(
                "day",
                Text,
                false,
                "The UTC date of the events, `YYYY-MM-DD`.",
            ),
            col("event_count", Int, false, "Number of events in the group."),
            col(
                "first_seen",
                Timestamp,
                false,
                "Time of the group's earliest event.",
            ),
            col(
                "last_seen",
                Timestamp,
                false,
                "Time of the group's latest event.",
            ),
        ],
    },
    Table {
        name: "resource_policies",
        since: 4,
        doc: "One row per resource-based policy a live export read (`iamsnap export`, unless `--no-resources`): S3 bucket and access point policies, KMS key, SQS queue, SNS topic, Secrets Manager secret, Lambda function and layer version, ECR repository, EventBridge event bus, DynamoDB table, AWS Backup vault, EFS file system and VPC endpoint policies, and CloudWatch Logs resource policies (the kinds are listed in docs/export.md). A resource without a policy has no row. Empty in imports, except of a `scripts/capture-org` capture (`import --aws-cli`), which reads the kinds docs/organizations.md lists; a service or region the export could not read is in the manifest's `missing` (see docs/export.md), so an empty table is not proof of no policies. Evaluating these policies is not part of this table.",
        columns: &[
            ACCOUNT_ID,
            col(
                "region",
                Text,
                true,
                "The region of the resource, when the service tells it; null for global resources and for buckets whose region the listing does not give.",
            ),
            col(
                "service",
                Text,
                false,
                "The service prefix of the resource, as in IAM actions (`s3`, `kms`, `sqs`, `sns`, `secretsmanager`, `lambda`, `ecr`, `events`, `dynamodb`, `backup`, `elasticfilesystem`, `logs`, `ec2`).",
            ),
            col(
                "resource_type",
                Text,
                false,
                "The kind of resource (`bucket`, `accesspoint`, `key`, `queue`, `topic`, `secret`, `function`, `layerVersion`, `repository`, `event-bus`, `table`, `backupVault`, `file-system`, `vpc-endpoint`; `resource-policy` for a CloudWatch Logs resource policy).",
            ),
            col(
                "arn",
                Text,
                false,
                "ARN of the resource the policy is attached to; for a CloudWatch Logs resource policy of the whole account in a region, the account id (the log group's ARN for one scoped to a log group).",
            ),
            col(
                "name",
                Text,
                false,
                "The resource's name (bucket, queue, topic, secret, function or repository name; a KMS key's id; `<layer>:<version>` for a layer version; a file system's or VPC endpoint's id; a CloudWatch Logs resource policy's name).",
            ),
            col(
                "policy",
                Text,
                false,
                "The policy document as decoded JSON text, compact, keys in the document's order; the text as the service returned it when it is not JSON.",
            ),
            col(
                "source",
                Text,
                false,
                "The API the document was read with, as `<service>:<operation>` (`s3:GetBucketPolicy`, `kms:GetKeyPolicy`, ...).",
            ),
            col(
                "problem",
                Text,
                true,
                "Why the document is not a valid resource-based policy (every problem the policy parser found, with its place); null when it is valid. ECR repository policies may leave `Resource` out (it is the repository).",
            ),
        ],
    },
    Table {
        name: "resource_settings",
        since: 4,
        doc: "One row per (resource, setting) a live export read that changes who can reach a resource: S3 Block Public Access of the account, of each bucket and of each access point, bucket ownership controls and ABAC status, tags of buckets and KMS keys, VPC endpoints' VPC and service, and RAM resource shares (on the share and on each shared resource; see docs/export.md). Empty in imports, except of a `scripts/capture-org` capture (`import --aws-cli`), which reads the settings docs/organizations.md lists; what could not be read is in the manifest's `missing`.",
        columns: &[
            ACCOUNT_ID,
            col(
                "region",
                Text,
                true,
                "The region of the resource or setting; null for global ones.",
            ),
            col(
                "service",
                Text,
                false,
                "The service prefix (`s3`, `kms`, `ec2`; `ram` for the rows of a resource share).",
            ),
            col(
                "resource_type",
                Text,
                false,
                "The kind of resource (`bucket`, `accesspoint`, `key`, `vpc-endpoint`, `resource-share`), `shared-resource` for a RAM share's rows on a resource it shares, or `account` for a setting of the whole account in the service (S3 Block Public Access of the account).",
            ),
            col(
                "arn",
                Text,
                false,
                "ARN of the resource; for an account-wide setting the account id.",
            ),
            col(
                "setting",
                Text,
                false,
                "The setting: `block_public_acls`, `ignore_public_acls`, `block_public_policy`, `restrict_public_buckets` (Block Public Access), `object_ownership` (`BucketOwnerEnforced`, `BucketOwnerPreferred` or `ObjectWriter`), `abac_status` (`Enabled` or `Disabled`: whether a bucket's tags take part in authorization), `network_origin`, `vpc_id` and `bucket` of an access point, `vpc_id`, `service_name` and `endpoint_type` of a VPC endpoint, `allow_external_principals`, `principal`, `external_principal` and `resource` of a RAM share, `ram_share`, `ram_principal` and `ram_allow_external_principals` of a shared resource, or `tag:<key>` for each tag.",
            ),
            col(
                "value",
                Text,
                false,
                "Its value as text: `true`/`false` for Block Public Access (`false` when no configuration is set, as AWS treats it), the ownership mode, or the tag's value.",
            ),
            col(
                "source",
                Text,
                false,
                "The API it was read with, as `<service>:<operation>` (`s3:GetPublicAccessBlock`, `s3control:GetPublicAccessBlock` for the account's, `kms:ListResourceTags`, `ram:GetResourceShareAssociations`, ...).",
            ),
        ],
    },
    Table {
        name: "kms_grants",
        since: 4,
        doc: "One row per grant of a KMS key a live export read (`kms:ListGrants`): who may use the key for which operations besides its key policy. Empty in imports, except of a `scripts/capture-org` capture (`import --aws-cli`), which reads the same (docs/organizations.md); what could not be read is in the manifest's `missing`.",
        columns: &[
            ACCOUNT_ID,
            col("region", Text, false, "The key's region."),
            col("key_arn", Text, false, "ARN of the key."),
            col("grant_id", Text, false, "The grant's id."),
            col("name", Text, true, "The grant's name, when it has one."),
            col(
                "grantee_principal",
                Text,
                true,
                "The principal the grant gives the operations to (an ARN or a service principal).",
            ),
            col(
                "retiring_principal",
                Text,
                true,
                "The principal that may retire the grant, when set.",
            ),
            col(
                "operations",
                TextList,
                false,
                "The KMS operations the grant allows (`Decrypt`, `GenerateDataKey`, ...).",
            ),
            col(
                "constraints",
                Text,
                true,
                "The grant's encryption context constraints as JSON text; null without constraints.",
            ),
            col(
                "issuing_account",
                Text,
                true,
                "The account (as an ARN) that created the grant.",
            ),
            col(
                "creation_date",
                Timestamp,
                true,
                "When the grant was created.",
            ),
        ],
    },
    Table {
        name: "catalog_actions",
        since: 3,
        doc: "The AWS action catalog of the iamsnap that wrote the snapshot, one row per action; its data date is the manifest's `catalog_date`. `iamsnap diff` expands each snapshot's wildcards within the actions of its own catalog, so that access gained only because AWS added actions to a service is told apart from policy changes (see docs/diff.md). It describes the writer, not an account: it has no `account_id`.",
        columns: &[
            col("service", Text, false, "Service prefix, e.g. `s3`."),
            col(
                "action",
                Text,
                false,
                "Full action name as policies write it, e.g. `s3:GetObject`. Rows are in the catalog's order: by service prefix, then action name, ignoring case.",
            )
            .sorted_text(),
            col(
                "access_levels",
                TextList,
                false,
                "The action's access levels as AWS names them: `List`, `Read`, `Write`, `Permissions management`, `Tagging` (most actions have one, some two).",
            ),
        ],
    },
    Table {
        name: "organization",
        since: 4,
        doc: "The AWS Organization the accounts belong to: one row per organization captured (none when the snapshot holds no organization data; the manifest then lists `organization` as missing).",
        columns: &[
            col(
                "account_id",
                Text,
                false,
                "The organization's management account.",
            ),
            col("organization_id", Text, false, "Organization id (`o-...`): the value of `aws:PrincipalOrgID` and `aws:ResourceOrgID`."),
            col("arn", Text, true, "Organization ARN."),
            col(
                "feature_set",
                Text,
                true,
                "`ALL` (SCPs and RCPs can apply) or `CONSOLIDATED_BILLING` (no authorization policies apply).",
            ),
            col(
                "management_account_arn",
                Text,
                true,
                "ARN of the management account. SCPs and RCPs never restrict the management account.",
            ),
            col("root_id", Text, true, "Id of the organization's root (`r-...`)."),
            col(
                "enabled_policy_types",
                TextList,
                false,
                "Policy types enabled on the root, e.g. `SERVICE_CONTROL_POLICY`, `RESOURCE_CONTROL_POLICY`; a type that is not enabled does not apply even if policies of it exist.",
            ),
        ],
    },
    Table {
        name: "accounts",
        since: 4,
        doc: "One row per account of the organization, whether or not the snapshot holds its IAM data.",
        columns: &[
            col("account_id", Text, false, "The account's 12-digit id."),
            col("name", Text, true, "Account name."),
            col("email", Text, true, "Email address of the account's root user."),
            col("arn", Text, true, "Account ARN in the organization."),
            col(
                "status",
                Text,
                true,
                "`ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.",
            ),
            col("joined_method", Text, true, "`INVITED` or `CREATED`."),
            col("joined_at", Timestamp, true, "When the account joined the organization."),
            col(
                "parent_id",
                Text,
                true,
                "The root (`r-...`) or organizational unit (`ou-...`) directly above the account; null when the capture did not list parents.",
            ),
            col(
                "org_path",
                Text,
                true,
                "Path from the organization to the account's parent, as `aws:PrincipalOrgPaths` gives it: `o-.../r-.../ou-.../`; null when the parent is unknown.",
            ),
            col(
                "is_management_account",
                Bool,
                false,
                "Whether this is the management account (exempt from SCPs and RCPs).",
            ),
            col("tags", TextMap, false, "Account tags in the organization, key to value."),
        ],
    },
    Table {
        name: "organizational_units",
        since: 4,
        doc: "One row per organizational unit (OU) of the organization.",
        columns: &[
            col("account_id", Text, false, "The organization's management account."),
            col("ou_id", Text, false, "OU id (`ou-...`)."),
            col("arn", Text, true, "OU ARN."),
            col("name", Text, false, "OU name."),
            col(
                "parent_id",
                Text,
                false,
                "The root (`r-...`) or OU directly above it.",
            ),
            col(
                "org_path",
                Text,
                false,
                "Path from the organization to this OU, `o-.../r-.../ou-.../`, as in `aws:PrincipalOrgPaths`.",
            ),
        ],
    },
    Table {
        name: "organization_policies",
        since: 4,
        doc: "One row per service control policy (SCP) and resource control policy (RCP) of the organization, whether attached or not. Documents are parsed and checked as their kind when the snapshot is made.",
        columns: &[
            col("account_id", Text, false, "The organization's management account."),
            col("policy_id", Text, false, "Policy id (`p-...`; AWS managed ones such as `p-FullAWSAccess`)."),
            col("arn", Text, true, "Policy ARN."),
            col("name", Text, false, "Policy name."),
            col("description", Text, true, "Policy description."),
            col(
                "policy_type",
                Text,
                false,
                "`SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.",
            ),
            col(
                "aws_managed",
                Bool,
                false,
                "Whether AWS manages the policy (e.g. `FullAWSAccess`, `RCPFullAWSAccess`).",
            ),
            col("document", Text, false, "The policy document, JSON."),
        ],
    },
    Table {
        name: "organization_policy_targets",
        since: 4,
        doc: "One row per attachment of an organization policy to the root, an OU or an account. A policy applies to an account when it is attached to the account, to an OU above it or to the root.",
        columns: &[
            col("account_id", Text, false, "The organization's management account."),
            col("policy_id", Text, false, "The attached policy (`organization_policies.policy_id`)."),
            col(
                "policy_type",
                Text,
                false,
                "`SERVICE_CONTROL_POLICY` or `RESOURCE_CONTROL_POLICY`.",
            ),
            col("target_id", Text, false, "Root (`r-...`), OU (`ou-...`) or account id."),
            col("target_type", Text, false, "`ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`."),
            col("target_name", Text, true, "Name of the root, OU or account."),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_and_column_is_documented_and_unique() {
        let mut names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        for t in TABLES {
            assert!(!t.doc.is_empty(), "{} has no doc", t.name);
            let mut cols: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
            cols.sort_unstable();
            cols.dedup();
            assert_eq!(
                cols.len(),
                t.columns.len(),
                "duplicate column in {}",
                t.name
            );
            for c in t.columns {
                assert!(c.doc.ends_with('.'), "{}.{} doc", t.name, c.name);
            }
            assert!(
                (OLDEST_FORMAT_VERSION..=crate::FORMAT_VERSION).contains(&t.since),
                "{} since {}",
                t.name,
                t.since
            );
            // Account data carries its account; the writer's catalog belongs to none.
            if t.name != "catalog_actions" {
                assert_eq!(t.columns.first().map(|c| c.name), Some("account_id"));
            }
        }
    }
}
