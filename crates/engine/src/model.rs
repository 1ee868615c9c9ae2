//! The principals of a snapshot with their policies compiled for evaluation.
//!
//! Built once per engine, on first use (by `can`, `explain` or a scan of `permissions`),
//! from the `users`, `roles`, `attachments` and `policies` tables, and shared by everything
//! that evaluates access: every document is parsed and compiled once, never per row.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use arrow::array::{Array, AsArray, MapArray, RecordBatch, StringArray};
use datafusion::error::DataFusionError;
use datafusion::execution::context::SessionContext;
use iamsnap_catalog::Catalog;
use iamsnap_policy::escalation::possible_escalations;
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, Evaluation, ImplicitDenyReason,
    PolicyDocument, PolicySet, RequestRef, StatementRef, evaluate_ref, parse_document_text,
};
use iamsnap_snapshot::Snapshot;

/// A hash map with a fast hash: keys are ARNs and policy keys from the snapshot.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The model of one snapshot, built on first use.
#[derive(Debug)]
pub(crate) struct SharedModel {
    snapshot: Snapshot,
    cell: OnceLock<Result<Arc<Model>, String>>,
    /// Set when the running query is cancelled: every function and table that evaluates
    /// asks for the model before each batch, and then stops the query.
    cancelled: Arc<AtomicBool>,
}

impl SharedModel {
    /// The model of `snapshot`, built on the first [`SharedModel::get`].
    pub(crate) fn new(snapshot: Snapshot, cancelled: Arc<AtomicBool>) -> Self {
        Self {
            snapshot,
            cell: OnceLock::new(),
            cancelled,
        }
    }

    /// An error once the running query is cancelled: long loops over rows ask it as they go.
    pub(crate) fn check_cancelled(&self) -> Result<(), DataFusionError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(DataFusionError::Execution(
                "the query was cancelled".to_owned(),
            ));
        }
        Ok(())
    }

    /// The model, building it on the first call; an error once the query is cancelled.
    pub(crate) fn get(&self) -> Result<Arc<Model>, DataFusionError> {
        self.check_cancelled()?;
        self.cell
            .get_or_init(|| Model::build(&self.snapshot).map(Arc::new))
            .clone()
            .map_err(DataFusionError::Execution)
    }
}

/// The model shared by every function and table of `ctx`: created on the first call (it
/// lives in the session's configuration), built on the first evaluation.
pub(crate) fn shared(
    ctx: &SessionContext,
    snapshot: &Snapshot,
    cancelled: &Arc<AtomicBool>,
) -> Arc<SharedModel> {
    let state = ctx.state_ref();
    let mut state = state.write();
    if let Some(model) = state.config().get_extension::<SharedModel>() {
        return model;
    }
    let model = Arc::new(SharedModel::new(snapshot.clone(), Arc::clone(cancelled)));
    state.config_mut().set_extension(Arc::clone(&model));
    model
}

/// `user` or `role`: the principals that make requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalType {
    User,
    Role,
}

impl PrincipalType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }
}

/// A policy in force for a principal, as `permissions` lists it.
#[derive(Debug)]
pub(crate) struct AttachedPolicy {
    pub(crate) key: String,
    pub(crate) name: String,
    /// The group it is inherited from, if any.
    pub(crate) via_group: Option<String>,
    /// Null when the snapshot lacks the document or it cannot be read.
    pub(crate) document: Option<Arc<PolicyDocument>>,
}

/// The permissions boundary of a principal.
#[derive(Debug)]
pub(crate) enum Boundary {
    None,
    Known(CompiledPolicy),
    /// Set, but its document is not in the snapshot: it may restrict anything.
    Unknown(String),
}

/// A user or role, ready for evaluation.
#[derive(Debug)]
pub(crate) struct Principal {
    pub(crate) account_id: String,
    pub(crate) principal_type: PrincipalType,
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) policies: Vec<AttachedPolicy>,
    identity: Vec<CompiledPolicy>,
    /// Keys of identity policies without a readable document.
    unknown_identity: Vec<String>,
    boundary: Boundary,
    context: Context,
    /// Whether every catalog action is allowed on `*`, computed on first use.
    admin: OnceLock<Option<bool>>,
    /// The privilege-escalation methods it can use, computed on first use.
    escalations: OnceLock<Vec<String>>,
}

/// The outcome of `can`/`explain` for one request.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// What AWS decides.
    Known(Evaluation),
    /// The snapshot lacks a document that could change the decision; `partial` is the
    /// decision without it.
    Unknown { reason: String, partial: Evaluation },
}

impl Verdict {
    /// `Some(true)` for allow, `Some(false)` for deny, `None` when unknown.
    pub(crate) fn allowed(&self) -> Option<bool> {
        match self {
            Self::Known(e) => Some(e.decision == Decision::Allow),
            Self::Unknown { .. } => None,
        }
    }

    /// The decision and the statements that made it, in one line.
    pub(crate) fn explain(&self) -> String {
        match self {
            Self::Known(e) => describe(e),
            Self::Unknown { reason, partial } => {
                format!("unknown: {reason}; without it: {}", describe(partial))
            }
        }
    }
}

fn statement_text(s: &StatementRef) -> String {
    let mut out = format!(
        "{} policy {} statement {}",
        s.kind.as_str(),
        s.policy,
        s.index
    );
    if let Some(sid) = &s.sid {
        out.push_str(&format!(" ({sid})"));
    }
    out
}

fn describe(e: &Evaluation) -> String {
    let statements = || {
        e.statements
            .iter()
            .map(statement_text)
            .collect::<Vec<_>>()
            .join("; ")
    };
    match e.decision {
        Decision::Allow => format!("allow: {}", statements()),
        Decision::ExplicitDeny => format!("explicit deny: {}", statements()),
        Decision::ImplicitDeny => {
            let why = match e.implicit_deny {
                Some(ImplicitDenyReason::PermissionsBoundary) => {
                    "the identity policies allow it but the permissions boundary does not"
                        .to_owned()
                }
                Some(ImplicitDenyReason::SessionPolicy) => {
                    "the identity policies allow it but the session policy does not".to_owned()
                }
                Some(ImplicitDenyReason::ServiceControl(level)) => {
                    format!("no service control policy at level {level} allows it")
                }
                Some(ImplicitDenyReason::ResourceControl(level)) => {
                    format!("no resource control policy at level {level} allows it")
                }
                Some(ImplicitDenyReason::CrossAccountResourcePolicy) => {
                    "the resource is in another account and no resource policy of it is in the snapshot"
                        .to_owned()
                }
                Some(ImplicitDenyReason::ResourcePolicyTrust) => {
                    "the resource policy does not trust the principal's account".to_owned()
                }
                Some(ImplicitDenyReason::CrossAccountIdentity)
                | Some(ImplicitDenyReason::NoAllow)
                | None => "no policy allows it".to_owned(),
            };
            format!("implicit deny: {why}")
        }
    }
}

/// An ARN of the format `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}` that no
/// policy names: partition `aws`, region `us-east-1`, the account, and every other variable
/// `iamsnap-any-resource`.
pub(crate) fn any_arn(format: &str, account: &str) -> String {
    let mut out = String::with_capacity(format.len() + 32);
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return out;
        };
        out.push_str(match after.get(..end).unwrap_or_default() {
            "Partition" => "aws",
            "Region" => "us-east-1",
            "Account" => account,
            _ => "iamsnap-any-resource",
        });
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The resources `can_any` asks about for `action` in `account`: an ARN of each of the
/// action's resource types that no policy names; none (so `*`) for an action without
/// resource types or unknown to the catalog.
pub(crate) fn any_arns(action: &str, account: &str) -> Vec<String> {
    Catalog::embedded()
        .ok()
        .and_then(|c| c.action(action))
        .map(|a| {
            a.resource_types()
                .iter()
                .map(|t| any_arn(t.arn_format(), account))
                .collect()
        })
        .unwrap_or_default()
}

/// The account id in an ARN, when it has a 12-digit one.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

impl Principal {
    /// Evaluates `action` on `resource` with the principal's policies; `extra` adds to or
    /// overrides the principal's own context keys.
    pub(crate) fn evaluate(
        &self,
        action: &str,
        resource: &str,
        extra: &[(String, ContextValue)],
    ) -> Verdict {
        // The principal's own keys are borrowed; a copy only when the caller adds some.
        let extended;
        let context = if extra.is_empty() {
            &self.context
        } else {
            let mut c = self.context.clone();
            for (key, value) in extra {
                c.insert(key, value.clone());
            }
            extended = c;
            &extended
        };
        let request = RequestRef {
            principal: &self.arn,
            principal_account: &self.account_id,
            action,
            resource,
            resource_account: arn_account(resource).unwrap_or(&self.account_id),
            context,
        };
        let boundary = match &self.boundary {
            Boundary::Known(b) => Some(b),
            Boundary::None | Boundary::Unknown(_) => None,
        };
        let set = PolicySet {
            identity: &self.identity,
            permissions_boundary: boundary,
            ..PolicySet::default()
        };
        let evaluation = evaluate_ref(&request, &set);
        // An explicit deny stands whatever the missing documents say; otherwise a missing
        // identity policy could allow or deny, and a missing boundary could only take an
        // allow away.
        if evaluation.decision == Decision::ExplicitDeny {
            return Verdict::Known(evaluation);
        }
        if let Some(key) = self.unknown_identity.first() {
            return Verdict::Unknown {
                reason: format!("identity policy {key} has no readable document in the snapshot"),
                partial: evaluation,
            };
        }
        if let (Decision::Allow, Boundary::Unknown(arn)) = (evaluation.decision, &self.boundary) {
            return Verdict::Unknown {
                reason: format!("permissions boundary {arn} is not in the snapshot"),
                partial: evaluation,
            };
        }
        Verdict::Known(evaluation)
    }
}

/// Actions of unrelated services: a principal denied one of them on `*` is no admin.
const ADMIN_SENTINELS: [&str; 5] = [
    "iam:CreateUser",
    "ec2:RunInstances",
    "s3:DeleteBucket",
    "kms:ScheduleKeyDeletion",
    "organizations:LeaveOrganization",
];

impl Principal {
    fn policy_set(&self) -> PolicySet<'_> {
        let boundary = match &self.boundary {
            Boundary::Known(b) => Some(b),
            Boundary::None | Boundary::Unknown(_) => None,
        };
        PolicySet {
            identity: &self.identity,
            permissions_boundary: boundary,
            ..PolicySet::default()
        }
    }

    /// Whether the principal is admin-equivalent: allowed every action of the catalog on
    /// `*`. `None` when that depends on a document the snapshot lacks.
    pub(crate) fn is_admin(&self) -> Result<Option<bool>, String> {
        if let Some(known) = self.admin.get() {
            return Ok(*known);
        }
        // Most principals are not admins: a few actions every admin has settle that fast.
        for action in ADMIN_SENTINELS {
            if self.evaluate(action, "*", &[]).allowed() == Some(false) {
                return Ok(*self.admin.get_or_init(|| Some(false)));
            }
        }
        let catalog = Catalog::embedded().map_err(|e| e.to_string())?;
        // The evaluator sees an action only through the patterns of the policies, so the
        // actions that match the same patterns form a class decided alike: evaluating one
        // action per class decides every action of the catalog.
        let mut classes = vec![catalog.full_set()];
        let boundary = match &self.boundary {
            Boundary::Known(b) => Some(b),
            Boundary::None | Boundary::Unknown(_) => None,
        };
        for policy in self.identity.iter().chain(boundary) {
            for pattern in policy.action_patterns() {
                let matched = catalog.expand(pattern);
                let mut next = Vec::with_capacity(classes.len() * 2);
                for class in classes {
                    let inside = class.intersection(&matched);
                    let outside = class.difference(&matched);
                    if !inside.is_empty() {
                        next.push(inside);
                    }
                    if !outside.is_empty() {
                        next.push(outside);
                    }
                }
                classes = next;
            }
        }
        let mut answer = Some(true);
        for class in &classes {
            let Some(action) = class.iter().next().and_then(|id| catalog.action_by_id(id)) else {
                continue;
            };
            match self.evaluate(action.full_name(), "*", &[]).allowed() {
                Some(true) => {}
                Some(false) => {
                    answer = Some(false);
                    break;
                }
                None => answer = None,
            }
        }
        Ok(*self.admin.get_or_init(|| answer))
    }

    /// Evaluates `action` on resources that no policy names specifically: for each of the
    /// action's resource types, an ARN in the principal's account (catalog ARN format, with
    /// names no real resource has), or `*` when the action takes no resource. The first
    /// allow wins (the action is granted on every resource of that type the wildcards
    /// cover: `*`, `arn:aws:iam::*:role/*` or `arn:aws:iam::<account>:role/*` alike);
    /// otherwise an unknown verdict, otherwise the last deny.
    pub(crate) fn evaluate_any(&self, action: &str, extra: &[(String, ContextValue)]) -> Verdict {
        self.evaluate_on(action, &any_arns(action, &self.account_id), extra)
    }

    /// [`Principal::evaluate_any`] on the ARNs [`any_arns`] gave for the action and the
    /// principal's account (callers asking for many principals compute them once).
    pub(crate) fn evaluate_on(
        &self,
        action: &str,
        arns: &[String],
        extra: &[(String, ContextValue)],
    ) -> Verdict {
        let mut fallback = None;
        for arn in arns {
            let verdict = self.evaluate(action, arn, extra);
            match verdict.allowed() {
                Some(true) => return verdict,
                None => fallback = Some(verdict),
                Some(false) => {
                    if !matches!(fallback, Some(Verdict::Unknown { .. })) {
                        fallback = Some(verdict);
                    }
                }
            }
        }
        fallback.unwrap_or_else(|| self.evaluate(action, "*", extra))
    }

    /// The ids of the privilege-escalation methods the principal can use on resources of
    /// its own account (condition- and deny-aware), sorted.
    pub(crate) fn escalations(&self) -> &[String] {
        self.escalations.get_or_init(|| {
            let mut ids: Vec<String> = possible_escalations(
                &self.arn,
                &self.account_id,
                &self.policy_set(),
                &self.context,
            )
            .into_iter()
            .map(|f| f.method.id.clone())
            .collect();
            ids.sort();
            ids.dedup();
            ids
        })
    }
}

/// Every user and role of a snapshot.
#[derive(Debug)]
pub(crate) struct Model {
    by_arn: FastMap<String, Arc<Principal>>,
    /// Users then roles, each by ARN.
    principals: Vec<Arc<Principal>>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a StringArray, String> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| format!("the snapshot has no text column `{name}`"))
}

fn value(column: &StringArray, row: usize) -> Option<&str> {
    (!column.is_null(row)).then(|| column.value(row))
}

fn tags(batch: &RecordBatch, row: usize) -> Vec<(String, String)> {
    let Some(map) = batch
        .column_by_name("tags")
        .and_then(|c| c.as_any().downcast_ref::<MapArray>())
    else {
        return Vec::new();
    };
    if map.is_null(row) {
        return Vec::new();
    }
    let entries = map.value(row);
    let (Some(keys), Some(values)) = (
        entries
            .column_by_name("keys")
            .and_then(|c| c.as_string_opt::<i32>()),
        entries
            .column_by_name("values")
            .and_then(|c| c.as_string_opt::<i32>()),
    ) else {
        return Vec::new();
    };
    (0..keys.len())
        .filter_map(|i| Some((value(keys, i)?.to_owned(), value(values, i)?.to_owned())))
        .collect()
}

impl Model {
    fn build(snapshot: &Snapshot) -> Result<Self, String> {
        let read = |name: &str| snapshot.read_table(name).map_err(|e| e.to_string());
        let policies = read("policies")?;
        // Every document parsed and compiled once, on every core.
        let documents: FastMap<String, Option<(Arc<PolicyDocument>, CompiledPolicy)>> = {
            let keys = column(&policies, "policy_key")?;
            let docs = column(&policies, "document")?;
            let rows: Vec<(&str, Option<&str>)> = (0..policies.num_rows())
                .filter_map(|row| Some((value(keys, row)?, value(docs, row))))
                .collect();
            let parse = |part: &[(&str, Option<&str>)]| {
                part.iter()
                    .map(|(key, text)| {
                        let doc = text.and_then(|t| parse_document_text(t).ok()).map(|d| {
                            let compiled = CompiledPolicy::new(*key, &d);
                            (Arc::new(d), compiled)
                        });
                        ((*key).to_owned(), doc)
                    })
                    .collect::<Vec<_>>()
            };
            let threads = std::thread::available_parallelism().map_or(1, usize::from);
            let chunk = rows.len().div_ceil(threads).max(1);
            std::thread::scope(|scope| {
                let handles: Vec<_> = rows
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || parse(part)))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        };
        let document = |key: &str| documents.get(key).and_then(Option::as_ref);

        let attachments = read("attachments")?;
        let mut attached: FastMap<String, Vec<(String, String, Option<String>)>> =
            FastMap::default();
        {
            let arns = column(&attachments, "principal_arn")?;
            let types = column(&attachments, "principal_type")?;
            let keys = column(&attachments, "policy_key")?;
            let names = column(&attachments, "policy_name")?;
            let groups = column(&attachments, "via_group_name")?;
            for row in 0..attachments.num_rows() {
                if value(types, row) == Some("group") {
                    continue;
                }
                let (Some(arn), Some(key), Some(name)) =
                    (value(arns, row), value(keys, row), value(names, row))
                else {
                    continue;
                };
                attached.entry(arn.to_owned()).or_default().push((
                    key.to_owned(),
                    name.to_owned(),
                    value(groups, row).map(str::to_owned),
                ));
            }
        }

        let mut principals = Vec::new();
        for (table, principal_type) in [
            ("users", PrincipalType::User),
            ("roles", PrincipalType::Role),
        ] {
            let batch = read(table)?;
            let accounts = column(&batch, "account_id")?;
            let arns = column(&batch, "arn")?;
            let names = column(&batch, "name")?;
            let boundaries = column(&batch, "permissions_boundary_arn")?;
            let mut rows: Vec<Principal> = Vec::new();
            for row in 0..batch.num_rows() {
                let (Some(account_id), Some(arn), Some(name)) =
                    (value(accounts, row), value(arns, row), value(names, row))
                else {
                    continue;
                };
                let mut policies = Vec::new();
                let mut identity = Vec::new();
                let mut unknown_identity = Vec::new();
                for (key, name, via_group) in attached.remove(arn).unwrap_or_default() {
                    let found = document(&key);
                    match found {
                        Some((_, compiled)) => identity.push(compiled.clone()),
                        None => unknown_identity.push(key.clone()),
                    }
                    policies.push(AttachedPolicy {
                        key,
                        name,
                        via_group,
                        document: found.map(|(doc, _)| Arc::clone(doc)),
                    });
                }
                let boundary = match value(boundaries, row) {
                    None => Boundary::None,
                    Some(b) => match document(b) {
                        Some((_, compiled)) => Boundary::Known(compiled.clone()),
                        None => Boundary::Unknown(b.to_owned()),
                    },
                };
                let context =
                    principal_context(principal_type, arn, account_id, name, &tags(&batch, row));
                rows.push(Principal {
                    account_id: account_id.to_owned(),
                    principal_type,
                    arn: arn.to_owned(),
                    name: name.to_owned(),
                    policies,
                    identity,
                    unknown_identity,
                    boundary,
                    context,
                    admin: OnceLock::new(),
                    escalations: OnceLock::new(),
                });
            }
            rows.sort_by(|a, b| a.arn.cmp(&b.arn));
            principals.extend(rows.into_iter().map(Arc::new));
        }
        let by_arn = principals
            .iter()
            .map(|p| (p.arn.clone(), Arc::clone(p)))
            .collect();
        Ok(Self { by_arn, principals })
    }

    /// The user or role with this ARN.
    pub(crate) fn principal(&self, arn: &str) -> Option<&Arc<Principal>> {
        self.by_arn.get(arn)
    }

    /// Every user, then every role, each in ARN order.
    pub(crate) fn principals(&self) -> &[Arc<Principal>] {
        &self.principals
    }
}

/// The global condition keys AWS sets from the principal: `aws:PrincipalArn`,
/// `aws:PrincipalAccount`, `aws:username` (users) and
/// `aws:PrincipalTag/<key>`.
pub(crate) fn principal_context(
    principal_type: PrincipalType,
    arn: &str,
    account_id: &str,
    name: &str,
    tags: &[(String, String)],
) -> Context {
    let mut context = Context::default();
    let single = |v: &str| ContextValue::Single(v.to_owned());
    context.insert("aws:PrincipalArn", single(arn));
    context.insert("aws:PrincipalAccount", single(account_id));
    if principal_type == PrincipalType::User {
        context.insert("aws:username", single(name));
    }
    for (key, value) in tags {
        context.insert(&format!("aws:PrincipalTag/{key}"), single(value));
    }
    context
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn principal(policy: &str, boundary: Boundary, unknown: &[&str]) -> Principal {
        let doc = parse_document_text(policy).unwrap();
        Principal {
            account_id: "111122223333".to_owned(),
            principal_type: PrincipalType::Role,
            arn: "arn:aws:iam::111122223333:role/r".to_owned(),
            name: "r".to_owned(),
            policies: Vec::new(),
            identity: vec![CompiledPolicy::new("p", &doc)],
            unknown_identity: unknown.iter().map(|s| (*s).to_owned()).collect(),
            boundary,
            context: Context::default(),
            admin: OnceLock::new(),
            escalations: OnceLock::new(),
        }
    }

    const ALLOW_ALL_DENY_IAM: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;

    #[test]
    fn a_missing_boundary_makes_an_allow_unknown_but_not_a_deny() {
        let p = principal(
            ALLOW_ALL_DENY_IAM,
            Boundary::Unknown("arn:aws:iam::111122223333:policy/b".to_owned()),
            &[],
        );
        let allow = p.evaluate("s3:GetObject", "*", &[]);
        assert_eq!(allow.allowed(), None);
        assert!(allow.explain().starts_with(
            "unknown: permissions boundary arn:aws:iam::111122223333:policy/b is not in the snapshot; without it: allow"
        ));
        assert_eq!(p.evaluate("iam:PassRole", "*", &[]).allowed(), Some(false));
    }

    #[test]
    fn a_missing_identity_document_leaves_only_explicit_denies_known() {
        let p = principal(ALLOW_ALL_DENY_IAM, Boundary::None, &["k"]);
        assert_eq!(p.evaluate("s3:GetObject", "*", &[]).allowed(), None);
        assert_eq!(p.evaluate("iam:PassRole", "*", &[]).allowed(), Some(false));
    }

    #[test]
    fn the_resource_account_comes_from_the_arn() {
        assert_eq!(
            arn_account("arn:aws:iam::444455556666:role/x"),
            Some("444455556666")
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket/key"), None);
        assert_eq!(arn_account("*"), None);
    }

    /// Every catalog action on `*`, one by one: the definition `is_admin` computes faster.
    fn brute_force_admin(p: &Principal) -> Option<bool> {
        let catalog = Catalog::embedded().unwrap();
        let mut answer = Some(true);
        for action in catalog.actions() {
            match p.evaluate(action.full_name(), "*", &[]).allowed() {
                Some(true) => {}
                Some(false) => return Some(false),
                None => answer = None,
            }
        }
        answer
    }

    #[test]
    fn is_admin_agrees_with_evaluating_every_action() {
        let doc =
            |statements: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        let cases = [
            (
                doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
                true,
            ),
            (ALLOW_ALL_DENY_IAM.to_owned(), false),
            (
                doc(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
                false,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},{"Effect":"Allow","Action":"IAM:*","Resource":"*"}"#,
                ),
                true,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}"#,
                ),
                false,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::x"}"#,
                ),
                true,
            ),
            (
                doc(r#"{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}"#),
                false,
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#,
                ),
                false,
            ),
        ];
        for (policy, expected) in cases {
            let p = principal(&policy, Boundary::None, &[]);
            assert_eq!(p.is_admin().unwrap(), Some(expected), "{policy}");
            assert_eq!(brute_force_admin(&p), Some(expected), "{policy}");
        }
        // A boundary that stops short of everything makes no admin.
        let boundary = parse_document_text(&doc(
            r#"{"Effect":"Allow","NotAction":"organizations:*","Resource":"*"}"#,
        ))
        .unwrap();
        let p = principal(
            &doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            Boundary::Known(CompiledPolicy::new("b", &boundary)),
            &[],
        );
        assert_eq!(p.is_admin().unwrap(), Some(false));
        assert_eq!(brute_force_admin(&p), Some(false));
        // Unknown documents leave the answer unknown unless a deny settles it.
        let p = principal(
            &doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            Boundary::None,
            &["k"],
        );
        assert_eq!(p.is_admin().unwrap(), None);
    }

    #[test]
    fn any_resource_arns_fill_the_catalog_format() {
        assert_eq!(
            any_arn(
                "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
                "111122223333"
            ),
            "arn:aws:iam::111122223333:role/iamsnap-any-resource"
        );
        assert_eq!(
            any_arn("arn:${Partition}:s3:::${BucketName}/${ObjectName}", "1"),
            "arn:aws:s3:::iamsnap-any-resource/iamsnap-any-resource"
        );
        let doc = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/*"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;
        let p = principal(doc, Boundary::None, &[]);
        assert_eq!(p.evaluate_any("iam:PassRole", &[]).allowed(), Some(true));
        assert_eq!(p.evaluate("iam:PassRole", "*", &[]).allowed(), Some(false));
        assert_eq!(p.evaluate_any("s3:GetObject", &[]).allowed(), Some(false));
        // Any of the action's resource types: s3:GetObject on objects of every bucket.
        let doc = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*"}]}"#;
        let p = principal(doc, Boundary::None, &[]);
        assert_eq!(p.evaluate_any("s3:GetObject", &[]).allowed(), Some(true));
        // An action without resource types is evaluated on `*`.
        assert_eq!(
            p.evaluate_any("sts:GetCallerIdentity", &[]).allowed(),
            Some(false)
        );
    }
}
