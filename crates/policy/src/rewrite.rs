//! Rewrites of policy documents that fix a finding, leaving everything else as written.

use serde_json::{Map, Value};

use crate::error::PolicyError;
use crate::parse::{decode_document_text, syntax_message};

/// The condition keys that already tie a service's request to the caller's resources.
const SOURCE_KEYS: [&str; 3] = ["aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID"];

/// A trust policy (JSON text, decoded or URL-encoded) with
/// `"StringEquals": {"aws:SourceAccount": account}` added to the `Condition` of each `Allow`
/// statement whose `Principal.Service` names one of `services` (without regard to case)
/// and that tests none of `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`: the
/// cross-service confused-deputy guard. An existing `Condition` (and `StringEquals`) is
/// extended, not replaced; every other statement and member is kept as written, in its
/// order. `None` when no statement needs the condition.
pub fn require_source_account(
    document: &str,
    account: &str,
    services: &[&str],
) -> Result<Option<String>, PolicyError> {
    let text = decode_document_text(document)?;
    let mut doc: Value = serde_json::from_str(&text).map_err(|e| PolicyError::Syntax {
        message: syntax_message(&e),
        line: e.line(),
        column: e.column(),
    })?;
    let statements: Vec<&mut Value> = match doc.get_mut("Statement") {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let mut changed = false;
    for statement in statements {
        let Some(s) = statement.as_object_mut() else {
            continue;
        };
        if s.get("Effect").and_then(Value::as_str) != Some("Allow")
            || !trusts_any(s.get("Principal"), services)
            || tests_source(s.get("Condition"))
        {
            continue;
        }
        let condition = s
            .entry("Condition")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(condition) = condition.as_object_mut() else {
            continue;
        };
        let equals = condition
            .entry("StringEquals")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(equals) = equals.as_object_mut() else {
            continue;
        };
        equals.insert(
            "aws:SourceAccount".to_owned(),
            Value::String(account.to_owned()),
        );
        changed = true;
    }
    Ok(changed.then(|| doc.to_string()))
}

/// Whether a `Principal` element names one of `services`.
fn trusts_any(principal: Option<&Value>, services: &[&str]) -> bool {
    let Some(service) = principal.and_then(|p| p.get("Service")) else {
        return false;
    };
    let names: Vec<&str> = match service {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    names
        .iter()
        .any(|n| services.iter().any(|s| s.eq_ignore_ascii_case(n)))
}

/// Whether a `Condition` element tests a source key, under any operator.
fn tests_source(condition: Option<&Value>) -> bool {
    condition
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|c| c.values())
        .filter_map(Value::as_object)
        .flat_map(|tests| tests.keys())
        .any(|k| SOURCE_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    const ACCOUNT: &str = "111122223333";
    const SERVICES: [&str; 2] = ["events.amazonaws.com", "sns.amazonaws.com"];

    fn rewrite(doc: &Value) -> Option<Value> {
        require_source_account(&doc.to_string(), ACCOUNT, &SERVICES)
            .unwrap()
            .map(|t| serde_json::from_str(&t).unwrap())
    }

    fn trusting(principal: Value, condition: Option<Value>) -> Value {
        let mut s = json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"});
        if let Some(c) = condition {
            s["Condition"] = c;
        }
        json!({"Version": "2012-10-17", "Statement": [s]})
    }

    #[test]
    fn a_statement_without_condition_gets_one() {
        let out = rewrite(&trusting(json!({"Service": "events.amazonaws.com"}), None)).unwrap();
        assert_eq!(
            out["Statement"][0]["Condition"],
            json!({"StringEquals": {"aws:SourceAccount": ACCOUNT}})
        );
        // Members keep their order: the condition comes last.
        let keys: Vec<&String> = out["Statement"][0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Effect", "Principal", "Action", "Condition"]);
    }

    #[test]
    fn an_existing_condition_is_extended_not_replaced() {
        let cond = json!({
            "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
            "Bool": {"aws:SecureTransport": "true"}
        });
        let out = rewrite(&trusting(
            json!({"Service": ["lambda.amazonaws.com", "SNS.amazonaws.com"]}),
            Some(cond),
        ))
        .unwrap();
        assert_eq!(
            out["Statement"][0]["Condition"],
            json!({
                "StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:SourceAccount": ACCOUNT},
                "Bool": {"aws:SecureTransport": "true"}
            })
        );
    }

    #[test]
    fn guarded_statements_and_other_services_are_untouched() {
        for cond in [
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:events:*:111122223333:rule/*"}}),
            json!({"StringEquals": {"AWS:SOURCEACCOUNT": "111122223333"}}),
            json!({"StringEquals": {"aws:SourceOrgID": "o-abc"}}),
        ] {
            assert_eq!(
                rewrite(&trusting(
                    json!({"Service": "events.amazonaws.com"}),
                    Some(cond)
                )),
                None
            );
        }
        assert_eq!(
            rewrite(&trusting(json!({"Service": "lambda.amazonaws.com"}), None)),
            None
        );
        assert_eq!(
            rewrite(&trusting(
                json!({"AWS": "arn:aws:iam::444455556666:root"}),
                None
            )),
            None
        );
        // Only the statement that needs it changes; a Deny never does.
        let doc = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]});
        let out = rewrite(&doc).unwrap();
        assert_eq!(out["Statement"][0], doc["Statement"][0]);
        assert_eq!(out["Statement"][1], doc["Statement"][1]);
        assert_eq!(
            out["Statement"][2]["Condition"],
            json!({"StringEquals": {"aws:SourceAccount": ACCOUNT}})
        );
    }

    #[test]
    fn a_single_statement_object_and_url_encoding_are_read() {
        let doc = json!({"Version": "2012-10-17", "Statement":
            {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}});
        let out = rewrite(&doc).unwrap();
        assert_eq!(
            out["Statement"]["Condition"]["StringEquals"]["aws:SourceAccount"],
            ACCOUNT
        );
        let encoded: String = percent_encoding::utf8_percent_encode(
            &doc.to_string(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        assert!(
            require_source_account(&encoded, ACCOUNT, &SERVICES)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn invalid_json_is_an_error() {
        let err = require_source_account("{\"Statement\": [", ACCOUNT, &SERVICES).unwrap_err();
        assert!(matches!(err, PolicyError::Syntax { .. }), "{err}");
    }
}
