//! The IAM credential report (`aws iam get-credential-report`, base64-decoded): a CSV with
//! one row per user and one for the root user.

use std::io::Read;

use chrono::{DateTime, Utc};
use iamsnap_catalog::glob::Case;
use iamsnap_catalog::suggest::{closest, typo_limit};
use iamsnap_cloudtrail::excerpt_to;

use crate::date::parse_date;
use crate::error::ImportError;

/// The report's columns, in the order AWS writes them.
pub const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// One access key's columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyColumns {
    /// `access_key_N_active`.
    pub active: bool,
    /// `access_key_N_last_rotated`: the key's creation or last rotation.
    pub last_rotated: Option<DateTime<Utc>>,
    /// `access_key_N_last_used_date`.
    pub last_used_date: Option<DateTime<Utc>>,
    /// `access_key_N_last_used_region`.
    pub last_used_region: Option<String>,
    /// `access_key_N_last_used_service`.
    pub last_used_service: Option<String>,
}

impl KeyColumns {
    /// Whether the user has a key in this slot (active, or inactive but created).
    pub fn exists(&self) -> bool {
        self.active || self.last_rotated.is_some()
    }
}

/// One row of the report, with typed values; `N/A`, `not_supported` and `no_information`
/// become `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// User name, `<root_account>` for root.
    pub user: String,
    /// ARN.
    pub arn: String,
    /// `user_creation_time`.
    pub user_creation_time: Option<DateTime<Utc>>,
    /// `password_enabled`; `None` for `not_supported` (root).
    pub password_enabled: Option<bool>,
    /// `password_last_used`.
    pub password_last_used: Option<DateTime<Utc>>,
    /// The text of `password_last_used` when it is not a date.
    pub password_last_used_note: Option<String>,
    /// `password_last_changed`.
    pub password_last_changed: Option<DateTime<Utc>>,
    /// `password_next_rotation`.
    pub password_next_rotation: Option<DateTime<Utc>>,
    /// `mfa_active`.
    pub mfa_active: bool,
    /// Access key 1 and 2.
    pub keys: [KeyColumns; 2],
    /// `cert_N_active`.
    pub cert_active: [bool; 2],
    /// `cert_N_last_rotated`.
    pub cert_last_rotated: [Option<DateTime<Utc>>; 2],
}

/// A parsed credential report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialReport {
    /// Rows in file order.
    pub rows: Vec<ReportRow>,
}

const SPECIAL: [&str; 3] = ["N/A", "not_supported", "no_information"];

struct RowReader<'a> {
    file: &'a str,
    line: Option<u64>,
    record: &'a csv::StringRecord,
    index: &'a [usize; 22],
}

impl RowReader<'_> {
    fn err(&self, column: &str, message: String) -> ImportError {
        ImportError::CredentialReport {
            file: self.file.to_owned(),
            line: self.line,
            message: format!("column `{column}`: {message}"),
        }
    }

    fn raw(&self, column: usize) -> &str {
        let at = self.index.get(column).copied().unwrap_or(usize::MAX);
        self.record.get(at).unwrap_or("").trim()
    }

    fn name(column: usize) -> &'static str {
        COLUMNS.get(column).copied().unwrap_or("?")
    }

    fn text(&self, column: usize) -> Option<String> {
        let v = self.raw(column);
        (!v.is_empty() && !SPECIAL.contains(&v)).then(|| v.to_owned())
    }

    fn required_text(&self, column: usize) -> Result<String, ImportError> {
        self.text(column)
            .ok_or_else(|| self.err(Self::name(column), "a value is required".to_owned()))
    }

    fn date(&self, column: usize) -> Result<Option<DateTime<Utc>>, ImportError> {
        let v = self.raw(column);
        if v.is_empty() || SPECIAL.contains(&v) {
            return Ok(None);
        }
        parse_date(v).map(Some).ok_or_else(|| {
            self.err(
                Self::name(column),
                format!("`{v}` is not a date, `N/A`, `no_information` or `not_supported`"),
            )
        })
    }

    fn opt_bool(&self, column: usize) -> Result<Option<bool>, ImportError> {
        let v = self.raw(column);
        if v.eq_ignore_ascii_case("true") {
            Ok(Some(true))
        } else if v.eq_ignore_ascii_case("false") {
            Ok(Some(false))
        } else if v.is_empty() || SPECIAL.contains(&v) {
            Ok(None)
        } else {
            Err(self.err(
                Self::name(column),
                format!("`{v}` is not `true`, `false` or `not_supported`"),
            ))
        }
    }

    fn bool(&self, column: usize) -> Result<bool, ImportError> {
        Ok(self.opt_bool(column)?.unwrap_or(false))
    }

    fn key(&self, first: usize) -> Result<KeyColumns, ImportError> {
        Ok(KeyColumns {
            active: self.bool(first)?,
            last_rotated: self.date(first + 1)?,
            last_used_date: self.date(first + 2)?,
            last_used_region: self.text(first + 3),
            last_used_service: self.text(first + 4),
        })
    }

    fn row(&self) -> Result<ReportRow, ImportError> {
        let last_used = self.raw(4);
        Ok(ReportRow {
            user: self.required_text(0)?,
            arn: self.required_text(1)?,
            user_creation_time: self.date(2)?,
            password_enabled: self.opt_bool(3)?,
            password_last_used: self.date(4)?,
            password_last_used_note: SPECIAL.contains(&last_used).then(|| last_used.to_owned()),
            password_last_changed: self.date(5)?,
            password_next_rotation: self.date(6)?,
            mfa_active: self.bool(7)?,
            keys: [self.key(8)?, self.key(13)?],
            cert_active: [self.bool(18)?, self.bool(20)?],
            cert_last_rotated: [self.date(19)?, self.date(21)?],
        })
    }
}

/// What is wrong with a header of `unknown` columns that lacks the `missing` ones, in
/// words: each unknown column that likely misspells a missing one with it, the other
/// unknown columns, then the other missing columns (the first few of a long list).
fn header_problems(unknown: &[&str], missing: &[&str]) -> String {
    const SHOWN: usize = 8;
    let quoted = |names: &[&str]| {
        let mut out = names
            .iter()
            .take(SHOWN)
            .map(|n| format!("`{}`", excerpt_to(n, 60)))
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > SHOWN {
            out.push_str(&format!(" and {} more", names.len() - SHOWN));
        }
        out
    };
    let plural = |n: usize| if n == 1 { "column" } else { "columns" };
    let mut parts = Vec::new();
    let mut meant = Vec::new();
    let mut other = Vec::new();
    for name in unknown {
        let near = closest(
            name,
            missing.iter().copied().filter(|m| !meant.contains(m)),
            typo_limit(name),
            Case::Insensitive,
        );
        match near {
            Some(near) => {
                meant.push(near);
                parts.push(format!(
                    "unknown column `{}` (did you mean `{near}`?)",
                    excerpt_to(name, 60)
                ));
            }
            None => other.push(*name),
        }
    }
    if !other.is_empty() {
        parts.push(format!(
            "unknown {} {}",
            plural(other.len()),
            quoted(&other)
        ));
    }
    let rest: Vec<&str> = missing
        .iter()
        .copied()
        .filter(|m| !meant.contains(m))
        .collect();
    if rest.len() == COLUMNS.len() {
        parts.push(format!("none of its {} columns", COLUMNS.len()));
    } else if !rest.is_empty() {
        parts.push(format!("missing {} {}", plural(rest.len()), quoted(&rest)));
    }
    parts.join("; ")
}

impl CredentialReport {
    /// Reads a report from CSV text. `file` names the input in errors. Every column AWS
    /// writes is required, and a column this version does not know is an error rather than
    /// silently dropped.
    pub fn read(reader: impl Read, file: &str) -> Result<Self, ImportError> {
        let err = |line: Option<u64>, message: String| ImportError::CredentialReport {
            file: file.to_owned(),
            line,
            message,
        };
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let headers = csv
            .headers()
            .map_err(|e| err(Some(1), format!("cannot read the header: {e}")))?
            .clone();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(err(
                Some(1),
                "the file is empty: expected the report's header row".to_owned(),
            ));
        }
        let mut index = [usize::MAX; 22];
        let mut unknown = Vec::new();
        for (position, header) in headers.iter().enumerate() {
            let header = header.trim();
            match COLUMNS.iter().position(|c| *c == header) {
                Some(c) => {
                    if let Some(slot) = index.get_mut(c) {
                        *slot = position;
                    }
                }
                None => unknown.push(header),
            }
        }
        let missing: Vec<&str> = COLUMNS
            .iter()
            .zip(index)
            .filter(|(_, i)| *i == usize::MAX)
            .map(|(c, _)| *c)
            .collect();
        if !unknown.is_empty() || !missing.is_empty() {
            return Err(ImportError::CredentialReportHeader {
                file: file.to_owned(),
                problems: header_problems(&unknown, &missing),
            });
        }
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        loop {
            let more = csv.read_record(&mut record).map_err(|e| {
                err(
                    e.position().map(|p| p.line()),
                    format!("malformed CSV: {e}"),
                )
            })?;
            if !more {
                break;
            }
            let reader = RowReader {
                file,
                line: record.position().map(|p| p.line()),
                record: &record,
                index: &index,
            };
            rows.push(reader.row()?);
        }
        Ok(Self { rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2015-01-01T00:00:00+00:00,not_supported,2023-01-02T03:04:05+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
ci-bot,arn:aws:iam::111122223333:user/ci-bot,2019-05-01T10:00:00+00:00,false,N/A,N/A,N/A,false,true,2019-05-01T10:00:00+00:00,2026-11-20T08:00:00+00:00,us-east-1,s3,true,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2014-01-01T00:00:00+00:00,true,no_information,2014-01-01T00:00:00+00:00,N/A,false,false,2016-02-02T00:00:00+00:00,2016-03-03T00:00:00+00:00,eu-west-1,iam,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn reads_special_values() {
        let r = CredentialReport::read(REPORT.as_bytes(), "r.csv").unwrap();
        assert_eq!(r.rows.len(), 3);
        let root = &r.rows[0];
        assert_eq!(root.password_enabled, None);
        assert!(root.mfa_active);
        assert!(!root.keys[0].exists());
        let bot = &r.rows[1];
        assert!(bot.keys[0].exists() && bot.keys[1].exists());
        assert_eq!(bot.keys[0].last_used_service.as_deref(), Some("s3"));
        assert_eq!(bot.keys[1].last_used_date, None);
        assert_eq!(bot.password_last_used_note.as_deref(), Some("N/A"));
        let alice = &r.rows[2];
        assert_eq!(alice.password_last_used, None);
        assert_eq!(
            alice.password_last_used_note.as_deref(),
            Some("no_information")
        );
        // Inactive but existing key.
        assert!(!alice.keys[0].active && alice.keys[0].exists());
    }

    #[test]
    fn unknown_and_missing_columns_are_errors() {
        let header = |text: &str| {
            CredentialReport::read(text.as_bytes(), "r.csv")
                .unwrap_err()
                .to_string()
        };
        let extra = REPORT.replacen(
            "cert_2_last_rotated",
            "cert_2_last_rotated,favourite_colour",
            1,
        );
        assert_eq!(
            header(&extra),
            "`r.csv`, line 1: not the header of an IAM credential report: unknown column `favourite_colour`"
        );
        assert_eq!(
            header(&REPORT.replacen("user,arn", "usr,arn", 1)),
            "`r.csv`, line 1: not the header of an IAM credential report: unknown column `usr` (did you mean `user`?)"
        );
        assert_eq!(
            header(&REPORT.replacen(",mfa_active", "", 1)),
            "`r.csv`, line 1: not the header of an IAM credential report: missing column `mfa_active`"
        );
        assert_eq!(
            header("user,arn\nx,y\n"),
            "`r.csv`, line 1: not the header of an IAM credential report: missing columns `user_creation_time`, `password_enabled`, `password_last_used`, `password_last_changed`, `password_next_rotation`, `mfa_active`, `access_key_1_active`, `access_key_1_last_rotated` and 12 more"
        );
        assert_eq!(
            header("name,colour\nx,y\n"),
            "`r.csv`, line 1: not the header of an IAM credential report: unknown columns `name`, `colour`; none of its 22 columns"
        );
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let bad = REPORT.replace(
            "2019-05-01T10:00:00+00:00,false",
            "2019-05-01T10:00:00+00:00,maybe",
        );
        let err = CredentialReport::read(bad.as_bytes(), "r.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`r.csv`, line 3: column `password_enabled`: `maybe` is not `true`, `false` or `not_supported`"
        );
    }
}
