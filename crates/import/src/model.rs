//! What a live export reads beyond the authorization details: access keys with their last
//! use, identity providers, service last accessed data and account settings. Plain data,
//! filled by the exporter and turned into tables by [`crate::build_tables_with`].

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

/// Everything the API gives that the authorization details do not. The default (nothing)
/// is what a file import has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// The account the export ran against: it names the account of an empty account's
    /// (ARN-less) authorization details.
    pub account_id: Option<String>,
    /// Access keys listed through the API.
    pub access_keys: Vec<AccessKey>,
    /// ARNs of the users whose keys were listed (possibly none): for them the API's rows
    /// replace the credential report's anonymous key rows.
    pub keys_listed_for: BTreeSet<String>,
    /// OpenID Connect providers.
    pub oidc_providers: Vec<OidcProvider>,
    /// SAML providers.
    pub saml_providers: Vec<SamlProvider>,
    /// Service last accessed data, per principal and service.
    pub service_last_accessed: Vec<ServiceLastAccessed>,
    /// One entry per exported account.
    pub account_settings: Vec<AccountSettings>,
    /// The organization, when captured.
    pub organization: Option<crate::organization::Organization>,
}

/// An access key of an IAM user, from `ListAccessKeys` and `GetAccessKeyLastUsed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// The account.
    pub account_id: String,
    /// Owning user's name.
    pub user_name: String,
    /// Owning user's ARN.
    pub user_arn: String,
    /// `AKIA...`.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When the key was created.
    pub create_date: Option<DateTime<Utc>>,
    /// When the key was last used; `None` when never (or not read).
    pub last_used_date: Option<DateTime<Utc>>,
    /// Region of the last use.
    pub last_used_region: Option<String>,
    /// Service of the last use.
    pub last_used_service: Option<String>,
}

/// An OpenID Connect identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProvider {
    /// The account.
    pub account_id: String,
    /// Provider ARN.
    pub arn: String,
    /// Issuer URL without `https://`.
    pub url: String,
    /// Accepted audiences.
    pub client_ids: Vec<String>,
    /// Certificate thumbprints.
    pub thumbprints: Vec<String>,
    /// Creation date.
    pub create_date: Option<DateTime<Utc>>,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// A SAML identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProvider {
    /// The account.
    pub account_id: String,
    /// Provider ARN.
    pub arn: String,
    /// Creation date.
    pub create_date: Option<DateTime<Utc>>,
    /// Expiry of the metadata.
    pub valid_until: Option<DateTime<Utc>>,
    /// The SAML metadata document, when it could be read.
    pub metadata_document: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

impl SamlProvider {
    /// The provider's name: what follows `saml-provider/` in its ARN.
    pub fn name(&self) -> &str {
        self.arn
            .split_once(":saml-provider/")
            .map_or(self.arn.as_str(), |(_, name)| name)
    }
}

/// One service in a principal's service last accessed data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLastAccessed {
    /// The account.
    pub account_id: String,
    /// User or role ARN.
    pub principal_arn: String,
    /// `user` or `role`.
    pub principal_type: &'static str,
    /// User or role name.
    pub principal_name: String,
    /// Action prefix, e.g. `s3`.
    pub service_namespace: String,
    /// Service name, e.g. `Amazon S3`.
    pub service_name: String,
    /// Last authentication to the service.
    pub last_authenticated: Option<DateTime<Utc>>,
    /// Who made that request.
    pub last_authenticated_entity: Option<String>,
    /// Where.
    pub last_authenticated_region: Option<String>,
    /// How many entities authenticated.
    pub total_authenticated_entities: Option<i64>,
    /// When IAM finished the report.
    pub job_completion_date: Option<DateTime<Utc>>,
}

/// An account's aliases and password policy; `None` where they could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSettings {
    /// The account.
    pub account_id: String,
    /// Aliases.
    pub aliases: Option<Vec<String>>,
    /// `Some(None)`: the account has no custom password policy; `None`: not read.
    pub password_policy: Option<Option<PasswordPolicy>>,
}

/// An account password policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length.
    pub minimum_password_length: Option<i64>,
    /// A symbol is required.
    pub require_symbols: Option<bool>,
    /// A digit is required.
    pub require_numbers: Option<bool>,
    /// An uppercase letter is required.
    pub require_uppercase_characters: Option<bool>,
    /// A lowercase letter is required.
    pub require_lowercase_characters: Option<bool>,
    /// Users may change their password.
    pub allow_users_to_change_password: Option<bool>,
    /// Passwords expire.
    pub expire_passwords: Option<bool>,
    /// Days a password is valid.
    pub max_password_age: Option<i64>,
    /// Previous passwords that cannot be reused.
    pub password_reuse_prevention: Option<i64>,
    /// An expired password needs an administrator.
    pub hard_expiry: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth_details::AuthDetails;
    use crate::credential_report::CredentialReport;
    use crate::tables::{Page, build_tables, build_tables_with};
    use arrow::array::{Array, AsArray};
    use chrono::TimeZone;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::123456789012:root,2013-10-14T18:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
bot,arn:aws:iam::123456789012:user/bot,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2020-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    fn rows_of(tables: &crate::Imported, name: &str) -> usize {
        tables
            .tables
            .iter()
            .find(|(t, _)| t.name == name)
            .map(|(_, b)| b.num_rows())
            .unwrap()
    }

    fn column<'a>(tables: &'a crate::Imported, table: &str, col: &str) -> Vec<Option<&'a str>> {
        let (t, b) = tables.tables.iter().find(|(t, _)| t.name == table).unwrap();
        let i = t.columns.iter().position(|c| c.name == col).unwrap();
        let a = b.column(i).as_string::<i32>();
        (0..a.len())
            .map(|r| a.is_valid(r).then(|| a.value(r)))
            .collect()
    }

    #[test]
    fn an_empty_account_exports_with_every_table_empty() {
        // A page naming no account is refused by the import; a live export knows the
        // account, so an empty account gives every table, empty.
        let pages = [Page {
            file: "p".to_owned(),
            details: AuthDetails::default(),
            account: None,
        }];
        assert!(build_tables(&pages, &[], false).is_err());
        let extras = Extras {
            account_id: Some("123456789012".to_owned()),
            ..Extras::default()
        };
        let t = build_tables_with(&pages, &[], false, &extras).unwrap();
        assert_eq!(t.account_ids, ["123456789012"]);
        for name in [
            "oidc_providers",
            "saml_providers",
            "service_last_accessed",
            "account_settings",
        ] {
            assert_eq!(rows_of(&t, name), 0, "{name}");
        }
    }

    #[test]
    fn api_keys_replace_the_reports_anonymous_rows_of_listed_users_only() {
        let report = CredentialReport::read(REPORT.as_bytes(), "r.csv").unwrap();
        let pages = [Page {
            file: "p".to_owned(),
            details: AuthDetails::default(),
            account: None,
        }];
        let when = chrono::Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        let extras = Extras {
            account_id: Some("123456789012".to_owned()),
            access_keys: vec![AccessKey {
                account_id: "123456789012".to_owned(),
                user_name: "bot".to_owned(),
                user_arn: "arn:aws:iam::123456789012:user/bot".to_owned(),
                access_key_id: "AKIAEXAMPLE1".to_owned(),
                status: "Active".to_owned(),
                create_date: Some(when),
                last_used_date: None,
                last_used_region: None,
                last_used_service: None,
            }],
            keys_listed_for: ["arn:aws:iam::123456789012:user/bot".to_owned()].into(),
            oidc_providers: vec![OidcProvider {
                account_id: "123456789012".to_owned(),
                arn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
                    .to_owned(),
                url: "token.actions.githubusercontent.com".to_owned(),
                client_ids: vec!["sts.amazonaws.com".to_owned()],
                thumbprints: vec![],
                create_date: None,
                tags: vec![],
            }],
            saml_providers: vec![SamlProvider {
                account_id: "123456789012".to_owned(),
                arn: "arn:aws:iam::123456789012:saml-provider/okta".to_owned(),
                create_date: None,
                valid_until: None,
                metadata_document: None,
                tags: vec![],
            }],
            account_settings: vec![AccountSettings {
                account_id: "123456789012".to_owned(),
                aliases: None,
                password_policy: Some(None),
            }],
            ..Extras::default()
        };
        let t = build_tables_with(&pages, &[("r.csv", &report)], false, &extras).unwrap();
        // The bot's key from the API (with its id), the root's key from the report.
        assert_eq!(
            column(&t, "access_keys", "access_key_id"),
            [Some("AKIAEXAMPLE1"), None]
        );
        assert_eq!(
            column(&t, "access_keys", "source"),
            [Some("api"), Some("credential_report")]
        );
        assert_eq!(column(&t, "saml_providers", "name"), [Some("okta")]);
        assert_eq!(rows_of(&t, "oidc_providers"), 1);
        // No password policy: a row saying so, with unknown aliases.
        let (def, batch) = t
            .tables
            .iter()
            .find(|(t, _)| t.name == "account_settings")
            .unwrap();
        let at = |c: &str| def.columns.iter().position(|x| x.name == c).unwrap();
        let exists = batch.column(at("password_policy_exists")).as_boolean();
        assert!(!exists.value(0) && exists.is_valid(0));
        assert!(batch.column(at("aliases")).is_null(0));
        assert!(batch.column(at("minimum_password_length")).is_null(0));

        // Without the listing, the report's rows stay.
        let t = build_tables_with(
            &pages,
            &[("r.csv", &report)],
            false,
            &Extras {
                account_id: Some("123456789012".to_owned()),
                ..Extras::default()
            },
        )
        .unwrap();
        assert_eq!(column(&t, "access_keys", "access_key_id"), [None, None]);
    }
}
