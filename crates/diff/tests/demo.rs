//! The demo snapshots' planted drift is all reported, and nothing else.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use arrow::array::AsArray;
use iamsnap_catalog::{AccessLevel, Catalog};
use iamsnap_diff::{ChangeKind, DiffReport, FailOn, Object, RiskKind, diff};
use iamsnap_snapshot::Snapshot;

fn snap(name: &str) -> Snapshot {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../snapshots")
        .join(name);
    Snapshot::open(&p).unwrap()
}

const OLD: &str = "demo-2026-11-01";
const NEW: &str = "demo-2026-11-22";
const ACCOUNT: &str = "arn:aws:iam::111122223333";
const APP_DATA_READ: &str = "arn:aws:iam::111122223333:policy/app-data-read";

fn role(name: &str) -> String {
    format!("{ACCOUNT}:role/{name}")
}

/// (kind, object, subject) of every structural change, sorted.
fn changes(r: &DiffReport) -> BTreeSet<(ChangeKind, Object, String)> {
    r.changes
        .iter()
        .map(|c| (c.kind, c.object, c.subject.clone()))
        .collect()
}

/// The principals `app-data-read` applies to, from the attachments table, independently of
/// the diff.
fn app_data_read_principals(s: &Snapshot) -> BTreeSet<String> {
    let t = s.read_table("attachments").unwrap();
    let key = t.column_by_name("policy_key").unwrap().as_string::<i32>();
    let kind = t
        .column_by_name("principal_type")
        .unwrap()
        .as_string::<i32>();
    let arn = t
        .column_by_name("principal_arn")
        .unwrap()
        .as_string::<i32>();
    (0..t.num_rows())
        .filter(|&i| key.value(i) == APP_DATA_READ && kind.value(i) != "group")
        .map(|i| arn.value(i).to_owned())
        .collect()
}

fn expected_changes(added: ChangeKind) -> BTreeSet<(ChangeKind, Object, String)> {
    let removed_or_added = added;
    let gh = role("gh-actions-deploy-new");
    let partner = role("partner-data-sync");
    [
        (removed_or_added, Object::Role, gh.clone()),
        (removed_or_added, Object::Role, partner.clone()),
        (removed_or_added, Object::Attachment, gh.clone()),
        (removed_or_added, Object::Attachment, partner.clone()),
        (removed_or_added, Object::Trust, gh),
        (removed_or_added, Object::Trust, partner),
        (
            ChangeKind::Changed,
            Object::Statement,
            format!("{APP_DATA_READ} statement 0"),
        ),
        (
            removed_or_added,
            Object::AccessKey,
            format!("{ACCOUNT}:user/service/ci-deployer"),
        ),
    ]
    .into_iter()
    .collect()
}

#[test]
fn a_snapshot_against_itself_has_no_changes() {
    for name in [OLD, NEW] {
        let r = diff(&snap(name), &snap(name)).unwrap();
        assert!(r.is_empty(), "{name}: {r:#?}");
        assert!(r.catalog_note.is_none());
        for f in [
            FailOn::Any,
            FailOn::NewAccess,
            FailOn::NewAdmin,
            FailOn::NewTrust,
            FailOn::NewKey,
        ] {
            assert!(!r.matches(f));
        }
    }
}

#[test]
fn the_planted_drift_is_all_reported_and_nothing_else() {
    let (old, new) = (snap(OLD), snap(NEW));
    let r = diff(&old, &new).unwrap();
    assert_eq!(changes(&r), expected_changes(ChangeKind::Added));
    assert_eq!(r.changes.len(), 8, "{:#?}", r.changes);

    let stmt = r
        .changes
        .iter()
        .find(|c| c.object == Object::Statement)
        .unwrap();
    assert_eq!(stmt.before["actions"], serde_json::json!(["s3:GetObject"]));
    assert_eq!(stmt.after["actions"], serde_json::json!(["s3:*"]));
    assert!(stmt.detail.contains("Action [s3:GetObject] → [s3:*]"));

    let attached = |c: &iamsnap_diff::Change, policy: &str| {
        c.object == Object::Attachment
            && c.after["policy_key"] == format!("{ACCOUNT}:policy/{policy}")
    };
    assert!(
        r.changes
            .iter()
            .any(|c| attached(c, "shared-exports-read") && c.subject == role("partner-data-sync"))
    );

    let partner_trust = r
        .changes
        .iter()
        .find(|c| c.object == Object::Trust && c.subject == role("partner-data-sync"))
        .unwrap();
    assert_eq!(partner_trust.after["principal_account"], "999988887777");
    assert_eq!(partner_trust.after["condition_keys"], serde_json::json!([]));
    let gh_trust = r
        .changes
        .iter()
        .find(|c| c.object == Object::Trust && c.subject == role("gh-actions-deploy-new"))
        .unwrap();
    assert_eq!(
        gh_trust.after["provider"],
        "token.actions.githubusercontent.com"
    );
    assert_eq!(
        gh_trust.after["condition_keys"],
        serde_json::json!(["token.actions.githubusercontent.com:aud"])
    );

    // Access: the two new roles gain everything they have, and exactly the principals
    // app-data-read is attached to gain s3 actions on its resource, nothing is lost.
    let holders = app_data_read_principals(&new);
    assert_eq!(holders, app_data_read_principals(&old));
    assert!(!holders.is_empty());
    assert!(r.access.iter().all(|a| a.lost.is_empty()));
    let gainers: BTreeSet<String> = r.access.iter().map(|a| a.principal_arn.clone()).collect();
    let mut expected: BTreeSet<String> = holders.clone();
    expected.insert(role("gh-actions-deploy-new"));
    expected.insert(role("partner-data-sync"));
    assert_eq!(gainers, expected);

    let catalog = Catalog::embedded().unwrap();
    let s3 = catalog.expand("s3:*");
    let get = catalog.expand("s3:GetObject");
    // Only the actions that can apply to an object pattern: not bucket, access point or
    // access grants actions.
    let objects = catalog.actions_for_resource("arn:aws:s3:::acme-app-data/*");
    let widened = s3.difference(&get).intersection(&objects);
    assert!(widened.len() < s3.len() / 2, "{}", widened.len());
    for h in &holders {
        let a: Vec<_> = r.access.iter().filter(|a| &a.principal_arn == h).collect();
        assert_eq!(a.len(), 1, "{a:#?}");
        assert_eq!(a[0].resource, "arn:aws:s3:::acme-app-data/*");
        assert_eq!(a[0].gained.len(), widened.len());
        assert!(a[0].gained.iter().all(|g| g.starts_with("s3:")));
        assert!(!a[0].gained.contains(&"s3:GetObject".to_owned()));
        for level in [AccessLevel::Write, AccessLevel::PermissionsManagement] {
            assert_eq!(
                a[0].gained_levels[level.as_str()],
                catalog.actions_with_level(&widened, level).len()
            );
        }
    }

    // Risks: the new external account (a new trust edge, and new access from outside),
    // the OIDC role without `sub`, the new key; no new admin.
    let risks: BTreeSet<(RiskKind, String)> = r
        .risks
        .iter()
        .map(|x| (x.kind, x.subject.clone()))
        .collect();
    let expected_risks: BTreeSet<(RiskKind, String)> = [
        (RiskKind::NewTrust, role("partner-data-sync")),
        (RiskKind::NewExternalAccess, role("partner-data-sync")),
        (RiskKind::NewTrust, role("gh-actions-deploy-new")),
        (
            RiskKind::NewKey,
            format!("{ACCOUNT}:user/service/ci-deployer"),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(risks, expected_risks, "{:#?}", r.risks);
    assert_eq!(r.risks.len(), 4);
    let detail = |s: &str| {
        r.risks
            .iter()
            .find(|x| x.subject == s && x.kind != RiskKind::NewExternalAccess)
            .unwrap()
            .detail
            .clone()
    };
    assert!(detail(&role("partner-data-sync")).contains("999988887777"));
    assert!(detail(&role("partner-data-sync")).contains("without an sts:ExternalId"));
    assert!(detail(&role("gh-actions-deploy-new")).contains("no `sub` condition"));

    assert!(r.matches(FailOn::Any));
    assert!(r.matches(FailOn::NewAccess));
    assert!(r.matches(FailOn::NewTrust));
    assert!(r.matches(FailOn::NewKey));
    assert!(!r.matches(FailOn::NewAdmin));
    assert!(r.catalog_note.is_none());
    // Both carry the same catalog: compared within it, nothing through it.
    assert!(r.catalog.compared);
    assert!(r.catalog.added.is_empty() && r.catalog.retired.is_empty());
    assert!(r.catalog.unknown.is_empty());
    assert!(r.catalog.changes.is_empty());
    assert!(!r.matches(FailOn::CatalogGrowth));
}

#[test]
fn the_reverse_direction_reports_the_same_changes_as_removals() {
    let (old, new) = (snap(OLD), snap(NEW));
    let forward = diff(&old, &new).unwrap();
    let back = diff(&new, &old).unwrap();
    assert_eq!(changes(&back), expected_changes(ChangeKind::Removed));
    let stmt = back
        .changes
        .iter()
        .find(|c| c.object == Object::Statement)
        .unwrap();
    assert_eq!(stmt.before["actions"], serde_json::json!(["s3:*"]));
    assert_eq!(stmt.after["actions"], serde_json::json!(["s3:GetObject"]));

    // Every gain forward is the same loss backward.
    assert_eq!(forward.access.len(), back.access.len());
    for (f, b) in forward.access.iter().zip(&back.access) {
        assert_eq!(
            (&f.principal_arn, &f.resource, &f.gained, &f.gained_levels),
            (&b.principal_arn, &b.resource, &b.lost, &b.lost_levels)
        );
        assert!(b.gained.is_empty());
    }
    // Removing things raises no risk.
    assert!(back.risks.is_empty(), "{:#?}", back.risks);
    assert!(!back.matches(FailOn::NewAccess));
    assert!(back.matches(FailOn::Any));
}
