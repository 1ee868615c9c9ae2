//! The SDK's `GetAccountAuthorizationDetails` output into the model the file import reads
//! ([`iamsnap_import::auth_details`]), so one path builds the tables of both.

use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::primitives::DateTime as AwsDateTime;
use aws_sdk_iam::types as sdk;
use chrono::{DateTime, Utc};
use serde_json::Value;

use iamsnap_import::ImportError;
use iamsnap_import::auth_details::{
    AttachedPolicy, AuthDetails, GroupDetail, InlinePolicy, InstanceProfile, InstanceProfileRole,
    ManagedPolicyDetail, PermissionsBoundary, PolicyVersion, RoleDetail, RoleLastUsed, Tag,
    UserDetail,
};

/// An SDK instant as a chrono one; `None` when out of chrono's range.
pub fn instant(t: &AwsDateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Names and ids of managed policies, by ARN, for answers that lack them.
pub type PolicyNames = std::collections::HashMap<String, (String, String)>;

/// ARNs of the managed policies of a page whose name or id the answer lacks (some
/// emulators leave them out; AWS does not): they are asked for with `GetPolicy`.
pub fn policies_lacking_names(out: &GetAccountAuthorizationDetailsOutput) -> Vec<String> {
    out.policies()
        .iter()
        .filter(|p| p.policy_name().is_none() || p.policy_id().is_none())
        .filter_map(|p| p.arn().map(str::to_owned))
        .collect()
}

/// Converts one page; `page` names it in errors; `names` fills policy names and ids the
/// answer lacks.
pub fn auth_details(
    out: &GetAccountAuthorizationDetailsOutput,
    page: &str,
    names: &PolicyNames,
) -> Result<AuthDetails, ImportError> {
    let c = Convert { page, names };
    Ok(AuthDetails {
        user_detail_list: out
            .user_detail_list()
            .iter()
            .map(|u| c.user(u))
            .collect::<Result<_, _>>()?,
        group_detail_list: out
            .group_detail_list()
            .iter()
            .map(|g| c.group(g))
            .collect::<Result<_, _>>()?,
        role_detail_list: out
            .role_detail_list()
            .iter()
            .map(|r| c.role(r))
            .collect::<Result<_, _>>()?,
        policies: out
            .policies()
            .iter()
            .map(|p| c.policy(p))
            .collect::<Result<_, _>>()?,
        is_truncated: out.is_truncated(),
        marker: out.marker().map(str::to_owned),
    })
}

struct Convert<'a> {
    page: &'a str,
    names: &'a PolicyNames,
}

impl Convert<'_> {
    fn missing(&self, what: &str) -> ImportError {
        ImportError::AuthDetails {
            file: self.page.to_owned(),
            input: iamsnap_import::JsonInput::AuthDetails,
            syntax: false,
            message: format!("the API's answer lacks {what}"),
            line: 0,
            column: 0,
        }
    }

    fn text(&self, v: Option<&str>, what: &str) -> Result<String, ImportError> {
        v.map(str::to_owned).ok_or_else(|| self.missing(what))
    }

    fn date(&self, v: Option<&AwsDateTime>, what: &str) -> Result<DateTime<Utc>, ImportError> {
        v.and_then(instant).ok_or_else(|| self.missing(what))
    }

    /// A document as the raw API returns it: URL-encoded text, decoded later by the same
    /// code that reads such files.
    fn document(&self, v: Option<&str>, what: &str) -> Result<Value, ImportError> {
        v.map(|d| Value::String(d.to_owned()))
            .ok_or_else(|| self.missing(what))
    }

    fn inline(
        &self,
        list: &[sdk::PolicyDetail],
        owner: &str,
    ) -> Result<Vec<InlinePolicy>, ImportError> {
        list.iter()
            .map(|p| {
                let name = self.text(
                    p.policy_name(),
                    &format!("an inline policy name of {owner}"),
                )?;
                let doc = self.document(
                    p.policy_document(),
                    &format!("the document of inline policy `{name}` of {owner}"),
                )?;
                Ok(InlinePolicy {
                    policy_name: name,
                    policy_document: doc,
                })
            })
            .collect()
    }

    fn attached(
        &self,
        list: &[sdk::AttachedPolicy],
        owner: &str,
    ) -> Result<Vec<AttachedPolicy>, ImportError> {
        list.iter()
            .map(|p| {
                Ok(AttachedPolicy {
                    policy_name: self.text(
                        p.policy_name(),
                        &format!("an attached policy name of {owner}"),
                    )?,
                    policy_arn: self.text(
                        p.policy_arn(),
                        &format!("an attached policy ARN of {owner}"),
                    )?,
                })
            })
            .collect()
    }

    fn boundary(
        &self,
        b: Option<&sdk::AttachedPermissionsBoundary>,
        owner: &str,
    ) -> Result<Option<PermissionsBoundary>, ImportError> {
        b.map(|b| {
            Ok(PermissionsBoundary {
                permissions_boundary_type: b
                    .permissions_boundary_type()
                    .map(|t| t.as_str().to_owned()),
                permissions_boundary_arn: self.text(
                    b.permissions_boundary_arn(),
                    &format!("the permissions boundary ARN of {owner}"),
                )?,
            })
        })
        .transpose()
    }

    fn user(&self, u: &sdk::UserDetail) -> Result<UserDetail, ImportError> {
        let name = self.text(u.user_name(), "a user's name")?;
        let owner = format!("user `{name}`");
        Ok(UserDetail {
            path: self.text(u.path(), &format!("the path of {owner}"))?,
            user_id: self.text(u.user_id(), &format!("the id of {owner}"))?,
            arn: self.text(u.arn(), &format!("the ARN of {owner}"))?,
            create_date: self.date(u.create_date(), &format!("the creation date of {owner}"))?,
            user_policy_list: self.inline(u.user_policy_list(), &owner)?,
            group_list: u.group_list().to_vec(),
            attached_managed_policies: self.attached(u.attached_managed_policies(), &owner)?,
            permissions_boundary: self.boundary(u.permissions_boundary(), &owner)?,
            tags: tags(u.tags()),
            user_name: name,
        })
    }

    fn group(&self, g: &sdk::GroupDetail) -> Result<GroupDetail, ImportError> {
        let name = self.text(g.group_name(), "a group's name")?;
        let owner = format!("group `{name}`");
        Ok(GroupDetail {
            path: self.text(g.path(), &format!("the path of {owner}"))?,
            group_id: self.text(g.group_id(), &format!("the id of {owner}"))?,
            arn: self.text(g.arn(), &format!("the ARN of {owner}"))?,
            create_date: self.date(g.create_date(), &format!("the creation date of {owner}"))?,
            group_policy_list: self.inline(g.group_policy_list(), &owner)?,
            attached_managed_policies: self.attached(g.attached_managed_policies(), &owner)?,
            group_name: name,
        })
    }

    fn role(&self, r: &sdk::RoleDetail) -> Result<RoleDetail, ImportError> {
        let name = self.text(r.role_name(), "a role's name")?;
        let owner = format!("role `{name}`");
        let profiles = r
            .instance_profile_list()
            .iter()
            .map(|p| self.instance_profile(p))
            .collect::<Result<_, _>>()?;
        Ok(RoleDetail {
            path: self.text(r.path(), &format!("the path of {owner}"))?,
            role_id: self.text(r.role_id(), &format!("the id of {owner}"))?,
            arn: self.text(r.arn(), &format!("the ARN of {owner}"))?,
            create_date: self.date(r.create_date(), &format!("the creation date of {owner}"))?,
            assume_role_policy_document: self.document(
                r.assume_role_policy_document(),
                &format!("the trust policy of {owner}"),
            )?,
            instance_profile_list: profiles,
            role_policy_list: self.inline(r.role_policy_list(), &owner)?,
            attached_managed_policies: self.attached(r.attached_managed_policies(), &owner)?,
            permissions_boundary: self.boundary(r.permissions_boundary(), &owner)?,
            tags: tags(r.tags()),
            role_last_used: r.role_last_used().map(|l| RoleLastUsed {
                last_used_date: l.last_used_date().and_then(instant),
                region: l.region().map(str::to_owned),
            }),
            role_name: name,
        })
    }

    fn instance_profile(&self, p: &sdk::InstanceProfile) -> Result<InstanceProfile, ImportError> {
        let what = format!(
            "the creation date of instance profile `{}`",
            p.instance_profile_name()
        );
        Ok(InstanceProfile {
            path: p.path().to_owned(),
            instance_profile_name: p.instance_profile_name().to_owned(),
            instance_profile_id: p.instance_profile_id().to_owned(),
            arn: p.arn().to_owned(),
            create_date: self.date(Some(p.create_date()), &what)?,
            roles: p
                .roles()
                .iter()
                .map(|r| {
                    Ok(InstanceProfileRole {
                        path: r.path().to_owned(),
                        role_name: r.role_name().to_owned(),
                        role_id: r.role_id().to_owned(),
                        arn: r.arn().to_owned(),
                        create_date: self.date(
                            Some(r.create_date()),
                            &format!("the creation date of role `{}`", r.role_name()),
                        )?,
                    })
                })
                .collect::<Result<_, ImportError>>()?,
        })
    }

    fn policy(&self, p: &sdk::ManagedPolicyDetail) -> Result<ManagedPolicyDetail, ImportError> {
        let arn = self.text(p.arn(), "a managed policy's ARN")?;
        let owner = format!("managed policy `{arn}`");
        let versions = p
            .policy_version_list()
            .iter()
            .map(|v| {
                let id = self.text(v.version_id(), &format!("a version id of {owner}"))?;
                Ok(PolicyVersion {
                    document: self.document(
                        v.document(),
                        &format!("the document of version `{id}` of {owner}"),
                    )?,
                    version_id: id,
                    is_default_version: Some(v.is_default_version()),
                    create_date: v.create_date().and_then(instant),
                })
            })
            .collect::<Result<_, ImportError>>()?;
        let known = self.names.get(&arn);
        Ok(ManagedPolicyDetail {
            policy_name: self.text(
                p.policy_name().or(known.map(|k| k.0.as_str())),
                &format!("the name of {owner}"),
            )?,
            // What the API may omit is unknown, as in an import.
            policy_id: p
                .policy_id()
                .or(known.map(|k| k.1.as_str()))
                .map(str::to_owned),
            path: p.path().map(str::to_owned),
            default_version_id: p.default_version_id().map(str::to_owned),
            attachment_count: p.attachment_count().map(i64::from),
            permissions_boundary_usage_count: p.permissions_boundary_usage_count().map(i64::from),
            is_attachable: Some(p.is_attachable()),
            description: p.description().map(str::to_owned),
            create_date: p.create_date().and_then(instant),
            update_date: p.update_date().and_then(instant),
            policy_version_list: versions,
            arn,
        })
    }
}

/// Tags as the model's pairs.
pub fn tags(list: &[sdk::Tag]) -> Vec<Tag> {
    list.iter()
        .map(|t| Tag {
            key: t.key().to_owned(),
            value: t.value().to_owned(),
        })
        .collect()
}
