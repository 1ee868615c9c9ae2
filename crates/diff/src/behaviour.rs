//! Behaviour changes from the CloudTrail summaries (`activity` tables): per identity, the
//! API calls, source addresses and regions seen in the new snapshot and never in the old
//! one, and jumps of the share of failed calls.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Behaviour, BehaviourChange, ErrorRate};
use crate::rows::Row;

/// The least number of calls, on each side, for an error rate to be compared.
pub(crate) const MIN_CALLS: i64 = 20;

/// The least rise of the share of failed calls that is reported, in percentage points.
pub(crate) const MIN_RISE_POINTS: f64 = 20.0;

/// What one identity did in one snapshot.
#[derive(Default)]
struct Seen<'a> {
    principal_type: &'a str,
    calls: BTreeSet<(&'a str, &'a str)>,
    source_ips: BTreeSet<&'a str>,
    regions: BTreeSet<&'a str>,
    events: i64,
    errors: i64,
}

fn summarize(rows: &[Row]) -> BTreeMap<&str, Seen<'_>> {
    let mut out: BTreeMap<&str, Seen<'_>> = BTreeMap::new();
    for r in rows {
        let seen = out.entry(r.str("principal")).or_default();
        seen.principal_type = r.str("principal_type");
        seen.calls
            .insert((r.str("event_source"), r.str("event_name")));
        if let Some(ip) = r.opt_str("source_ip") {
            seen.source_ips.insert(ip);
        }
        if let Some(region) = r.opt_str("region") {
            seen.regions.insert(region);
        }
        let n = r.int("event_count").unwrap_or(0);
        seen.events = seen.events.saturating_add(n);
        if r.opt_str("error_code").is_some() {
            seen.errors = seen.errors.saturating_add(n);
        }
    }
    out
}

#[allow(clippy::cast_precision_loss)]
fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn error_rate(old: &Seen<'_>, new: &Seen<'_>) -> Option<ErrorRate> {
    if old.events < MIN_CALLS || new.events < MIN_CALLS {
        return None;
    }
    let (before, after) = (
        percent(old.errors, old.events),
        percent(new.errors, new.events),
    );
    (after - before >= MIN_RISE_POINTS).then_some(ErrorRate {
        old_calls: old.events,
        old_errors: old.errors,
        new_calls: new.events,
        new_errors: new.errors,
        old_percent: (before * 10.0).round() / 10.0,
        new_percent: (after * 10.0).round() / 10.0,
    })
}

fn new_items(old: Option<&BTreeSet<&str>>, new: &BTreeSet<&str>) -> Vec<String> {
    new.iter()
        .filter(|x| !old.is_some_and(|o| o.contains(*x)))
        .map(|x| (*x).to_owned())
        .collect()
}

/// Behaviour changes between two `activity` tables. When either is empty nothing is
/// compared (everything would look new) and the note says which.
pub(crate) fn compare(old: &[Row], new: &[Row]) -> Behaviour {
    match (old.is_empty(), new.is_empty()) {
        (false, false) => {}
        (true, true) => {
            return Behaviour {
                compared: false,
                note: Some(
                    "behaviour not compared: neither snapshot has CloudTrail activity (import with --cloudtrail-logs)"
                        .to_owned(),
                ),
                changes: Vec::new(),
            };
        }
        // Activity on one side only is a warning of the report (`warnings`), which says
        // why that side lacks it.
        _ => {
            return Behaviour {
                compared: false,
                note: None,
                changes: Vec::new(),
            };
        }
    }
    let (a, b) = (summarize(old), summarize(new));
    let mut changes = Vec::new();
    for (principal, n) in &b {
        let o = a.get(principal);
        let first_time_calls: Vec<String> = n
            .calls
            .iter()
            .filter(|c| !o.is_some_and(|o| o.calls.contains(*c)))
            .map(|(source, name)| format!("{source}:{name}"))
            .collect();
        let new_source_ips = new_items(o.map(|o| &o.source_ips), &n.source_ips);
        let new_regions = new_items(o.map(|o| &o.regions), &n.regions);
        let error_rate = o.and_then(|o| error_rate(o, n));
        if first_time_calls.is_empty()
            && new_source_ips.is_empty()
            && new_regions.is_empty()
            && error_rate.is_none()
        {
            continue;
        }
        changes.push(BehaviourChange {
            principal: (*principal).to_owned(),
            principal_type: n.principal_type.to_owned(),
            new_identity: o.is_none(),
            first_time_calls,
            new_source_ips,
            new_regions,
            error_rate,
        });
    }
    Behaviour {
        compared: true,
        note: None,
        changes,
    }
}

impl BehaviourChange {
    /// A one-line description: what is new, and the error rate jump.
    pub fn describe(&self) -> String {
        describe(self)
    }
}

fn describe(c: &BehaviourChange) -> String {
    let mut parts = Vec::new();
    if c.new_identity {
        parts.push("not seen in the old activity".to_owned());
    }
    let list = |what: &str, items: &[String]| {
        const SHOWN: usize = 6;
        let mut s = items
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if items.len() > SHOWN {
            s.push_str(&format!(", … ({} in all)", items.len()));
        }
        format!("{what}: {s}")
    };
    if !c.first_time_calls.is_empty() {
        parts.push(list("first-time calls", &c.first_time_calls));
    }
    if !c.new_source_ips.is_empty() {
        parts.push(list("new source IPs", &c.new_source_ips));
    }
    if !c.new_regions.is_empty() {
        parts.push(list("new regions", &c.new_regions));
    }
    if let Some(e) = &c.error_rate {
        parts.push(format!(
            "failed calls {}% → {}% ({}/{} → {}/{})",
            e.old_percent, e.new_percent, e.old_errors, e.old_calls, e.new_errors, e.new_calls
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use serde_json::json;

    use super::*;

    const ROLE: &str = "arn:aws:iam::111122223333:role/deploy";

    fn row(name: &str, ip: &str, region: &str, error: Option<&str>, n: i64) -> Row {
        Row::from_json(json!({
            "principal": ROLE, "principal_type": "AssumedRole",
            "event_source": "s3.amazonaws.com", "event_name": name,
            "source_ip": ip, "region": region, "error_code": error, "event_count": n
        }))
    }

    #[test]
    fn new_calls_addresses_and_regions() {
        let old = [row("GetObject", "10.0.0.1", "us-east-1", None, 5)];
        let new = [
            row("GetObject", "10.0.0.1", "us-east-1", None, 5),
            row("PutObject", "10.0.0.1", "us-east-1", None, 1),
            row("GetObject", "203.0.113.9", "eu-west-1", None, 1),
        ];
        let b = compare(&old, &new);
        assert!(b.compared);
        assert_eq!(b.changes.len(), 1);
        let c = &b.changes[0];
        assert!(!c.new_identity);
        assert_eq!(c.first_time_calls, vec!["s3.amazonaws.com:PutObject"]);
        assert_eq!(c.new_source_ips, vec!["203.0.113.9"]);
        assert_eq!(c.new_regions, vec!["eu-west-1"]);
        assert!(c.error_rate.is_none());
        // The same activity is no change.
        assert!(compare(&new, &new).changes.is_empty());
    }

    #[test]
    fn error_rate_jumps_need_20_points_and_20_calls() {
        let old = [row("GetObject", "10.0.0.1", "us-east-1", None, 20)];
        // 10 of 30 failed: 33.3% from 0%.
        let new = [
            row("GetObject", "10.0.0.1", "us-east-1", None, 20),
            row(
                "GetObject",
                "10.0.0.1",
                "us-east-1",
                Some("AccessDenied"),
                10,
            ),
        ];
        let e = compare(&old, &new).changes[0].error_rate.clone().unwrap();
        assert_eq!(
            (e.old_errors, e.old_calls, e.new_errors, e.new_calls),
            (0, 20, 10, 30)
        );
        assert!((e.new_percent - 33.3).abs() < 1e-9);
        // 5 of 30: 16.7 points, not reported.
        let small = [
            row("GetObject", "10.0.0.1", "us-east-1", None, 25),
            row(
                "GetObject",
                "10.0.0.1",
                "us-east-1",
                Some("AccessDenied"),
                5,
            ),
        ];
        assert!(compare(&old, &small).changes.is_empty());
        // Too few calls in OLD.
        let few = [row("GetObject", "10.0.0.1", "us-east-1", None, 19)];
        assert!(compare(&few, &new).changes.is_empty());
    }

    #[test]
    fn missing_activity_is_said_once() {
        let some = [row("GetObject", "10.0.0.1", "us-east-1", None, 1)];
        // On one side only: not compared, and the report's warning says why.
        for b in [compare(&[], &some), compare(&some, &[])] {
            assert!(!b.compared);
            assert!(b.changes.is_empty());
            assert_eq!(b.note, None);
        }
        let neither = compare(&[], &[]);
        assert!(!neither.compared);
        assert!(
            neither
                .note
                .unwrap()
                .contains("neither snapshot has CloudTrail activity")
        );
    }

    #[test]
    fn a_new_identity_has_everything_new() {
        let other = Row::from_json(json!({
            "principal": "arn:aws:iam::111122223333:user/bob", "principal_type": "IAMUser",
            "event_source": "iam.amazonaws.com", "event_name": "ListUsers",
            "source_ip": "10.0.0.2", "region": "us-east-1", "error_code": null, "event_count": 3
        }));
        let old = [other.clone()];
        let new = [other, row("GetObject", "10.0.0.1", "us-east-1", None, 1)];
        let b = compare(&old, &new);
        assert_eq!(b.changes.len(), 1);
        assert!(b.changes[0].new_identity);
        assert_eq!(b.changes[0].principal, ROLE);
        assert!(describe(&b.changes[0]).starts_with("not seen in the old activity"));
    }
}
