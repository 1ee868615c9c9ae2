//! Structural changes: rows of the same table matched by a stable key, then compared on the
//! fields that carry meaning (dates of last use, counts and ids that AWS recomputes are not
//! compared).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::Tables;
use crate::model::{Change, ChangeKind, Object};
use crate::rows::Row;

pub(crate) fn changes(old: &Tables, new: &Tables) -> Vec<Change> {
    let mut out = Vec::new();
    principals(old, new, &mut out);
    policies(old, new, &mut out);
    statements(old, new, &mut out);
    attachments(old, new, &mut out);
    members(old, new, &mut out);
    trust(old, new, &mut out);
    access_keys(old, new, &mut out);
    out
}

/// The values of `fields` of a row, as a JSON object.
fn project(row: &Row, fields: &[&str]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|f| ((*f).to_owned(), row.get(f).clone()))
            .collect(),
    )
}

fn keyed(rows: &[Row], key: impl Fn(&Row) -> String) -> BTreeMap<String, &Row> {
    rows.iter().map(|r| (key(r), r)).collect()
}

/// Compact text of a JSON value for one-line details.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => format!("`{s}`"),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| i
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| i.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// "field a → b; field c → d" for the fields that differ.
fn field_changes(before: &Value, after: &Value, fields: &[&str]) -> String {
    fields
        .iter()
        .filter_map(|f| {
            let (a, b) = (before.get(f)?, after.get(f)?);
            (a != b).then(|| format!("{f} {} → {}", show(a), show(b)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

struct Spec<'a> {
    object: Object,
    fields: &'a [&'a str],
    describe: &'a dyn Fn(&Row) -> String,
    /// How the change names its object, when not by its key.
    subject: Option<&'a dyn Fn(&Row) -> String>,
}

/// Added, removed and changed rows of one table, keyed by `key`.
fn compare(
    old: &[Row],
    new: &[Row],
    key: &dyn Fn(&Row) -> String,
    spec: &Spec<'_>,
    out: &mut Vec<Change>,
) {
    let (a, b) = (keyed(old, key), keyed(new, key));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        match (a.get(k), b.get(k)) {
            (Some(o), None) => out.push(Change {
                kind: ChangeKind::Removed,
                object: spec.object,
                subject: spec.subject.map_or_else(|| k.clone(), |f| f(o)),
                detail: (spec.describe)(o),
                before: project(o, spec.fields),
                after: Value::Null,
            }),
            (None, Some(n)) => out.push(Change {
                kind: ChangeKind::Added,
                object: spec.object,
                subject: spec.subject.map_or_else(|| k.clone(), |f| f(n)),
                detail: (spec.describe)(n),
                before: Value::Null,
                after: project(n, spec.fields),
            }),
            (Some(o), Some(n)) => {
                // Most rows are unchanged: compare the fields in place before building
                // the projections a change shows.
                if spec.fields.iter().all(|f| o.get(f) == n.get(f)) {
                    continue;
                }
                let (before, after) = (project(o, spec.fields), project(n, spec.fields));
                if before != after {
                    out.push(Change {
                        kind: ChangeKind::Changed,
                        object: spec.object,
                        subject: spec.subject.map_or_else(|| k.clone(), |f| f(n)),
                        detail: field_changes(&before, &after, spec.fields),
                        before,
                        after,
                    });
                }
            }
            (None, None) => {}
        }
    }
}

fn arn(r: &Row) -> String {
    r.str("arn").to_owned()
}

fn principals(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    let describe = |kind: &'static str| move |r: &Row| format!("{kind} `{}`", r.str("name"));
    let user = describe("user");
    let role = describe("role");
    let group = describe("group");
    compare(
        &old.users,
        &new.users,
        &arn,
        &Spec {
            object: Object::User,
            fields: &["path", "tags"],
            describe: &user,
            subject: None,
        },
        out,
    );
    compare(
        &old.roles,
        &new.roles,
        &arn,
        &Spec {
            object: Object::Role,
            fields: &["path", "tags"],
            describe: &role,
            subject: None,
        },
        out,
    );
    compare(
        &old.groups,
        &new.groups,
        &arn,
        &Spec {
            object: Object::Group,
            fields: &["path"],
            describe: &group,
            subject: None,
        },
        out,
    );
    // Boundaries of principals present in both snapshots (a new principal's boundary is
    // part of its access, reported there).
    for (a, b) in [(&old.users, &new.users), (&old.roles, &new.roles)] {
        let (a, b) = (keyed(a, arn), keyed(b, arn));
        for (k, o) in &a {
            let Some(n) = b.get(k) else { continue };
            let (before, after) = (
                o.opt_str("permissions_boundary_arn"),
                n.opt_str("permissions_boundary_arn"),
            );
            if before == after {
                continue;
            }
            let (kind, detail) = match (before, after) {
                (None, Some(x)) => (ChangeKind::Added, format!("boundary `{x}` set")),
                (Some(x), None) => (ChangeKind::Removed, format!("boundary `{x}` removed")),
                (x, y) => (
                    ChangeKind::Changed,
                    format!(
                        "boundary `{}` → `{}`",
                        x.unwrap_or_default(),
                        y.unwrap_or_default()
                    ),
                ),
            };
            out.push(Change {
                kind,
                object: Object::Boundary,
                subject: k.clone(),
                detail,
                before: project(o, &["permissions_boundary_arn"]),
                after: project(n, &["permissions_boundary_arn"]),
            });
        }
    }
}

fn policies(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    let describe = |r: &Row| {
        format!(
            "{} policy `{}`",
            r.str("policy_type").replace('_', " "),
            r.str("name")
        )
    };
    let mut found = Vec::new();
    compare(
        &old.policies,
        &new.policies,
        &|r| r.str("policy_key").to_owned(),
        &Spec {
            object: Object::Policy,
            fields: &["policy_type", "name", "default_version_id"],
            describe: &describe,
            subject: None,
        },
        &mut found,
    );
    // A new default version whose statements are the same is not a change of access;
    // statement changes are reported on their own.
    out.extend(found.into_iter().filter(|c| c.kind != ChangeKind::Changed));
}

const STATEMENT_FIELDS: [&str; 8] = [
    "effect",
    "actions",
    "not_actions",
    "resources",
    "not_resources",
    "principal",
    "not_principal",
    "condition",
];

/// The element names shown in statement details.
fn element(field: &str) -> &str {
    match field {
        "effect" => "Effect",
        "actions" => "Action",
        "not_actions" => "NotAction",
        "resources" => "Resource",
        "not_resources" => "NotResource",
        "principal" => "Principal",
        "not_principal" => "NotPrincipal",
        _ => "Condition",
    }
}

fn statement_subject(r: &Row) -> String {
    let sid = r
        .opt_str("sid")
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    format!(
        "{} statement {}{sid}",
        r.str("policy_key"),
        r.int("statement_index").unwrap_or(0)
    )
}

fn statement_text(r: &Row) -> String {
    let mut parts = vec![r.str("effect").to_owned()];
    for f in ["actions", "not_actions", "resources", "not_resources"] {
        let v = r.get(f);
        if !v.is_null() {
            parts.push(format!("{} {}", element(f), show(v)));
        }
    }
    if !r.get("condition").is_null() {
        parts.push("with Condition".to_owned());
    }
    parts.join(" ")
}

/// Statements of the identity policies in both snapshots, matched by Sid, then by equal
/// content (so reordering is no change), then by position.
fn statements(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    fn group(rows: &[Row]) -> BTreeMap<&str, Vec<&Row>> {
        let mut m: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.str("policy_type") != "trust") {
            m.entry(r.str("policy_key")).or_default().push(r);
        }
        m
    }
    let (a, b) = (group(&old.statements), group(&new.statements));
    let new_keys: BTreeSet<&str> = new.policies.iter().map(|r| r.str("policy_key")).collect();
    let in_both: BTreeSet<&str> = old
        .policies
        .iter()
        .map(|r| r.str("policy_key"))
        .filter(|k| new_keys.contains(k))
        .collect();
    let empty = Vec::new();
    for key in in_both {
        let olds = a.get(key).unwrap_or(&empty);
        let news = b.get(key).unwrap_or(&empty);
        // Statements of a policy that are the same, in the same order, are no change:
        // most policies of a large account, skipped without matching.
        if olds.len() == news.len()
            && olds.iter().zip(news).all(|(o, n)| {
                o.opt_str("sid") == n.opt_str("sid")
                    && STATEMENT_FIELDS.iter().all(|f| o.get(f) == n.get(f))
            })
        {
            continue;
        }
        let mut left: Vec<Option<&Row>> = olds.iter().copied().map(Some).collect();
        let mut right: Vec<Option<&Row>> = news.iter().copied().map(Some).collect();
        let mut pairs: Vec<(&Row, &Row)> = Vec::new();
        // Pass 1: by Sid.
        for l in left.iter_mut() {
            let Some(o) = *l else { continue };
            let Some(sid) = o.opt_str("sid") else {
                continue;
            };
            if let Some(r) = right
                .iter_mut()
                .find(|r| r.is_some_and(|n| n.opt_str("sid") == Some(sid)))
                && let Some(n) = r.take()
            {
                pairs.push((o, n));
                *l = None;
            }
        }
        // Pass 2: equal content, wherever it is.
        for l in left.iter_mut() {
            let Some(o) = *l else { continue };
            let content = project(o, &STATEMENT_FIELDS);
            if let Some(r) = right.iter_mut().find(|r| {
                r.is_some_and(|n| {
                    n.opt_str("sid").is_none() && project(n, &STATEMENT_FIELDS) == content
                })
            }) && r.take().is_some()
            {
                *l = None;
            }
        }
        // Pass 3: by position among the rest.
        let rest_left: Vec<&Row> = left.iter().flatten().copied().collect();
        let mut rest_right: Vec<&Row> = right.iter().flatten().copied().collect();
        let mut removed = Vec::new();
        for o in rest_left {
            let idx = o.int("statement_index");
            if let Some(pos) = rest_right
                .iter()
                .position(|n| n.int("statement_index") == idx && n.opt_str("sid").is_none())
                && o.opt_str("sid").is_none()
            {
                pairs.push((o, rest_right.remove(pos)));
            } else {
                removed.push(o);
            }
        }
        for (o, n) in pairs {
            let (before, after) = (project(o, &STATEMENT_FIELDS), project(n, &STATEMENT_FIELDS));
            if before == after {
                continue;
            }
            let detail = STATEMENT_FIELDS
                .iter()
                .filter(|f| o.get(f) != n.get(f))
                .map(|f| format!("{} {} → {}", element(f), show(o.get(f)), show(n.get(f))))
                .collect::<Vec<_>>()
                .join("; ");
            out.push(Change {
                kind: ChangeKind::Changed,
                object: Object::Statement,
                subject: statement_subject(n),
                detail: format!("`{}`: {detail}", n.str("policy_name")),
                before,
                after,
            });
        }
        for o in removed {
            out.push(Change {
                kind: ChangeKind::Removed,
                object: Object::Statement,
                subject: statement_subject(o),
                detail: format!("`{}`: {}", o.str("policy_name"), statement_text(o)),
                before: project(o, &STATEMENT_FIELDS),
                after: Value::Null,
            });
        }
        for n in rest_right {
            out.push(Change {
                kind: ChangeKind::Added,
                object: Object::Statement,
                subject: statement_subject(n),
                detail: format!("`{}`: {}", n.str("policy_name"), statement_text(n)),
                before: Value::Null,
                after: project(n, &STATEMENT_FIELDS),
            });
        }
    }
}

fn attachments(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    let key = |r: &Row| {
        format!(
            "{} → {}{}",
            r.str("principal_arn"),
            r.str("policy_key"),
            r.opt_str("via_group_arn")
                .map(|g| format!(" via {g}"))
                .unwrap_or_default()
        )
    };
    let describe = |r: &Row| {
        let via = r
            .opt_str("via_group_name")
            .map(|g| format!(" via group `{g}`"))
            .unwrap_or_default();
        format!(
            "`{}` attached to {} `{}`{via}",
            r.str("policy_name"),
            r.str("principal_type"),
            r.str("principal_name")
        )
    };
    compare(
        &old.attachments,
        &new.attachments,
        &key,
        &Spec {
            object: Object::Attachment,
            fields: &["principal_arn", "policy_key", "via", "via_group_arn"],
            describe: &describe,
            subject: Some(&|r: &Row| r.str("principal_arn").to_owned()),
        },
        out,
    );
}

fn members(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    let key = |r: &Row| format!("{} ∋ {}", r.str("group_name"), r.str("user_arn"));
    let describe = |r: &Row| {
        format!(
            "user `{}` member of group `{}`",
            r.str("user_name"),
            r.str("group_name")
        )
    };
    compare(
        &old.group_members,
        &new.group_members,
        &key,
        &Spec {
            object: Object::GroupMember,
            fields: &["group_name", "user_arn"],
            describe: &describe,
            subject: None,
        },
        out,
    );
}

pub(crate) const TRUST_FIELDS: [&str; 10] = [
    "effect",
    "is_not_principal",
    "principal_type",
    "principal",
    "principal_kind",
    "principal_account",
    "provider",
    "actions",
    "condition",
    "condition_keys",
];

pub(crate) fn trust_key(r: &Row) -> String {
    format!(
        "{} ← {} {} {} {}",
        r.str("role_arn"),
        r.str("effect"),
        r.str("principal_type"),
        r.str("principal"),
        r.get("condition")
    )
}

pub(crate) fn trust_text(r: &Row) -> String {
    let verb = if r.str("effect") == "Deny" {
        "denies"
    } else {
        "trusts"
    };
    let mut s = format!(
        "role `{}` {verb} {} `{}`",
        r.str("role_name"),
        r.str("principal_kind"),
        r.str("principal"),
    );
    if r.bool("is_not_principal") == Some(true) {
        s.push_str(" (NotPrincipal)");
    }
    if let Some(a) = r.opt_str("principal_account") {
        s.push_str(&format!(", account {a}"));
    }
    if let Some(p) = r.opt_str("provider") {
        s.push_str(&format!(", provider {p}"));
    }
    let keys = r.list("condition_keys").unwrap_or_default();
    if keys.is_empty() {
        s.push_str(", no condition");
    } else {
        s.push_str(&format!(", conditions on {}", keys.join(", ")));
    }
    s
}

fn trust(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    // Trust rows are keyed with their condition: a changed condition is the old edge
    // removed and a new one added.
    compare(
        &old.trust,
        &new.trust,
        &trust_key,
        &Spec {
            object: Object::Trust,
            fields: &TRUST_FIELDS,
            describe: &trust_text,
            subject: Some(&|r: &Row| r.str("role_arn").to_owned()),
        },
        out,
    );
}

pub(crate) fn key_key(r: &Row) -> String {
    format!(
        "{} slot {} created {}",
        r.str("user_arn"),
        r.int("key_slot").map(|s| s.to_string()).unwrap_or_default(),
        r.str("create_date")
    )
}

pub(crate) fn key_text(r: &Row) -> String {
    format!(
        "{} key{} of `{}`{} created {}",
        r.str("status"),
        r.int("key_slot")
            .map(|s| format!(" (slot {s})"))
            .unwrap_or_default(),
        r.str("user_name"),
        r.opt_str("access_key_id")
            .map(|id| format!(" `{id}`"))
            .unwrap_or_default(),
        r.opt_str("create_date").unwrap_or("at an unknown date")
    )
}

fn access_keys(old: &Tables, new: &Tables, out: &mut Vec<Change>) {
    compare(
        &old.access_keys,
        &new.access_keys,
        &key_key,
        &Spec {
            object: Object::AccessKey,
            fields: &["user_arn", "key_slot", "create_date", "status"],
            describe: &key_text,
            subject: Some(&|r: &Row| r.str("user_arn").to_owned()),
        },
        out,
    );
}
