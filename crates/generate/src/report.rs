//! The IAM credential report CSV of a generated account.

use chrono::{DateTime, Utc};
use iamsnap_import::credential_report::COLUMNS;

use crate::users::{Key, UserRec};

/// A date as the credential report writes it.
fn date(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// The five columns of one access key slot.
fn key_columns(key: Option<&Key>) -> [String; 5] {
    let na = || "N/A".to_owned();
    match key {
        None => ["false".to_owned(), na(), na(), na(), na()],
        Some(k) => {
            let (used, region, service) = match &k.last_used {
                Some(u) => (date(&u.at), u.region.to_owned(), u.service.to_owned()),
                None => (na(), na(), na()),
            };
            [
                k.active.to_string(),
                date(&k.created),
                used,
                region,
                service,
            ]
        }
    }
}

/// The report: header, the root row, then one row per user in the order given.
pub(super) fn render(
    acct: &str,
    account_created: DateTime<Utc>,
    root_password_last_used: DateTime<Utc>,
    users: &[UserRec],
) -> String {
    let mut out = String::with_capacity(256 * (users.len() + 2));
    out.push_str(&COLUMNS.join(","));
    out.push('\n');
    let no_keys = [key_columns(None), key_columns(None)];
    let root: Vec<String> = [
        "<root_account>".to_owned(),
        format!("arn:aws:iam::{acct}:root"),
        date(&account_created),
        "not_supported".to_owned(),
        date(&root_password_last_used),
        "not_supported".to_owned(),
        "not_supported".to_owned(),
        "true".to_owned(),
    ]
    .into_iter()
    .chain(no_keys.into_iter().flatten())
    .chain(certs())
    .collect();
    out.push_str(&root.join(","));
    out.push('\n');
    for u in users {
        let c = &u.creds;
        let password: [String; 4] = match &c.password {
            None => [
                "false".to_owned(),
                "N/A".to_owned(),
                "N/A".to_owned(),
                "N/A".to_owned(),
            ],
            Some(p) => [
                "true".to_owned(),
                p.last_used
                    .as_ref()
                    .map(date)
                    .unwrap_or_else(|| "no_information".to_owned()),
                date(&p.last_changed),
                "N/A".to_owned(),
            ],
        };
        let [k1, k2] = &c.keys;
        let row: Vec<String> = [
            u.detail.user_name.clone(),
            u.detail.arn.clone(),
            date(&u.detail.create_date),
        ]
        .into_iter()
        .chain(password)
        .chain([c.mfa.to_string()])
        .chain(key_columns(k1.as_ref()))
        .chain(key_columns(k2.as_ref()))
        .chain(certs())
        .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// No signing certificates.
fn certs() -> [String; 4] {
    [
        "false".to_owned(),
        "N/A".to_owned(),
        "false".to_owned(),
        "N/A".to_owned(),
    ]
}
