//! What a record says about who called: the identity (assumed-role sessions folded to
//! their role), its type, and the family of the user agent.

use std::borrow::Cow;

use super::record::{UserIdentity, text};

/// The caller of one event, as the `activity` table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller<'a> {
    /// The identity: an ARN, a service principal, `anonymous` or `unknown`.
    pub(crate) principal: Cow<'a, str>,
    /// `userIdentity.type`, normalized (see [`caller`]).
    pub(crate) principal_type: &'a str,
    /// The identity's own account (`userIdentity.accountId`).
    pub(crate) principal_account: Option<&'a str>,
    /// The ARN of the role or user that issued the session's credentials.
    pub(crate) session_issuer_arn: Option<&'a str>,
    /// The AWS service that made the call on the identity's behalf.
    pub(crate) invoked_by: Option<&'a str>,
}

/// The role of an assumed-role session ARN:
/// `arn:aws:sts::111122223333:assumed-role/deploy/session` →
/// `arn:aws:iam::111122223333:role/deploy`. `None` when `arn` is not such an ARN.
pub(crate) fn fold_assumed_role(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("sts"), Some(_region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let rest = resource.strip_prefix("assumed-role/")?;
    let role = rest.split('/').next().filter(|r| !r.is_empty())?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// Who made the call.
///
/// - `AssumedRole`: the session issuer's ARN (the role, with its path), else the role
///   folded from the session ARN; the session name is dropped.
/// - `AWSService`, or no type with `invokedBy`: the service principal that called
///   (`invokedBy`, e.g. `lambda.amazonaws.com`); the type is then `AWSService`.
/// - Anonymous callers (`ANONYMOUS_PRINCIPAL`): `anonymous`, type `Anonymous`.
/// - `Root`: the root ARN (`arn:aws:iam::<account>:root`).
/// - `AWSAccount` (a caller in another account): its principal id, else its account id.
/// - Any other type (`IAMUser`, `FederatedUser`, `IdentityCenterUser`, `SAMLUser`,
///   `WebIdentityUser`, ...): the ARN, else the user name, else the principal id.
/// - No `userIdentity` or nothing to name the caller by: `unknown`, type `Unknown`.
pub(crate) fn caller<'a>(identity: Option<&'a UserIdentity<'a>>) -> Caller<'a> {
    let unknown = Caller {
        principal: Cow::Borrowed("unknown"),
        principal_type: "Unknown",
        principal_account: None,
        session_issuer_arn: None,
        invoked_by: None,
    };
    let Some(id) = identity else {
        return unknown;
    };
    let kind = text(&id.kind);
    let arn = text(&id.arn);
    let account = text(&id.account_id);
    let principal_id = text(&id.principal_id);
    let invoked_by = text(&id.invoked_by);
    let issuer = id
        .session_context
        .as_ref()
        .and_then(|c| c.session_issuer.as_ref())
        .and_then(|i| text(&i.arn));
    let base = Caller {
        principal_account: account,
        session_issuer_arn: issuer,
        invoked_by,
        ..unknown
    };
    let anonymous = account == Some("ANONYMOUS_PRINCIPAL")
        || principal_id == Some("ANONYMOUS_PRINCIPAL")
        || kind == Some("Anonymous");
    if anonymous {
        return Caller {
            principal: Cow::Borrowed("anonymous"),
            principal_type: "Anonymous",
            principal_account: None,
            ..base
        };
    }
    let named = |principal: Option<Cow<'a, str>>, principal_type: &'a str| match principal {
        Some(principal) => Caller {
            principal,
            principal_type,
            ..base.clone()
        },
        None => Caller {
            principal_type,
            ..base.clone()
        },
    };
    match kind {
        None if invoked_by.is_some() => named(invoked_by.map(Cow::Borrowed), "AWSService"),
        None => named(arn.or(principal_id).map(Cow::Borrowed), base.principal_type),
        Some("AssumedRole") => named(
            issuer
                .map(Cow::Borrowed)
                .or_else(|| arn.and_then(fold_assumed_role).map(Cow::Owned))
                .or(arn.map(Cow::Borrowed))
                .or(principal_id.map(Cow::Borrowed)),
            "AssumedRole",
        ),
        Some("AWSService") => named(invoked_by.or(principal_id).map(Cow::Borrowed), "AWSService"),
        Some("Root") => named(
            arn.map(Cow::Borrowed)
                .or_else(|| account.map(|a| Cow::Owned(format!("arn:aws:iam::{a}:root")))),
            "Root",
        ),
        Some("AWSAccount") => named(principal_id.or(account).map(Cow::Borrowed), "AWSAccount"),
        Some(other) => named(
            arn.or(text(&id.user_name))
                .or(principal_id)
                .map(Cow::Borrowed),
            other,
        ),
    }
}

/// The family of a user agent string: which kind of client made the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserAgentFamily {
    /// The AWS CLI (`aws-cli/...`).
    AwsCli,
    /// Python's boto3 or botocore (`Boto3/...`, `Botocore/...`).
    Boto3,
    /// An AWS SDK, by language (`aws-sdk-go`, `aws-sdk-java`, ...).
    Sdk(SdkLanguage),
    /// Terraform's AWS provider (`Terraform/...`, `terraform-provider-aws/...`).
    Terraform,
    /// The AWS Management Console, or a web browser (`S3Console/...`, `Mozilla/...`).
    Console,
    /// AWS itself: `AWS Internal`, `aws-internal/...`, or a service name such as
    /// `lambda.amazonaws.com`.
    AwsInternal,
    /// Anything else.
    Other,
}

/// The language of an AWS SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SdkLanguage {
    /// `aws-sdk-go`, `aws-sdk-go-v2`.
    Go,
    /// `aws-sdk-java`.
    Java,
    /// `aws-sdk-js`, `aws-sdk-nodejs`.
    Js,
    /// `aws-sdk-dotnet`, `AWSPowerShell`.
    Dotnet,
    /// `aws-sdk-ruby`.
    Ruby,
    /// `aws-sdk-php`.
    Php,
    /// `aws-sdk-cpp`.
    Cpp,
    /// `aws-sdk-rust`.
    Rust,
    /// `aws-sdk-kotlin`.
    Kotlin,
    /// `aws-sdk-swift`.
    Swift,
}

/// SDK markers, most specific first: (text in the user agent, language).
const SDKS: &[(&str, SdkLanguage)] = &[
    ("aws-sdk-go", SdkLanguage::Go),
    ("aws-sdk-java", SdkLanguage::Java),
    ("aws-sdk-js", SdkLanguage::Js),
    ("aws-sdk-nodejs", SdkLanguage::Js),
    ("aws-sdk-dotnet", SdkLanguage::Dotnet),
    ("awspowershell", SdkLanguage::Dotnet),
    ("aws-sdk-ruby", SdkLanguage::Ruby),
    ("aws-sdk-php", SdkLanguage::Php),
    ("aws-sdk-cpp", SdkLanguage::Cpp),
    ("aws-sdk-rust", SdkLanguage::Rust),
    ("aws-sdk-kotlin", SdkLanguage::Kotlin),
    ("aws-sdk-swift", SdkLanguage::Swift),
];

impl UserAgentFamily {
    /// Every family, in the order they are documented.
    pub const ALL: [UserAgentFamily; 16] = [
        Self::AwsCli,
        Self::Boto3,
        Self::Sdk(SdkLanguage::Go),
        Self::Sdk(SdkLanguage::Java),
        Self::Sdk(SdkLanguage::Js),
        Self::Sdk(SdkLanguage::Dotnet),
        Self::Sdk(SdkLanguage::Ruby),
        Self::Sdk(SdkLanguage::Php),
        Self::Sdk(SdkLanguage::Cpp),
        Self::Sdk(SdkLanguage::Rust),
        Self::Sdk(SdkLanguage::Kotlin),
        Self::Sdk(SdkLanguage::Swift),
        Self::Terraform,
        Self::Console,
        Self::AwsInternal,
        Self::Other,
    ];

    /// Classifies a user agent. The first rule that matches wins, without regard to case:
    ///
    /// 1. `terraform`: contains `terraform` (Terraform's provider also names the Go SDK);
    /// 2. `aws-cli`: contains `aws-cli/` (the CLI also names botocore or the C++ SDK);
    /// 3. `console`: contains `console` (`S3Console/0.4, aws-internal/3 ...`,
    ///    `RDS Console`, `console.amazonaws.com`, `signin.amazonaws.com`), or starts with
    ///    `Mozilla/` (a browser);
    /// 4. `aws-internal`: `AWS Internal`, contains `aws-internal/`, or is a service host
    ///    name ending in `.amazonaws.com`;
    /// 5. `boto3`: contains `boto3/` or `botocore/`;
    /// 6. `aws-sdk-<lang>`: contains `aws-sdk-<lang>` (`aws-sdk-go-v2` is `aws-sdk-go`,
    ///    `aws-sdk-nodejs` is `aws-sdk-js`, `AWSPowerShell` is `aws-sdk-dotnet`);
    /// 7. `other`.
    pub fn classify(user_agent: &str) -> Self {
        let ua = user_agent.trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace());
        let lower = ua.to_ascii_lowercase();
        let has = |s: &str| lower.contains(s);
        if has("terraform") {
            Self::Terraform
        } else if has("aws-cli/") {
            Self::AwsCli
        } else if has("console") || has("signin.amazonaws.com") || lower.starts_with("mozilla/") {
            Self::Console
        } else if lower == "aws internal"
            || has("aws-internal/")
            || (lower.ends_with(".amazonaws.com") && !lower.contains(' '))
        {
            Self::AwsInternal
        } else if has("boto3/") || has("botocore/") {
            Self::Boto3
        } else if let Some((_, lang)) = SDKS.iter().find(|(marker, _)| has(marker)) {
            Self::Sdk(*lang)
        } else {
            Self::Other
        }
    }

    /// The name stored in `activity.user_agent_family`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwsCli => "aws-cli",
            Self::Boto3 => "boto3",
            Self::Sdk(SdkLanguage::Go) => "aws-sdk-go",
            Self::Sdk(SdkLanguage::Java) => "aws-sdk-java",
            Self::Sdk(SdkLanguage::Js) => "aws-sdk-js",
            Self::Sdk(SdkLanguage::Dotnet) => "aws-sdk-dotnet",
            Self::Sdk(SdkLanguage::Ruby) => "aws-sdk-ruby",
            Self::Sdk(SdkLanguage::Php) => "aws-sdk-php",
            Self::Sdk(SdkLanguage::Cpp) => "aws-sdk-cpp",
            Self::Sdk(SdkLanguage::Rust) => "aws-sdk-rust",
            Self::Sdk(SdkLanguage::Kotlin) => "aws-sdk-kotlin",
            Self::Sdk(SdkLanguage::Swift) => "aws-sdk-swift",
            Self::Terraform => "terraform",
            Self::Console => "console",
            Self::AwsInternal => "aws-internal",
            Self::Other => "other",
        }
    }
}

/// An event time as microseconds since the epoch and the UTC day (days since the epoch).
/// CloudTrail writes `2023-07-10T12:11:15Z`; other RFC 3339 forms are read too.
pub(crate) fn event_time(text: &str) -> Option<(i64, i32)> {
    let micros = fast_time(text.as_bytes()).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.timestamp_micros())
    })?;
    let day = i32::try_from(micros.div_euclid(86_400_000_000)).ok()?;
    Some((micros, day))
}

/// `YYYY-MM-DDTHH:MM:SSZ` exactly.
fn fast_time(b: &[u8]) -> Option<i64> {
    let &[
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        mi0,
        mi1,
        b':',
        s0,
        s1,
        b'Z',
    ] = b
    else {
        return None;
    };
    let digit = |c: u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
    let two = |a, b| Some(digit(a)? * 10 + digit(b)?);
    let year = two(y0, y1)? * 100 + two(y2, y3)?;
    let (month, dayn) = (two(m0, m1)?, two(d0, d1)?);
    let (hour, minute, second) = (two(h0, h1)?, two(mi0, mi1)?, two(s0, s1)?);
    if !(1..=12).contains(&month) || dayn < 1 || dayn > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, dayn);
    Some(((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn caller_of(json: &str) -> (String, String, Option<String>, Option<String>) {
        let r: Record<'_> = serde_json::from_str(json).unwrap();
        let c = caller(r.user_identity.as_ref());
        (
            c.principal.into_owned(),
            c.principal_type.to_owned(),
            c.session_issuer_arn.map(str::to_owned),
            c.invoked_by.map(str::to_owned),
        )
    }

    #[test]
    fn assumed_role_sessions_fold_to_their_role() {
        // With a session issuer: its ARN, path included.
        let (p, t, issuer, _) = caller_of(
            r#"{"userIdentity":{"type":"AssumedRole","principalId":"AROAX:MandoService1",
            "arn":"arn:aws:sts::123837392027:assumed-role/AWSServiceRoleForAmazonInspector2/MandoService1",
            "accountId":"123837392027","sessionContext":{"sessionIssuer":{"type":"Role",
            "arn":"arn:aws:iam::123837392027:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2"}},
            "invokedBy":"inspector2.amazonaws.com"}}"#,
        );
        assert_eq!(
            p,
            "arn:aws:iam::123837392027:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2"
        );
        assert_eq!(t, "AssumedRole");
        assert_eq!(issuer.as_deref(), Some(p.as_str()));
        // Without one: folded from the session ARN.
        let (p, _, issuer, _) = caller_of(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws-cn:sts::111122223333:assumed-role/deploy/i-0abc"}}"#,
        );
        assert_eq!(p, "arn:aws-cn:iam::111122223333:role/deploy");
        assert_eq!(issuer, None);
        assert_eq!(fold_assumed_role("arn:aws:iam::1:user/x"), None);
        assert_eq!(fold_assumed_role("arn:aws:sts::1:assumed-role/"), None);
    }

    #[test]
    fn every_identity_type_is_named() {
        let cases = [
            (
                r#"{"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/bob","userName":"bob"}}"#,
                "arn:aws:iam::1:user/bob",
                "IAMUser",
            ),
            (
                r#"{"userIdentity":{"type":"Root","accountId":"111122223333"}}"#,
                "arn:aws:iam::111122223333:root",
                "Root",
            ),
            (
                r#"{"userIdentity":{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}}"#,
                "lambda.amazonaws.com",
                "AWSService",
            ),
            (
                r#"{"userIdentity":{"accountId":"1","invokedBy":"ec2.amazonaws.com"}}"#,
                "ec2.amazonaws.com",
                "AWSService",
            ),
            (
                r#"{"userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}}"#,
                "anonymous",
                "Anonymous",
            ),
            (
                r#"{"userIdentity":{"type":"AWSAccount","principalId":"AIDAX","accountId":"444455556666"}}"#,
                "AIDAX",
                "AWSAccount",
            ),
            (
                r#"{"userIdentity":{"type":"FederatedUser","arn":"arn:aws:sts::1:federated-user/ann"}}"#,
                "arn:aws:sts::1:federated-user/ann",
                "FederatedUser",
            ),
            (
                r#"{"userIdentity":{"type":"WebIdentityUser","principalId":"accounts.google.com:x","userName":"x"}}"#,
                "x",
                "WebIdentityUser",
            ),
            (r#"{}"#, "unknown", "Unknown"),
            (r#"{"userIdentity":{}}"#, "unknown", "Unknown"),
        ];
        for (json, principal, kind) in cases {
            let (p, t, _, _) = caller_of(json);
            assert_eq!((p.as_str(), t.as_str()), (principal, kind), "{json}");
        }
    }

    #[test]
    fn user_agent_families() {
        let cases = [
            (
                "APN/1.0 HashiCorp/1.0 Terraform/1.1.2 (+https://www.terraform.io) terraform-provider-aws/4.67.0 aws-sdk-go/1.44.261 (go1.19.8; linux; amd64)",
                "terraform",
            ),
            (
                "aws-cli/2.13.0 Python/3.11.4 Linux/5.15 exe/x86_64.ubuntu.22 prompt/off command/s3.ls",
                "aws-cli",
            ),
            (
                "aws-cli/1.29.0 Python/3.10.6 Linux/5.19.0 botocore/1.31.0",
                "aws-cli",
            ),
            (
                "[Boto3/1.26.165 Python/3.10.6 Linux/5.19.0-46-generic Botocore/1.29.165]",
                "boto3",
            ),
            (
                "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.184]",
                "console",
            ),
            (
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0",
                "console",
            ),
            ("AWS Internal", "aws-internal"),
            ("secretsmanager.amazonaws.com", "aws-internal"),
            (
                "aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10",
                "aws-internal",
            ),
            (
                "aws-sdk-go/1.41.4 (go1.18.3; linux; amd64) amazon-ssm-agent/",
                "aws-sdk-go",
            ),
            (
                "aws-sdk-go-v2/1.17.0 os/linux lang/go/1.18.10 md/GOOS/linux",
                "aws-sdk-go",
            ),
            (
                "aws-sdk-js/3.370.0 os/linux/5.10 lang/js md/nodejs/18.16.1",
                "aws-sdk-js",
            ),
            ("aws-sdk-java/2.20.1 Linux/5.10 OpenJDK", "aws-sdk-java"),
            ("aws-sdk-dotnet-coreclr/3.7.1 .NET_Core", "aws-sdk-dotnet"),
            ("stratus-red-team_39f95f43", "other"),
            ("", "other"),
        ];
        for (ua, family) in cases {
            assert_eq!(UserAgentFamily::classify(ua).as_str(), family, "{ua}");
        }
        let names: std::collections::BTreeSet<&str> =
            UserAgentFamily::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(names.len(), UserAgentFamily::ALL.len());
    }

    #[test]
    fn event_times() {
        let (micros, day) = event_time("2023-07-10T12:11:15Z").unwrap();
        let expected = chrono::DateTime::parse_from_rfc3339("2023-07-10T12:11:15Z").unwrap();
        assert_eq!(micros, expected.timestamp_micros());
        assert_eq!(day, 19548);
        // Other RFC 3339 forms go through chrono.
        let (m2, _) = event_time("2023-07-10T14:11:15.250+02:00").unwrap();
        assert_eq!(m2, micros + 250_000);
        assert_eq!(event_time("1969-12-31T23:59:59Z").unwrap().1, -1);
        assert_eq!(event_time("2024-02-29T00:00:00Z").unwrap().1, 19782);
        for bad in [
            "2023-02-29T00:00:00Z",
            "2023-13-01T00:00:00Z",
            "yesterday",
            "",
        ] {
            assert!(event_time(bad).is_none(), "{bad}");
        }
    }
}
