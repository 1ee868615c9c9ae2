//! Pack source → AST, with every syntax error of a file reported at once.
//!
//! The file is cut into top-level items (at each line that starts with `pack`, `import`,
//! `param`, `define`, `rule` or `test` outside braces) and each item is parsed on its own,
//! so that an error in one rule does not hide the errors of the next ones.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::ast::*;
use crate::diag::{Code, Diagnostic, Source, nearest};
use crate::limits::{MAX_NESTING, too_deep, too_deep_brackets};

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../../../grammar/rules.pest"]
    pub(super) struct RulesParser;
}

use grammar::{Rule as G, RulesParser};

/// The top-level keywords an item starts with.
const ITEM_KEYWORDS: [&str; 6] = ["pack", "import", "param", "define", "rule", "test"];

/// The words a rule clause starts with (for "did you mean").
const CLAUSE_KEYWORDS: [&str; 10] = [
    "severity",
    "title",
    "description",
    "tags",
    "message",
    "remediation",
    "fix",
    "references",
    "for",
    "where",
];

/// Parses a whole pack file; on failure, every syntax error found.
pub fn parse_pack(source: &Source) -> Result<PackFile, Vec<Diagnostic>> {
    let mut pack = PackFile::default();
    let mut errors = Vec::new();
    for (start, end) in item_chunks(&source.text) {
        let chunk = source.text.get(start..end).unwrap_or_default();
        if chunk.trim().is_empty() || only_comments(chunk) {
            continue;
        }
        if let Some(at) = too_deep_brackets(chunk) {
            errors.push(too_deep_error(
                source,
                Span::new(start + at, start + at + 1),
            ));
            continue;
        }
        match RulesParser::parse(G::single_item, chunk) {
            Ok(mut pairs) => {
                let Some(single) = pairs.next() else { continue };
                let builder = Builder { offset: start };
                for pair in single.into_inner() {
                    match pair.as_rule() {
                        G::pack_header => {
                            let mut inner = pair.into_inner();
                            if let Some(name) = inner.next() {
                                pack.name = Some(builder.text(&name));
                            }
                            pack.title = inner.next().map(|s| unescape(&s));
                        }
                        G::EOI => {}
                        _ => match builder.item(pair) {
                            Ok(item) => pack.items.push(item),
                            Err((span, message)) if message == TOO_DEEP => {
                                errors.push(too_deep_error(source, span));
                            }
                            Err((span, message)) => {
                                errors.push(
                                    Diagnostic::new(source, span, message).with_code(Code::Syntax),
                                );
                            }
                        },
                    }
                }
            }
            Err(e) => errors.push(syntax_error(source, start, chunk, &e)),
        }
    }
    if errors.is_empty() {
        Ok(pack)
    } else {
        Err(errors)
    }
}

/// The builder's error for a condition nested deeper than [`MAX_NESTING`] (rendered by
/// [`too_deep_error`]).
const TOO_DEEP: &str = "too deep";

/// A condition nested deeper than [`MAX_NESTING`].
fn too_deep_error(source: &Source, span: Span) -> Diagnostic {
    Diagnostic::new(
        source,
        span,
        format!("this nests more than {MAX_NESTING} levels deep"),
    )
    .with_code(Code::Limit)
    .with_help(
        "write it with fewer levels: `not not x` is `x`, `a and (b and c)` is `a and b and c`",
    )
}

fn only_comments(chunk: &str) -> bool {
    chunk.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t.starts_with("//")
    })
}

/// Byte ranges of the top-level items: cut before each line whose first word is an item
/// keyword, outside braces.
fn item_chunks(text: &str) -> Vec<(usize, usize)> {
    let mut cuts = vec![0];
    let mut depth = 0usize;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let first = trimmed
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or_default();
        if depth == 0 && offset > 0 && ITEM_KEYWORDS.contains(&first) {
            cuts.push(offset);
        }
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '#' => break,
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        offset += line.len();
    }
    cuts.push(text.len());
    cuts.windows(2)
        .filter_map(|w| Some((*w.first()?, *w.get(1)?)))
        .collect()
}

/// What a grammar rule is, in words, for "expected ..." messages.
fn describe(kind: &G) -> String {
    match kind {
        G::string | G::string_inner => "a string in double quotes",
        G::ident => "a name",
        G::word => "a word",
        G::rule_id => "a rule id such as NHI-KEY-001",
        G::number => "a number",
        G::list => "a list such as [\"a\", \"b\"]",
        G::value => "a value (string, number, list, $param, alias.field)",
        G::operand => "a value",
        G::expr | G::and_expr | G::unary | G::predicate | G::comparison => "a condition",
        G::item | G::single_item => "`pack`, `import`, `param`, `define`, `rule` or `test`",
        G::pack_header => "`pack`",
        G::import => "`import`",
        G::param => "`param`",
        G::define => "`define`",
        G::rule => "`rule`",
        G::test => "`test`",
        G::severity => "`severity`",
        G::title => "`title`",
        G::description => "`description`",
        G::tags => "`tags`",
        G::message => "`message`",
        G::remediation => "`remediation`",
        G::fix => "`fix`",
        G::references => "`references`",
        G::for_clause => "`for <entity> <alias>`",
        G::where_clause => "`where`",
        G::or_op => "`or`",
        G::and_op => "`and`",
        G::not_op => "`not`",
        G::cmp_op => "a comparison (=, !=, <, <=, >, >=)",
        G::in_tail => "`in`",
        G::like_tail => "`like`",
        G::glob_tail => "`glob`",
        G::null_tail => "`is null`",
        G::trust_target => {
            "whom: `anyone`, `service`, `federated`, `account`, `external account` or `principal`"
        }
        G::trust_qualifier => "`with condition` or `without condition`",
        G::kw_days => "`days`",
        G::kw_on => "`on`",
        G::kw_than => "`than`",
        G::kw_for => "`for`",
        G::kw_used => "`used`",
        G::kw_condition => "`condition`",
        G::kw_like => "`like`",
        G::kw_where => "`where`",
        G::kw_escalate => "`escalate`",
        G::kw_admin => "`admin`",
        G::any_resource => "`any resource`",
        G::fixture => "`fixture \"file\"`",
        G::expect => "`expect RULE-ID on [...]` or `expect RULE-ID none`",
        G::expect_none | G::expect_on => "`on [...]` or `none`",
        G::sql_block => "`sql { ... }`",
        G::context_object => "a context object such as {\"iam:PassedToService\": $services}",
        G::context_entry => "`\"key\": value`",
        G::EOI => "the end of the item",
        other => return format!("{other:?}").replace('_', " "),
    }
    .to_owned()
}

fn syntax_error(
    source: &Source,
    chunk_start: usize,
    chunk: &str,
    e: &pest::error::Error<G>,
) -> Diagnostic {
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    // At the end of an item, point just after its last word rather than at the next line.
    let content_end = chunk.trim_end().len();
    let (start, end) = (start.min(content_end), end.min(content_end));
    // The word at the error, underlined whole.
    let rest = chunk.get(start..).unwrap_or_default();
    let word_len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(rest.len(), |(i, _)| i);
    let end = end.max(start + word_len.max(1)).min(chunk.len().max(start));
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let message = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut wanted: Vec<String> = positives.iter().map(describe).collect();
            wanted.dedup();
            let found = if rest.is_empty() {
                "the end of the item".to_owned()
            } else if word.is_empty() {
                format!("`{}`", rest.chars().next().unwrap_or(' '))
            } else {
                format!("`{word}`")
            };
            if wanted.is_empty() {
                let not: Vec<String> = negatives.iter().map(describe).collect();
                format!("unexpected {}, not {}", found, not.join(" or "))
            } else {
                format!("expected {}; found {found}", join_or(&wanted))
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let mut d = Diagnostic::new(
        source,
        Span::new(chunk_start + start, chunk_start + end),
        message,
    )
    .with_code(Code::Syntax);
    // A misspelt clause keyword right after a rule id reads as the rule's name, and the
    // error shows at the next word: point at the misspelt word instead.
    let before = chunk.get(..start).unwrap_or_default().trim_end();
    let prev_start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let prev = before.get(prev_start..).unwrap_or_default();
    // Only the word right after `rule <id>` can be a clause keyword read as the name;
    // elsewhere (`for role r` before a misspelt `where`) the previous word is meant.
    let after_rule_id = {
        let words: Vec<&str> = before
            .get(..prev_start)
            .unwrap_or_default()
            .split_whitespace()
            .rev()
            .take(2)
            .collect();
        words.get(1) == Some(&"rule")
    };
    if !prev.is_empty()
        && after_rule_id
        && !CLAUSE_KEYWORDS.contains(&prev)
        && let Some(near) = nearest(prev, CLAUSE_KEYWORDS.iter().copied())
    {
        return Diagnostic::new(
            source,
            Span::new(
                chunk_start + prev_start,
                chunk_start + prev_start + prev.len(),
            ),
            format!("unknown clause `{prev}`"),
        )
        .with_code(Code::UnknownName)
        .with_help(format!("did you mean `{near}`?"));
    }
    if !word.is_empty() {
        let candidates = CLAUSE_KEYWORDS
            .iter()
            .chain(ITEM_KEYWORDS.iter())
            .copied()
            .chain([
                "can",
                "trusts",
                "older",
                "unused",
                "never",
                "exists",
                "count",
                "escalate",
                "admin",
                "anyone",
                "service",
                "federated",
                "account",
                "external",
                "principal",
                "condition",
                "without",
                "with",
                "like",
                "glob",
                "days",
            ]);
        if let Some(near) = nearest(&word, candidates).filter(|n| *n != word) {
            d = d.with_help(format!("did you mean `{near}`?"));
        }
    }
    d
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn unescape(pair: &Pair<'_, G>) -> String {
    let raw = pair.clone().into_inner().next().map_or("", |p| p.as_str());
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

type BuildResult<T> = Result<T, (Span, String)>;

/// A function call written in a template field (`trust_with_source_account(r.x, $p)`),
/// `offset` the byte offset of `text` in its file; an error at the place it does not read.
pub(crate) fn parse_call(text: &str, offset: usize) -> Result<Spanned<Operand>, (Span, String)> {
    if let Some(at) = too_deep_brackets(text) {
        return Err((Span::new(offset + at, offset + at + 1), TOO_DEEP.to_owned()));
    }
    let whole = Span::new(offset, offset + text.len());
    let pair = RulesParser::parse(G::call, text)
        .map_err(|_| {
            (
                whole,
                format!("`{text}` is not a function call such as `f(r.name, $param)`"),
            )
        })?
        .next()
        .ok_or((whole, "expected a function call".to_owned()))?;
    if pair.as_str().len() != text.len() {
        return Err((
            whole,
            format!("`{text}` is not one function call such as `f(r.name, $param)`"),
        ));
    }
    Builder { offset }.operand(pair)
}

/// Turns pest pairs into the AST, shifting spans by the item's offset in the file.
struct Builder {
    offset: usize,
}

impl Builder {
    fn span(&self, pair: &Pair<'_, G>) -> Span {
        let s = pair.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn text(&self, pair: &Pair<'_, G>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_owned(), self.span(pair))
    }

    fn string(&self, pair: &Pair<'_, G>) -> Spanned<String> {
        Spanned::new(unescape(pair), self.span(pair))
    }

    fn item(&self, pair: Pair<'_, G>) -> BuildResult<Item> {
        let span = self.span(&pair);
        match pair.as_rule() {
            G::import => {
                let s = first(pair, span)?;
                Ok(Item::Import(self.string(&s)))
            }
            G::param => {
                let mut inner = pair.into_inner();
                let name = inner
                    .next()
                    .ok_or((span, "parameter without a name".into()))?;
                let value = inner
                    .next()
                    .ok_or((span, "parameter without a value".into()))?;
                Ok(Item::Param(Param {
                    name: self.text(&name),
                    value: self.value(value)?,
                }))
            }
            G::define => {
                let mut params = Vec::new();
                let mut name = None;
                let mut body = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        G::ident if name.is_none() => name = Some(self.text(&p)),
                        G::ident => params.push(self.text(&p)),
                        G::expr => body = Some(self.condition(p)?),
                        _ => {}
                    }
                }
                Ok(Item::Define(Box::new(Define {
                    name: name.ok_or((span, "`define` without a name".into()))?,
                    params,
                    body: body.ok_or((span, "`define` without a condition".into()))?,
                })))
            }
            G::rule => self.rule(pair).map(|r| Item::Rule(Box::new(r))),
            G::test => self.test(pair).map(Item::Test),
            other => Err((span, format!("unexpected {}", describe(&other)))),
        }
    }

    fn rule(&self, pair: Pair<'_, G>) -> BuildResult<crate::ast::Rule> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let id = inner.next().ok_or((span, "rule without an id".into()))?;
        let mut rule = crate::ast::Rule {
            span,
            id: self.text(&id),
            name: None,
            severity: None,
            title: None,
            description: None,
            tags: Vec::new(),
            message: None,
            remediation: None,
            fix: None,
            references: Vec::new(),
            target: None,
            condition: None,
        };
        let mut seen: Vec<G> = Vec::new();
        for clause in inner {
            let kind = clause.as_rule();
            let clause_span = self.span(&clause);
            if kind != G::ident {
                if seen.contains(&kind) {
                    let word = clause.as_str().split_whitespace().next().unwrap_or("");
                    let end = clause_span.start + word.len();
                    return Err((
                        Span::new(clause_span.start, end),
                        format!("`{word}` is given twice in rule {}", rule.id.node),
                    ));
                }
                seen.push(kind);
            }
            match kind {
                G::ident => rule.name = Some(clause.as_str().to_owned()),
                G::severity => rule.severity = Some(self.text(&first(clause, clause_span)?)),
                G::title => rule.title = Some(self.string(&first(clause, clause_span)?)),
                G::description => {
                    rule.description = Some(self.string(&first(clause, clause_span)?));
                }
                G::message => rule.message = Some(self.string(&first(clause, clause_span)?)),
                G::remediation => {
                    rule.remediation = Some(self.string(&first(clause, clause_span)?));
                }
                G::fix => rule.fix = Some(self.string(&first(clause, clause_span)?)),
                G::tags => rule.tags = self.string_list(first(clause, clause_span)?)?,
                G::references => {
                    rule.references = self.string_list(first(clause, clause_span)?)?;
                }
                G::for_clause => {
                    let mut parts = clause.into_inner();
                    let entity = parts
                        .next()
                        .ok_or((clause_span, "`for` without an entity".into()))?;
                    let alias = parts
                        .next()
                        .ok_or((clause_span, "`for` without an alias".into()))?;
                    rule.target = Some(Target {
                        entity: self.text(&entity),
                        alias: self.text(&alias),
                    });
                }
                G::where_clause => {
                    rule.condition = Some(self.condition(first(clause, clause_span)?)?);
                }
                _ => {}
            }
        }
        Ok(rule)
    }

    fn string_list(&self, list: Pair<'_, G>) -> BuildResult<Vec<String>> {
        let mut out = Vec::new();
        for v in list.into_inner() {
            let span = self.span(&v);
            match self.value(v)?.node {
                Value::Str(s) => out.push(s),
                _ => return Err((span, "expected a string".into())),
            }
        }
        Ok(out)
    }

    fn test(&self, pair: Pair<'_, G>) -> BuildResult<Test> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner.next().ok_or((span, "test without a name".into()))?;
        let mut test = Test {
            span,
            name: unescape(&name),
            fixture: None,
            expects: Vec::new(),
        };
        for stmt in inner {
            let stmt_span = self.span(&stmt);
            match stmt.as_rule() {
                G::fixture => {
                    if test.fixture.is_some() {
                        return Err((stmt_span, "a test has one `fixture`".into()));
                    }
                    let mut parts = stmt.into_inner();
                    let auth = parts
                        .next()
                        .ok_or((stmt_span, "`fixture` without a file".into()))?;
                    let mut fixture = Fixture {
                        auth_details: self.string(&auth),
                        credential_report: None,
                        service_last_accessed: None,
                        at: None,
                    };
                    for part in parts {
                        let part_span = self.span(&part);
                        let kind = part.as_rule();
                        let value = self.string(&first(part, part_span)?);
                        match kind {
                            G::fixture_report => fixture.credential_report = Some(value),
                            G::fixture_last_accessed => fixture.service_last_accessed = Some(value),
                            _ => fixture.at = Some(value),
                        }
                    }
                    test.fixture = Some(fixture);
                }
                G::expect => {
                    let mut parts = stmt.into_inner();
                    let rule = parts
                        .next()
                        .ok_or((stmt_span, "`expect` without a rule id".into()))?;
                    let what = parts
                        .next()
                        .ok_or((stmt_span, "`expect` without `on [...]` or `none`".into()))?;
                    let resources = match what.as_rule() {
                        G::expect_on => {
                            let list = first(what, stmt_span)?;
                            self.string_list(list)?
                        }
                        _ => Vec::new(),
                    };
                    test.expects.push(Expect {
                        span: stmt_span,
                        rule: self.text(&rule),
                        resources,
                    });
                }
                _ => {}
            }
        }
        Ok(test)
    }

    /// A whole condition (of a rule or a named predicate), no deeper than [`MAX_NESTING`].
    fn condition(&self, pair: Pair<'_, G>) -> BuildResult<Spanned<Expr>> {
        let e = self.expr(pair)?;
        match too_deep(&e) {
            Some(span) => Err((span, TOO_DEEP.into())),
            None => Ok(e),
        }
    }

    fn expr(&self, pair: Pair<'_, G>) -> BuildResult<Spanned<Expr>> {
        let span = self.span(&pair);
        match pair.as_rule() {
            G::expr | G::and_expr => {
                let is_or = pair.as_rule() == G::expr;
                let mut parts = Vec::new();
                for p in pair.into_inner() {
                    if matches!(p.as_rule(), G::or_op | G::and_op) {
                        continue;
                    }
                    parts.push(self.expr(p)?);
                }
                if parts.len() == 1 {
                    return parts.pop().ok_or((span, "empty condition".into()));
                }
                let node = if is_or {
                    Expr::Or(parts)
                } else {
                    Expr::And(parts)
                };
                Ok(Spanned::new(node, span))
            }
            G::unary => {
                let mut nots = 0;
                let mut pred = None;
                for p in pair.into_inner() {
                    if p.as_rule() == G::not_op {
                        nots += 1;
                        if nots > MAX_NESTING {
                            // The first `not` past the limit.
                            return Err((self.span(&p), TOO_DEEP.into()));
                        }
                    } else {
                        pred = Some(self.predicate(p)?);
                    }
                }
                let mut e = pred.ok_or((span, "empty condition".into()))?;
                for _ in 0..nots {
                    e = Spanned::new(Expr::Not(Box::new(e)), span);
                }
                Ok(e)
            }
            G::predicate => self.predicate(pair),
            other => Err((span, format!("unexpected {}", describe(&other)))),
        }
    }

    fn predicate(&self, pair: Pair<'_, G>) -> BuildResult<Spanned<Expr>> {
        let span = self.span(&pair);
        let pair = if pair.as_rule() == G::predicate {
            first(pair, span)?
        } else {
            pair
        };
        let kind = pair.as_rule();
        let mut inner: Vec<Pair<'_, G>> = pair.into_inner().collect();
        let node = match kind {
            G::can_pred => {
                let alias = self.text(at(&inner, 0, span)?);
                let values: Vec<&Pair<'_, G>> =
                    inner.iter().filter(|p| p.as_rule() == G::value).collect();
                let any = inner.iter().any(|p| p.as_rule() == G::any_resource);
                let action = self.value(pick(&values, 0, span)?.clone())?;
                let resource = if any {
                    None
                } else {
                    Some(self.value(pick(&values, 1, span)?.clone())?)
                };
                let context = match inner.iter().find(|p| p.as_rule() == G::context_object) {
                    Some(o) => Some(self.context_object(o.clone())?),
                    None => match values.get(if any { 1 } else { 2 }) {
                        Some(v) => {
                            let v = self.value((*v).clone())?;
                            Some(Spanned::new(Context::Json(v.node), v.span))
                        }
                        None => None,
                    },
                };
                Expr::Can {
                    alias,
                    action,
                    resource,
                    context,
                }
            }
            G::escalate_pred => {
                let alias = self.text(at(&inner, 0, span)?);
                let method = match inner.iter().find(|p| p.as_rule() == G::value) {
                    Some(v) => Some(self.value(v.clone())?),
                    None => None,
                };
                Expr::Escalate { alias, method }
            }
            G::admin_pred => Expr::Admin {
                alias: self.text(at(&inner, 0, span)?),
            },
            G::trusts_pred => {
                let alias = self.text(at(&inner, 0, span)?);
                let mut target = TrustTarget::Anyone;
                let mut qualifiers = Vec::new();
                for p in inner.drain(..).skip(1) {
                    match p.as_rule() {
                        G::trust_target => target = self.trust_target(p, span)?,
                        G::trust_qualifier => qualifiers.push(self.qualifier(p, span)?),
                        _ => {}
                    }
                }
                Expr::Trusts {
                    alias,
                    target,
                    qualifiers,
                }
            }
            G::unused_pred => {
                let alias = self.text(at(&inner, 0, span)?);
                let days = inner
                    .iter()
                    .find(|p| p.as_rule() == G::value)
                    .ok_or((span, "expected a number of days".into()))?;
                Expr::Unused {
                    alias,
                    days: self.value(days.clone())?,
                }
            }
            G::never_used_pred => Expr::NeverUsed {
                alias: self.text(at(&inner, 0, span)?),
            },
            G::exists_pred => {
                let rel = inner
                    .into_iter()
                    .find(|p| p.as_rule() == G::relation)
                    .ok_or((span, "expected a relation such as r.trust".into()))?;
                Expr::Exists(self.relation(rel)?)
            }
            G::comparison => return self.comparison(inner, span),
            other => return Err((span, format!("unexpected {}", describe(&other)))),
        };
        Ok(Spanned::new(node, span))
    }

    fn trust_target(&self, pair: Pair<'_, G>, span: Span) -> BuildResult<TrustTarget> {
        let t = first(pair, span)?;
        let kind = t.as_rule();
        let value = match t.into_inner().find(|p| p.as_rule() == G::value) {
            Some(v) => Some(self.value(v)?),
            None => None,
        };
        Ok(match kind {
            G::t_anyone => TrustTarget::Anyone,
            G::t_service => TrustTarget::Service(value),
            G::t_federated => TrustTarget::Federated(value),
            G::t_external => TrustTarget::External(value),
            G::t_account => TrustTarget::Account(value),
            _ => TrustTarget::Principal(value.ok_or((span, "`principal` needs a value".into()))?),
        })
    }

    fn qualifier(&self, pair: Pair<'_, G>, span: Span) -> BuildResult<TrustQualifier> {
        let mut negated = false;
        let mut kind = PatternKind::Glob;
        let mut values = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                G::kw_without => negated = true,
                G::kw_like => kind = PatternKind::Like,
                G::value => values.push(self.value(p)?),
                _ => {}
            }
        }
        let mut values = values.into_iter();
        Ok(TrustQualifier {
            negated,
            keys: values
                .next()
                .ok_or((span, "expected the condition key".into()))?,
            value: values.next().map(|value| Pattern { kind, value }),
        })
    }

    /// `{"key": VALUE, ...}` after `with context`.
    fn context_object(&self, pair: Pair<'_, G>) -> BuildResult<Spanned<Context>> {
        let span = self.span(&pair);
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            let entry_span = self.span(&entry);
            let mut parts = entry.into_inner();
            let key = parts
                .next()
                .ok_or((entry_span, "expected a context key".into()))?;
            let value = parts
                .next()
                .ok_or((entry_span, "expected the key's value".into()))?;
            entries.push(ContextEntry {
                key: self.string(&key),
                value: self.value(value)?,
            });
        }
        Ok(Spanned::new(Context::Object(entries), span))
    }

    fn relation(&self, pair: Pair<'_, G>) -> BuildResult<Relation> {
        let span = self.span(&pair);
        let mut owner = None;
        let mut name = None;
        let mut alias = None;
        let mut filter = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                G::field => {
                    let mut parts = p.into_inner();
                    owner = parts.next().map(|o| self.text(&o));
                    name = parts.next().map(|n| self.text(&n));
                }
                G::ident => alias = Some(self.text(&p)),
                G::unary => filter = Some(Box::new(self.expr(p)?)),
                _ => {}
            }
        }
        Ok(Relation {
            owner: owner.ok_or((span, "expected alias.relation".into()))?,
            name: name.ok_or((span, "expected alias.relation".into()))?,
            alias,
            filter,
        })
    }

    fn comparison(&self, inner: Vec<Pair<'_, G>>, span: Span) -> BuildResult<Spanned<Expr>> {
        let mut it = inner.into_iter();
        let left = self.operand(it.next().ok_or((span, "expected a value".into()))?)?;
        let Some(tail) = it.next() else {
            return Ok(Spanned::new(Expr::Truth(left), span));
        };
        let node = match tail.as_rule() {
            G::cmp_op => {
                let op = match tail.as_str() {
                    "=" => CompareOp::Eq,
                    "!=" | "<>" => CompareOp::NotEq,
                    "<" => CompareOp::Lt,
                    "<=" => CompareOp::LtEq,
                    ">" => CompareOp::Gt,
                    _ => CompareOp::GtEq,
                };
                let right = self.operand(it.next().ok_or((span, "expected a value".into()))?)?;
                Expr::Compare { left, op, right }
            }
            G::in_tail => {
                let mut negated = false;
                let mut set = None;
                for p in tail.into_inner() {
                    match p.as_rule() {
                        G::not_op => negated = true,
                        G::sql_block => {
                            let body = p.clone().into_inner().next().map_or("", |b| b.as_str());
                            set = Some(Spanned::new(InSet::Sql(body.to_owned()), self.span(&p)));
                        }
                        G::operand => {
                            let o = self.operand(p)?;
                            set = Some(Spanned::new(InSet::Operand(o.node), o.span));
                        }
                        _ => {}
                    }
                }
                Expr::In {
                    left,
                    negated,
                    set: set.ok_or((span, "expected a list after `in`".into()))?,
                }
            }
            G::like_tail | G::glob_tail => {
                let glob = tail.as_rule() == G::glob_tail;
                let mut negated = false;
                let mut pattern = None;
                for p in tail.into_inner() {
                    match p.as_rule() {
                        G::not_op => negated = true,
                        G::operand => pattern = Some(self.operand(p)?),
                        _ => {}
                    }
                }
                Expr::Like {
                    left,
                    negated,
                    glob,
                    pattern: pattern.ok_or((span, "expected a pattern".into()))?,
                }
            }
            G::older_tail => {
                let days = tail
                    .into_inner()
                    .find(|p| p.as_rule() == G::value)
                    .ok_or((span, "expected a number of days".into()))?;
                Expr::Older {
                    operand: left,
                    days: self.value(days)?,
                }
            }
            G::null_tail => Expr::IsNull {
                operand: left,
                negated: tail.into_inner().any(|p| p.as_rule() == G::not_op),
            },
            other => return Err((span, format!("unexpected {}", describe(&other)))),
        };
        Ok(Spanned::new(node, span))
    }

    fn operand(&self, pair: Pair<'_, G>) -> BuildResult<Spanned<Operand>> {
        let span = self.span(&pair);
        let pair = if pair.as_rule() == G::operand {
            first(pair, span)?
        } else {
            pair
        };
        let node = match pair.as_rule() {
            G::count_expr => {
                let rel = pair
                    .into_inner()
                    .find(|p| p.as_rule() == G::relation)
                    .ok_or((span, "expected a relation such as u.access_keys".into()))?;
                Operand::Count(self.relation(rel)?)
            }
            G::call => {
                let mut inner = pair.into_inner();
                let name = inner.next().ok_or((span, "expected a name".into()))?;
                let args = inner
                    .map(|a| self.operand(a))
                    .collect::<BuildResult<Vec<_>>>()?;
                Operand::Call {
                    name: self.text(&name),
                    args,
                }
            }
            G::value => Operand::Value(self.value(pair)?.node),
            G::expr => Operand::Paren(Box::new(self.expr(pair)?)),
            other => return Err((span, format!("unexpected {}", describe(&other)))),
        };
        Ok(Spanned::new(node, span))
    }

    fn value(&self, pair: Pair<'_, G>) -> BuildResult<Spanned<Value>> {
        let span = self.span(&pair);
        let pair = if pair.as_rule() == G::value {
            first(pair, span)?
        } else {
            pair
        };
        let node = match pair.as_rule() {
            G::string => Value::Str(unescape(&pair)),
            G::number => Value::Num(pair.as_str().to_owned()),
            G::boolean => Value::Bool(pair.as_str().starts_with('t')),
            G::null => Value::Null,
            G::list => Value::List(
                pair.into_inner()
                    .map(|v| self.value(v))
                    .collect::<BuildResult<Vec<_>>>()?,
            ),
            G::param_ref => Value::Param(pair.as_str().trim_start_matches('$').to_owned()),
            G::field => {
                let mut parts = pair.into_inner();
                let alias = parts.next().map_or("", |p| p.as_str()).to_owned();
                let field = parts.next().map_or("", |p| p.as_str()).to_owned();
                Value::Field { alias, field }
            }
            G::ident => Value::Alias(pair.as_str().to_owned()),
            other => return Err((span, format!("unexpected {}", describe(&other)))),
        };
        Ok(Spanned::new(node, span))
    }
}

fn first(pair: Pair<'_, G>, span: Span) -> BuildResult<Pair<'_, G>> {
    pair.into_inner()
        .next()
        .ok_or((span, "incomplete item".into()))
}

fn at<'a, 'i>(items: &'a [Pair<'i, G>], i: usize, span: Span) -> BuildResult<&'a Pair<'i, G>> {
    items.get(i).ok_or((span, "incomplete condition".into()))
}

fn pick<'a, 'i>(items: &[&'a Pair<'i, G>], i: usize, span: Span) -> BuildResult<&'a Pair<'i, G>> {
    items
        .get(i)
        .copied()
        .ok_or((span, "incomplete condition".into()))
}
