use crate::error::did_you_mean;

/// The family an IAM condition operator belongs to; it decides how values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    /// `StringEquals`, `StringLike`, ... (including the `IgnoreCase` variants).
    String,
    /// `NumericEquals`, `NumericLessThan`, ...
    Numeric,
    /// `DateEquals`, `DateLessThan`, ...
    Date,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress` and `NotIpAddress` (IPv4 and IPv6 CIDR).
    IpAddress,
    /// `ArnEquals`, `ArnLike`, ...
    Arn,
    /// `Null`: whether the key is absent.
    Null,
}

/// `ForAllValues:` or `ForAnyValue:` before a multivalued condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:` — every value of the request key must match.
    ForAllValues,
    /// `ForAnyValue:` — at least one value of the request key must match.
    ForAnyValue,
}

/// A parsed condition operator such as `ForAnyValue:StringLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// The canonical base operator name, e.g. `StringLike`.
    pub base: &'static str,
    /// The operator's family.
    pub family: OperatorFamily,
    /// Whether the operator is a negated one (`StringNotEquals`, `NotIpAddress`, ...).
    pub negated: bool,
    /// Whether `IfExists` was appended.
    pub if_exists: bool,
    /// `ForAllValues:` / `ForAnyValue:`, if present.
    pub qualifier: Option<SetQualifier>,
}

const OPERATORS: &[(&str, OperatorFamily, bool)] = &[
    ("StringEquals", OperatorFamily::String, false),
    ("StringNotEquals", OperatorFamily::String, true),
    ("StringEqualsIgnoreCase", OperatorFamily::String, false),
    ("StringNotEqualsIgnoreCase", OperatorFamily::String, true),
    ("StringLike", OperatorFamily::String, false),
    ("StringNotLike", OperatorFamily::String, true),
    ("NumericEquals", OperatorFamily::Numeric, false),
    ("NumericNotEquals", OperatorFamily::Numeric, true),
    ("NumericLessThan", OperatorFamily::Numeric, false),
    ("NumericLessThanEquals", OperatorFamily::Numeric, false),
    ("NumericGreaterThan", OperatorFamily::Numeric, false),
    ("NumericGreaterThanEquals", OperatorFamily::Numeric, false),
    ("DateEquals", OperatorFamily::Date, false),
    ("DateNotEquals", OperatorFamily::Date, true),
    ("DateLessThan", OperatorFamily::Date, false),
    ("DateLessThanEquals", OperatorFamily::Date, false),
    ("DateGreaterThan", OperatorFamily::Date, false),
    ("DateGreaterThanEquals", OperatorFamily::Date, false),
    ("Bool", OperatorFamily::Bool, false),
    ("BinaryEquals", OperatorFamily::Binary, false),
    ("IpAddress", OperatorFamily::IpAddress, false),
    ("NotIpAddress", OperatorFamily::IpAddress, true),
    ("ArnEquals", OperatorFamily::Arn, false),
    ("ArnNotEquals", OperatorFamily::Arn, true),
    ("ArnLike", OperatorFamily::Arn, false),
    ("ArnNotLike", OperatorFamily::Arn, true),
    ("Null", OperatorFamily::Null, false),
];

impl ConditionOperator {
    /// Parses an operator as written in a policy. Names compare without regard to ASCII
    /// case, as AWS does. The error text says what is wrong and suggests the nearest
    /// operator.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (qualifier, rest) = match text.split_once(':') {
            Some((q, rest)) => {
                let qualifier = if q.eq_ignore_ascii_case("ForAllValues") {
                    SetQualifier::ForAllValues
                } else if q.eq_ignore_ascii_case("ForAnyValue") {
                    SetQualifier::ForAnyValue
                } else {
                    return Err(format!(
                        "unknown set qualifier `{q}`: expected `ForAllValues` or `ForAnyValue`"
                    ));
                };
                (Some(qualifier), rest)
            }
            None => (None, text),
        };
        let (base_text, if_exists) = match strip_suffix_ignore_case(rest, "IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let Some(&(base, family, negated)) = OPERATORS
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(base_text))
        else {
            let names: Vec<&str> = OPERATORS.iter().map(|(n, _, _)| *n).collect();
            let hint = did_you_mean(base_text, &names)
                .map(|n| format!(", did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(format!("unknown condition operator `{text}`{hint}"));
        };
        if family == OperatorFamily::Null && if_exists {
            return Err("`Null` cannot take the `IfExists` suffix".to_owned());
        }
        Ok(Self {
            base,
            family,
            negated,
            if_exists,
            qualifier,
        })
    }
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    if cut > 0 && tail.eq_ignore_ascii_case(suffix) {
        text.get(..cut)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_qualified_if_exists_operators() -> Result<(), String> {
        let op = ConditionOperator::parse("ForAnyValue:StringLikeIfExists")?;
        assert_eq!(op.base, "StringLike");
        assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
        assert!(op.if_exists);
        let op = ConditionOperator::parse("numericlessthan")?;
        assert_eq!(op.base, "NumericLessThan");
        assert_eq!(op.family, OperatorFamily::Numeric);
        assert!(ConditionOperator::parse("NotIpAddress")?.negated);
        Ok(())
    }

    #[test]
    fn unknown_operator_suggests_nearest() {
        let err = ConditionOperator::parse("StringEqual").err();
        assert_eq!(
            err.as_deref(),
            Some("unknown condition operator `StringEqual`, did you mean `StringEquals`?")
        );
        assert!(ConditionOperator::parse("ForSomeValues:StringEquals").is_err());
        assert!(ConditionOperator::parse("NullIfExists").is_err());
        assert!(ConditionOperator::parse("IfExists").is_err());
    }
}
