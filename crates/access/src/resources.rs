//! Resources a request can name: the account of an ARN, and the ARNs that stand for "any
//! resource of this type" when a question names none.

use iamsnap_catalog::Catalog;

/// The account id in an ARN, when it has a 12-digit one.
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// An ARN of the format `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` that no
/// policy names: partition `aws`, region `us-east-1`, the account, and every other variable
/// `iamsnap-any-resource`.
pub fn any_arn(format: &str, account: &str) -> String {
    let mut out = String::with_capacity(format.len() + 32);
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return out;
        };
        out.push_str(match after.get(..end).unwrap_or_default() {
            "Partition" => "aws",
            "Region" => "us-east-1",
            "Account" => account,
            _ => "iamsnap-any-resource",
        });
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The resources "any resource" stands for when asking about `action` in `account`: an
/// ARN of each of the action's resource types that no policy names; none (so `*`) for an
/// action without resource types or unknown to the catalog.
pub fn any_arns(action: &str, account: &str) -> Vec<String> {
    Catalog::embedded()
        .ok()
        .and_then(|c| c.action(action))
        .map(|a| {
            a.resource_types()
                .iter()
                .map(|t| any_arn(t.arn_format(), account))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_account_comes_from_the_arn() {
        assert_eq!(
            arn_account("arn:aws:iam::444455556666:role/x"),
            Some("444455556666")
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket/key"), None);
        assert_eq!(arn_account("*"), None);
    }

    #[test]
    fn any_resource_arns_fill_the_catalog_format() {
        assert_eq!(
            any_arn(
                "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
                "111122223333"
            ),
            "arn:aws:iam::111122223333:role/iamsnap-any-resource"
        );
        assert_eq!(
            any_arn("arn:${Partition}:s3:::${BucketName}/${ObjectName}", "1"),
            "arn:aws:s3:::iamsnap-any-resource/iamsnap-any-resource"
        );
    }
}
