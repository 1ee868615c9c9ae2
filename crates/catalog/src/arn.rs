//! Amazon Resource Names: `arn:partition:service:region:account:resource`, read without
//! copying.

use std::fmt;

/// An ARN, borrowed from the text it was parsed from.
///
/// ```
/// use iamsnap_catalog::arn::Arn;
///
/// let role = Arn::parse("arn:aws:iam::111122223333:role/ci/deployer").expect("an ARN");
/// assert_eq!(role.service(), "iam");
/// assert_eq!(role.account(), Some("111122223333"));
/// assert_eq!(role.resource(), "role/ci/deployer");
///
/// let bucket = Arn::parse("arn:aws:s3:::acme-app-data").expect("an ARN");
/// assert_eq!(bucket.account(), None);
/// assert_eq!(Arn::parse("acme-app-data"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    text: &'a str,
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Reads `text` as an ARN: `arn:` and five more parts separated by the first five `:`
    /// (the resource part may hold more `:`). Parts may be empty, as the region and
    /// account of S3 buckets are. `None` when `text` is not shaped so, as the policy
    /// evaluator sees it: such a resource matches no ARN pattern.
    pub fn parse(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix("arn:")?;
        let (partition, rest) = rest.split_once(':')?;
        let (service, rest) = rest.split_once(':')?;
        let (region, rest) = rest.split_once(':')?;
        let (account, resource) = rest.split_once(':')?;
        Some(Self {
            text,
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The whole ARN.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub fn partition(&self) -> &'a str {
        self.partition
    }

    /// The service namespace: `iam`, `s3`.
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The region, empty for global resources.
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The account part as written: a 12-digit id, empty (S3 buckets), `aws` (AWS managed
    /// policies) or a wildcard in a pattern.
    pub fn account_part(&self) -> &'a str {
        self.account
    }

    /// The owning account, when the account part is a 12-digit account id.
    pub fn account(&self) -> Option<&'a str> {
        is_account_id(self.account).then_some(self.account)
    }

    /// Everything after the fifth `:`: `role/ci/deployer`, `acme-app-data/key`.
    pub fn resource(&self) -> &'a str {
        self.resource
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// Whether `text` is an AWS account id: exactly 12 ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account of `text`: the account of an ARN ([`Arn::account`]), or `text` itself when
/// it is an account id. `None` otherwise (S3 ARNs, `*`, `aws`, names).
pub fn account_of(text: &str) -> Option<&str> {
    match Arn::parse(text) {
        Some(arn) => arn.account(),
        None => is_account_id(text).then_some(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_split_at_the_first_five_colons() {
        let arn = Arn::parse("arn:aws:logs:eu-west-1:111122223333:log-group:/a:*").unwrap();
        assert_eq!(
            (
                arn.partition(),
                arn.service(),
                arn.region(),
                arn.account_part()
            ),
            ("aws", "logs", "eu-west-1", "111122223333")
        );
        assert_eq!(arn.resource(), "log-group:/a:*");
        assert_eq!(
            arn.to_string(),
            "arn:aws:logs:eu-west-1:111122223333:log-group:/a:*"
        );
        assert_eq!(arn.as_str(), arn.to_string());
    }

    #[test]
    fn only_twelve_digits_are_an_account() {
        let account = |t| Arn::parse(t).and_then(|a| a.account());
        assert_eq!(
            account("arn:aws:iam::111122223333:root"),
            Some("111122223333")
        );
        assert_eq!(account("arn:aws:s3:::bucket/key"), None);
        assert_eq!(account("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(account("arn:aws:iam::*:role/x"), None);
        assert_eq!(account("arn:aws:iam::11112222333:role/x"), None);
        assert_eq!(account("arn:aws:iam::1111222233334:role/x"), None);
        assert_eq!(account("arn:aws:iam::11112222333a:role/x"), None);
    }

    #[test]
    fn text_without_six_parts_is_no_arn() {
        assert_eq!(Arn::parse("arn:aws:iam::111122223333"), None);
        assert_eq!(Arn::parse("ARN:aws:iam::111122223333:root"), None);
        assert_eq!(Arn::parse("*"), None);
        assert!(Arn::parse("arn:::::").is_some());
    }

    #[test]
    fn account_of_takes_arns_and_bare_ids() {
        assert_eq!(
            account_of("arn:aws:iam::111122223333:role/x"),
            Some("111122223333")
        );
        assert_eq!(account_of("111122223333"), Some("111122223333"));
        assert_eq!(account_of("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of("*"), None);
        assert_eq!(account_of("lambda.amazonaws.com"), None);
    }
}
