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
    /// The roles that could trust `caller`. Without a statement of its own that may allow
    /// `sts:AssumeRole` (`may_assume` false), only a role of its own account whose trust
    /// policy names it or anyone can let it in: across accounts, and through a trust in its
    /// account, the caller's own policies must allow too.
    fn candidates(&self, caller: &Principal, may_assume: bool) -> Vec<&Arc<Principal>> {
        let mut seen: HashSet<&str> = HashSet::new();
        let keys = if may_assume {
            [
                caller.arn.clone(),
                format!("account:{}", caller.account_id),
                "*".to_owned(),
                "unknown".to_owned(),
            ]
        } else {
            [
                caller.arn.clone(),
                format!("*@{}", caller.account_id),
                format!("unknown@{}", caller.account_id),
                String::new(),
            ]
        };
        let mut out = Vec::new();
        for key in keys {
            for role in self.by_key.get(&key).into_iter().flatten() {
                if !may_assume && role.account_id != caller.account_id {
                    continue;
                }
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
                    // Anyone and unknown trust also by account, for callers that only a
                    // role of their own account can let in.
                    if key == "*" || key == "unknown" {
                        index
                            .by_key
                            .entry(format!("{key}@{}", role.account_id))
                            .or_default()
                            .push(Arc::clone(role));
                    }
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
        keep_going: impl FnMut() -> bool,
    ) -> Vec<Hop> {
        self.walk(start, max_depth, keep_going, |_| true)
    }

    /// The shortest chain (up to `max_depth` hops) by which `start` reaches, assuming roles,
    /// a role whose own documents allow everything (`is_admin`): an admin path, whatever
    /// `start` itself may do. Only allowed hops count: a chain through a hop the snapshot
    /// cannot decide is no path. `Err` when the admin question of a role reached depends
    /// on a document the snapshot lacks and no other chain settles it.
    pub fn admin_path(
        &self,
        start: &Arc<Principal>,
        max_depth: usize,
        keep_going: impl FnMut() -> bool,
    ) -> Result<Option<Hop>, String> {
        let mut found: Option<Hop> = None;
        let mut unknown: Option<String> = None;
        self.walk(start, max_depth, keep_going, |hop| {
            if hop.decision != "allow" {
                return true;
            }
            match hop.role.is_admin() {
                Ok(Some(true)) => {
                    found = Some(hop.clone());
                    false
                }
                Ok(Some(false)) => true,
                Ok(None) => {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "whether {} is admin depends on a document the snapshot lacks",
                            hop.role.arn
                        )
                    });
                    true
                }
                Err(e) => {
                    unknown.get_or_insert(e);
                    true
                }
            }
        });
        match (found, unknown) {
            (Some(hop), _) => Ok(Some(hop)),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(None),
        }
    }

    /// Breadth first from `start`: each hop reached is handed to `on_hop`, which says
    /// whether to go on.
    fn walk(
        &self,
        start: &Arc<Principal>,
        max_depth: usize,
        mut keep_going: impl FnMut() -> bool,
        mut on_hop: impl FnMut(&Hop) -> bool,
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
            let may_assume = caller.may_allow("sts:AssumeRole");
            for role in index.candidates(&caller, may_assume) {
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
                let hop = Hop {
                    depth: chain.len() - 1,
                    role: Arc::clone(role),
                    path: chain.clone(),
                    decision: if unsure { "unknown" } else { "allow" },
                    reason: verdict.explain(),
                };
                let go_on = on_hop(&hop);
                out.push(hop);
                if !go_on {
                    return out;
                }
                queue.push_back((Arc::clone(role), chain, unsure));
            }
        }
        out
    }
}
