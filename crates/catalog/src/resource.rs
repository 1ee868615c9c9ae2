//! Which resource types — and so which actions — a `Resource` pattern can reach.
//!
//! A policy statement grants its actions on the ARNs its `Resource` patterns match, but an
//! action is only ever authorized against ARNs of its own resource types: `s3:GetObject`
//! against objects (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`), never against a
//! bucket. So `s3:*` on `arn:aws:s3:::bucket/*` grants object actions only. Deciding it
//! means asking whether *some* ARN of a resource type's format matches the pattern: whether
//! the languages of two patterns intersect. [`ArnFormat::can_match`] decides it exactly for
//! the model below, by a walk over pairs of positions (quadratic in the lengths, no regex).
//!
//! # The model
//!
//! The pattern is matched as the policy evaluator matches `Resource`:
//! - `*` alone (or only `*`s) matches everything;
//! - a pattern starting with `arn:` is split, like the ARN, at its first five `:` into
//!   partition, service, region, account and resource; each part is matched on its own, the
//!   first five ignoring ASCII case, the resource exactly; missing parts are `*`;
//! - any other pattern is matched against the whole ARN, exactly.
//!
//! `*` matches any run of characters (`/` and `:` included), `?` exactly one. A policy
//! variable (`${aws:username}`) may resolve to anything, so it counts as `*`.
//!
//! A format's literal text is matched as is; a `*` in a format (AWS writes a few, such as
//! `/backend/${AppId}/*`) matches anything; a `${Variable}` stands for any non-empty text,
//! with two limits read from the ARN's structure and from the catalog itself:
//! - in the first five parts (partition, service, region, account), a variable holds no
//!   `:`: those parts are cut at `:`;
//! - in the resource part, a variable holds no `/` when some format of the same service
//!   writes a `/` right after it: AWS uses `/` to end that name
//!   (`${BucketName}/${ObjectName}`, `assumed-role/${RoleName}/${RoleSessionName}`), so
//!   the name cannot hold one. A name that says it is a path (`…Path…`,
//!   `${RoleNameWithPath}`, `${ObjectPath}`) keeps `/` whatever follows it.
//!
//! Everything else is allowed, so the answer over-approximates: [`ArnFormat::can_match`]
//! says `false` only when no ARN of the format, with names as described, matches. It may
//! say `true` for a pattern that no *real* resource matches (names hold characters AWS
//! forbids; `:` is allowed in resource names; the region need not exist). The one known way
//! to err the other way is a name AWS lets hold `/` although a format of its service ends it
//! with `/` (an ARN that would then be ambiguous); the catalog holds none we know of.

use std::collections::HashMap;

use crate::catalog::Catalog;
use crate::glob::{Case, Glob};
use crate::set::{ActionId, ActionSet};

/// The characters a variable or wildcard may stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Class {
    /// Whether `/` is allowed.
    slash: bool,
    /// Whether `:` is allowed.
    colon: bool,
}

impl Class {
    /// Every character.
    const ANY: Class = Class {
        slash: true,
        colon: true,
    };

    fn allows(self, c: char) -> bool {
        match c {
            '/' => self.slash,
            ':' => self.colon,
            _ => true,
        }
    }
}

/// One position of a pattern over characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Step {
    /// This character.
    Char(char),
    /// One character of the class (`?`, or the first character of a variable).
    One(Class),
    /// Any run of characters of the class, possibly empty (`*`, or the rest of a variable).
    Many(Class),
}

/// A `Resource` pattern, compiled for [`ArnFormat::can_match`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePattern {
    kind: PatternKind,
    /// Whether the pattern matches the text `*`, the resource of actions without resource
    /// types.
    matches_star: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternKind {
    /// Only `*`s: every ARN.
    Everything,
    /// Starts with `arn:`: six parts matched separately.
    Arn {
        /// The service part, lowercased, when it has no wildcard or variable.
        service: Option<Box<str>>,
        parts: Vec<Vec<Step>>,
    },
    /// Anything else: matched against the whole ARN, exactly.
    Whole(Vec<Step>),
}

impl ResourcePattern {
    /// Compiles a `Resource` pattern as a policy writes it.
    pub fn new(pattern: &str) -> Self {
        let matches_star = Glob::new(&without_variables(pattern), Case::Sensitive).is_match("*");
        let kind = if !pattern.is_empty() && pattern.bytes().all(|b| b == b'*') {
            PatternKind::Everything
        } else if pattern.starts_with("arn:") {
            let mut parts: Vec<Vec<Step>> = pattern.splitn(6, ':').map(pattern_steps).collect();
            while parts.len() < 6 {
                parts.push(vec![Step::Many(Class::ANY)]);
            }
            let service = parts
                .get(2)
                .and_then(|steps| literal(steps))
                .map(|s| s.to_ascii_lowercase().into_boxed_str());
            PatternKind::Arn { service, parts }
        } else {
            PatternKind::Whole(pattern_steps(pattern))
        };
        Self { kind, matches_star }
    }

    /// Whether the pattern matches every ARN (it is made only of `*`).
    pub fn is_everything(&self) -> bool {
        matches!(self.kind, PatternKind::Everything)
    }

    /// Whether the pattern matches the text `*`, the resource the evaluator uses for
    /// actions without resource types: `*`, `**`, but also `?` — as the evaluator does.
    pub fn matches_star(&self) -> bool {
        self.matches_star
    }

    /// The service part of an `arn:` pattern, lowercased, when it is literal.
    fn service(&self) -> Option<&str> {
        match &self.kind {
            PatternKind::Arn { service, .. } => service.as_deref(),
            _ => None,
        }
    }
}

/// The pattern with every policy variable (`${...}`) replaced by `*`.
fn without_variables(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("${") {
        return pattern.into();
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        match from.find('}') {
            Some(end) => {
                out.push('*');
                rest = from.get(end + 1..).unwrap_or("");
            }
            None => {
                out.push_str(from);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// The steps of (a part of) a policy pattern.
fn pattern_steps(text: &str) -> Vec<Step> {
    without_variables(text)
        .chars()
        .map(|c| match c {
            '*' => Step::Many(Class::ANY),
            '?' => Step::One(Class::ANY),
            c => Step::Char(c),
        })
        .collect()
}

/// The text of steps that are all literal characters.
fn literal(steps: &[Step]) -> Option<String> {
    steps
        .iter()
        .map(|s| match s {
            Step::Char(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// The ARN format of a resource type (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`),
/// compiled to decide whether a pattern can match one of its ARNs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArnFormat {
    /// The six parts, when the format has five `:` outside variables.
    parts: Option<Vec<Vec<Step>>>,
    /// The whole format.
    whole: Vec<Step>,
    /// The service part, lowercased, when it is literal.
    service: Option<Box<str>>,
    /// Each variable in order, with whether it may hold `/` and `:`.
    variables: Vec<(Box<str>, bool, bool)>,
}

impl ArnFormat {
    /// Compiles `format`. `slash_free(name)` says whether the variable `${name}` of the
    /// resource part holds no `/` (see the module documentation for the rule the catalog
    /// uses: [`slash_free_names`]).
    pub fn new(format: &str, slash_free: impl Fn(&str) -> bool) -> Self {
        let mut parts: Vec<Vec<Step>> = vec![Vec::new()];
        let mut whole = Vec::new();
        let mut variables = Vec::new();
        let mut rest = format;
        while let Some(c) = rest.chars().next() {
            let in_header = parts.len() < 6;
            if let Some(after) = rest.strip_prefix("${")
                && let Some(end) = after.find('}')
            {
                let name = after.get(..end).unwrap_or("");
                let class = Class {
                    slash: !in_header && !slash_free(name),
                    colon: !in_header,
                };
                variables.push((name.into(), class.slash, class.colon));
                for step in [Step::One(class), Step::Many(class)] {
                    whole.push(step);
                    if let Some(part) = parts.last_mut() {
                        part.push(step);
                    }
                }
                rest = after.get(end + 1..).unwrap_or("");
                continue;
            }
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            let step = match c {
                '*' => Step::Many(Class::ANY),
                c => Step::Char(c),
            };
            whole.push(step);
            if c == ':' && in_header {
                parts.push(Vec::new());
            } else if let Some(part) = parts.last_mut() {
                part.push(step);
            }
        }
        let service = parts
            .get(2)
            .and_then(|steps| literal(steps))
            .map(|s| s.to_ascii_lowercase().into_boxed_str());
        Self {
            parts: (parts.len() == 6).then_some(parts),
            whole,
            service,
            variables,
        }
    }

    /// Whether some ARN of this format matches `pattern`. Over-approximates: `false` only
    /// when no ARN can match (see the module documentation).
    pub fn can_match(&self, pattern: &ResourcePattern) -> bool {
        self.can_match_with(pattern, &mut Vec::new())
    }

    /// [`ArnFormat::can_match`] with scratch space reused between calls.
    fn can_match_with(&self, pattern: &ResourcePattern, scratch: &mut Vec<bool>) -> bool {
        match &pattern.kind {
            PatternKind::Everything => true,
            PatternKind::Whole(steps) => intersects(&self.whole, steps, false, scratch),
            PatternKind::Arn { parts, .. } => match &self.parts {
                // A format without six parts has no ARN the evaluator would split into six.
                None => false,
                Some(own) => own
                    .iter()
                    .zip(parts)
                    .enumerate()
                    .all(|(i, (a, b))| intersects(a, b, i < 5, scratch)),
            },
        }
    }

    /// The variables of the format in order: name, whether it may hold `/`, whether it
    /// may hold `:`.
    pub fn variables(&self) -> impl Iterator<Item = (&str, bool, bool)> {
        self.variables.iter().map(|(n, s, c)| (&**n, *s, *c))
    }
}

/// The names of variables that hold no `/` in the resource parts of a service's `formats`:
/// those some format writes `/` right after, unless the name says it is a path.
pub fn slash_free_names<'a>(formats: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for format in formats {
        let mut rest = format;
        while let Some(start) = rest.find("${") {
            let after = rest.get(start + 2..).unwrap_or("");
            let Some(end) = after.find('}') else { break };
            let name = after.get(..end).unwrap_or("");
            rest = after.get(end + 1..).unwrap_or("");
            if rest.starts_with('/') && !name.contains("Path") && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Whether some text is matched by both step sequences. `fold`: characters compare
/// ignoring ASCII case.
///
/// `reach[i][j]`: some text takes `a` to position `i` and `b` to position `j`. Every move
/// advances `i`, `j` or both (a `Many` against a `Many` consuming a character would stay
/// in place and is skipped, since it cannot lead anywhere new), so one pass in row-major
/// order settles every cell: O(|a|·|b|).
fn intersects(a: &[Step], b: &[Step], fold: bool, reach: &mut Vec<bool>) -> bool {
    let width = b.len() + 1;
    reach.clear();
    reach.resize((a.len() + 1) * width, false);
    if let Some(first) = reach.first_mut() {
        *first = true;
    }
    let set = |reach: &mut Vec<bool>, i: usize, j: usize| {
        if let Some(cell) = reach.get_mut(i * width + j) {
            *cell = true;
        }
    };
    for i in 0..=a.len() {
        let mut row_reached = false;
        for j in 0..=b.len() {
            if !reach.get(i * width + j).copied().unwrap_or(false) {
                continue;
            }
            row_reached = true;
            let (sa, sb) = (a.get(i).copied(), b.get(j).copied());
            if let Some(Step::Many(_)) = sa {
                set(reach, i + 1, j);
            }
            if let Some(Step::Many(_)) = sb {
                set(reach, i, j + 1);
            }
            let (Some(sa), Some(sb)) = (sa, sb) else {
                continue;
            };
            if !compatible(sa, sb, fold) {
                continue;
            }
            let ni = if matches!(sa, Step::Many(_)) {
                i
            } else {
                i + 1
            };
            let nj = if matches!(sb, Step::Many(_)) {
                j
            } else {
                j + 1
            };
            if (ni, nj) != (i, j) {
                set(reach, ni, nj);
            }
        }
        // Moves never go back a row: a row reached nowhere ends the search.
        if !row_reached {
            return false;
        }
    }
    reach.last().copied().unwrap_or(false)
}

/// Whether one character can be taken by both steps.
fn compatible(a: Step, b: Step, fold: bool) -> bool {
    match (a, b) {
        (Step::Char(x), Step::Char(y)) => x == y || (fold && x.eq_ignore_ascii_case(&y)),
        (Step::Char(c), Step::One(class) | Step::Many(class))
        | (Step::One(class) | Step::Many(class), Step::Char(c)) => class.allows(c),
        // Two classes always share a letter.
        _ => true,
    }
}

/// The compiled formats of the catalog and the actions of each, for
/// [`Catalog::actions_for_resource`].
#[derive(Debug)]
pub(crate) struct ResourceIndex {
    /// Each distinct (service, format) with the actions that use it.
    formats: Vec<(ArnFormat, Vec<ActionId>)>,
    /// Format indices by literal service part.
    by_service: HashMap<Box<str>, Vec<usize>>,
    /// Formats whose service part is not literal (`${Vendor}`).
    other: Vec<usize>,
    /// Actions without resource types.
    no_resource: ActionSet,
}

impl ResourceIndex {
    /// Indexes every action's resource types.
    pub(crate) fn new(catalog: &Catalog) -> Self {
        let mut formats: Vec<(ArnFormat, Vec<ActionId>)> = Vec::new();
        let mut no_resource = catalog.empty_set();
        for service in catalog.services() {
            let slash_free =
                slash_free_names(service.resource_types().iter().map(|r| r.arn_format()));
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for action in service.actions() {
                if action.resource_types().is_empty() {
                    no_resource.insert(action.id());
                }
                for r in action.resource_types() {
                    let index = *seen.entry(r.arn_format()).or_insert_with(|| {
                        let format = ArnFormat::new(r.arn_format(), |n| slash_free.contains(&n));
                        formats.push((format, Vec::new()));
                        formats.len() - 1
                    });
                    if let Some((_, ids)) = formats.get_mut(index)
                        && ids.last() != Some(&action.id())
                    {
                        ids.push(action.id());
                    }
                }
            }
        }
        let mut by_service: HashMap<Box<str>, Vec<usize>> = HashMap::new();
        let mut other = Vec::new();
        for (i, (format, _)) in formats.iter().enumerate() {
            match &format.service {
                Some(s) => by_service.entry(s.clone()).or_default().push(i),
                None => other.push(i),
            }
        }
        Self {
            formats,
            by_service,
            other,
            no_resource,
        }
    }

    /// See [`Catalog::actions_for_resource`].
    pub(crate) fn actions_for(&self, catalog: &Catalog, pattern: &ResourcePattern) -> ActionSet {
        if pattern.is_everything() {
            return catalog.full_set();
        }
        let mut out = if pattern.matches_star() {
            self.no_resource.clone()
        } else {
            catalog.empty_set()
        };
        let mut scratch = Vec::new();
        let mut consider = |i: usize| {
            if let Some((format, actions)) = self.formats.get(i)
                && format.can_match_with(pattern, &mut scratch)
            {
                for &id in actions {
                    out.insert(id);
                }
            }
        };
        match pattern.service() {
            Some(service) => {
                let listed = self.by_service.get(service).map(Vec::as_slice);
                for &i in listed.unwrap_or_default().iter().chain(&self.other) {
                    consider(i);
                }
            }
            None => (0..self.formats.len()).for_each(consider),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn can(format: &str, pattern: &str) -> bool {
        let slash_free = slash_free_names([format]);
        ArnFormat::new(format, |n| slash_free.contains(&n))
            .can_match(&ResourcePattern::new(pattern))
    }

    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";

    #[test]
    fn object_format_meets_object_patterns_only() {
        assert!(can(OBJECT, "arn:aws:s3:::acme-app-data/*"));
        assert!(can(OBJECT, "arn:aws:s3:::*"));
        assert!(can(OBJECT, "arn:aws:s3:::acme-*/logs/?.txt"));
        assert!(can(OBJECT, "arn:aws:s3:::a/b:c"));
        assert!(!can(OBJECT, "arn:aws:s3:::acme-app-data"));
        assert!(!can(OBJECT, "arn:aws:s3:::acme-app-data/"));
        assert!(!can(OBJECT, "arn:aws:s3:us-east-1::acme-app-data/*"));
        // The first five parts ignore case, the resource does not.
        assert!(can(OBJECT, "arn:AWS:S3:::acme/*"));
        assert!(can(OBJECT, "*"));
        assert!(can(OBJECT, "*/*"));
        assert!(!can(OBJECT, "arn"));
        assert!(!can(OBJECT, "ARN:aws:s3:::a/b"));
    }

    #[test]
    fn variables_are_never_empty() {
        assert!(!can(
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            "arn:aws:iam::1:role/"
        ));
        assert!(can(
            "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
            "arn:aws:iam::1:role/a/b"
        ));
        assert!(!can(
            "arn:${Partition}:s3:${Region}:${Account}:job/${JobId}",
            "arn:aws:s3:::job/1"
        ));
    }

    #[test]
    fn header_variables_hold_no_colon_and_wildcards_do_not_cross_parts() {
        let grants = "arn:${Partition}:s3:${Region}:${Account}:access-grants/default";
        assert!(!can(grants, "arn:aws:s3:::acme-app-data/*"));
        assert!(can(grants, "arn:aws:s3:*:*:access-grants/*"));
        assert!(can(grants, "arn:aws:s3:*"));
        // Whole-text patterns see the separators too.
        assert!(!can(grants, "*:s3:::acme/*"));
        assert!(can(grants, "*:s3:us-east-1:*"));
    }

    #[test]
    fn policy_variables_count_as_wildcards() {
        let user = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}";
        assert!(can(user, "arn:aws:iam::*:user/${aws:username}"));
        assert!(!can(user, "arn:aws:iam::*:role/${aws:username}"));
        assert!(ResourcePattern::new("${aws:username}").matches_star());
    }

    #[test]
    fn slash_ends_a_name_unless_it_is_a_path() {
        let formats = [
            OBJECT,
            "arn:${Partition}:s3:::${BucketName}",
            "arn:${Partition}:mediastore:${Region}:${Account}:container/${FolderPath}/x",
        ];
        assert_eq!(slash_free_names(formats), vec!["BucketName"]);
        let bucket = ArnFormat::new("arn:${Partition}:s3:::${BucketName}", |n| n == "BucketName");
        assert!(!bucket.can_match(&ResourcePattern::new("arn:aws:s3:::acme/*")));
        assert!(bucket.can_match(&ResourcePattern::new("arn:aws:s3:::acme*")));
        let names: Vec<_> = bucket.variables().collect();
        assert_eq!(
            names,
            vec![("Partition", false, false), ("BucketName", false, true)]
        );
    }

    #[test]
    fn star_patterns_reach_actions_without_resource_types() {
        assert!(ResourcePattern::new("*").matches_star());
        assert!(ResourcePattern::new("**").is_everything());
        assert!(ResourcePattern::new("?").matches_star());
        assert!(!ResourcePattern::new("?").is_everything());
        assert!(!ResourcePattern::new("arn:*").matches_star());
        assert!(!ResourcePattern::new("*:*").matches_star());
    }

    #[test]
    fn intersection_handles_stars_on_both_sides() {
        let meet = |a: &str, b: &str, fold| {
            intersects(&pattern_steps(a), &pattern_steps(b), fold, &mut Vec::new())
        };
        assert!(meet("a*c", "*b*", false));
        assert!(!meet("a*c", "b*", false));
        assert!(meet("a?c", "*", false));
        assert!(!meet("a?", "a", false));
        assert!(meet("A", "a", true));
        assert!(!meet("A", "a", false));
        assert!(meet("", "**", false));
        assert!(!meet("abc", "abd", false));
        assert!(meet("a*b*c*", "*c?b*a", false));
    }
}
