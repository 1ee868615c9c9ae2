//! Role chains: which roles a principal can reach by assuming roles, hop after hop. At each
//! hop the evaluator decides `sts:AssumeRole` with everything AWS uses — the caller's
//! identity policies, boundary and SCPs, the role's trust policy, the RCPs over the role's
//! account, across accounts both sides — from the session of the role reached before.
//!
//! Candidates at each hop come from an index of trust policies by the principals they
//! name (an ARN, an account, `*`), built once per model, so a hop costs one evaluation per
//! role that could trust the caller, not one per role of the snapshot.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use iamsnap_policy::{Effect, PrincipalKind, PrincipalType, classify_principal};

use crate::model::Model;
use crate::principal::Principal;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Roles by what their trust policies name: `arn:...` (a role or user ARN, as written),
/// `account:<id>` (an account), `*` (anyone), `unknown` (a trust policy the snapshot cannot
/// read: any caller may be trusted).
#[derive(Debug, Default)]
pub struct TrustIndex {
    by_key: FastMap<String, Vec<Arc<Principal>>>,
}

impl TrustIndex {
    fn candidates(&self, caller: &Principal) -> Vec<&Arc<Principal>> {
        let mut seen: HashSet<&str> = HashSet::new();
        let keys = [
            caller.arn.clone(),
            format!("account:{}", caller.account_id),
            "*".to_owned(),
            "unknown".to_owned(),
        ];
        let mut out = Vec::new();
        for key in keys {
            for role in self.by_key.get(&key).into_iter().flatten() {
                if seen.insert(role.arn.as_str()) {
                    out.push(role);
                }
            }
        }
        out.sort_by(|a, b| a.arn.cmp(&b.arn));
        out
    }
}

/// One role reached.
#[derive(Debug, Clone)]
pub struct Hop {
    /// Hops from the principal (1: it assumes the role directly).
    pub depth: usize,
    /// The role reached.
    pub role: Arc<Principal>,
    /// The principals of the chain, the starting principal first, the role last.
    pub path: Vec<String>,
    /// `allow`, or `unknown` when a hop depends on a document the snapshot lacks.
    pub decision: &'static str,
    /// The last hop's explanation.
    pub reason: String,
}

impl Model {
    /// The index of trust policies, built on first use.
    pub fn trust_index(&self) -> &TrustIndex {
        self.trust_index.get_or_init(|| {
            let mut index = TrustIndex::default();
            for role in self.principals() {
                if role.principal_type != iamsnap_policy::Requester::Role || role.service_linked {
                    continue;
                }
                let Some(doc) = self.trust_policy(&role.arn) else {
                    continue;
                };
                let mut keys: HashSet<String> = HashSet::new();
                match doc.document() {
                    None => {
                        keys.insert("unknown".to_owned());
                    }
                    Some(d) => {
                        for s in &d.statements {
                            if s.effect != Effect::Allow {
                                continue;
                            }
                            // `NotPrincipal` in an allow trusts everyone it does not name.
                            if s.not_principal.is_some() {
                                keys.insert("*".to_owned());
                            }
                            for (ty, value) in s.principal.iter().flat_map(|p| p.entries.iter()) {
                                let info = classify_principal(*ty, value);
                                match (ty, info.kind) {
                                    (PrincipalType::Wildcard, _) | (_, PrincipalKind::Anyone) => {
                                        keys.insert("*".to_owned());
                                    }
                                    (PrincipalType::Aws, PrincipalKind::Account) => {
                                        if let Some(a) = info.account {
                                            keys.insert(format!("account:{a}"));
                                        }
                                    }
                                    (PrincipalType::Aws, _) => {
                                        keys.insert(value.clone());
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                for key in keys {
                    index.by_key.entry(key).or_default().push(Arc::clone(role));
                }
            }
            index
        })
    }

    /// The roles `start` can reach by assuming roles, breadth first up to `max_depth`
    /// hops, each once (by its shortest chain); cycles end where they close. `keep_going`
    /// is asked between hops and stops the search when false.
    pub fn assume_paths(
        &self,
        start: &Arc<Principal>,
        max_depth: usize,
        mut keep_going: impl FnMut() -> bool,
    ) -> Vec<Hop> {
        let index = self.trust_index();
        let mut out: Vec<Hop> = Vec::new();
        let mut visited: HashSet<String> = HashSet::from([start.arn.clone()]);
        let mut queue: VecDeque<(Arc<Principal>, Vec<String>, bool)> =
            VecDeque::from([(Arc::clone(start), vec![start.arn.clone()], false)]);
        while let Some((caller, path, unsure)) = queue.pop_front() {
            if path.len() > max_depth || !keep_going() {
                continue;
            }
            for role in index.candidates(&caller) {
                if visited.contains(&role.arn) {
                    continue;
                }
                let verdict = self.evaluate(&caller, "sts:AssumeRole", &role.arn, &[]);
                let allowed = verdict.allowed();
                if allowed == Some(false) {
                    continue;
                }
                visited.insert(role.arn.clone());
                let unsure = unsure || allowed.is_none();
                let mut chain = path.clone();
                chain.push(role.arn.clone());
                out.push(Hop {
                    depth: chain.len() - 1,
                    role: Arc::clone(role),
                    path: chain.clone(),
                    decision: if unsure { "unknown" } else { "allow" },
                    reason: verdict.explain(),
                });
                queue.push_back((Arc::clone(role), chain, unsure));
            }
        }
        out
    }
}
