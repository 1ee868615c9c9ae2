//! What makes two snapshots unlike for comparison, said before any change is read: a part
//! of the account state (the credential report, the activity, ...) held by one side only,
//! two different accounts, a new snapshot older than the old one. A diff across such an
//! asymmetry reports the asymmetry as changes (every access key "added"), or nothing where
//! one side cannot say: each is a warning in every format.

use iamsnap_access::coverage::PARTS;
use iamsnap_snapshot::Snapshot;

use crate::model::Warning;

/// The warnings of comparing `old` with `new`.
pub(crate) fn warnings(old: &Snapshot, new: &Snapshot) -> Vec<Warning> {
    let mut out = Vec::new();
    let (a, b) = (old.manifest(), new.manifest());
    let (mut old_accounts, mut new_accounts) = (a.account_ids.clone(), b.account_ids.clone());
    old_accounts.sort();
    new_accounts.sort();
    if old_accounts != new_accounts {
        let shared = old_accounts
            .iter()
            .filter(|x| new_accounts.contains(x))
            .count();
        let how = if shared == 0 {
            "every principal, policy and key of one shows as removed and those of the other as added"
        } else {
            "what is in the accounts of one side only shows as added or removed"
        };
        out.push(Warning {
            kind: "different-accounts".to_owned(),
            message: format!(
                "the snapshots are of different accounts (old: {}; new: {}): {how}",
                accounts(&old_accounts),
                accounts(&new_accounts)
            ),
        });
    }
    if b.captured_at < a.captured_at {
        out.push(Warning {
            kind: "new-before-old".to_owned(),
            message: format!(
                "the new snapshot was captured ({}) before the old one ({}): gained and lost \
                 are the other way round; give the older snapshot first",
                b.captured_at.to_rfc3339(),
                a.captured_at.to_rfc3339()
            ),
        });
    }
    for part in PARTS {
        let (o, n) = (part.lacked_by(old), part.lacked_by(new));
        let (side, other, why) = match (o, n) {
            (Some(why), None) => ("new", "old", why),
            (None, Some(why)) => ("old", "new", why),
            _ => continue,
        };
        let tables: Vec<&str> = part.fills.iter().map(|(t, _)| *t).collect();
        // Behaviour is compared from the activity: without it on one side, not at all.
        let message = if tables.contains(&"activity") {
            format!(
                "behaviour not compared: the {other} snapshot has no CloudTrail activity \
                 ({why}); to compare it, capture both alike: {}",
                part.how
            )
        } else {
            format!(
                "only the {side} snapshot has {} (the {other} one: {why}): what differs in \
                 {} is the capture's, not the account's; to compare it, capture both alike: {}",
                part.what,
                tables.join(", "),
                part.how
            )
        };
        out.push(Warning {
            kind: "one-sided".to_owned(),
            message,
        });
    }
    out
}

fn accounts(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.join(", ")
    }
}
