//! Who is a non-human identity, and why: the one classification `check`, `diff` and the
//! `principals` view all use.
//!
//! Roles are non-human unless people reach them: IAM Identity Center roles
//! (`AWSReservedSSO_*`) and roles whose trust policy allows SAML federation. Users are
//! non-human when they live under a `/service/` path, or have no console password (so are
//! used through access keys only); a user the credential report does not list (or a
//! snapshot without one) is treated as non-human, and the reason says what is missing.
//!
//! Apart from that, some principals no customer can act as: a service-linked role can be
//! assumed only by its AWS service, and its trust policy and permissions are AWS's to set
//! (they cannot be edited, only the role deleted through the service). They are non-human
//! identities, but nothing a customer does can make them act, nor can a customer fix
//! what a rule would report on them: [`Nhi::aws_managed`] marks them, and rules leave them
//! out (`check` ranges over the principals customers can act as). SQL still sees them, in
//! the `principals` view and through `is_aws_managed`.

/// A classification: whether the principal is a non-human identity, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nhi {
    /// Whether it is a non-human identity.
    pub is_nhi: bool,
    /// Why it is classified so, in words.
    pub reason: &'static str,
    /// Whether only an AWS service can act as it (a service-linked role): no customer
    /// principal can assume it or change what it may do.
    pub aws_managed: bool,
}

/// Who a role's trust policy allows (its `Allow` statements with `Principal`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoleTrust {
    /// A SAML provider.
    pub saml: bool,
    /// An AWS service.
    pub service: bool,
    /// An OIDC provider (web identity federation).
    pub oidc: bool,
    /// A principal of another account.
    pub other_account: bool,
}

/// What the credential report says of a user's console password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Password {
    /// The user has a console password.
    Enabled,
    /// The report lists the user without one (or without saying).
    Disabled,
    /// The report does not list the user.
    NotInReport,
    /// The snapshot has no credential report.
    NoReport,
}

/// Classifies a role.
pub fn classify_role(name: &str, service_linked: bool, trust: RoleTrust) -> Nhi {
    let sso = name.starts_with("AWSReservedSSO_");
    let reason = if service_linked {
        "service-linked role, managed by an AWS service"
    } else if sso {
        "IAM Identity Center role: assumed by people"
    } else if trust.saml {
        "SAML-federated role: assumed by people"
    } else if trust.service {
        "assumed by an AWS service"
    } else if trust.oidc {
        "assumed by workloads through OIDC federation"
    } else if trust.other_account {
        "assumed from another account"
    } else {
        "assumed by other principals of the account"
    };
    Nhi {
        is_nhi: !(sso || trust.saml),
        reason,
        aws_managed: service_linked,
    }
}

/// Classifies a user.
pub fn classify_user(path: &str, password: Password) -> Nhi {
    if path.starts_with("/service/") {
        return Nhi {
            is_nhi: true,
            reason: "user under a /service/ path",
            aws_managed: false,
        };
    }
    let (is_nhi, reason) = match password {
        Password::Enabled => (false, "has a console password: a person"),
        Password::Disabled => (true, "no console password: used through access keys"),
        Password::NotInReport => (true, "not in the credential report; treated as non-human"),
        Password::NoReport => (
            true,
            "the snapshot has no credential report; treated as non-human",
        ),
    };
    Nhi {
        is_nhi,
        reason,
        aws_managed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_reach_sso_and_saml_roles_and_nothing_else() {
        let saml = RoleTrust {
            saml: true,
            ..RoleTrust::default()
        };
        assert!(!classify_role("AWSReservedSSO_Admin_123", false, RoleTrust::default()).is_nhi);
        assert!(!classify_role("okta-admins", false, saml).is_nhi);
        let oidc = RoleTrust {
            oidc: true,
            ..RoleTrust::default()
        };
        let r = classify_role("gh-deploy", false, oidc);
        assert!(r.is_nhi);
        assert_eq!(r.reason, "assumed by workloads through OIDC federation");
        let r = classify_role("AWSServiceRoleForSupport", true, RoleTrust::default());
        assert!(r.is_nhi);
        assert_eq!(r.reason, "service-linked role, managed by an AWS service");
        assert!(
            r.aws_managed,
            "no customer can act as a service-linked role"
        );
        assert!(!classify_role("gh-deploy", false, oidc).aws_managed);
    }

    #[test]
    fn users_with_a_console_password_are_people_unless_under_service() {
        assert!(!classify_user("/", Password::Enabled).is_nhi);
        assert!(classify_user("/service/", Password::Enabled).is_nhi);
        assert!(classify_user("/", Password::Disabled).is_nhi);
        let r = classify_user("/", Password::NoReport);
        assert!(r.is_nhi);
        assert!(r.reason.contains("no credential report"));
        assert!(classify_user("/", Password::NotInReport).is_nhi);
    }
}
