/// The principal types a `Principal` / `NotPrincipal` element can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalType {
    /// `"Principal": "*"`: everyone, authenticated or not.
    Wildcard,
    /// `AWS`: accounts, users, roles, sessions.
    Aws,
    /// `Service`: AWS service principals such as `lambda.amazonaws.com`.
    Service,
    /// `Federated`: OIDC and SAML providers, web identity providers.
    Federated,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
}

impl PrincipalType {
    /// The element name as written in a policy (`*` for the bare wildcard).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wildcard => "*",
            Self::Aws => "AWS",
            Self::Service => "Service",
            Self::Federated => "Federated",
            Self::CanonicalUser => "CanonicalUser",
        }
    }

    pub(crate) const NAMES: [&'static str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        match key {
            "AWS" => Some(Self::Aws),
            "Service" => Some(Self::Service),
            "Federated" => Some(Self::Federated),
            "CanonicalUser" => Some(Self::CanonicalUser),
            _ => None,
        }
    }
}

/// A `Principal` or `NotPrincipal` element: a list of (type, value) pairs in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Each principal named, with its type.
    pub entries: Vec<(PrincipalType, String)>,
}

/// What a principal value denotes, for audits of trust and resource policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// `*` (bare or as `AWS`): anyone.
    Anyone,
    /// A whole account: `123456789012` or `arn:aws:iam::123456789012:root`.
    Account,
    /// An IAM role ARN.
    Role,
    /// An IAM user ARN.
    User,
    /// An STS assumed-role session ARN.
    AssumedRole,
    /// An STS federated-user session ARN.
    FederatedUser,
    /// An AWS service principal.
    Service,
    /// An IAM OIDC identity provider.
    Oidc,
    /// An IAM SAML identity provider.
    Saml,
    /// A public web identity provider (`accounts.google.com`, Cognito, ...).
    WebIdentity,
    /// An S3 canonical user id.
    CanonicalUser,
    /// A unique id such as `AROA...`: AWS shows this when the principal was deleted.
    UniqueId,
    /// Anything else (a malformed or unusual value).
    Other,
}

impl PrincipalKind {
    /// A stable lowercase name, as stored in snapshots.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anyone => "anyone",
            Self::Account => "account",
            Self::Role => "role",
            Self::User => "user",
            Self::AssumedRole => "assumed_role",
            Self::FederatedUser => "federated_user",
            Self::Service => "service",
            Self::Oidc => "oidc",
            Self::Saml => "saml",
            Self::WebIdentity => "web_identity",
            Self::CanonicalUser => "canonical_user",
            Self::UniqueId => "unique_id",
            Self::Other => "other",
        }
    }
}

/// What a principal value denotes: its kind, the account it belongs to when that is known,
/// and for identity providers the provider's name (`token.actions.githubusercontent.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInfo {
    /// The kind of principal.
    pub kind: PrincipalKind,
    /// The 12-digit account id, when the value names one.
    pub account: Option<String>,
    /// The identity provider, for federated principals.
    pub provider: Option<String>,
}

/// Classifies one principal value of the given type.
pub fn classify_principal(ty: PrincipalType, value: &str) -> PrincipalInfo {
    let info = |kind, account: Option<&str>, provider: Option<&str>| PrincipalInfo {
        kind,
        account: account.map(str::to_owned),
        provider: provider.map(str::to_owned),
    };
    match ty {
        PrincipalType::Wildcard => info(PrincipalKind::Anyone, None, None),
        PrincipalType::Service => info(PrincipalKind::Service, None, None),
        PrincipalType::CanonicalUser => info(PrincipalKind::CanonicalUser, None, None),
        PrincipalType::Federated => match parse_arn(value) {
            Some(arn) => {
                if let Some(p) = arn.resource.strip_prefix("oidc-provider/") {
                    info(PrincipalKind::Oidc, Some(arn.account), Some(p))
                } else if let Some(p) = arn.resource.strip_prefix("saml-provider/") {
                    info(PrincipalKind::Saml, Some(arn.account), Some(p))
                } else {
                    info(PrincipalKind::Other, Some(arn.account), None)
                }
            }
            None => info(PrincipalKind::WebIdentity, None, Some(value)),
        },
        PrincipalType::Aws => {
            if value == "*" {
                return info(PrincipalKind::Anyone, None, None);
            }
            if is_account_id(value) {
                return info(PrincipalKind::Account, Some(value), None);
            }
            if is_unique_id(value) {
                return info(PrincipalKind::UniqueId, None, None);
            }
            let Some(arn) = parse_arn(value) else {
                return info(PrincipalKind::Other, None, None);
            };
            let account = (!arn.account.is_empty()).then_some(arn.account);
            let kind = match (arn.service, arn.resource) {
                ("iam", "root") => PrincipalKind::Account,
                ("iam", r) if r.starts_with("role/") => PrincipalKind::Role,
                ("iam", r) if r.starts_with("user/") => PrincipalKind::User,
                ("sts", r) if r.starts_with("assumed-role/") => PrincipalKind::AssumedRole,
                ("sts", r) if r.starts_with("federated-user/") => PrincipalKind::FederatedUser,
                _ => PrincipalKind::Other,
            };
            info(kind, account, None)
        }
    }
}

struct Arn<'a> {
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn parse_arn(value: &str) -> Option<Arn<'_>> {
    let mut parts = value.splitn(6, ':');
    let (
        Some("arn"),
        Some(_partition),
        Some(service),
        Some(_region),
        Some(account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    Some(Arn {
        service,
        account,
        resource,
    })
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// IAM unique ids: a four-letter prefix (`AIDA` user, `AROA` role, `AGPA` group, ...) and
/// upper-case alphanumerics.
fn is_unique_id(value: &str) -> bool {
    const PREFIXES: [&str; 6] = ["AIDA", "AROA", "AGPA", "ANPA", "AIPA", "ASIA"];
    value.len() >= 16
        && PREFIXES.iter().any(|p| value.starts_with(p))
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_trust_principals() {
        let c = |t, v| classify_principal(t, v);
        assert_eq!(c(PrincipalType::Aws, "*").kind, PrincipalKind::Anyone);
        let acct = c(PrincipalType::Aws, "arn:aws:iam::999988887777:root");
        assert_eq!(acct.kind, PrincipalKind::Account);
        assert_eq!(acct.account.as_deref(), Some("999988887777"));
        assert_eq!(
            c(PrincipalType::Aws, "444455556666").kind,
            PrincipalKind::Account
        );
        assert_eq!(
            c(PrincipalType::Aws, "arn:aws:iam::444455556666:role/deploy").kind,
            PrincipalKind::Role
        );
        assert_eq!(
            c(PrincipalType::Aws, "AROAEXAMPLEID1234567").kind,
            PrincipalKind::UniqueId
        );
        let gh = c(
            PrincipalType::Federated,
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        );
        assert_eq!(gh.kind, PrincipalKind::Oidc);
        assert_eq!(
            gh.provider.as_deref(),
            Some("token.actions.githubusercontent.com")
        );
        let google = c(PrincipalType::Federated, "accounts.google.com");
        assert_eq!(google.kind, PrincipalKind::WebIdentity);
        assert_eq!(
            c(
                PrincipalType::Federated,
                "arn:aws:iam::111122223333:saml-provider/Okta"
            )
            .kind,
            PrincipalKind::Saml
        );
    }
}
