//! The abstract syntax tree of a pack, with source spans.
//!
//! Spans do not take part in equality: two trees are equal when they say the same thing,
//! wherever it was written (this is what the print → parse round trip checks).

/// A byte range of a pack's source.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// A value with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// `node` written at `span`.
    pub fn new(node: T, span: Span) -> Self {
        Self { node, span }
    }
}

/// A parsed pack file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackFile {
    /// `pack <name> "<title>"`.
    pub name: Option<Spanned<String>>,
    /// The pack's title.
    pub title: Option<String>,
    /// Items in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `import "other.rules"`.
    Import(Spanned<String>),
    /// `param name = value`.
    Param(Param),
    /// `define name(a, b) = expr`.
    Define(Box<Define>),
    /// `rule ID ...`.
    Rule(Box<Rule>),
    /// `test "name" { ... }`.
    Test(Test),
}

/// A pack parameter and its default value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Name (used as `$name`).
    pub name: Spanned<String>,
    /// Default value.
    pub value: Spanned<Value>,
}

/// A named predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Define {
    /// Name.
    pub name: Spanned<String>,
    /// Alias parameters.
    pub params: Vec<Spanned<String>>,
    /// The condition, over the parameters.
    pub body: Spanned<Expr>,
}

/// A rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Where the `rule` keyword is (the whole rule).
    pub span: Span,
    /// Stable id.
    pub id: Spanned<String>,
    /// Optional snake-case name.
    pub name: Option<String>,
    /// `severity ...`.
    pub severity: Option<Spanned<String>>,
    /// `title "..."`.
    pub title: Option<Spanned<String>>,
    /// `description "..."`.
    pub description: Option<Spanned<String>>,
    /// `tags [...]`.
    pub tags: Vec<String>,
    /// `message "..."`.
    pub message: Option<Spanned<String>>,
    /// `remediation "..."`.
    pub remediation: Option<Spanned<String>>,
    /// `fix "..."`: the command that fixes a finding (a template, like the message).
    pub fix: Option<Spanned<String>>,
    /// `references [...]`.
    pub references: Vec<String>,
    /// `for <entity> <alias>`.
    pub target: Option<Target>,
    /// `where ...`.
    pub condition: Option<Spanned<Expr>>,
}

/// `for <entity> <alias>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Entity name (`role`, `user`, ...).
    pub entity: Spanned<String>,
    /// Alias.
    pub alias: Spanned<String>,
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `a or b or ...`.
    Or(Vec<Spanned<Expr>>),
    /// `a and b and ...`.
    And(Vec<Spanned<Expr>>),
    /// `not a`.
    Not(Box<Spanned<Expr>>),
    /// `r can ACTION on RESOURCE [with context CONTEXT]`.
    Can {
        /// The principal's alias.
        alias: Spanned<String>,
        /// Action.
        action: Spanned<Value>,
        /// Resource; `None` for `on any resource`.
        resource: Option<Spanned<Value>>,
        /// The request context.
        context: Option<Spanned<Context>>,
    },
    /// `r can escalate [via METHOD]`.
    Escalate {
        /// The principal's alias.
        alias: Spanned<String>,
        /// One method id (or list), or any.
        method: Option<Spanned<Value>>,
    },
    /// `r is admin`.
    Admin {
        /// The principal's alias.
        alias: Spanned<String>,
    },
    /// `r trusts WHOM [with|without condition KEYS [value like P]]*`.
    Trusts {
        /// The role's alias.
        alias: Spanned<String>,
        /// Whom.
        target: TrustTarget,
        /// Conditions on the same statement.
        qualifiers: Vec<TrustQualifier>,
    },
    /// `x older than N days`.
    Older {
        /// An alias (its creation date) or a timestamp.
        operand: Spanned<Operand>,
        /// Days.
        days: Spanned<Value>,
    },
    /// `x unused for N days`.
    Unused {
        /// Alias.
        alias: Spanned<String>,
        /// Days.
        days: Spanned<Value>,
    },
    /// `x never used`.
    NeverUsed {
        /// Alias.
        alias: Spanned<String>,
    },
    /// `exists x.rel [alias] [where cond]`.
    Exists(Relation),
    /// `a OP b`.
    Compare {
        /// Left side.
        left: Spanned<Operand>,
        /// Operator.
        op: CompareOp,
        /// Right side.
        right: Spanned<Operand>,
    },
    /// `a [not] in LIST | $param | sql { ... }`.
    In {
        /// The value tested.
        left: Spanned<Operand>,
        /// `not in`.
        negated: bool,
        /// The set.
        set: Spanned<InSet>,
    },
    /// `a [not] like PATTERN` (SQL `%`/`_`) or `a [not] glob PATTERN` (`*`/`?`).
    Like {
        /// The value tested.
        left: Spanned<Operand>,
        /// `not like`.
        negated: bool,
        /// Glob (`*`, `?`, any case) rather than SQL `LIKE`.
        glob: bool,
        /// The pattern.
        pattern: Spanned<Operand>,
    },
    /// `a is [not] null`.
    IsNull {
        /// The value tested.
        operand: Spanned<Operand>,
        /// `is not null`.
        negated: bool,
    },
    /// A boolean operand: a field, a named predicate, a function.
    Truth(Spanned<Operand>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`.
    Eq,
    /// `!=` or `<>`.
    NotEq,
    /// `<`.
    Lt,
    /// `<=`.
    LtEq,
    /// `>`.
    Gt,
    /// `>=`.
    GtEq,
}

impl CompareOp {
    /// As written in a pack.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::NotEq => "!=",
            Self::Lt => "<",
            Self::LtEq => "<=",
            Self::Gt => ">",
            Self::GtEq => ">=",
        }
    }
}

/// The right side of `in`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InSet {
    /// A list, a parameter or a field.
    Operand(Operand),
    /// `sql { ... }`: the first column of a query.
    Sql(String),
}

/// Whom a trust statement allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustTarget {
    /// `anyone`.
    Anyone,
    /// `service [VALUE]`.
    Service(Option<Spanned<Value>>),
    /// `federated [VALUE]`.
    Federated(Option<Spanned<Value>>),
    /// `external account [not in VALUE]`.
    External(Option<Spanned<Value>>),
    /// `account [VALUE]`.
    Account(Option<Spanned<Value>>),
    /// `principal VALUE`.
    Principal(Spanned<Value>),
}

/// `with condition KEYS [value P]` or `without condition KEYS [value P]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustQualifier {
    /// `without`.
    pub negated: bool,
    /// Condition key globs.
    pub keys: Spanned<Value>,
    /// A pattern one of the key's values must match.
    pub value: Option<Pattern>,
}

/// A pattern to match text with: a glob unless written `like`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// How the pattern is read.
    pub kind: PatternKind,
    /// The pattern (a text or a parameter).
    pub value: Spanned<Value>,
}

/// How a pattern is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// `*` any run of characters, `?` one character (the default).
    Glob,
    /// SQL `LIKE`: `%` any run, `_` one character, `\` escapes (written `like`).
    Like,
}

/// The request context of `can ... with context CONTEXT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// A JSON object in a text (or a parameter): `"{\"aws:SourceIp\": \"10.0.0.1\"}"`.
    Json(Value),
    /// `{"key": VALUE, ...}`: each value a text, a list of texts (any of them) or a
    /// parameter.
    Object(Vec<ContextEntry>),
}

/// `"key": VALUE` in a context object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    /// The context key.
    pub key: Spanned<String>,
    /// Its value, or the values to try one at a time.
    pub value: Spanned<Value>,
}

/// Rows related to an alias: `r.trust t where ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The alias the rows relate to.
    pub owner: Spanned<String>,
    /// The relation's name.
    pub name: Spanned<String>,
    /// The alias of a related row, if named.
    pub alias: Option<Spanned<String>>,
    /// Which related rows count.
    pub filter: Option<Box<Spanned<Expr>>>,
}

/// Something with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A literal, field, parameter or alias.
    Value(Value),
    /// `count(relation)`.
    Count(Relation),
    /// `name(args)`: a named predicate or a function.
    Call {
        /// Function or predicate name.
        name: Spanned<String>,
        /// Arguments.
        args: Vec<Spanned<Operand>>,
    },
    /// `( expr )`.
    Paren(Box<Spanned<Expr>>),
}

/// A literal, a field, a parameter or a bare alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `"text"`.
    Str(String),
    /// `42`, `1.5` (kept as written).
    Num(String),
    /// `true`, `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `[a, b]`.
    List(Vec<Spanned<Value>>),
    /// `$name`.
    Param(String),
    /// `alias.field`.
    Field {
        /// Alias.
        alias: String,
        /// Field.
        field: String,
    },
    /// A bare alias.
    Alias(String),
}

/// A pack test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Test {
    /// Where.
    pub span: Span,
    /// Name.
    pub name: String,
    /// The fixture snapshot's sources.
    pub fixture: Option<Fixture>,
    /// Expected findings.
    pub expects: Vec<Expect>,
}

/// Files a test snapshot is imported from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    /// Auth-details JSON (relative to the pack).
    pub auth_details: Spanned<String>,
    /// Credential report CSV.
    pub credential_report: Option<Spanned<String>>,
    /// Service last accessed data (JSON keyed by principal ARN).
    pub service_last_accessed: Option<Spanned<String>>,
    /// Capture time, RFC 3339.
    pub at: Option<Spanned<String>>,
}

/// `expect RULE on [...]` or `expect RULE none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    /// Where.
    pub span: Span,
    /// Rule id.
    pub rule: Spanned<String>,
    /// The resources expected (ARNs or their ends); empty for `none`.
    pub resources: Vec<String>,
}
