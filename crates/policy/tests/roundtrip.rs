#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Property tests of the parser and the printer on generated documents.
//!
//! - Printing: random valid documents (every element, every condition operator with and
//!   without `IfExists` and set qualifiers, every principal type) are rendered as canonical
//!   JSON and in a loose form (single strings for one-element lists, a bare statement
//!   object, booleans and numbers as condition values, operator names in any case, elements
//!   in any order). Both must parse to the model the generator meant; printing either gives
//!   the canonical JSON, which parses back to an equal model: `parse(print(doc)) == doc` and
//!   `print(parse(print(doc))) == print(doc)`.
//! - Robustness: mutations of those documents (characters deleted, duplicated, replaced,
//!   truncated; JSON values swapped for other types, keys renamed or dropped; the whole
//!   URL-encoded) and random bytes never make the parser panic. Whatever still parses prints
//!   to a fixed point with the same meaning, and evaluates without panicking.
//!
//! Generation is deterministic (seed `SEED`, or `IAMSNAP_ROUNDTRIP_SEED`).

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use iamsnap_policy::{
    CompiledPolicy, Condition, ConditionOperator, Context, ContextValue, DocumentKind,
    PolicyDocument, PolicySet, PrincipalType, Request, SetQualifier, evaluate, parse_document,
    parse_document_as, parse_document_text, parse_document_text_as,
};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

const SEED: u64 = 0x1A45_0000_0B0B;
/// Generated valid documents (each also checked in its loose form).
const DOCUMENTS: usize = 3000;
/// Mutations of generated documents.
const MUTANTS: usize = 6000;
/// Random byte strings and token soups.
const RANDOM_INPUTS: usize = 6000;

const KINDS: [DocumentKind; 7] = [
    DocumentKind::Identity,
    DocumentKind::PermissionsBoundary,
    DocumentKind::Session,
    DocumentKind::Resource,
    DocumentKind::Trust,
    DocumentKind::ServiceControl,
    DocumentKind::ResourceControl,
];

/// Panics unless `printed` is valid for exactly the kinds of document `original` is valid
/// for (a trust policy, an SCP, ...).
fn assert_same_kinds(original: impl Fn(DocumentKind) -> bool, printed: &Value) {
    for kind in KINDS {
        assert_eq!(
            original(kind),
            parse_document_as(printed, kind).is_ok(),
            "printing changed whether the document is {}: {printed}",
            kind.describe()
        );
    }
}

fn seed() -> u64 {
    std::env::var("IAMSNAP_ROUNDTRIP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED)
}

// ---- The generator's model ------------------------------------------------------------

#[derive(Debug, Clone)]
struct DocSpec {
    version: Option<&'static str>,
    id: Option<String>,
    statements: Vec<StatementSpec>,
}

#[derive(Debug, Clone)]
struct StatementSpec {
    sid: Option<String>,
    effect: &'static str,
    /// (`NotAction` rather than `Action`, patterns).
    action: (bool, Vec<String>),
    resource: Option<(bool, Vec<String>)>,
    principal: Option<(bool, PrincipalSpec)>,
    conditions: Vec<OperatorGroup>,
}

/// One operator of a `Condition` block (distinct within a block) with its keys (distinct
/// within the operator) and their values.
type OperatorGroup = (OperatorSpec, Vec<(String, Vec<String>)>);

#[derive(Debug, Clone)]
enum PrincipalSpec {
    /// `"*"`.
    Anyone,
    /// `{type: [values]}`, distinct types in this order.
    Typed(Vec<(&'static str, Vec<String>)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct OperatorSpec {
    qualifier: Option<&'static str>,
    base: &'static str,
    if_exists: bool,
}

impl OperatorSpec {
    fn name(self) -> String {
        let q = self.qualifier.map(|q| format!("{q}:")).unwrap_or_default();
        let s = if self.if_exists { "IfExists" } else { "" };
        format!("{q}{}{s}", self.base)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// Every base operator IAM has, with its family.
const OPERATORS: &[(&str, Family)] = &[
    ("StringEquals", Family::String),
    ("StringNotEquals", Family::String),
    ("StringEqualsIgnoreCase", Family::String),
    ("StringNotEqualsIgnoreCase", Family::String),
    ("StringLike", Family::String),
    ("StringNotLike", Family::String),
    ("NumericEquals", Family::Numeric),
    ("NumericNotEquals", Family::Numeric),
    ("NumericLessThan", Family::Numeric),
    ("NumericLessThanEquals", Family::Numeric),
    ("NumericGreaterThan", Family::Numeric),
    ("NumericGreaterThanEquals", Family::Numeric),
    ("DateEquals", Family::Date),
    ("DateNotEquals", Family::Date),
    ("DateLessThan", Family::Date),
    ("DateLessThanEquals", Family::Date),
    ("DateGreaterThan", Family::Date),
    ("DateGreaterThanEquals", Family::Date),
    ("Bool", Family::Bool),
    ("BinaryEquals", Family::Binary),
    ("IpAddress", Family::Ip),
    ("NotIpAddress", Family::Ip),
    ("ArnEquals", Family::Arn),
    ("ArnNotEquals", Family::Arn),
    ("ArnLike", Family::Arn),
    ("ArnNotLike", Family::Arn),
    ("Null", Family::Null),
];

const ACTIONS: &[&str] = &[
    "*",
    "s3:GetObject",
    "s3:Get*",
    "s3:?etObject",
    "s3:*",
    "iam:PassRole",
    "iam:*",
    "ec2:Describe*",
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "kms:Decrypt",
    "*:Get*",
    "dynamodb:*Item",
    "S3:getobject",
    "lambda:InvokeFunction",
    "organizations:*",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::acme-data",
    "arn:aws:s3:::acme-data/*",
    "arn:aws:s3:::acme-data/home/${aws:username}/*",
    "arn:aws:s3:::acme-data/${aws:PrincipalTag/team, 'none'}/*",
    "arn:aws:iam::111122223333:role/app-*",
    "arn:aws:dynamodb:*:111122223333:table/orders*",
    "arn:aws:kms:us-east-1:111122223333:key/*",
    "arn:aws:sqs:us-east-1:111122223333:queue?",
    "arn:aws:s3:::b/${*}/${?}/${$}",
];

const AWS_PRINCIPALS: &[&str] = &[
    "*",
    "111122223333",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::111122223333:role/app-role",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/app-role/session",
    "AROAEXAMPLEID1234567",
];
const SERVICE_PRINCIPALS: &[&str] = &[
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "s3.amazonaws.com",
    "states.us-east-1.amazonaws.com",
];
const FEDERATED_PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    "arn:aws:iam::111122223333:saml-provider/Okta",
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
];
const CANONICAL_USERS: &[&str] = &[
    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
    "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
];

/// Characters that stress the JSON encoding: quotes, escapes, controls, non-ASCII, IAM
/// wildcards and variable syntax.
const AWKWARD: &[char] = &[
    '"', '\\', '/', '\n', '\t', '\r', '\u{0}', '\u{1f}', '\u{7f}', 'é', 'ß', '日', '本', '🦀',
    '\u{200b}', '\u{fffd}', '*', '?', '$', '{', '}', ':', ',', ' ', '%', '\'', 'a', 'Z', '0',
];

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn upto(&mut self, n: usize) -> usize {
        self.rng.random_range(0..=n)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).unwrap()
    }

    fn alnum(&mut self, min: usize, max: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let len = self.rng.random_range(min..=max);
        (0..len).map(|_| char::from(self.pick(CHARS))).collect()
    }

    /// A non-empty string of awkward characters around a readable part.
    fn awkward(&mut self) -> String {
        let mut s = self.alnum(1, 6);
        for _ in 0..self.rng.random_range(1..=6) {
            let at = self.upto(s.chars().count());
            let ch = self.pick(AWKWARD);
            let mut chars: Vec<char> = s.chars().collect();
            chars.insert(at, ch);
            s = chars.into_iter().collect();
        }
        s
    }

    /// A list of 1..=max distinct strings.
    fn distinct(&mut self, max: usize, mut one: impl FnMut(&mut Self) -> String) -> Vec<String> {
        let n = self.rng.random_range(1..=max);
        let mut out: Vec<String> = Vec::new();
        for _ in 0..n * 3 {
            if out.len() == n {
                break;
            }
            let s = one(self);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    fn action(&mut self) -> String {
        match self.upto(9) {
            0 => format!("{}:{}", self.alnum(2, 8).to_lowercase(), self.alnum(1, 12)),
            1 => format!("svc:{}", self.awkward()),
            _ => self.pick(ACTIONS).to_owned(),
        }
    }

    fn resource(&mut self) -> String {
        match self.upto(7) {
            0 => format!("arn:aws:s3:::bucket/{}", self.awkward()),
            1 => self.awkward(),
            _ => self.pick(RESOURCES).to_owned(),
        }
    }

    fn principal(&mut self) -> PrincipalSpec {
        if self.chance(0.2) {
            return PrincipalSpec::Anyone;
        }
        let mut types = vec!["AWS", "Service", "Federated", "CanonicalUser"];
        types.shuffle(&mut self.rng);
        let n = self.rng.random_range(1..=4);
        let typed = types
            .into_iter()
            .take(n)
            .map(|ty| {
                let pool = match ty {
                    "AWS" => AWS_PRINCIPALS,
                    "Service" => SERVICE_PRINCIPALS,
                    "Federated" => FEDERATED_PRINCIPALS,
                    _ => CANONICAL_USERS,
                };
                (ty, self.distinct(3, |g| g.pick(pool).to_owned()))
            })
            .collect();
        PrincipalSpec::Typed(typed)
    }

    fn operator(&mut self) -> (OperatorSpec, Family) {
        let (base, family) = self.pick(OPERATORS);
        let null = family == Family::Null;
        let qualifier = match self.upto(5) {
            0 if !null => Some("ForAllValues"),
            1 if !null => Some("ForAnyValue"),
            _ => None,
        };
        let if_exists = !null && self.chance(0.3);
        let op = OperatorSpec {
            qualifier,
            base,
            if_exists,
        };
        (op, family)
    }

    fn condition_key(&mut self, family: Family) -> String {
        let pool: &[&str] = match family {
            Family::String => &[
                "aws:PrincipalTag/team",
                "aws:RequestedRegion",
                "s3:prefix",
                "token.actions.githubusercontent.com:sub",
                "aws:TagKeys",
                "aws:username",
            ],
            Family::Numeric => &["s3:max-keys", "aws:MultiFactorAuthAge", "ec2:VolumeSize"],
            Family::Date => &["aws:CurrentTime", "aws:EpochTime", "aws:TokenIssueTime"],
            Family::Bool => &["aws:SecureTransport", "aws:MultiFactorAuthPresent"],
            Family::Binary => &["aws:SomeBinaryKey"],
            Family::Ip => &["aws:SourceIp"],
            Family::Arn => &["aws:SourceArn", "aws:PrincipalArn"],
            Family::Null => &["aws:TokenIssueTime", "aws:ResourceTag/env", "aws:SourceVpc"],
        };
        if self.chance(0.15) {
            format!("svc:{}", self.awkward())
        } else {
            self.pick(pool).to_owned()
        }
    }

    fn condition_value(&mut self, family: Family) -> String {
        let pool: &[&str] = match family {
            Family::String => &["eu-west-1", "repo:org/app:*", "home/${aws:username}/*", ""],
            Family::Numeric => &["0", "10", "3600", "-5", "1.5", "007"],
            Family::Date => &["2026-01-01T00:00:00Z", "2019-07-16", "1700000000"],
            Family::Bool | Family::Null => &["true", "false"],
            Family::Binary => &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="],
            Family::Ip => &["203.0.113.0/24", "10.0.0.1", "2001:db8::/32", "::1"],
            Family::Arn => &[
                "arn:aws:iam::111122223333:role/break-glass-*",
                "arn:aws:s3:::acme-*",
            ],
        };
        if family == Family::String && self.chance(0.3) {
            self.awkward()
        } else {
            self.pick(pool).to_owned()
        }
    }

    fn conditions(&mut self) -> Vec<OperatorGroup> {
        let mut out: Vec<OperatorGroup> = Vec::new();
        for _ in 0..self.upto(4) {
            let (op, family) = self.operator();
            if out.iter().any(|(o, _)| *o == op) {
                continue;
            }
            let mut keys: Vec<(String, Vec<String>)> = Vec::new();
            for _ in 0..self.rng.random_range(1..=3) {
                let key = self.condition_key(family);
                if keys.iter().any(|(k, _)| *k == key) {
                    continue;
                }
                let values = self.distinct(3, |g| g.condition_value(family));
                keys.push((key, values));
            }
            out.push((op, keys));
        }
        out
    }

    fn statement(&mut self) -> StatementSpec {
        let sid = self.chance(0.5).then(|| self.alnum(1, 12));
        let effect = if self.chance(0.6) { "Allow" } else { "Deny" };
        let action = (self.chance(0.25), self.distinct(4, Self::action));
        let resource = self
            .chance(0.85)
            .then(|| (self.chance(0.2), self.distinct(3, Self::resource)));
        let principal = self
            .chance(0.35)
            .then(|| (self.chance(0.2), self.principal()));
        let conditions = if self.chance(0.5) {
            self.conditions()
        } else {
            Vec::new()
        };
        StatementSpec {
            sid,
            effect,
            action,
            resource,
            principal,
            conditions,
        }
    }

    fn document(&mut self) -> DocSpec {
        let version = match self.upto(9) {
            0 => None,
            1 => Some("2008-10-17"),
            _ => Some("2012-10-17"),
        };
        let id = self.chance(0.15).then(|| match self.upto(1) {
            0 => self.awkward(),
            _ => self.alnum(8, 36),
        });
        let n = if self.chance(0.02) {
            0
        } else {
            self.rng.random_range(1..=5)
        };
        DocSpec {
            version,
            id,
            statements: (0..n).map(|_| self.statement()).collect(),
        }
    }
}

// ---- Rendering ------------------------------------------------------------------------

fn canonical(doc: &DocSpec) -> Value {
    let mut out = Map::new();
    if let Some(v) = doc.version {
        out.insert("Version".into(), v.into());
    }
    if let Some(id) = &doc.id {
        out.insert("Id".into(), id.clone().into());
    }
    let statements = doc.statements.iter().map(canonical_statement).collect();
    out.insert("Statement".into(), Value::Array(statements));
    Value::Object(out)
}

fn array(list: &[String]) -> Value {
    Value::Array(list.iter().map(|s| Value::String(s.clone())).collect())
}

fn canonical_principal(p: &PrincipalSpec) -> Value {
    match p {
        PrincipalSpec::Anyone => "*".into(),
        PrincipalSpec::Typed(types) => Value::Object(
            types
                .iter()
                .map(|(ty, values)| ((*ty).to_owned(), array(values)))
                .collect(),
        ),
    }
}

fn canonical_statement(s: &StatementSpec) -> Value {
    let mut out = Map::new();
    if let Some(sid) = &s.sid {
        out.insert("Sid".into(), sid.clone().into());
    }
    out.insert("Effect".into(), s.effect.into());
    if let Some((not, p)) = &s.principal {
        let name = if *not { "NotPrincipal" } else { "Principal" };
        out.insert(name.into(), canonical_principal(p));
    }
    let name = if s.action.0 { "NotAction" } else { "Action" };
    out.insert(name.into(), array(&s.action.1));
    if let Some((not, list)) = &s.resource {
        let name = if *not { "NotResource" } else { "Resource" };
        out.insert(name.into(), array(list));
    }
    if !s.conditions.is_empty() {
        let ops = s
            .conditions
            .iter()
            .map(|(op, keys)| {
                let keys = keys.iter().map(|(k, v)| (k.clone(), array(v))).collect();
                (op.name(), Value::Object(keys))
            })
            .collect();
        out.insert("Condition".into(), Value::Object(ops));
    }
    Value::Object(out)
}

/// The same document written the many other ways IAM accepts.
fn loose(doc: &DocSpec, g: &mut Gen) -> Value {
    let mut entries: Vec<(String, Value)> = Vec::new();
    if let Some(v) = doc.version {
        entries.push(("Version".into(), v.into()));
    }
    if let Some(id) = &doc.id {
        entries.push(("Id".into(), id.clone().into()));
    }
    let mut statements: Vec<Value> = doc
        .statements
        .iter()
        .map(|s| loose_statement(s, g))
        .collect();
    let statement = if statements.len() == 1 && g.chance(0.4) {
        statements.pop().unwrap()
    } else {
        Value::Array(statements)
    };
    entries.push(("Statement".into(), statement));
    entries.shuffle(&mut g.rng);
    Value::Object(entries.into_iter().collect())
}

fn loose_list(list: &[String], g: &mut Gen) -> Value {
    match list {
        [one] if g.chance(0.5) => one.clone().into(),
        _ => array(list),
    }
}

fn loose_value(v: &str, g: &mut Gen) -> Value {
    if g.chance(0.5) {
        if let Ok(b) = v.parse::<bool>() {
            return b.into();
        }
        if let Ok(n) = v.parse::<i64>()
            && n.to_string() == v
        {
            return n.into();
        }
    }
    v.into()
}

/// `name` with each letter's case flipped with probability 0.2.
fn any_case(name: &str, g: &mut Gen) -> String {
    name.chars()
        .map(|c| match g.chance(0.2) {
            true if c.is_ascii_uppercase() => c.to_ascii_lowercase(),
            true => c.to_ascii_uppercase(),
            false => c,
        })
        .collect()
}

fn loose_statement(s: &StatementSpec, g: &mut Gen) -> Value {
    let mut entries: Vec<(String, Value)> = Vec::new();
    if let Some(sid) = &s.sid {
        entries.push(("Sid".into(), sid.clone().into()));
    }
    entries.push(("Effect".into(), s.effect.into()));
    if let Some((not, p)) = &s.principal {
        let name = if *not { "NotPrincipal" } else { "Principal" };
        let value = match p {
            PrincipalSpec::Anyone => "*".into(),
            PrincipalSpec::Typed(types) => Value::Object(
                types
                    .iter()
                    .map(|(ty, values)| ((*ty).to_owned(), loose_list(values, g)))
                    .collect(),
            ),
        };
        entries.push((name.into(), value));
    }
    let name = if s.action.0 { "NotAction" } else { "Action" };
    entries.push((name.into(), loose_list(&s.action.1, g)));
    if let Some((not, list)) = &s.resource {
        let name = if *not { "NotResource" } else { "Resource" };
        entries.push((name.into(), loose_list(list, g)));
    }
    if !s.conditions.is_empty() {
        let ops = s
            .conditions
            .iter()
            .map(|(op, keys)| {
                let keys = keys
                    .iter()
                    .map(|(k, values)| {
                        let v = match values.as_slice() {
                            [one] if g.chance(0.5) => loose_value(one, g),
                            _ => Value::Array(values.iter().map(|v| loose_value(v, g)).collect()),
                        };
                        (k.clone(), v)
                    })
                    .collect();
                (any_case(&op.name(), g), Value::Object(keys))
            })
            .collect();
        entries.push(("Condition".into(), Value::Object(ops)));
    }
    entries.shuffle(&mut g.rng);
    Value::Object(entries.into_iter().collect())
}

// ---- Comparing the parsed model with the generator's ------------------------------------

fn operator_name(op: &ConditionOperator) -> String {
    OperatorSpec {
        qualifier: op.qualifier.map(|q| match q {
            SetQualifier::ForAllValues => "ForAllValues",
            SetQualifier::ForAnyValue => "ForAnyValue",
        }),
        base: op.base,
        if_exists: op.if_exists,
    }
    .name()
}

/// Panics, naming the difference, unless `doc` is the document `spec` describes.
fn assert_model(doc: &PolicyDocument, spec: &DocSpec, text: &str) {
    assert_eq!(doc.version.as_deref(), spec.version, "{text}");
    assert_eq!(doc.id, spec.id, "{text}");
    assert_eq!(doc.statements.len(), spec.statements.len(), "{text}");
    for (i, (s, want)) in doc.statements.iter().zip(&spec.statements).enumerate() {
        assert_eq!(s.index, i, "{text}");
        assert_eq!(s.sid, want.sid, "{text}");
        assert_eq!(s.effect.as_str(), want.effect, "{text}");
        let (not, actions) = &want.action;
        let (a, n) = if *not {
            (None, Some(actions))
        } else {
            (Some(actions), None)
        };
        assert_eq!(s.action.as_ref(), a, "{text}");
        assert_eq!(s.not_action.as_ref(), n, "{text}");
        let (r, nr) = match &want.resource {
            None => (None, None),
            Some((false, list)) => (Some(list), None),
            Some((true, list)) => (None, Some(list)),
        };
        assert_eq!(s.resource.as_ref(), r, "{text}");
        assert_eq!(s.not_resource.as_ref(), nr, "{text}");
        let entries = |p: &PrincipalSpec| -> Vec<(PrincipalType, String)> {
            match p {
                PrincipalSpec::Anyone => vec![(PrincipalType::Wildcard, "*".to_owned())],
                PrincipalSpec::Typed(types) => types
                    .iter()
                    .flat_map(|(ty, values)| {
                        let ty = match *ty {
                            "AWS" => PrincipalType::Aws,
                            "Service" => PrincipalType::Service,
                            "Federated" => PrincipalType::Federated,
                            _ => PrincipalType::CanonicalUser,
                        };
                        values.iter().map(move |v| (ty, v.clone()))
                    })
                    .collect(),
            }
        };
        let (p, np) = match &want.principal {
            None => (None, None),
            Some((false, p)) => (Some(entries(p)), None),
            Some((true, p)) => (None, Some(entries(p))),
        };
        assert_eq!(s.principal.as_ref().map(|p| p.entries.clone()), p, "{text}");
        assert_eq!(
            s.not_principal.as_ref().map(|p| p.entries.clone()),
            np,
            "{text}"
        );
        let got: Vec<(String, &str, &[String])> = s
            .conditions
            .iter()
            .map(|c| (operator_name(&c.operator), c.key.as_str(), &c.values[..]))
            .collect();
        let expected: Vec<(String, &str, &[String])> = want
            .conditions
            .iter()
            .flat_map(|(op, keys)| {
                keys.iter()
                    .map(move |(k, v)| (op.name(), k.as_str(), &v[..]))
            })
            .collect();
        assert_eq!(got, expected, "{text}");
    }
}

/// The meaning of a document: the model without the elements-as-written copies, and with
/// conditions (which all must hold) in a fixed order.
fn meaning(doc: &PolicyDocument) -> PolicyDocument {
    let mut doc = doc.clone();
    for s in &mut doc.statements {
        s.principal_json = None;
        s.not_principal_json = None;
        s.condition_json = None;
        s.conditions.sort_by_key(|c: &Condition| {
            (operator_name(&c.operator), c.key.clone(), c.values.clone())
        });
    }
    doc
}

fn specs() -> Vec<DocSpec> {
    let mut g = Gen::new(seed());
    (0..DOCUMENTS).map(|_| g.document()).collect()
}

// ---- Printing -------------------------------------------------------------------------

#[test]
fn printed_documents_parse_back_to_the_same_model() {
    let mut covered_ops = BTreeSet::new();
    let mut covered_elements = BTreeSet::new();
    for spec in specs() {
        let text = canonical(&spec).to_string();
        let doc = parse_document_text(&text)
            .unwrap_or_else(|e| panic!("generated document rejected: {e}\n{text}"));
        assert_model(&doc, &spec, &text);

        let printed = doc.to_json();
        assert_eq!(doc.to_json_string(), text, "not printed canonically");
        let again = parse_document(&printed)
            .unwrap_or_else(|e| panic!("printed document rejected: {e}\n{printed}"));
        assert_eq!(again, doc, "parse(print(doc)) != doc\n{text}");
        assert_eq!(
            again.to_json(),
            printed,
            "print is not a fixed point\n{text}"
        );
        assert_eq!(
            parse_document_text(&doc.to_json_pretty()).as_ref(),
            Ok(&doc),
            "pretty form\n{text}"
        );

        for s in &spec.statements {
            for (op, _) in &s.conditions {
                covered_ops.insert((op.qualifier, op.base, op.if_exists));
            }
        }
        if let Some(value) = printed.get("Statement").and_then(Value::as_array) {
            for s in value.iter().filter_map(Value::as_object) {
                covered_elements.extend(s.keys().cloned());
            }
        }
    }
    // The generator reaches every element and every operator in every form.
    let elements = [
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    ];
    for e in elements {
        assert!(covered_elements.contains(e), "no statement with `{e}`");
    }
    for (base, family) in OPERATORS {
        let forms: &[(Option<&str>, bool)] = if *family == Family::Null {
            &[(None, false)]
        } else {
            &[
                (None, false),
                (None, true),
                (Some("ForAllValues"), false),
                (Some("ForAnyValue"), true),
            ]
        };
        for &(q, if_exists) in forms {
            assert!(
                covered_ops.contains(&(q, *base, if_exists)),
                "operator {base} (qualifier {q:?}, IfExists {if_exists}) never generated"
            );
        }
    }
}

#[test]
fn every_form_iam_accepts_prints_canonically() {
    let mut g = Gen::new(seed() ^ 0x0010_055E);
    for (i, spec) in specs().into_iter().enumerate() {
        let text = canonical(&spec).to_string();
        let doc = parse_document_text(&text).unwrap();
        let loose = loose(&spec, &mut g);
        let loose_doc =
            parse_document(&loose).unwrap_or_else(|e| panic!("loose form rejected: {e}\n{loose}"));
        assert_model(&loose_doc, &spec, &loose.to_string());
        assert_eq!(meaning(&loose_doc), meaning(&doc), "{loose}");
        assert_eq!(loose_doc.to_json_string(), text, "{loose}");
        assert_eq!(parse_document(&loose_doc.to_json()).as_ref(), Ok(&doc));
        // On a third of the documents: it parses each one fourteen more times.
        if i % 3 == 0 {
            assert_same_kinds(
                |k| parse_document_as(&loose, k).is_ok(),
                &loose_doc.to_json(),
            );
        }
    }
}

// ---- Robustness -----------------------------------------------------------------------

/// Parses `text` and, when it parses, checks that it prints to a fixed point with the same
/// meaning and that it compiles and evaluates. A panic anywhere is returned as an error.
fn check_input(text: &str) -> Result<bool, String> {
    catch_unwind(AssertUnwindSafe(|| match parse_document_text(text) {
        Err(e) => {
            let _ = e.to_string();
            false
        }
        Ok(doc) => {
            let printed = doc.to_json();
            let again = parse_document(&printed)
                .unwrap_or_else(|e| panic!("printed form rejected: {e}\n{printed}"));
            assert_eq!(meaning(&again), meaning(&doc), "meaning changed: {printed}");
            assert_eq!(again.to_json(), printed, "print is not a fixed point");
            assert_same_kinds(|k| parse_document_text_as(text, k).is_ok(), &printed);
            let policy = CompiledPolicy::new("p", &doc);
            let resource = CompiledPolicy::new_resource_policy("r", &doc);
            let mut context = Context::default();
            context.insert(
                "aws:SourceIp",
                ContextValue::Single("203.0.113.7".to_owned()),
            );
            context.insert(
                "aws:TagKeys",
                ContextValue::Multi(vec!["env".to_owned(), "team".to_owned()]),
            );
            let req = Request {
                principal: "arn:aws:iam::111122223333:user/alice".to_owned(),
                principal_account: "111122223333".to_owned(),
                action: "s3:GetObject".to_owned(),
                resource: "arn:aws:s3:::acme-data/home/alice/x".to_owned(),
                resource_account: "111122223333".to_owned(),
                context,
            };
            let identity = [policy];
            let set = PolicySet {
                identity: &identity,
                resource: Some(&resource),
                ..PolicySet::default()
            };
            let _ = evaluate(&req, &set);
            true
        }
    }))
    .map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("{message}\ninput: {text:?}")
    })
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every node of `value` by its path.
fn paths(value: &Value, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(Seg::Key(k.clone()));
                paths(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Seg::Index(i));
                paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn node<'v>(value: &'v mut Value, path: &[Seg]) -> &'v mut Value {
    path.iter().fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()).unwrap(),
        Seg::Index(i) => v.get_mut(*i).unwrap(),
    })
}

const ELEMENT_NAMES: &[&str] = &[
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
    "StringEquals",
    "ForAnyValue:StringLike",
    "NullIfExists",
    "ForSomeValues:Bool",
    "IfExists",
    "",
];

fn random_value(g: &mut Gen, depth: usize) -> Value {
    match g.upto(if depth > 2 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => g.chance(0.5).into(),
        2 => Value::from(g.rng.random::<i32>()),
        3 => Value::from(g.rng.random::<f64>() * 1e300),
        4 => g.pick(ELEMENT_NAMES).into(),
        5 => g.awkward().into(),
        6 => Value::Array((0..g.upto(3)).map(|_| random_value(g, depth + 1)).collect()),
        7 => Value::Object(Map::new()),
        _ => Value::Object(
            (0..g.upto(3))
                .map(|_| (g.pick(ELEMENT_NAMES).to_owned(), random_value(g, depth + 1)))
                .collect(),
        ),
    }
}

/// One structural mutation of a JSON document.
fn mutate_value(value: &mut Value, g: &mut Gen) {
    let mut all = Vec::new();
    paths(value, &mut Vec::new(), &mut all);
    let path = all.choose(&mut g.rng).unwrap().clone();
    let target = node(value, &path);
    match g.upto(6) {
        // Swap for a value of any type.
        0 | 1 => *target = random_value(g, 0),
        // Drop a key or an element.
        2 => match target {
            Value::Object(map) if !map.is_empty() => {
                let i = g.upto(map.len() - 1);
                let key = map.keys().nth(i).unwrap().clone();
                map.shift_remove(&key);
            }
            Value::Array(items) if !items.is_empty() => {
                let i = g.upto(items.len() - 1);
                items.remove(i);
            }
            other => *other = Value::Array(Vec::new()),
        },
        // Rename a key: another element's name, a case change, a typo.
        3 => {
            if let Value::Object(map) = target
                && !map.is_empty()
            {
                let i = g.upto(map.len() - 1);
                let key = map.keys().nth(i).unwrap().clone();
                let renamed = match g.upto(2) {
                    0 => g.pick(ELEMENT_NAMES).to_owned(),
                    1 => any_case(&key, g),
                    _ => key.chars().skip(1).collect(),
                };
                if let Some(v) = map.shift_remove(&key) {
                    map.insert(renamed, v);
                }
            } else {
                *target = Value::Object(Map::new());
            }
        }
        // Wrap in an array or in an object.
        4 => {
            let inner = target.take();
            *target = if g.chance(0.5) {
                Value::Array(vec![inner])
            } else {
                Value::Object(
                    [(g.pick(ELEMENT_NAMES).to_owned(), inner)]
                        .into_iter()
                        .collect(),
                )
            };
        }
        // Duplicate an element or empty a container.
        5 => match target {
            Value::Array(items) if !items.is_empty() => {
                let i = g.upto(items.len() - 1);
                let copy = items[i].clone();
                items.insert(i, copy);
            }
            Value::Object(map) => map.clear(),
            other => *other = Value::String(String::new()),
        },
        // Numbers and booleans where strings go, and back.
        _ => {
            *target = match target.take() {
                Value::String(s) => s
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::Bool(s.len() % 2 == 0)),
                Value::Bool(b) => b.to_string().into(),
                Value::Number(n) => n.to_string().into(),
                other => other,
            }
        }
    }
}

/// Characters that move the JSON parser between states.
const JSON_CHARS: &[char] = &[
    '{', '}', '[', ']', '"', ':', ',', '\\', ' ', '\n', '0', '9', '-', '.', 'e', 't', 'n', 'u',
    '%', 'é', '\u{0}', '🦀',
];

/// One textual mutation.
fn mutate_text(text: &str, g: &mut Gen) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return g.pick(JSON_CHARS).to_string();
    }
    let at = g.upto(chars.len() - 1);
    let len = g.rng.random_range(1..=8).min(chars.len() - at);
    match g.upto(5) {
        0 => {
            chars.drain(at..at + len);
        }
        1 => {
            let copy: Vec<char> = chars[at..at + len].to_vec();
            chars.splice(at..at, copy);
        }
        2 => chars[at] = g.pick(JSON_CHARS),
        3 => chars.insert(at, g.pick(JSON_CHARS)),
        4 => chars.truncate(at),
        _ => {
            let other = g.upto(chars.len() - 1);
            chars.swap(at, other);
        }
    }
    chars.into_iter().collect()
}

/// How IAM's API returns documents: every byte but unreserved ones percent-encoded.
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
fn parser_never_panics_on_mutated_documents() {
    let mut g = Gen::new(seed() ^ 0x0BAD_F00D);
    let documents: Vec<Value> = specs().iter().take(500).map(canonical).collect();
    let mut failures = Vec::new();
    let mut accepted = 0;
    for i in 0..MUTANTS {
        let mut doc = documents.choose(&mut g.rng).unwrap().clone();
        let structural = i % 2 == 0;
        let mut text = if structural {
            for _ in 0..g.rng.random_range(1..=3) {
                mutate_value(&mut doc, &mut g);
            }
            doc.to_string()
        } else {
            let mut text = doc.to_string();
            for _ in 0..g.rng.random_range(1..=3) {
                text = mutate_text(&text, &mut g);
            }
            text
        };
        if g.chance(0.1) {
            text = url_encode(&text);
            if g.chance(0.5) {
                text = mutate_text(&text, &mut g);
            }
        }
        match check_input(&text) {
            Ok(parsed) => accepted += usize::from(parsed),
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {MUTANTS} mutants panicked; first:\n{}",
        failures.len(),
        failures.first().map(String::as_str).unwrap_or_default()
    );
    eprintln!("{accepted} of {MUTANTS} mutants still parse");
    // Both outcomes are exercised: the mutations are neither all fatal nor all harmless.
    assert!(
        accepted > MUTANTS / 20 && accepted < MUTANTS * 19 / 20,
        "{accepted} of {MUTANTS} accepted"
    );
}

#[test]
fn parser_never_panics_on_random_input() {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"Version\"",
        "\"2012-10-17\"",
        "\"Statement\"",
        "\"Effect\"",
        "\"Allow\"",
        "\"Deny\"",
        "\"Action\"",
        "\"NotAction\"",
        "\"Resource\"",
        "\"Principal\"",
        "\"AWS\"",
        "\"*\"",
        "\"Condition\"",
        "\"StringLike\"",
        "\"Null\"",
        "\"ForAllValues:\"",
        "\"IfExists\"",
        "\"aws:SourceIp\"",
        "\"s3:Get*\"",
        "true",
        "null",
        "0",
        "-1.5e308",
        "1e999",
        "\"\\ud800\"",
        "\"\\u0000\"",
        "\"\\\"",
        "%7B",
        "%22",
        "%",
        " ",
    ];
    let mut g = Gen::new(seed() ^ 0x5EED_B17E);
    let mut failures = Vec::new();
    for i in 0..RANDOM_INPUTS {
        let text = match i % 3 {
            0 => {
                let bytes: Vec<u8> = (0..g.upto(300)).map(|_| g.rng.random()).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => (0..g.upto(60)).map(|_| g.pick(TOKENS)).collect(),
            // Tokens inside a document skeleton, so that the structural checks run.
            _ => {
                let inner: String = (0..g.upto(30)).map(|_| g.pick(TOKENS)).collect();
                format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",{inner}}}]}}"#)
            }
        };
        if let Err(e) = check_input(&text) {
            failures.push(e);
        }
    }
    // Nesting deeper than the JSON parser's recursion limit is an error, not a crash.
    for depth in [127, 128, 129, 10_000] {
        let text = format!(
            r#"{{"Statement":{}{{"Effect":"Allow","Action":"*"}}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        if let Err(e) = check_input(&text) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} inputs panicked; first:\n{}",
        failures.len(),
        failures.first().map(String::as_str).unwrap_or_default()
    );
}
