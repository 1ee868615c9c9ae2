//! Action patterns (`s3:Get*`, `*`, `iam:PassRole`) compiled into sets, and their
//! expansion to the catalog's actions.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::catalog::{Catalog, Service};
use crate::glob::{Case, Glob};
use crate::set::ActionSet;

/// Action patterns compiled once, so that matching or expanding thousands of them is cheap.
///
/// Patterns are sorted into the cheapest form that decides them, as a policy's `Action`
/// lists mostly hold literals and `service:Prefix*` patterns:
/// - `*` (or `**`...) matches every action;
/// - a literal (`s3:GetObject`) resolves by lookup;
/// - a pattern whose service part has no wildcard (`s3:Get*`, `s3:*Object`) is grouped under
///   its service, so it only looks at that service's actions; a `Prefix*` pattern is a
///   range of the service's sorted actions, found by binary search;
/// - anything else (`*Object`, `*:Get*`, `s3?:x`) is matched against every action's full
///   name.
///
/// Matching ignores ASCII case. `*` matches any run of characters, `:` included; `?`
/// matches exactly one.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    any: bool,
    /// Lowercased full names.
    literals: HashSet<Box<str>>,
    /// By lowercased service prefix.
    services: HashMap<Box<str>, ServicePatterns>,
    /// Patterns whose service part has a wildcard.
    general: HashSet<Glob>,
}

/// The patterns of one service, without its prefix and colon.
#[derive(Debug, Clone, Default)]
struct ServicePatterns {
    /// `s3:*`.
    all: bool,
    /// `s3:get*`: the lowercased prefixes.
    prefixes: BTreeSet<Box<str>>,
    /// Any other pattern, matched against the lowercased action name.
    globs: HashSet<Glob>,
}

fn is_wild(c: char) -> bool {
    c == '*' || c == '?'
}

impl PatternSet {
    /// An empty set: it matches nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compiles `patterns`.
    pub fn from_patterns<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = Self::new();
        for p in patterns {
            set.add(p.as_ref());
        }
        set
    }

    /// Adds `pattern`.
    pub fn add(&mut self, pattern: &str) {
        let p = pattern.to_ascii_lowercase();
        if !p.is_empty() && p.bytes().all(|b| b == b'*') {
            self.any = true;
            return;
        }
        if !p.contains(is_wild) {
            self.literals.insert(p.into_boxed_str());
            return;
        }
        match p.split_once(':') {
            Some((service, rest)) if !service.contains(is_wild) => {
                let entry = self.services.entry(service.into()).or_default();
                if rest.bytes().all(|b| b == b'*') {
                    // `rest` is not empty: the pattern has a wildcard and the service none.
                    entry.all = true;
                } else if let Some(prefix) = rest.strip_suffix('*')
                    && !prefix.contains(is_wild)
                {
                    entry.prefixes.insert(prefix.into());
                } else {
                    entry.globs.insert(Glob::new(rest, Case::Insensitive));
                }
            }
            _ => {
                self.general.insert(Glob::new(&p, Case::Insensitive));
            }
        }
    }

    /// Whether the set holds no pattern.
    pub fn is_empty(&self) -> bool {
        !self.any && self.literals.is_empty() && self.services.is_empty() && self.general.is_empty()
    }

    /// Whether some pattern matches `action` (`s3:GetObject`, in any case). The action need
    /// not be in the catalog.
    pub fn is_match(&self, action: &str) -> bool {
        if self.any {
            return true;
        }
        let lower = action.to_ascii_lowercase();
        if self.literals.contains(lower.as_str()) {
            return true;
        }
        if let Some((service, name)) = lower.split_once(':')
            && let Some(sp) = self.services.get(service)
            && (sp.all
                || sp.prefixes.iter().any(|p| name.starts_with(&**p))
                || sp.globs.iter().any(|g| g.matches_prepared(name)))
        {
            return true;
        }
        self.general.iter().any(|g| g.matches_prepared(&lower))
    }
}

impl Catalog {
    /// The actions that `pattern` matches: `*`, `s3:*`, `s3:Get*`, `*Object`,
    /// `s3:?etObject`, `*:Get*`, or a literal name, in any case.
    pub fn expand(&self, pattern: &str) -> ActionSet {
        self.expand_set(&PatternSet::from_patterns([pattern]))
    }

    /// The actions that any of `patterns` matches: what a statement's `Action` list grants.
    pub fn expand_all<I, S>(&self, patterns: I) -> ActionSet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.expand_set(&PatternSet::from_patterns(patterns))
    }

    /// The actions that none of `patterns` matches: what a statement's `NotAction` list
    /// grants.
    pub fn expand_not<I, S>(&self, patterns: I) -> ActionSet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.expand_all(patterns).complement()
    }

    /// The actions that any pattern of a compiled set matches.
    pub fn expand_set(&self, patterns: &PatternSet) -> ActionSet {
        if patterns.any {
            return self.full_set();
        }
        let mut out = self.empty_set();
        for literal in &patterns.literals {
            if let Some(action) = self.action(literal) {
                out.insert(action.id());
            }
        }
        for (prefix, sp) in &patterns.services {
            if let Some(service) = self.service(prefix) {
                expand_service(service, sp, &mut out);
            }
        }
        if !patterns.general.is_empty() {
            for action in self.actions() {
                let name = action.lower_full_name();
                if patterns.general.iter().any(|g| g.matches_prepared(name)) {
                    out.insert(action.id());
                }
            }
        }
        out
    }
}

fn expand_service(service: &Service, sp: &ServicePatterns, out: &mut ActionSet) {
    let ids = service.action_ids();
    if sp.all {
        out.insert_range(ids.start, ids.end);
        return;
    }
    let actions = service.actions();
    let mut covered: Option<&str> = None;
    for prefix in &sp.prefixes {
        // Sorted: a prefix that extends the last one used adds nothing.
        if covered.is_some_and(|c| prefix.starts_with(c)) {
            continue;
        }
        covered = Some(prefix);
        // Actions are sorted by lowercased name: those with the prefix are one run.
        let start = actions.partition_point(|a| a.lower_name() < &**prefix);
        let len = actions
            .get(start..)
            .unwrap_or_default()
            .partition_point(|a| a.lower_name().starts_with(&**prefix));
        let first = ids.start.saturating_add(start as u32);
        out.insert_range(first, first.saturating_add(len as u32));
    }
    if !sp.globs.is_empty() {
        for action in actions {
            let name = action.lower_name();
            if sp.globs.iter().any(|g| g.matches_prepared(name)) {
                out.insert(action.id());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_sorted_into_the_cheapest_form() {
        let set = PatternSet::from_patterns([
            "S3:GetObject",
            "s3:*",
            "ec2:Describe*",
            "ec2:*Instances",
            "*Object",
            "iam:",
            "s3?:x",
        ]);
        assert!(!set.any);
        assert!(set.literals.contains("s3:getobject"));
        assert!(set.literals.contains("iam:"));
        assert!(set.services.get("s3").is_some_and(|s| s.all));
        let ec2 = set.services.get("ec2").unwrap();
        assert!(ec2.prefixes.contains("describe"));
        assert_eq!(ec2.globs.len(), 1);
        assert_eq!(set.general.len(), 2);
        assert!(PatternSet::from_patterns(["**"]).any);
        assert!(PatternSet::new().is_empty());
    }

    #[test]
    fn is_match_agrees_with_single_globs() {
        let patterns = [
            "s3:Get*",
            "ec2:*Instances",
            "*:List*",
            "iam:PassRole",
            "kms:?ncrypt",
        ];
        let set = PatternSet::from_patterns(patterns);
        for text in [
            "s3:GetObject",
            "S3:GETBUCKETPOLICY",
            "s3:PutObject",
            "ec2:DescribeInstances",
            "ec2:DescribeImages",
            "sqs:ListQueues",
            "iam:passrole",
            "iam:PassRoles",
            "kms:Encrypt",
            "kms:ReEncrypt",
            "unknown",
            "",
        ] {
            let expected = patterns
                .iter()
                .any(|p| Glob::new(p, Case::Insensitive).is_match(text));
            assert_eq!(set.is_match(text), expected, "{text}");
        }
    }
}
