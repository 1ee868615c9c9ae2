//! The typed model back to IAM policy JSON.
//!
//! The printed form is canonical, so that two documents meaning the same thing print the
//! same and a printed document parses back to the model it came from:
//! - elements in the order AWS's documentation writes them (`Version`, `Id`, `Statement`;
//!   `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`,
//!   `NotResource`, `Condition`), absent elements omitted;
//! - `Statement` always an array, every list (actions, resources, principals of one type,
//!   condition values) always an array, even of one element;
//! - condition values as strings (`true`, `3600`), which is how IAM compares them anyway;
//! - condition operators spelled canonically (`ForAnyValue:StringLikeIfExists`), one entry
//!   per operator, keys in the order of the model.
//!
//! The `*_json` fields of [`Statement`] (the elements as written) are not read: the printer
//! shows what the typed model means, which is what evaluation uses.

use serde_json::{Map, Value};

use crate::condition::{ConditionOperator, SetQualifier};
use crate::document::{Condition, PolicyDocument, Statement};
use crate::principal::{Principal, PrincipalType};

impl PolicyDocument {
    /// The document as canonical IAM policy JSON (see the module documentation for the
    /// form). [`parse_document`](crate::parse_document) of the result gives back an equal
    /// document for any document the parser produced from canonical JSON, and a document
    /// with the same meaning otherwise.
    pub fn to_json(&self) -> Value {
        let mut doc = Map::new();
        if let Some(version) = &self.version {
            doc.insert("Version".to_owned(), Value::String(version.clone()));
        }
        if let Some(id) = &self.id {
            doc.insert("Id".to_owned(), Value::String(id.clone()));
        }
        let statements = self.statements.iter().map(Statement::to_json).collect();
        doc.insert("Statement".to_owned(), Value::Array(statements));
        Value::Object(doc)
    }

    /// [`to_json`](Self::to_json) as compact text, on one line.
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }

    /// [`to_json`](Self::to_json) as text indented by two spaces.
    pub fn to_json_pretty(&self) -> String {
        format!("{:#}", self.to_json())
    }
}

impl Statement {
    /// The statement as canonical IAM policy JSON, as [`PolicyDocument::to_json`] prints
    /// it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(sid) = &self.sid {
            out.insert("Sid".to_owned(), Value::String(sid.clone()));
        }
        out.insert(
            "Effect".to_owned(),
            Value::String(self.effect.as_str().to_owned()),
        );
        let principals = [
            ("Principal", &self.principal),
            ("NotPrincipal", &self.not_principal),
        ];
        for (name, principal) in principals {
            if let Some(p) = principal {
                out.insert(name.to_owned(), principal_json(p));
            }
        }
        let lists = [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ];
        for (name, list) in lists {
            if let Some(list) = list {
                out.insert(name.to_owned(), strings(list));
            }
        }
        if !self.conditions.is_empty() {
            out.insert(
                "Condition".to_owned(),
                Value::Object(conditions_json(&self.conditions)),
            );
        }
        Value::Object(out)
    }
}

fn strings(list: &[String]) -> Value {
    Value::Array(list.iter().cloned().map(Value::String).collect())
}

/// `"*"` when the principal names everyone, else `{type: [values]}` with types in
/// first-seen order.
fn principal_json(p: &Principal) -> Value {
    // The entries are alternatives: with everyone among them, the element names everyone.
    if p.entries
        .iter()
        .any(|(ty, _)| *ty == PrincipalType::Wildcard)
    {
        return Value::String("*".to_owned());
    }
    let mut by_type = Map::new();
    for (ty, value) in &p.entries {
        let slot = by_type
            .entry(ty.as_str())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = slot {
            values.push(Value::String(value.clone()));
        }
    }
    Value::Object(by_type)
}

/// `{operator: {key: [values]}}`, operators and keys in first-seen order.
///
/// A model can hold one key twice under one operator (the parser makes that from operator
/// names differing only in case, `StringEquals` and `stringEquals`). A JSON object cannot
/// hold a key twice, and merging the values would turn "both must match" into "either
/// may", so the second goes under the operator name spelled in another case, which IAM
/// reads as the same operator. Only past 2^(letters in the name) - 1 repeats of one key,
/// which no policy has, are the values merged.
fn conditions_json(conditions: &[Condition]) -> Map<String, Value> {
    let mut ops = Map::new();
    for c in conditions {
        let name = operator_name(&c.operator);
        let values = strings(&c.values);
        let mut variant: u64 = 0;
        loop {
            let Some(text) = case_variant(&name, variant) else {
                merge_values(&mut ops, &name, &c.key, values);
                break;
            };
            let slot = ops.entry(text).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = slot
                && !keys.contains_key(&c.key)
            {
                keys.insert(c.key.clone(), values);
                break;
            }
            variant += 1;
        }
    }
    ops
}

fn merge_values(ops: &mut Map<String, Value>, name: &str, key: &str, values: Value) {
    if let Some(Value::Object(keys)) = ops.get_mut(name)
        && let Some(Value::Array(existing)) = keys.get_mut(key)
        && let Value::Array(more) = values
    {
        existing.extend(more);
    }
}

/// The operator as IAM spells it: qualifier prefix, base name, `IfExists` suffix.
fn operator_name(op: &ConditionOperator) -> String {
    let qualifier = match op.qualifier {
        Some(SetQualifier::ForAllValues) => "ForAllValues:",
        Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
        None => "",
    };
    let suffix = if op.if_exists { "IfExists" } else { "" };
    format!("{qualifier}{}{suffix}", op.base)
}

/// `name` with the case of its n-th letter flipped for every bit n set in `variant`;
/// `None` when `variant` has a bit beyond the last letter. Variant 0 is `name` itself.
fn case_variant(name: &str, variant: u64) -> Option<String> {
    let letters = name.chars().filter(char::is_ascii_alphabetic).count();
    if letters < 64 && variant >> letters != 0 {
        return None;
    }
    let mut n = 0;
    let flipped = name
        .chars()
        .map(|ch| {
            if !ch.is_ascii_alphabetic() {
                return ch;
            }
            let flip = n < 64 && (variant >> n) & 1 == 1;
            n += 1;
            match (flip, ch.is_ascii_uppercase()) {
                (false, _) => ch,
                (true, true) => ch.to_ascii_lowercase(),
                (true, false) => ch.to_ascii_uppercase(),
            }
        })
        .collect();
    Some(flipped)
}

impl std::fmt::Display for ConditionOperator {
    /// The operator as IAM spells it (`ForAnyValue:StringLikeIfExists`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&operator_name(self))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::parse::{parse_document, parse_document_text};

    #[test]
    fn prints_canonical_form() {
        let doc = parse_document_text(
            r#"{"Statement":{"Resource":"*","Action":"s3:GetObject","Effect":"Allow",
                "Condition":{"bool":{"aws:SecureTransport":true},
                             "forAnyValue:stringlikeifexists":{"aws:TagKeys":"env*"},
                             "NumericLessThan":{"s3:max-keys":10}}},"Id":"x","Version":"2012-10-17"}"#,
        )
        .unwrap();
        assert_eq!(
            doc.to_json_string(),
            r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"],"Condition":{"Bool":{"aws:SecureTransport":["true"]},"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["env*"]},"NumericLessThan":{"s3:max-keys":["10"]}}}]}"#
        );
    }

    #[test]
    fn prints_principals_grouped_by_type() {
        let doc = parse_document(&json!({"Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "ec2.amazonaws.com", "AWS": ["111122223333", "arn:aws:iam::444455556666:root"]}},
            {"Effect": "Deny", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::b", "NotPrincipal": "*"}
        ]}))
        .unwrap();
        assert_eq!(
            doc.to_json(),
            json!({"Statement": [
                {"Effect": "Allow",
                 "Principal": {"Service": ["ec2.amazonaws.com"], "AWS": ["111122223333", "arn:aws:iam::444455556666:root"]},
                 "Action": ["sts:AssumeRole"]},
                {"Effect": "Deny", "NotPrincipal": "*", "NotAction": ["s3:*"], "NotResource": ["arn:aws:s3:::b"]}
            ]})
        );
    }

    #[test]
    fn repeated_key_under_one_operator_is_neither_merged_nor_dropped() {
        let doc = parse_document_text(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{
                "StringEquals":{"aws:PrincipalTag/team":"a"},
                "stringEquals":{"aws:PrincipalTag/team":"b"},
                "STRINGEQUALS":{"aws:PrincipalTag/team":"c","aws:PrincipalTag/env":"prod"}}}]}"#,
        )
        .unwrap();
        let printed = doc.to_json();
        assert_eq!(
            printed["Statement"][0]["Condition"].to_string(),
            json!({
                "StringEquals": {"aws:PrincipalTag/team": ["a"], "aws:PrincipalTag/env": ["prod"]},
                "stringEquals": {"aws:PrincipalTag/team": ["b"]},
                "STringEquals": {"aws:PrincipalTag/team": ["c"]},
            })
            .to_string()
        );
        let again = parse_document(&printed).unwrap();
        let mut expected = doc.statements[0].conditions.clone();
        let mut got = again.statements[0].conditions.clone();
        let order = |c: &Condition| (c.key.clone(), c.values.clone());
        expected.sort_by_key(order);
        got.sort_by_key(order);
        assert_eq!(got, expected);
    }

    #[test]
    fn case_variants_flip_letters_by_bit() {
        assert_eq!(case_variant("Bool", 0).as_deref(), Some("Bool"));
        assert_eq!(case_variant("Bool", 1).as_deref(), Some("bool"));
        assert_eq!(case_variant("Bool", 2).as_deref(), Some("BOol"));
        assert_eq!(case_variant("A:b", 3).as_deref(), Some("a:B"));
        assert_eq!(case_variant("Bool", 15).as_deref(), Some("bOOL"));
        assert_eq!(case_variant("Bool", 16), None);
    }
}
