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
/// Problems carry their line and column in the (decoded) text.
pub fn parse_document_text(text: &str) -> Result<PolicyDocument, PolicyError> {
    parse_text(text, None)
}

fn parse_text(text: &str, kind: Option<DocumentKind>) -> Result<PolicyDocument, PolicyError> {
    let json = decode_document_text(text)?;
    let value: Value = serde_json::from_str(&json).map_err(|e| PolicyError::Syntax {
        message: syntax_message(&e),
        line: e.line(),
        column: e.column(),
    })?;
    parse_value(&value, Some(&json), kind)
}

/// serde_json appends " at line L column C"; the error carries those separately.
pub(crate) fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full.get(..cut).unwrap_or(&full).to_owned(),
        None => full,
    }
}

/// Parses a policy document already read as JSON. Every problem found is reported.
pub fn parse_document(value: &Value) -> Result<PolicyDocument, PolicyError> {
    parse_value(value, None, None)
}

/// Parses a document that must be valid for `kind` (e.g. a trust policy needs `Principal`
/// and cannot have `Resource`).
pub fn parse_document_as(value: &Value, kind: DocumentKind) -> Result<PolicyDocument, PolicyError> {
    parse_value(value, None, Some(kind))
}

/// Parses the text of a document that must be valid for `kind`, decoding URL-encoding
/// first when present.
pub fn parse_document_text_as(
    text: &str,
    kind: DocumentKind,
) -> Result<PolicyDocument, PolicyError> {
    parse_text(text, Some(kind))
}

fn parse_value(
    value: &Value,
    text: Option<&str>,
    kind: Option<DocumentKind>,
) -> Result<PolicyDocument, PolicyError> {
    let mut p = Parser {
        problems: Vec::new(),
        kind,
    };
    let doc = p.document(value);
    match doc {
        Some(doc) if p.problems.is_empty() => Ok(doc),
        _ => {
            let mut locator = text.map(crate::locate::Locator::new);
            Err(PolicyError::Invalid(
                p.problems
                    .into_iter()
                    .map(|f| {
                        let at = locator
                            .as_mut()
                            .and_then(|l| l.locate(&f.path, f.key.as_deref()));
                        Problem {
                            path: render(&f.path),
                            message: f.message,
                            line: at.map(|a| a.line),
                            column: at.map(|a| a.column),
                            span: at.map(|a| a.span),
                        }
                    })
                    .collect(),
            ))
        }
    }
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A problem as found: where (a path, and the key itself when the key is the problem) and
/// what.
struct Found {
    path: Vec<Seg>,
    key: Option<String>,
    message: String,
}

#[derive(Default)]
struct Parser {
    problems: Vec<Found>,
    kind: Option<DocumentKind>,
}

/// What a policy document is for; each kind allows different elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// An identity-based policy (managed or inline) of a user, group or role.
    Identity,
    /// A permissions boundary.
    PermissionsBoundary,
    /// A session policy.
    Session,
    /// A resource-based policy (bucket policy, key policy, queue policy, ...).
    Resource,
    /// A resource-based policy whose resource is implied, so that `Resource` may be left
    /// out (an ECR repository policy applies to its repository).
    ImpliedResource,
    /// A role's trust policy.
    Trust,
    /// A service control policy.
    ServiceControl,
    /// A resource control policy.
    ResourceControl,
}

impl DocumentKind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Identity => "an identity-based policy",
            Self::PermissionsBoundary => "a permissions boundary",
            Self::Session => "a session policy",
            Self::Resource | Self::ImpliedResource => "a resource-based policy",
            Self::Trust => "a trust policy",
            Self::ServiceControl => "a service control policy",
            Self::ResourceControl => "a resource control policy",
        }
    }
}

/// `Statement[1].Condition.StringLike`.
pub(crate) fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn child(path: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut out = Vec::with_capacity(path.len() + 1);
    out.extend_from_slice(path);
    out.push(seg);
    out
}

fn at_key(path: &[Seg], k: &str) -> Vec<Seg> {
    child(path, Seg::Key(k.to_owned()))
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

impl Parser {
    fn problem(&mut self, path: &[Seg], message: impl Into<String>) {
        self.problems.push(Found {
            path: path.to_vec(),
            key: None,
            message: message.into(),
        });
    }

    /// A problem with a key of the object at `path` (reported at the object, located at
    /// the key).
    fn key_problem(&mut self, path: &[Seg], key: &str, message: impl Into<String>) {
        self.problems.push(Found {
            path: path.to_vec(),
            key: Some(key.to_owned()),
            message: message.into(),
        });
    }

    fn unknown_key(&mut self, path: &[Seg], key: &str, known: &[&str]) {
        let hint = did_you_mean(key, known)
            .map(|k| format!(", did you mean `{k}`?"))
            .unwrap_or_else(|| format!(" (expected one of {})", known.join(", ")));
        self.key_problem(path, key, format!("unknown element `{key}`{hint}"));
    }

    fn string<'v>(&mut self, path: &[Seg], value: &'v Value) -> Option<&'v str> {
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
                &[],
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
                    if let Some(s) = self.string(&at_key(&[], "Version"), v) {
                        if VERSIONS.contains(&s) {
                            version = Some(s.to_owned());
                        } else {
                            self.problem(
                                &at_key(&[], "Version"),
                                format!(
                                    "unknown policy language version `{s}`: use `2012-10-17` (or the legacy `2008-10-17`)"
                                ),
                            );
                        }
                    }
                }
                "Id" => id = self.string(&at_key(&[], "Id"), v).map(str::to_owned),
                "Statement" => statements = Some(self.statements(v)),
                other => self.unknown_key(&[], other, &DOCUMENT_KEYS),
            }
        }
        let Some(statements) = statements else {
            self.problem(&[], "missing element `Statement`");
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
                .filter_map(|(i, item)| {
                    let path = [Seg::Key("Statement".to_owned()), Seg::Index(i)];
                    self.statement(&path, i, item)
                })
                .collect(),
            Value::Object(_) => self
                .statement(&at_key(&[], "Statement"), 0, value)
                .into_iter()
                .collect(),
            other => {
                self.problem(
                    &at_key(&[], "Statement"),
                    format!(
                        "expected a statement object or an array of them, found {}",
                        kind_of(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn statement(&mut self, path: &[Seg], index: usize, value: &Value) -> Option<Statement> {
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
            let at = at_key(path, key);
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
        if let Some(kind) = self.kind {
            self.kind_rules(kind, path, map);
        }
        (self.problems.len() == before).then_some(stmt)
    }

    /// The elements AWS requires or rejects for each kind of document.
    fn kind_rules(&mut self, kind: DocumentKind, path: &[Seg], map: &Map<String, Value>) {
        use DocumentKind as K;
        let has = |k: &str| map.contains_key(k);
        let what = kind.describe();
        let principal = has("Principal") || has("NotPrincipal");
        let resource = has("Resource") || has("NotResource");
        match kind {
            K::Identity | K::PermissionsBoundary | K::Session | K::ServiceControl => {
                for k in ["Principal", "NotPrincipal"] {
                    if has(k) {
                        self.key_problem(
                            path,
                            k,
                            format!("{what} cannot have `{k}`: the principal is the identity it applies to"),
                        );
                    }
                }
                if !resource {
                    self.problem(path, format!("{what} needs `Resource` or `NotResource`"));
                }
            }
            K::Resource => {
                if !principal {
                    self.problem(path, format!("{what} needs `Principal` or `NotPrincipal`"));
                }
                if !resource {
                    self.problem(path, format!("{what} needs `Resource` or `NotResource`"));
                }
            }
            K::ImpliedResource => {
                if !principal {
                    self.problem(path, format!("{what} needs `Principal` or `NotPrincipal`"));
                }
            }
            K::Trust => {
                if !principal {
                    self.problem(
                        path,
                        format!("{what} needs `Principal`: who may assume the role"),
                    );
                }
                for k in ["Resource", "NotResource"] {
                    if has(k) {
                        self.key_problem(
                            path,
                            k,
                            format!("{what} cannot have `{k}`: the resource is the role"),
                        );
                    }
                }
            }
            K::ResourceControl => {
                match map.get("Principal") {
                    Some(Value::String(s)) if s == "*" => {}
                    _ => self.problem(path, format!("{what} needs `\"Principal\": \"*\"`")),
                }
                for k in ["NotPrincipal", "NotAction"] {
                    if has(k) {
                        self.key_problem(path, k, format!("{what} cannot have `{k}`"));
                    }
                }
                if !resource {
                    self.problem(path, format!("{what} needs `Resource` or `NotResource`"));
                }
            }
        }
    }

    fn name_list(&mut self, path: &[Seg], value: &Value) -> Option<NameList> {
        match value {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(items) if items.is_empty() => {
                self.problem(path, "the list is empty");
                None
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) = self.string(&child(path, Seg::Index(i)), item) {
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

    fn principal(&mut self, path: &[Seg], value: &Value) -> Option<Principal> {
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
                    let at = at_key(path, key);
                    let Some(ty) = PrincipalType::from_key(key) else {
                        let hint = did_you_mean(key, &PrincipalType::NAMES)
                            .map(|k| format!(", did you mean `{k}`?"))
                            .unwrap_or_else(|| {
                                " (expected AWS, Service, Federated or CanonicalUser)".to_owned()
                            });
                        self.key_problem(
                            path,
                            key,
                            format!("unknown principal type `{key}`{hint}"),
                        );
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

    fn conditions(&mut self, path: &[Seg], value: &Value) -> Vec<Condition> {
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
            let at = at_key(path, op_text);
            let operator = match ConditionOperator::parse(op_text) {
                Ok(op) => op,
                Err(message) => {
                    self.key_problem(path, op_text, message);
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
        path: &[Seg],
        operator: &ConditionOperator,
        keys: &Map<String, Value>,
        out: &mut Vec<Condition>,
    ) {
        for (key, v) in keys {
            let at = at_key(path, key);
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
                                &child(&at, Seg::Index(i)),
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

    #[test]
    fn each_kind_of_document_has_its_rules() {
        let msg = |text: &str, kind| match parse_document_text_as(text, kind) {
            Err(PolicyError::Invalid(p)) => p.iter().map(ToString::to_string).collect::<Vec<_>>(),
            Ok(_) => vec![],
            Err(e) => vec![e.to_string()],
        };
        let identity_with_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
        assert_eq!(
            msg(identity_with_principal, DocumentKind::Identity),
            vec![
                "at `Statement[0]` (line 1, column 56): an identity-based policy cannot have `Principal`: the principal is the identity it applies to"
            ]
        );
        assert!(msg(identity_with_principal, DocumentKind::Resource).is_empty());
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;
        assert_eq!(msg(trust, DocumentKind::Trust).len(), 1);
        assert!(
            msg(trust, DocumentKind::Trust)[0].contains("a trust policy cannot have `Resource`")
        );
        let rcp = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}]}"#;
        assert!(
            msg(rcp, DocumentKind::ResourceControl)[0].contains("needs `\"Principal\": \"*\"`")
        );
        let repository = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"ecr:BatchGetImage"}]}"#;
        assert!(msg(repository, DocumentKind::ImpliedResource).is_empty());
        assert!(
            msg(repository, DocumentKind::Resource)[0]
                .contains("a resource-based policy needs `Resource` or `NotResource`")
        );
        let bucket = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(
            msg(bucket, DocumentKind::Resource)[0]
                .contains("a resource-based policy needs `Principal` or `NotPrincipal`")
        );
    }

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
                "unknown element `Statment`, did you mean `Statement`? (line 1, column 25)",
                "at `Statement[0].Effect` (line 2, column 27): `Effect` must be `Allow` or `Deny`, found `allow`",
                "at `Statement[1].Condition` (line 3, column 62): unknown condition operator `StringEqual`, did you mean `StringEquals`?",
                "at `Statement[1]` (line 3, column 17): a statement needs `Action` or `NotAction`",
                "at `Statement[2].Action` (line 4, column 44): the list is empty",
                "at `Statement[2]` (line 4, column 17): a statement cannot have both `Resource` and `NotResource`",
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
