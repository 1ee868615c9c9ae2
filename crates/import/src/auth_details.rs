//! The output of `aws iam get-account-authorization-details` (and of the
//! `GetAccountAuthorizationDetails` API): the model, and reading it from a stream.
//!
//! Policy documents are kept as JSON values: an object when the AWS CLI decoded them, a
//! string when they are URL-encoded as the raw API returns them. Unknown fields are ignored,
//! so newer AWS output still reads.

use std::io::Read;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::date;
use crate::error::{ImportError, JsonInput};

/// One page (one file) of authorization details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthDetails {
    /// IAM users.
    #[serde(default, deserialize_with = "one_or_many")]
    pub user_detail_list: Vec<UserDetail>,
    /// IAM groups.
    #[serde(default, deserialize_with = "one_or_many")]
    pub group_detail_list: Vec<GroupDetail>,
    /// IAM roles.
    #[serde(default, deserialize_with = "one_or_many")]
    pub role_detail_list: Vec<RoleDetail>,
    /// Managed policies (customer managed, and AWS managed ones in use).
    #[serde(default, deserialize_with = "one_or_many")]
    pub policies: Vec<ManagedPolicyDetail>,
    /// Whether more pages follow.
    #[serde(default, deserialize_with = "false_or_null")]
    pub is_truncated: bool,
    /// The marker for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDetail {
    /// IAM path.
    pub path: String,
    /// User name.
    pub user_name: String,
    /// Unique id.
    pub user_id: String,
    /// ARN.
    pub arn: String,
    /// Creation date.
    #[serde(with = "date::required")]
    pub create_date: DateTime<Utc>,
    /// Inline policies.
    #[serde(default, deserialize_with = "one_or_many")]
    pub user_policy_list: Vec<InlinePolicy>,
    /// Names of the groups the user is in.
    #[serde(default, deserialize_with = "one_or_many")]
    pub group_list: Vec<String>,
    /// Managed policies attached directly.
    #[serde(default, deserialize_with = "one_or_many")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    /// Permissions boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// Tags.
    #[serde(default, deserialize_with = "one_or_many")]
    pub tags: Vec<Tag>,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupDetail {
    /// IAM path.
    pub path: String,
    /// Group name.
    pub group_name: String,
    /// Unique id.
    pub group_id: String,
    /// ARN.
    pub arn: String,
    /// Creation date.
    #[serde(with = "date::required")]
    pub create_date: DateTime<Utc>,
    /// Inline policies.
    #[serde(default, deserialize_with = "one_or_many")]
    pub group_policy_list: Vec<InlinePolicy>,
    /// Managed policies attached.
    #[serde(default, deserialize_with = "one_or_many")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleDetail {
    /// IAM path.
    pub path: String,
    /// Role name.
    pub role_name: String,
    /// Unique id.
    pub role_id: String,
    /// ARN.
    pub arn: String,
    /// Creation date.
    #[serde(with = "date::required")]
    pub create_date: DateTime<Utc>,
    /// The trust policy: an object, or a URL-encoded string.
    pub assume_role_policy_document: Value,
    /// Instance profiles containing the role.
    #[serde(default, deserialize_with = "one_or_many")]
    pub instance_profile_list: Vec<InstanceProfile>,
    /// Inline policies.
    #[serde(default, deserialize_with = "one_or_many")]
    pub role_policy_list: Vec<InlinePolicy>,
    /// Managed policies attached.
    #[serde(default, deserialize_with = "one_or_many")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    /// Permissions boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// Tags.
    #[serde(default, deserialize_with = "one_or_many")]
    pub tags: Vec<Tag>,
    /// When and where the role was last used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_last_used: Option<RoleLastUsed>,
}

/// An instance profile, as listed under a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    /// IAM path.
    pub path: String,
    /// Name.
    pub instance_profile_name: String,
    /// Unique id.
    pub instance_profile_id: String,
    /// ARN.
    pub arn: String,
    /// Creation date.
    #[serde(with = "date::required")]
    pub create_date: DateTime<Utc>,
    /// Roles in the profile (at most one in practice).
    #[serde(default, deserialize_with = "one_or_many")]
    pub roles: Vec<InstanceProfileRole>,
}

/// A role inside an instance profile; only what identifies it is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfileRole {
    /// IAM path.
    pub path: String,
    /// Role name.
    pub role_name: String,
    /// Unique id.
    pub role_id: String,
    /// ARN.
    pub arn: String,
    /// Creation date.
    #[serde(with = "date::required")]
    pub create_date: DateTime<Utc>,
}

/// An inline policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// Name.
    pub policy_name: String,
    /// The document: an object, or a URL-encoded string.
    pub policy_document: Value,
}

/// A managed policy attached to an identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    /// Name (the ARN's last part when the input omits it).
    #[serde(default, deserialize_with = "text_or_null")]
    pub policy_name: String,
    /// ARN.
    pub policy_arn: String,
}

/// A permissions boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    /// Always `Policy` today.
    #[serde(default)]
    pub permissions_boundary_type: Option<String>,
    /// ARN of the boundary policy.
    pub permissions_boundary_arn: String,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}

/// `RoleLastUsed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleLastUsed {
    /// Last use; absent when not used within IAM's tracking period.
    #[serde(
        default,
        with = "date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_used_date: Option<DateTime<Utc>>,
    /// Region of the last use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A managed policy with its versions. The IAM API may omit any of its fields; iamsnap
/// needs the ARN (the name is the ARN's last part when absent), and reads every other one
/// as unknown when absent or `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicyDetail {
    /// Name.
    #[serde(default, deserialize_with = "text_or_null")]
    pub policy_name: String,
    /// Unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// ARN.
    pub arn: String,
    /// IAM path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The version in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    /// Identities it is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_count: Option<i64>,
    /// Identities using it as boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_usage_count: Option<i64>,
    /// Whether it can be attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_attachable: Option<bool>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation date.
    #[serde(
        default,
        with = "date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_date: Option<DateTime<Utc>>,
    /// Last update of the default version.
    #[serde(
        default,
        with = "date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_date: Option<DateTime<Utc>>,
    /// Stored versions.
    #[serde(default, deserialize_with = "one_or_many")]
    pub policy_version_list: Vec<PolicyVersion>,
}

impl ManagedPolicyDetail {
    /// The version in force: `DefaultVersionId`, or else the version marked default.
    pub fn default_version(&self) -> Option<&str> {
        self.default_version_id.as_deref().or_else(|| {
            self.policy_version_list
                .iter()
                .find(|v| v.is_default_version == Some(true))
                .map(|v| v.version_id.as_str())
        })
    }

    /// Whether `version` is the one in force: its `IsDefaultVersion`, or else whether it is
    /// the policy's `DefaultVersionId`.
    pub fn is_default(&self, version: &PolicyVersion) -> bool {
        version
            .is_default_version
            .unwrap_or_else(|| self.default_version_id.as_deref() == Some(&version.version_id))
    }
}

/// The fields the IAM API's model leaves optional in `GetAccountAuthorizationDetails`
/// output that iamsnap cannot do without, as (shape of the API model, member): the
/// identifiers, paths and creation dates the model requires of the same entities
/// elsewhere (`User`, `Group`, `Role`), the ARN of a managed policy, a boundary or an
/// attachment, and the policy documents and the names of inline policies. Every other
/// field may be absent or `null` (read as unknown, or derived from the ARN).
pub const NEEDED_FIELDS: &[(&str, &str)] = &[
    ("UserDetail", "Path"),
    ("UserDetail", "UserName"),
    ("UserDetail", "UserId"),
    ("UserDetail", "Arn"),
    ("UserDetail", "CreateDate"),
    ("GroupDetail", "Path"),
    ("GroupDetail", "GroupName"),
    ("GroupDetail", "GroupId"),
    ("GroupDetail", "Arn"),
    ("GroupDetail", "CreateDate"),
    ("RoleDetail", "Path"),
    ("RoleDetail", "RoleName"),
    ("RoleDetail", "RoleId"),
    ("RoleDetail", "Arn"),
    ("RoleDetail", "CreateDate"),
    ("RoleDetail", "AssumeRolePolicyDocument"),
    ("ManagedPolicyDetail", "Arn"),
    ("PolicyVersion", "Document"),
    ("PolicyVersion", "VersionId"),
    ("PolicyDetail", "PolicyName"),
    ("PolicyDetail", "PolicyDocument"),
    ("AttachedPolicy", "PolicyArn"),
    ("AttachedPermissionsBoundary", "PermissionsBoundaryArn"),
];

/// A string that may be `null`, read as empty (then derived, see [`AuthDetails::read`]).
fn text_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A flag that may be `null`, read as absent (`false`).
fn false_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

/// The last part of a managed policy's ARN: its name.
fn name_in_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Lists in this output sometimes hold a single object instead of an array (the AWS CLI's
/// own documented example does this for `AttachedManagedPolicies`); accept both, keeping
/// the element's own error messages.
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array or an object")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(|one| vec![one])
        }
    }
    d.deserialize_any(Visitor(std::marker::PhantomData))
}

/// One stored version of a managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    /// The document: an object, or a URL-encoded string.
    pub document: Value,
    /// `v1`, `v2`, ...
    pub version_id: String,
    /// Whether this version is in force; when absent, see
    /// [`ManagedPolicyDetail::is_default`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default_version: Option<bool>,
    /// Creation date.
    #[serde(
        default,
        with = "date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_date: Option<DateTime<Utc>>,
}

impl AuthDetails {
    /// Reads one page from a stream. `file` names the input in errors.
    pub fn read(reader: impl Read, file: &str) -> Result<Self, ImportError> {
        let page: Self = crate::json::read(reader, file, JsonInput::AuthDetails)?;
        let mut page = page;
        page.fill_names();
        Ok(page)
    }

    /// Names the input omitted, taken from the ARNs (a managed policy's name is the last
    /// part of its ARN).
    fn fill_names(&mut self) {
        let attached = self
            .user_detail_list
            .iter_mut()
            .flat_map(|u| u.attached_managed_policies.iter_mut())
            .chain(
                self.group_detail_list
                    .iter_mut()
                    .flat_map(|g| g.attached_managed_policies.iter_mut()),
            )
            .chain(
                self.role_detail_list
                    .iter_mut()
                    .flat_map(|r| r.attached_managed_policies.iter_mut()),
            );
        for a in attached {
            if a.policy_name.is_empty() {
                a.policy_name = name_in_arn(&a.policy_arn).to_owned();
            }
        }
        for p in &mut self.policies {
            if p.policy_name.is_empty() {
                p.policy_name = name_in_arn(&p.arn).to_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_field_names_its_path() {
        let text = r#"{"RoleDetailList":[{"Path":"/","RoleName":"a","RoleId":"AROA1","CreateDate":"2020-01-01T00:00:00Z","AssumeRolePolicyDocument":{}}]}"#;
        let err = AuthDetails::read(text.as_bytes(), "page.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`page.json`: at `RoleDetailList[0]`: no `Arn`, which iamsnap needs here at line 1, column 129"
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let text = "{\n  \"UserDetailList\": [\n    {,}\n  ]\n}";
        let err = AuthDetails::read(text.as_bytes(), "a.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`a.json`: invalid JSON: key must be a string at line 3, column 6"
        );
    }

    #[test]
    fn bad_date_is_reported() {
        let text = r#"{"GroupDetailList":[{"Path":"/","GroupName":"g","GroupId":"AGPA1","Arn":"arn:aws:iam::111122223333:group/g","CreateDate":"last tuesday"}]}"#;
        let err = AuthDetails::read(text.as_bytes(), "g.json").unwrap_err();
        assert!(
            err.to_string()
                .contains("at `GroupDetailList[0].CreateDate`: invalid date `last tuesday`"),
            "{err}"
        );
    }
}
