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

use iamsnap_policy::{ContextValue, Effect, PrincipalKind, PrincipalType, classify_principal};

use crate::model::Model;
use crate::principal::Principal;
use crate::verdict::Verdict;

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

/// How many hops an admin path may have.
pub const ADMIN_PATH_HOPS: usize = 5;

/// The shortest chains of the snapshot's principals to admin roles ([`Model::admin_paths`]).
#[derive(Debug, Default)]
pub struct AdminPaths {
    /// The admin roles and every principal with a chain to one.
    reached: HashSet<String>,
    /// For a principal with a chain: the next role of it and the chain's length.
    next: FastMap<String, (Arc<Principal>, usize)>,
}

impl AdminPaths {
    /// The chain from `arn` to an admin role (ARNs, `arn` first), if it has one; `None` for
    /// an admin role itself and for a principal without a chain.
    pub fn chain(&self, arn: &str) -> Option<Vec<String>> {
        let mut chain = vec![arn.to_owned()];
        let mut at = arn;
        while let Some((next, _)) = self.next.get(at) {
            chain.push(next.arn.clone());
            at = &next.arn;
            if chain.len() > ADMIN_PATH_HOPS + 1 {
                break;
            }
        }
        (chain.len() > 1).then_some(chain)
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
        self.walk(start, max_depth, keep_going)
    }

    /// The shortest chain of roles (up to [`ADMIN_PATH_HOPS`] hops, found as
    /// [`Model::assume_paths`] finds them) by which `start`, assuming roles, reaches a role
    /// that may perform `action` on `resource` ([`Model::evaluate`]): the chain (the
    /// principal first, that role last) and that role's verdict. `None` when `start` may
    /// itself (the access comes through no chain) or when no allowed chain reaches such a
    /// role. `keep_going` is asked between hops.
    pub fn access_via(
        &self,
        start: &Arc<Principal>,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
        keep_going: impl FnMut() -> bool,
    ) -> Option<(Vec<String>, Verdict)> {
        if self.evaluate(start, action, resource, extra).allowed() == Some(true) {
            return None;
        }
        self.walk(start, ADMIN_PATH_HOPS, keep_going)
            .into_iter()
            .filter(|hop| hop.decision == "allow")
            .find_map(|hop| {
                let verdict = self.evaluate(&hop.role, action, resource, extra);
                (verdict.allowed() == Some(true)).then_some((hop.path, verdict))
            })
    }

    /// Every principal's shortest chain (up to [`ADMIN_PATH_HOPS`] hops) to a role whose
    /// own documents allow everything (`is_admin`), found once for the whole snapshot by
    /// searching backwards from the admin roles: at each level, the principals each
    /// role's trust policy names (an ARN, the principals of an account, anyone) that may
    /// assume it — decided by the evaluator as in [`Model::assume_paths`]. Only allowed
    /// hops count. `None` when `keep_going` stopped the search (nothing is kept then).
    pub fn admin_paths(&self, mut keep_going: impl FnMut() -> bool) -> Option<Arc<AdminPaths>> {
        if let Some(done) = self.admin_paths.get() {
            return Some(Arc::clone(done));
        }
        let assume = "sts:AssumeRole";
        let mut by_account: FastMap<&str, Vec<&Arc<Principal>>> = FastMap::default();
        let mut assumers: Vec<&Arc<Principal>> = Vec::new();
        for p in self.principals() {
            by_account.entry(p.account_id.as_str()).or_default().push(p);
            if p.may_allow(assume) {
                assumers.push(p);
            }
        }
        let mut paths = AdminPaths::default();
        // Only a role whose trust policy names a user, role, account or anyone (the trust
        // index holds these) can be assumed by a principal of the snapshot: the admin
        // question is asked of those alone, not of every role a service assumes.
        let assumable: HashSet<&str> = self
            .trust_index()
            .by_key
            .values()
            .flatten()
            .map(|r| r.arn.as_str())
            .collect();
        let mut frontier: Vec<Arc<Principal>> = Vec::new();
        for p in self.principals() {
            if assumable.contains(p.arn.as_str()) && p.is_admin() == Ok(Some(true)) {
                paths.reached.insert(p.arn.clone());
                frontier.push(Arc::clone(p));
            }
        }
        for depth in 1..=ADMIN_PATH_HOPS {
            let mut next_frontier = Vec::new();
            for role in &frontier {
                if !keep_going() {
                    return None;
                }
                let Some(document) = self.trust_policy(&role.arn).and_then(|d| d.document()) else {
                    continue;
                };
                // Across accounts the caller's own policies must allow too.
                let may = |caller: &Principal| {
                    caller.account_id == role.account_id || caller.may_allow(assume)
                };
                let mut callers: Vec<&Arc<Principal>> = Vec::new();
                for s in &document.statements {
                    if s.effect != Effect::Allow {
                        continue;
                    }
                    let mut anyone = s.not_principal.is_some();
                    for (ty, value) in s.principal.iter().flat_map(|p| p.entries.iter()) {
                        let info = classify_principal(*ty, value);
                        match (ty, info.kind) {
                            (PrincipalType::Wildcard, _) | (_, PrincipalKind::Anyone) => {
                                anyone = true;
                            }
                            (PrincipalType::Aws, PrincipalKind::Account) => {
                                if let Some(a) = info.account {
                                    callers
                                        .extend(by_account.get(a.as_str()).into_iter().flatten());
                                }
                            }
                            (PrincipalType::Aws, _) => callers.extend(self.principal(value)),
                            _ => {}
                        }
                    }
                    if anyone {
                        callers.extend(
                            by_account
                                .get(role.account_id.as_str())
                                .into_iter()
                                .flatten(),
                        );
                        callers.extend(assumers.iter());
                    }
                }
                for caller in callers {
                    if paths.reached.contains(&caller.arn) || !may(caller) {
                        continue;
                    }
                    if self.evaluate(caller, assume, &role.arn, &[]).allowed() != Some(true) {
                        continue;
                    }
                    paths.reached.insert(caller.arn.clone());
                    paths
                        .next
                        .insert(caller.arn.clone(), (Arc::clone(role), depth));
                    if caller.principal_type == iamsnap_policy::Requester::Role {
                        next_frontier.push(Arc::clone(caller));
                    }
                }
            }
            frontier = next_frontier;
            if frontier.is_empty() {
                break;
            }
        }
        Some(Arc::clone(self.admin_paths.get_or_init(|| Arc::new(paths))))
    }

    /// Breadth first from `start`.
    fn walk(
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
                out.push(hop);
                queue.push_back((Arc::clone(role), chain, unsure));
            }
        }
        out
    }
}
