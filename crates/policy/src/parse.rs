use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::condition::ConditionOperator;
use crate::document::{Condition, Effect, NameList, PolicyDocument, Statement};
use crate::error::{PolicyError, Problem, did_you_mean};
use crate::principal::{Principal, PrincipalType};

const DOCUMENT_KEYS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];
const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// Returns the JSON text of a policy document that may be URL-encoded (as the IAM API
/// returns documents) or already decoded (as the AWS CLI prints them).
pub fn decode_document_text(text: &str) -> Result<Cow<'_, str>, PolicyError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || !trimmed.contains('%') {
        return Ok(Cow::Borrowed(text));
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map_err(|_| PolicyError::Encoding)
}

/// Parses the text of a policy document, decoding URL-encoding first when present.
pub fn parse_document_text(text: &str) -> Result<PolicyDocument, PolicyError> {
    let json = decode_document_text(text)?;
    let value: Value = serde_json::from_str(&json).map_err(|e| PolicyError::Syntax {
        message: syntax_message(&e),
        line: e.line(),
        column: e.column(),
    })?;
    parse_document(&value)
}

/// serde_json appends " at line L column C"; the error carries those separately.
fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full.get(..cut).unwrap_or(&full).to_owned(),
        None => full,
    }
}

/// Parses a policy document already read as JSON. Every problem found is reported.
pub fn parse_document(value: &Value) -> Result<PolicyDocument, PolicyError> {
    let mut p = Parser::default();
    let doc = p.document(value);
    match doc {
        Some(doc) if p.problems.is_empty() => Ok(doc),
        _ => Err(PolicyError::Invalid(p.problems)),
    }
}

#[derive(Default)]
struct Parser {
    problems: Vec<Problem>,
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Parser {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn unknown_key(&mut self, path: &str, key: &str, known: &[&str]) {
        let hint = did_you_mean(key, known)
            .map(|k| format!(", did you mean `{k}`?"))
            .unwrap_or_else(|| format!(" (expected one of {})", known.join(", ")));
        self.problem(path, format!("unknown element `{key}`{hint}"));
    }

    fn string<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v str> {
        match value {
            Value::String(s) => Some(s),
            other => {
                self.problem(path, format!("expected a string, found {}", kind_of(other)));
                None
            }
        }
    }

    fn document(&mut self, value: &Value) -> Option<PolicyDocument> {
        let Value::Object(map) = value else {
            self.problem(
                "",
                format!(
                    "a policy document must be a JSON object, found {}",
                    kind_of(value)
                ),
            );
            return None;
        };
        let mut version = None;
        let mut id = None;
        let mut statements = None;
        for (key, v) in map {
            match key.as_str() {
                "Version" => {
                    if let Some(s) = self.string("Version", v) {
                        if VERSIONS.contains(&s) {
                            version = Some(s.to_owned());
                        } else {
                            self.problem(
                                "Version",
                                format!(
                                    "unknown policy language version `{s}`: use `2012-10-17` (or the legacy `2008-10-17`)"
                                ),
                            );
                        }
                    }
                }
                "Id" => id = self.string("Id", v).map(str::to_owned),
                "Statement" => statements = Some(self.statements(v)),
                other => self.unknown_key("", other, &DOCUMENT_KEYS),
            }
        }
        let Some(statements) = statements else {
            self.problem("", "missing element `Statement`");
            return None;
        };
        Some(PolicyDocument {
            version,
            id,
            statements,
        })
    }

    fn statements(&mut self, value: &Value) -> Vec<Statement> {
        match value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.statement(&format!("Statement[{i}]"), i, item))
                .collect(),
            Value::Object(_) => self.statement("Statement", 0, value).into_iter().collect(),
            other => {
                self.problem(
                    "Statement",
                    format!(
                        "expected a statement object or an array of them, found {}",
                        kind_of(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn statement(&mut self, path: &str, index: usize, value: &Value) -> Option<Statement> {
        let Value::Object(map) = value else {
            self.problem(
                path,
                format!("a statement must be an object, found {}", kind_of(value)),
            );
            return None;
        };
        let before = self.problems.len();
        let mut stmt = Statement {
            index,
            sid: None,
            effect: Effect::Allow,
            action: None,
            not_action: None,
            resource: None,
            not_resource: None,
            principal: None,
            not_principal: None,
            conditions: Vec::new(),
            principal_json: None,
            not_principal_json: None,
            condition_json: None,
        };
        let mut effect = None;
        for (key, v) in map {
            let at = join(path, key);
            match key.as_str() {
                "Sid" => stmt.sid = self.string(&at, v).map(str::to_owned),
                "Effect" => match v {
                    Value::String(s) if s == "Allow" => effect = Some(Effect::Allow),
                    Value::String(s) if s == "Deny" => effect = Some(Effect::Deny),
                    Value::String(s) => self.problem(
                        &at,
                        format!("`Effect` must be `Allow` or `Deny`, found `{s}`"),
                    ),
                    other => self.problem(
                        &at,
                        format!(
                            "`Effect` must be `Allow` or `Deny`, found {}",
                            kind_of(other)
                        ),
                    ),
                },
                "Action" => stmt.action = self.name_list(&at, v),
                "NotAction" => stmt.not_action = self.name_list(&at, v),
                "Resource" => stmt.resource = self.name_list(&at, v),
                "NotResource" => stmt.not_resource = self.name_list(&at, v),
                "Principal" => {
                    stmt.principal = self.principal(&at, v);
                    stmt.principal_json = Some(v.clone());
                }
                "NotPrincipal" => {
                    stmt.not_principal = self.principal(&at, v);
                    stmt.not_principal_json = Some(v.clone());
                }
                "Condition" => {
                    stmt.conditions = self.conditions(&at, v);
                    stmt.condition_json = Some(v.clone());
                }
                other => self.unknown_key(path, other, &STATEMENT_KEYS),
            }
        }
        match effect {
            Some(e) => stmt.effect = e,
            None if !map.contains_key("Effect") => self.problem(path, "missing element `Effect`"),
            None => {}
        }
        let pairs = [
            ("Action", "NotAction", true),
            ("Resource", "NotResource", false),
            ("Principal", "NotPrincipal", false),
        ];
        for (a, b, required) in pairs {
            match (map.contains_key(a), map.contains_key(b)) {
                (true, true) => self.problem(
                    path,
                    format!("a statement cannot have both `{a}` and `{b}`"),
                ),
                (false, false) if required => {
                    self.problem(path, format!("a statement needs `{a}` or `{b}`"))
                }
                _ => {}
            }
        }
        (self.problems.len() == before).then_some(stmt)
    }

    fn name_list(&mut self, path: &str, value: &Value) -> Option<NameList> {
        match value {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(items) if items.is_empty() => {
                self.problem(path, "the list is empty");
                None
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) = self.string(&format!("{path}[{i}]"), item) {
                        out.push(s.to_owned());
                    }
                }
                Some(out)
            }
            other => {
                self.problem(
                    path,
                    format!(
                        "expected a string or an array of strings, found {}",
                        kind_of(other)
                    ),
                );
                None
            }
        }
    }

    fn principal(&mut self, path: &str, value: &Value) -> Option<Principal> {
        match value {
            Value::String(s) if s == "*" => Some(Principal {
                entries: vec![(PrincipalType::Wildcard, "*".to_owned())],
            }),
            Value::String(s) => {
                self.problem(
                    path,
                    format!(
                        "a principal given as a string must be `*`, found `{s}`: name principals by type, e.g. {{\"AWS\": \"{s}\"}}"
                    ),
                );
                None
            }
            Value::Object(map) => {
                let mut entries = Vec::new();
                for (key, v) in map {
                    let at = join(path, key);
                    let Some(ty) = PrincipalType::from_key(key) else {
                        let hint = did_you_mean(key, &PrincipalType::NAMES)
                            .map(|k| format!(", did you mean `{k}`?"))
                            .unwrap_or_else(|| {
                                " (expected AWS, Service, Federated or CanonicalUser)".to_owned()
                            });
                        self.problem(path, format!("unknown principal type `{key}`{hint}"));
                        continue;
                    };
                    if let Some(values) = self.name_list(&at, v) {
                        entries.extend(values.into_iter().map(|v| (ty, v)));
                    }
                }
                if map.is_empty() {
                    self.problem(path, "the principal object is empty");
                }
                Some(Principal { entries })
            }
            other => {
                self.problem(
                    path,
                    format!(
                        "expected `*` or an object of principal types, found {}",
                        kind_of(other)
                    ),
                );
                None
            }
        }
    }

    fn conditions(&mut self, path: &str, value: &Value) -> Vec<Condition> {
        let Value::Object(ops) = value else {
            self.problem(
                path,
                format!(
                    "`Condition` must be an object of operators, found {}",
                    kind_of(value)
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (op_text, keys) in ops {
            let at = join(path, op_text);
            let operator = match ConditionOperator::parse(op_text) {
                Ok(op) => op,
                Err(message) => {
                    self.problem(path, message);
                    continue;
                }
            };
            let Value::Object(keys) = keys else {
                self.problem(
                    &at,
                    format!(
                        "an operator takes an object of condition keys, found {}",
                        kind_of(keys)
                    ),
                );
                continue;
            };
            self.condition_keys(&at, &operator, keys, &mut out);
        }
        out
    }

    fn condition_keys(
        &mut self,
        path: &str,
        operator: &ConditionOperator,
        keys: &Map<String, Value>,
        out: &mut Vec<Condition>,
    ) {
        for (key, v) in keys {
            let at = join(path, key);
            let scalar = |item: &Value| match item {
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            let values: Vec<String> = match v {
                Value::Array(items) if items.is_empty() => {
                    self.problem(&at, "the list of condition values is empty");
                    continue;
                }
                Value::Array(items) => {
                    let mut values = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        match scalar(item) {
                            Some(s) => values.push(s),
                            None => self.problem(
                                &format!("{at}[{i}]"),
                                format!(
                                    "a condition value must be a string, number or boolean, found {}",
                                    kind_of(item)
                                ),
                            ),
                        }
                    }
                    values
                }
                other => match scalar(other) {
                    Some(s) => vec![s],
                    None => {
                        self.problem(
                            &at,
                            format!(
                                "a condition value must be a string, number, boolean or an array of them, found {}",
                                kind_of(other)
                            ),
                        );
                        continue;
                    }
                },
            };
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse_document_text(text) {
            Err(PolicyError::Invalid(p)) => p.iter().map(ToString::to_string).collect(),
            other => vec![format!("unexpected: {other:?}")],
        }
    }

    #[test]
    fn parses_single_statement_object_and_string_lists() -> Result<(), PolicyError> {
        let doc = parse_document_text(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        )?;
        assert_eq!(doc.statements.len(), 1);
        let s = &doc.statements[0];
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.action.as_deref(), Some(&["s3:GetObject".to_owned()][..]));
        assert!(doc.substitutes_variables());
        Ok(())
    }

    #[test]
    fn decodes_url_encoded_documents() -> Result<(), PolicyError> {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        let doc = parse_document_text(encoded)?;
        let principal = doc.statements[0]
            .principal
            .as_ref()
            .map(|p| p.entries.clone());
        assert_eq!(
            principal,
            Some(vec![(
                PrincipalType::Service,
                "lambda.amazonaws.com".to_owned()
            )])
        );
        Ok(())
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse_document_text("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [,]\n}");
        match err {
            Err(PolicyError::Syntax { line, column, .. }) => assert_eq!((line, column), (3, 17)),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        // Still invalid after decoding: the location is within the decoded text.
        assert!(matches!(
            parse_document_text("%7B%22Version%22%3A"),
            Err(PolicyError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let found = problems(
            r#"{"Version":"2012-10-17","Statment":[],"Statement":[
                {"Effect":"allow","Action":"s3:*","Resource":"*"},
                {"Effect":"Deny","Resource":"*","Condition":{"StringEqual":{"aws:x":"y"}}},
                {"Effect":"Allow","Action":[],"Resource":"*","NotResource":"x"}
            ]}"#,
        );
        assert_eq!(
            found,
            vec![
                "unknown element `Statment`, did you mean `Statement`?",
                "at `Statement[0].Effect`: `Effect` must be `Allow` or `Deny`, found `allow`",
                "at `Statement[1].Condition`: unknown condition operator `StringEqual`, did you mean `StringEquals`?",
                "at `Statement[1]`: a statement needs `Action` or `NotAction`",
                "at `Statement[2].Action`: the list is empty",
                "at `Statement[2]`: a statement cannot have both `Resource` and `NotResource`",
            ]
        );
    }

    #[test]
    fn conditions_keep_operator_key_and_values() -> Result<(), PolicyError> {
        let doc = parse_document_text(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":["repo:org/app:*","repo:org/infra:*"]},"Bool":{"aws:SecureTransport":true}}}]}"#,
        )?;
        let s = &doc.statements[0];
        assert_eq!(
            s.condition_keys(),
            vec![
                "token.actions.githubusercontent.com:aud",
                "token.actions.githubusercontent.com:sub",
                "aws:SecureTransport"
            ]
        );
        assert_eq!(s.conditions[1].values.len(), 2);
        assert_eq!(s.conditions[2].values, vec!["true".to_owned()]);
        Ok(())
    }

    #[test]
    fn rejects_principal_strings_other_than_wildcard() {
        let found = problems(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Services":"x"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert_eq!(found.len(), 2);
        assert!(found[0].contains("a principal given as a string must be `*`"));
        assert!(found[1].contains("unknown principal type `Services`, did you mean `Service`?"));
    }
}
