use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use iamsnap_import::auth_details::{AuthDetails, ManagedPolicyDetail, RoleDetail};
use iamsnap_import::credential_report::{COLUMNS, CredentialReport};
use iamsnap_import::{Page, build_tables};
use iamsnap_policy::{PolicyDocument, parse_document, parse_document_text};
use serde_json::Value;

use super::*;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap()
}

fn opts(roles: usize, seed: u64, drift: bool) -> GenerateOptions {
    GenerateOptions {
        roles,
        seed,
        at: at(),
        account_id: "111122223333".to_owned(),
        drift,
        drift_at: None,
        organization: None,
    }
}

/// The account `o` describes.
fn generated(o: &GenerateOptions) -> Generated {
    generate(o).unwrap()
}

#[test]
fn broken_policy_tables_are_an_error_naming_what_is_wrong() {
    assert!(policies::policy_tables().is_ok());
    let missing = policies::parse_tables(r#"{"aws_managed": []}"#).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "the generator's policy tables (`data/policies.json`) are invalid: missing field \
         `customer_managed` at line 1 column 19"
    );
    let row = r#"{"aws_managed": [], "customer_managed": [
        {"name": "x", "versions": "sometimes", "document": {}}]}"#;
    let bad = policies::parse_tables(row).unwrap_err().to_string();
    assert!(bad.contains("unknown variant `sometimes`"), "{bad}");
}

fn json(g: &Generated) -> String {
    serde_json::to_string_pretty(&g.details).unwrap()
}

/// Parses a document as the importer does: decoded object or URL-encoded string.
fn parse(value: &Value) -> PolicyDocument {
    match value {
        Value::String(s) => {
            assert!(s.starts_with("%7B%22Version%22%3A%222012-10-17%22"), "{s}");
            let decoded = percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .unwrap();
            let v: Value = serde_json::from_str(&decoded).unwrap();
            assert!(v.is_object());
            parse_document_text(s).unwrap_or_else(|e| panic!("{e}: {decoded}"))
        }
        other => {
            assert_eq!(other["Version"], "2012-10-17", "{other}");
            parse_document(other).unwrap_or_else(|e| panic!("{e}: {other}"))
        }
    }
}

/// Every document of an account, with where it is.
fn documents(d: &AuthDetails) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for r in &d.role_detail_list {
        out.push((
            format!("trust of {}", r.role_name),
            &r.assume_role_policy_document,
        ));
        for p in &r.role_policy_list {
            out.push((
                format!("{} of {}", p.policy_name, r.role_name),
                &p.policy_document,
            ));
        }
    }
    for u in &d.user_detail_list {
        for p in &u.user_policy_list {
            out.push((
                format!("{} of {}", p.policy_name, u.user_name),
                &p.policy_document,
            ));
        }
    }
    for g in &d.group_detail_list {
        for p in &g.group_policy_list {
            out.push((
                format!("{} of {}", p.policy_name, g.group_name),
                &p.policy_document,
            ));
        }
    }
    for p in &d.policies {
        for v in &p.policy_version_list {
            out.push((format!("{} {}", p.policy_name, v.version_id), &v.document));
        }
    }
    out
}

fn default_doc(p: &ManagedPolicyDetail) -> PolicyDocument {
    let v = p
        .policy_version_list
        .iter()
        .find(|v| v.is_default_version == Some(true))
        .unwrap();
    parse(&v.document)
}

fn policy<'a>(d: &'a AuthDetails, name: &str) -> &'a ManagedPolicyDetail {
    d.policies.iter().find(|p| p.policy_name == name).unwrap()
}

fn role<'a>(d: &'a AuthDetails, name: &str) -> &'a RoleDetail {
    d.role_detail_list
        .iter()
        .find(|r| r.role_name == name)
        .unwrap()
}

fn trust(r: &RoleDetail) -> PolicyDocument {
    parse(&r.assume_role_policy_document)
}

#[test]
fn same_options_same_bytes_other_seed_other_account() {
    let a = generated(&opts(150, 7, false));
    let b = generated(&opts(150, 7, false));
    assert_eq!(json(&a), json(&b));
    assert_eq!(a.credential_report_csv, b.credential_report_csv);
    let c = generated(&opts(150, 8, false));
    assert_ne!(json(&a), json(&c));
    assert_ne!(a.credential_report_csv, c.credential_report_csv);
    let d = generated(&opts(150, 7, true));
    assert_eq!(json(&d), json(&generated(&opts(150, 7, true))));
}

#[test]
fn every_document_parses() {
    for seed in [1, 2] {
        let g = generated(&opts(300, seed, seed == 2));
        let docs = documents(&g.details);
        assert!(docs.len() > 600, "{}", docs.len());
        for (_, doc) in docs {
            parse(doc);
        }
    }
}

#[test]
fn url_encoded_documents_are_present_in_each_place() {
    let g = generated(&opts(300, 3, false));
    let d = &g.details;
    let inline: Vec<&Value> = d
        .role_detail_list
        .iter()
        .flat_map(|r| r.role_policy_list.iter().map(|p| &p.policy_document))
        .chain(
            d.user_detail_list
                .iter()
                .flat_map(|u| u.user_policy_list.iter().map(|p| &p.policy_document)),
        )
        .chain(
            d.group_detail_list
                .iter()
                .flat_map(|g| g.group_policy_list.iter().map(|p| &p.policy_document)),
        )
        .collect();
    let encoded = inline.iter().filter(|v| v.is_string()).count();
    let share = encoded as f64 / inline.len() as f64;
    assert!((0.07..0.25).contains(&share), "{encoded}/{}", inline.len());
    assert!(
        d.role_detail_list
            .iter()
            .any(|r| r.assume_role_policy_document.is_string())
    );
    assert!(
        d.policies
            .iter()
            .flat_map(|p| &p.policy_version_list)
            .any(|v| v.document.is_string())
    );
    // A string document is the percent-encoding of the compact JSON, every reserved
    // character encoded.
    let s = inline.iter().find_map(|v| v.as_str()).unwrap().to_owned();
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
        "{s}"
    );
}

#[test]
fn role_count_is_exact_at_any_scale() {
    for n in [0, 1, 2, 5, 11, 19, 20, 57, 100, 1000] {
        let g = generated(&opts(n, 11, false));
        let d = &g.details;
        assert_eq!(d.role_detail_list.len(), n);
        assert!(d.user_detail_list.len() >= 9.max(n / 10));
        assert!(d.group_detail_list.len() >= 4);
        let customer = d
            .policies
            .iter()
            .filter(|p| !p.arn.starts_with("arn:aws:iam::aws:"))
            .count();
        assert!(customer >= 8.max(n / 4), "{n}: {customer}");
        check_invariants(d);
        let drifted = generated(&opts(n, 11, true));
        assert_eq!(drifted.details.role_detail_list.len(), n + 2);
        check_invariants(&drifted.details);
    }
}

fn is_id(id: &str, prefix: &str) -> bool {
    id.len() == 21
        && id.starts_with(prefix)
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// What must hold of every generated account.
fn check_invariants(d: &AuthDetails) {
    let at = at();
    let acct = "arn:aws:iam::111122223333:";
    let mut ids = HashSet::new();
    let mut unique = |id: &str| assert!(ids.insert(id.to_owned()), "duplicate id {id}");
    let lower = |s: &str| s.to_ascii_lowercase();

    let names: HashSet<String> = d
        .role_detail_list
        .iter()
        .map(|r| lower(&r.role_name))
        .collect();
    assert_eq!(names.len(), d.role_detail_list.len());
    let names: HashSet<String> = d
        .user_detail_list
        .iter()
        .map(|u| lower(&u.user_name))
        .collect();
    assert_eq!(names.len(), d.user_detail_list.len());
    let names: HashSet<String> = d
        .group_detail_list
        .iter()
        .map(|g| lower(&g.group_name))
        .collect();
    assert_eq!(names.len(), d.group_detail_list.len());
    let arns: HashSet<&str> = d.policies.iter().map(|p| p.arn.as_str()).collect();
    assert_eq!(arns.len(), d.policies.len());

    let mut counts: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for r in &d.role_detail_list {
        assert!(is_id(&r.role_id, "AROA"), "{}", r.role_id);
        unique(&r.role_id);
        assert_eq!(r.arn, format!("{acct}role{}{}", r.path, r.role_name));
        assert!(r.path.starts_with('/') && r.path.ends_with('/'));
        assert!(r.role_name.len() <= 64);
        assert!(r.create_date <= at);
        assert!(r.attached_managed_policies.len() <= 3, "{}", r.role_name);
        assert!(r.role_policy_list.len() <= 2, "{}", r.role_name);
        let inline: HashSet<&str> = r
            .role_policy_list
            .iter()
            .map(|p| p.policy_name.as_str())
            .collect();
        assert_eq!(inline.len(), r.role_policy_list.len());
        if let Some(used) = r.role_last_used.as_ref().and_then(|l| l.last_used_date) {
            assert!(used <= at && used >= r.create_date, "{}", r.role_name);
        }
        for p in &r.instance_profile_list {
            assert!(is_id(&p.instance_profile_id, "AIPA"));
            unique(&p.instance_profile_id);
            assert_eq!(
                p.arn,
                format!(
                    "{acct}instance-profile{}{}",
                    p.path, p.instance_profile_name
                )
            );
            assert!(p.create_date <= at);
            assert_eq!(p.roles.len(), 1);
            assert_eq!(p.roles[0].role_id, r.role_id);
            assert_eq!(p.roles[0].arn, r.arn);
        }
        for a in &r.attached_managed_policies {
            counts.entry(&a.policy_arn).or_default().0 += 1;
        }
        if let Some(b) = &r.permissions_boundary {
            counts.entry(&b.permissions_boundary_arn).or_default().1 += 1;
        }
    }
    for u in &d.user_detail_list {
        assert!(is_id(&u.user_id, "AIDA"));
        unique(&u.user_id);
        assert_eq!(u.arn, format!("{acct}user{}{}", u.path, u.user_name));
        assert!(u.create_date <= at);
        for g in &u.group_list {
            assert!(
                d.group_detail_list.iter().any(|x| &x.group_name == g),
                "{g}"
            );
        }
        for a in &u.attached_managed_policies {
            counts.entry(&a.policy_arn).or_default().0 += 1;
        }
        if let Some(b) = &u.permissions_boundary {
            counts.entry(&b.permissions_boundary_arn).or_default().1 += 1;
        }
    }
    for g in &d.group_detail_list {
        assert!(is_id(&g.group_id, "AGPA"));
        unique(&g.group_id);
        assert_eq!(g.arn, format!("{acct}group{}{}", g.path, g.group_name));
        assert!(g.create_date <= at);
        for a in &g.attached_managed_policies {
            counts.entry(&a.policy_arn).or_default().0 += 1;
        }
    }
    for p in &d.policies {
        let policy_id = p.policy_id.clone().unwrap();
        assert!(is_id(&policy_id, "ANPA"), "{policy_id}");
        unique(&policy_id);
        let aws = p.arn.starts_with("arn:aws:iam::aws:policy/");
        if !aws {
            let path = p.path.as_deref().unwrap();
            assert_eq!(p.arn, format!("{acct}policy{path}{}", p.policy_name));
        }
        let (attachments, boundaries) = counts.get(p.arn.as_str()).copied().unwrap_or_default();
        assert_eq!(p.attachment_count, Some(attachments), "{}", p.arn);
        assert_eq!(
            p.permissions_boundary_usage_count,
            Some(boundaries),
            "{}",
            p.arn
        );
        if aws {
            assert!(attachments + boundaries > 0, "unused {}", p.arn);
        }
        assert!(
            p.create_date <= p.update_date && p.update_date <= Some(at),
            "{}",
            p.arn
        );
        let defaults: Vec<_> = p
            .policy_version_list
            .iter()
            .filter(|v| v.is_default_version == Some(true))
            .collect();
        assert_eq!(defaults.len(), 1, "{}", p.arn);
        assert_eq!(Some(&defaults[0].version_id), p.default_version_id.as_ref());
        let versions: HashSet<&str> = p
            .policy_version_list
            .iter()
            .map(|v| v.version_id.as_str())
            .collect();
        assert_eq!(versions.len(), p.policy_version_list.len());
        for v in &p.policy_version_list {
            let t = v.create_date.unwrap();
            assert!(
                Some(t) >= p.create_date && Some(t) <= p.update_date,
                "{} {}",
                p.arn,
                v.version_id
            );
        }
    }
    // Every attached policy is in the output.
    for arn in counts.keys() {
        assert!(arns.contains(arn), "{arn}");
    }
}

#[test]
fn account_of_300_roles_is_consistent() {
    for seed in [1, 5, 9] {
        check_invariants(&generated(&opts(300, seed, false)).details);
        check_invariants(&generated(&opts(300, seed, true)).details);
    }
}

#[test]
fn account_has_the_documented_mix() {
    let g = generated(&opts(100, 1, false));
    let d = &g.details;
    let with = |pred: &dyn Fn(&RoleDetail, &PolicyDocument) -> bool| {
        d.role_detail_list
            .iter()
            .filter(|r| pred(r, &trust(r)))
            .count()
    };
    let principal_has = |doc: &PolicyDocument, needle: &str| {
        doc.statements.iter().any(|s| {
            s.principal
                .as_ref()
                .is_some_and(|p| p.entries.iter().any(|(_, v)| v.contains(needle)))
        })
    };
    let keys = |doc: &PolicyDocument| -> Vec<String> {
        doc.statements
            .iter()
            .flat_map(|s| s.condition_keys())
            .map(str::to_owned)
            .collect()
    };
    for service in [
        "lambda.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "ec2.amazonaws.com",
        "codebuild.amazonaws.com",
        "glue.amazonaws.com",
    ] {
        assert!(with(&|_, t| principal_has(t, service)) > 0, "{service}");
    }
    assert!(with(&|_, t| keys(t).contains(&"aws:SourceAccount".to_owned())) > 0);
    let github = "oidc-provider/token.actions.githubusercontent.com";
    let sub = "token.actions.githubusercontent.com:sub";
    let aud = "token.actions.githubusercontent.com:aud";
    assert!(with(&|_, t| principal_has(t, github) && keys(t).contains(&sub.to_owned())) > 0);
    assert!(
        with(&|_, t| principal_has(t, github)
            && !keys(t).contains(&sub.to_owned())
            && keys(t).contains(&aud.to_owned()))
            > 0
    );
    assert!(
        with(&|_, t| {
            t.statements.iter().any(|s| {
                s.conditions
                    .iter()
                    .any(|c| c.key == sub && c.values.iter().any(|v| v == "repo:acme/*"))
            })
        }) > 0
    );
    assert!(
        with(&|_, t| principal_has(t, ":root") && keys(t).contains(&"sts:ExternalId".to_owned()))
            > 0
    );
    assert!(
        with(&|_, t| principal_has(t, ":root") && !keys(t).contains(&"sts:ExternalId".to_owned()))
            > 0
    );
    assert!(with(&|r, _| r.path.starts_with("/aws-service-role/")) >= 2);
    assert!(
        with(&|r, t| r.role_name.starts_with("AWSReservedSSO_")
            && principal_has(t, "saml-provider/AWSSSO_"))
            >= 2
    );
    assert!(with(&|r, _| !r.instance_profile_list.is_empty()) > 0);
    assert!(with(&|r, _| r.permissions_boundary.is_some()) > 0);
    assert!(with(&|r, _| !r.tags.is_empty()) > 0);
    assert!(
        with(&|r, _| r
            .role_last_used
            .as_ref()
            .and_then(|l| l.last_used_date)
            .is_none())
            > 0
    );
    assert!(
        with(&|r, _| r
            .role_last_used
            .as_ref()
            .and_then(|l| l.last_used_date)
            .is_some_and(|t| t < at() - chrono::TimeDelta::days(90)))
            > 0
    );

    // Policies: AWS managed in use, multi-version ones, the risky ones.
    for name in [
        "AdministratorAccess",
        "ReadOnlyAccess",
        "PowerUserAccess",
        "AWSLambdaBasicExecutionRole",
    ] {
        assert!(policy(d, name).arn.starts_with("arn:aws:iam::aws:policy/"));
    }
    assert!(d.policies.iter().any(|p| p.policy_version_list.len() >= 2));
    for name in [
        "break-glass-admin",
        "iam-full-access",
        "lambda-deployer",
        "policy-version-manager",
        "role-policy-editor",
        "access-key-rotator",
        "trust-policy-editor",
        "assume-any-role",
        "require-mfa",
        "allowed-regions",
        "office-network-only",
    ] {
        default_doc(policy(d, name));
    }
    assert!(policy(d, "developer-boundary").permissions_boundary_usage_count > Some(0));

    // Users: bots with each key situation, people with and without MFA.
    let report = CredentialReport::read(g.credential_report_csv.as_bytes(), "r.csv").unwrap();
    let row = |name: &str| report.rows.iter().find(|r| r.user == name).unwrap();
    let ci = row("ci-deployer");
    assert!(ci.keys[0].active && !ci.keys[1].exists());
    assert!(row("backup-bot").keys[0].last_rotated.unwrap() < at() - chrono::TimeDelta::days(365));
    assert!(
        row("svc-reporting").keys[0].active
            && row("svc-reporting").keys[0].last_used_date.is_none()
    );
    assert!(
        row("svc-legacy-sync").keys[0].last_used_date.unwrap() < at() - chrono::TimeDelta::days(90)
    );
    assert!(row("terraform-bot").keys.iter().all(|k| k.active));
    let same_day = row("svc-metrics-export");
    assert_eq!(
        same_day.keys[0].last_rotated.unwrap().date_naive(),
        same_day.user_creation_time.unwrap().date_naive()
    );
    assert!(same_day.keys[0].last_used_date.is_none());
    assert!(row("alice").mfa_active && !row("bob").mfa_active);
    assert_eq!(
        row("carol").password_last_used_note.as_deref(),
        Some("no_information")
    );
    assert!(d.user_detail_list.iter().any(|u| u.path == "/service/"));
    assert!(
        d.user_detail_list
            .iter()
            .any(|u| !u.attached_managed_policies.is_empty())
    );
    assert!(
        d.user_detail_list
            .iter()
            .any(|u| !u.user_policy_list.is_empty())
    );
    assert!(d.user_detail_list.iter().any(|u| !u.tags.is_empty()));
    for g in ["admins", "developers", "readonly", "deployers"] {
        assert!(d.group_detail_list.iter().any(|x| x.group_name == g));
    }
}

#[test]
fn credential_report_matches_the_users() {
    let g = generated(&opts(250, 4, false));
    let d = &g.details;
    let mut lines = g.credential_report_csv.split('\n');
    assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
    assert!(g.credential_report_csv.ends_with('\n'));
    assert!(!g.credential_report_csv.contains('\r'));
    assert_eq!(
        g.credential_report_csv.lines().count(),
        2 + d.user_detail_list.len()
    );
    let report = CredentialReport::read(g.credential_report_csv.as_bytes(), "r.csv").unwrap();
    assert_eq!(report.rows.len(), 1 + d.user_detail_list.len());
    let root = &report.rows[0];
    assert_eq!(root.user, "<root_account>");
    assert_eq!(root.arn, "arn:aws:iam::111122223333:root");
    assert_eq!(root.password_enabled, None);
    assert!(root.mfa_active);
    assert!(
        g.credential_report_csv
            .lines()
            .nth(1)
            .unwrap()
            .contains(",not_supported,")
    );
    for (row, user) in report.rows[1..].iter().zip(&d.user_detail_list) {
        assert_eq!(row.user, user.user_name);
        assert_eq!(row.arn, user.arn);
        assert_eq!(row.user_creation_time, Some(user.create_date));
        if row.password_enabled == Some(false) {
            assert_eq!(row.password_last_used_note.as_deref(), Some("N/A"));
            assert!(!row.mfa_active);
        }
        for k in &row.keys {
            if let Some(t) = k.last_rotated {
                assert!(t >= user.create_date && t <= at());
            }
            if let Some(t) = k.last_used_date {
                assert!(t >= k.last_rotated.unwrap() && t <= at());
                assert!(k.last_used_region.is_some() && k.last_used_service.is_some());
            } else {
                assert!(k.last_used_region.is_none() && k.last_used_service.is_none());
            }
        }
        if let Some(t) = row.password_last_used {
            assert!(t <= at() && t >= user.create_date);
        }
        assert!(!row.cert_active[0] && !row.cert_active[1]);
    }
}

#[test]
fn build_tables_accepts_the_account() {
    for drift in [false, true] {
        let g = generated(&opts(200, 6, drift));
        let report = CredentialReport::read(g.credential_report_csv.as_bytes(), "r.csv").unwrap();
        // Through the same JSON the CLI writes.
        let text = serde_json::to_string_pretty(&g.details).unwrap();
        let details = AuthDetails::read(text.as_bytes(), "a.json").unwrap();
        assert_eq!(details, g.details);
        let pages = [Page {
            file: "a.json".to_owned(),
            details,
            account: None,
        }];
        let imported = build_tables(&pages, &[("r.csv", &report)], false).unwrap();
        assert_eq!(imported.account_ids, vec!["111122223333".to_owned()]);
        assert!(imported.notes.is_empty(), "{:?}", imported.notes);
    }
}

#[test]
fn drift_adds_exactly_the_four_changes() {
    for (roles, seed) in [(0, 1), (120, 2), (400, 3)] {
        let base = generated(&opts(roles, seed, false));
        let drifted = generated(&opts(roles, seed, true));
        let (b, d) = (&base.details, &drifted.details);

        // Roles: exactly two more, everything else identical.
        let base_names: BTreeSet<&str> = b
            .role_detail_list
            .iter()
            .map(|r| r.role_name.as_str())
            .collect();
        let drift_names: BTreeSet<&str> = d
            .role_detail_list
            .iter()
            .map(|r| r.role_name.as_str())
            .collect();
        let added: Vec<&str> = drift_names.difference(&base_names).copied().collect();
        assert_eq!(added, vec!["gh-actions-deploy-new", "partner-data-sync"]);
        assert!(base_names.is_subset(&drift_names));
        let kept: Vec<&RoleDetail> = d
            .role_detail_list
            .iter()
            .filter(|r| !added.contains(&r.role_name.as_str()))
            .collect();
        assert_eq!(kept, b.role_detail_list.iter().collect::<Vec<_>>());

        let partner = role(d, "partner-data-sync");
        let t = trust(partner);
        assert_eq!(t.statements.len(), 1);
        let s = &t.statements[0];
        assert_eq!(
            s.principal.as_ref().unwrap().entries[0].1,
            "arn:aws:iam::999988887777:root"
        );
        assert!(s.conditions.is_empty());
        assert_eq!(partner.attached_managed_policies.len(), 1);
        let read = policy(d, &partner.attached_managed_policies[0].policy_name);
        let actions: Vec<String> = default_doc(read)
            .statements
            .iter()
            .flat_map(|s| s.action.clone().unwrap_or_default())
            .collect();
        assert!(
            actions
                .iter()
                .all(|a| a.starts_with("s3:Get") || a.starts_with("s3:List"))
        );

        let gh = role(d, "gh-actions-deploy-new");
        let t = trust(gh);
        let s = &t.statements[0];
        assert!(
            s.principal.as_ref().unwrap().entries[0]
                .1
                .ends_with(":oidc-provider/token.actions.githubusercontent.com")
        );
        assert_eq!(
            s.action.as_deref(),
            Some(&["sts:AssumeRoleWithWebIdentity".to_owned()][..])
        );
        assert_eq!(
            s.condition_keys(),
            vec!["token.actions.githubusercontent.com:aud"]
        );

        // Policies: app-data-read widened; counts follow the new roles; nothing else.
        let before = policy(b, "app-data-read");
        let after = policy(d, "app-data-read");
        let only_action = |doc: PolicyDocument| {
            assert_eq!(doc.statements.len(), 1);
            let s = &doc.statements[0];
            assert_eq!(
                s.resource.as_deref(),
                Some(&["arn:aws:s3:::acme-app-data/*".to_owned()][..])
            );
            s.action.clone().unwrap()
        };
        assert_eq!(only_action(default_doc(before)), vec!["s3:GetObject"]);
        assert_eq!(only_action(default_doc(after)), vec!["s3:*"]);
        assert_eq!(before.default_version_id.as_deref(), Some("v1"));
        assert_eq!(after.default_version_id.as_deref(), Some("v2"));
        assert_eq!(after.policy_version_list.len(), 2);
        let v1 = after
            .policy_version_list
            .iter()
            .find(|v| v.version_id == "v1")
            .unwrap();
        assert_eq!(v1.is_default_version, Some(false));
        assert_eq!(v1.document, before.policy_version_list[0].document);
        assert_eq!(v1.create_date, before.policy_version_list[0].create_date);
        assert_eq!(after.update_date, Some(at()));
        assert_eq!(b.policies.len(), d.policies.len());
        let new_attachments: Vec<&str> = [partner, gh]
            .iter()
            .flat_map(|r| {
                r.attached_managed_policies
                    .iter()
                    .map(|a| a.policy_arn.as_str())
            })
            .collect();
        for (p, q) in b.policies.iter().zip(&d.policies) {
            let extra = new_attachments.iter().filter(|a| **a == p.arn).count() as i64;
            let mut q = q.clone();
            assert_eq!(
                q.attachment_count,
                p.attachment_count.map(|c| c + extra),
                "{}",
                p.arn
            );
            q.attachment_count = p.attachment_count;
            if p.policy_name == "app-data-read" {
                continue;
            }
            assert_eq!(&q, p);
        }

        // Users and groups: identical; the report differs in ci-deployer's row only.
        assert_eq!(b.user_detail_list, d.user_detail_list);
        assert_eq!(b.group_detail_list, d.group_detail_list);
        let bl: Vec<&str> = base.credential_report_csv.lines().collect();
        let dl: Vec<&str> = drifted.credential_report_csv.lines().collect();
        assert_eq!(bl.len(), dl.len());
        let changed: Vec<(&&str, &&str)> = bl.iter().zip(&dl).filter(|(x, y)| x != y).collect();
        assert_eq!(changed.len(), 1);
        assert!(changed[0].0.starts_with("ci-deployer,"));
        let rb = CredentialReport::read(base.credential_report_csv.as_bytes(), "b").unwrap();
        let rd = CredentialReport::read(drifted.credential_report_csv.as_bytes(), "d").unwrap();
        let ci = |r: &CredentialReport| {
            r.rows
                .iter()
                .find(|x| x.user == "ci-deployer")
                .unwrap()
                .clone()
        };
        let (cb, cd) = (ci(&rb), ci(&rd));
        assert_eq!(cb.keys.iter().filter(|k| k.active).count(), 1);
        assert_eq!(cd.keys.iter().filter(|k| k.active).count(), 2);
        assert_eq!(cb.keys[0], cd.keys[0]);
        assert_eq!(
            cd.keys[1].last_rotated,
            Some(at() - chrono::TimeDelta::days(1))
        );
        assert_eq!(cd.keys[1].last_used_date, None);
    }
}

#[test]
fn dates_are_whole_seconds_and_not_after_at() {
    let mut o = opts(60, 3, true);
    o.at = Utc.with_ymd_and_hms(2024, 2, 29, 13, 45, 10).unwrap()
        + chrono::TimeDelta::milliseconds(789);
    let g = generated(&o);
    let text = json(&g);
    let details = AuthDetails::read(text.as_bytes(), "a.json").unwrap();
    assert_eq!(details, g.details);
    let limit = o.at;
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut stack = vec![&v];
    let mut dates = 0;
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k.ends_with("Date") {
                        let t = iamsnap_import::date::parse_date(x.as_str().unwrap()).unwrap();
                        assert!(t <= limit, "{k} {x}");
                        dates += 1;
                    }
                    stack.push(x);
                }
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    assert!(dates > 100);
}

fn planted_set(g: &Generated) -> BTreeSet<(String, String, String)> {
    g.planted
        .iter()
        .map(|p| (p.rule.clone(), p.resource.clone(), p.detail.clone()))
        .collect()
}

#[test]
fn planted_problems_name_existing_principals_sorted_and_unique() {
    for (roles, seed) in [(0, 1), (30, 2), (300, 3)] {
        let g = generated(&opts(roles, seed, false));
        let mut sorted = g.planted.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(g.planted, sorted);
        let d = &g.details;
        let arns: HashSet<&str> = d
            .role_detail_list
            .iter()
            .map(|r| r.arn.as_str())
            .chain(d.user_detail_list.iter().map(|u| u.arn.as_str()))
            .collect();
        for p in &g.planted {
            assert!(arns.contains(p.resource.as_str()), "{p:?}");
            assert!(p.rule.starts_with("NHI-"), "{p:?}");
        }
        if roles >= 30 {
            // The first roles take each kind once: one of them trusts anyone.
            let rules: BTreeSet<&str> = g.planted.iter().map(|p| p.rule.as_str()).collect();
            for rule in [
                planted::TRUST_ANYONE,
                planted::TRUST_OIDC_NO_SUB,
                planted::TRUST_NO_EXTERNAL_ID,
                planted::TRUST_OTHER_ACCOUNT,
                planted::ESCALATION,
                planted::KEY_OLD,
                planted::KEY_TWO_ACTIVE,
                planted::PASSWORD_WITHOUT_MFA,
            ] {
                assert!(rules.contains(rule), "seed {seed}: no {rule} in {rules:?}");
            }
        }
        // Trusting anyone: `Principal: {"AWS": "*"}`, with or without a condition.
        for p in &g.planted {
            if p.rule == planted::TRUST_ANYONE || p.rule == planted::TRUST_ANYONE_WITH_CONDITION {
                let r = d
                    .role_detail_list
                    .iter()
                    .find(|r| r.arn == p.resource)
                    .unwrap();
                let t = trust(r);
                let s = &t.statements[0];
                assert_eq!(s.principal.as_ref().unwrap().entries[0].1, "*");
                assert_eq!(
                    s.conditions.is_empty(),
                    p.rule == planted::TRUST_ANYONE,
                    "{p:?}"
                );
            }
        }
    }
}

#[test]
fn drift_plants_what_it_adds() {
    let base = generated(&opts(120, 2, false));
    let drifted = generated(&opts(120, 2, true));
    let (b, d) = (planted_set(&base), planted_set(&drifted));
    let added: Vec<(String, String, String)> = d.difference(&b).cloned().collect();
    let p = |rule: &str, resource: &str, detail: &str| {
        (
            rule.to_owned(),
            format!("arn:aws:iam::111122223333:{resource}"),
            detail.to_owned(),
        )
    };
    let mut expected = vec![
        p(planted::TRUST_NO_EXTERNAL_ID, "role/partner-data-sync", ""),
        p(planted::TRUST_OTHER_ACCOUNT, "role/partner-data-sync", ""),
        p(planted::TRUST_OIDC_NO_SUB, "role/gh-actions-deploy-new", ""),
        p(planted::KEY_TWO_ACTIVE, "user/service/ci-deployer", ""),
    ];
    expected.sort();
    assert_eq!(added, expected);
    assert!(b.is_subset(&d));
}

#[test]
fn assess_combines_what_policies_allow() {
    use planted::{Access, Caps, Principal, assess};
    let methods = |caps: Caps, principal: Principal, boundary: bool| match assess(
        caps, principal, boundary,
    ) {
        Access::Admin => panic!("admin"),
        Access::Limited(m) => m.into_iter().collect::<Vec<_>>(),
    };
    assert_eq!(assess(Caps::ADMIN, Principal::Role, false), Access::Admin);
    // A boundary leaves everything but IAM; a require-MFA deny leaves nothing.
    let bounded = methods(Caps::ADMIN, Principal::Role, true);
    assert!(bounded.contains(&"LAMBDA-UPDATE-FUNCTION-CODE"));
    assert!(
        !bounded
            .iter()
            .any(|m| m.starts_with("IAM-") || m.starts_with("PASSROLE-"))
    );
    assert!(
        methods(
            Caps::ADMIN.with(Caps::DENY_WITHOUT_MFA),
            Principal::User,
            false
        )
        .is_empty()
    );
    // A deny of a few actions makes `*` not quite admin.
    let all = methods(Caps::ADMIN.with(Caps::PARTIAL_DENY), Principal::Role, false);
    assert!(all.contains(&"IAM-PUT-ROLE-POLICY") && all.contains(&"PASSROLE-ECS-TASK"));
    // Passing roles needs a service to pass them to.
    assert_eq!(
        methods(
            Caps::PASS_ROLE.with(Caps::EC2_RUN_INSTANCES),
            Principal::Role,
            false
        ),
        ["PASSROLE-EC2-RUN-INSTANCES"]
    );
    assert!(methods(Caps::PASS_ROLE, Principal::Role, false).is_empty());
    // A role edits its own policies; a user needs to get into a role too.
    assert_eq!(
        methods(Caps::ROLE_POLICIES, Principal::Role, false),
        ["IAM-ATTACH-ROLE-POLICY", "IAM-PUT-ROLE-POLICY"]
    );
    assert!(methods(Caps::ROLE_POLICIES, Principal::User, false).is_empty());
    assert_eq!(
        methods(
            Caps::ROLE_POLICIES.with(Caps::ASSUME_ROLE),
            Principal::User,
            false
        ),
        [
            "IAM-ATTACH-ROLE-POLICY",
            "IAM-PUT-ROLE-POLICY",
            "STS-ASSUME-ROLE"
        ]
    );
    // Groups are for users.
    let iam_user = methods(Caps::IAM, Principal::User, false);
    let iam_role = methods(Caps::IAM, Principal::Role, false);
    assert!(iam_user.contains(&"IAM-ADD-USER-TO-GROUP"));
    assert!(!iam_role.contains(&"IAM-ADD-USER-TO-GROUP"));
}

fn org(accounts: usize, seed: u64) -> GeneratedOrg {
    generate_org(&OrgOptions {
        accounts,
        roles_per_account: 10,
        seed,
        at: at(),
        management_account_id: "111122223333".to_owned(),
    })
    .unwrap()
}

/// The resource files of account `id` of `o`.
fn resource_files<'a>(o: &'a GeneratedOrg, id: &str) -> Vec<&'a CaptureFile> {
    let prefix = format!("accounts/{id}/resources/");
    o.files
        .iter()
        .filter(|f| f.path.starts_with(&prefix))
        .collect()
}

#[test]
fn resources_grow_linearly_with_the_accounts() {
    let small = org(10, 4);
    let large = org(40, 4);
    let per_account = |o: &GeneratedOrg| -> Vec<usize> {
        o.account_ids
            .iter()
            .map(|id| resource_files(o, id).len())
            .collect()
    };
    // Every account has resources, and a bounded number of them whatever the size.
    for counts in [per_account(&small), per_account(&large)] {
        assert!(counts.iter().all(|n| (25..=100).contains(n)), "{counts:?}");
    }
    let total = |o: &GeneratedOrg| per_account(o).iter().sum::<usize>();
    let ratio = total(&large) as f64 / total(&small) as f64;
    assert!((3.5..=4.5).contains(&ratio), "{ratio}");
    let resources = |o: &GeneratedOrg| {
        o.planted_resources
            .iter()
            .map(|a| a.resource.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    let ratio = resources(&large) as f64 / resources(&small) as f64;
    assert!((3.5..=4.5).contains(&ratio), "{ratio}");
}

#[test]
fn resources_are_deterministic_and_every_policy_parses_as_a_resource_policy() {
    let a = org(6, 8);
    let b = org(6, 8);
    assert_eq!(a.files, b.files);
    assert_eq!(a.planted_resources, b.planted_resources);
    let other = org(6, 9);
    assert_ne!(a.planted_resources, other.planted_resources);
    let mut policies = 0;
    for f in a.files.iter().filter(|f| f.path.contains("/resources/")) {
        if f.bytes.is_empty() || f.path.ends_with(".none") {
            continue;
        }
        let v: Value = serde_json::from_slice(&f.bytes).unwrap();
        let text = v
            .get("Policy")
            .or_else(|| v.get("ResourcePolicy"))
            .or_else(|| v.get("policyText"))
            .or_else(|| v.get("Attributes").and_then(|a| a.get("Policy")))
            .and_then(Value::as_str);
        if let Some(text) = text {
            let kind = if f.path.contains("/ecr/") {
                iamsnap_policy::DocumentKind::ImpliedResource
            } else {
                iamsnap_policy::DocumentKind::Resource
            };
            let doc: Value = serde_json::from_str(text).unwrap();
            iamsnap_policy::parse_document_as(&doc, kind)
                .unwrap_or_else(|e| panic!("{}: {e}", f.path));
            policies += 1;
        }
    }
    // Every recorded resource with a policy has one in the files.
    let with_policy: BTreeSet<&str> = a
        .planted_resources
        .iter()
        .filter(|r| r.via == "policy")
        .map(|r| r.resource.as_str())
        .collect();
    assert_eq!(policies, with_policy.len());
    // Every exposure is planted.
    let exposures: BTreeSet<Exposure> = a.planted_resources.iter().map(|r| r.exposure).collect();
    assert_eq!(exposures.len(), 7, "{exposures:?}");
}
