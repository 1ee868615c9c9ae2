//! Where CloudTrail logs are read from other than local files: S3 locations
//! (`s3://bucket/prefix/`), the dates CloudTrail writes into its object keys, and the
//! manifest's names for these sources. Plain data: the reading itself is in `live`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::files::SOURCE_KIND;

/// The manifest's `kind` of CloudTrail logs read from S3.
pub const S3_SOURCE_KIND: &str = "cloudtrail_s3";

/// The manifest's `kind` of events read with CloudTrail `LookupEvents`.
pub const LOOKUP_SOURCE_KIND: &str = "cloudtrail_lookup_events";

/// `LookupEvents` reaches back this many days at most (CloudTrail's event history).
pub const LOOKUP_MAX_DAYS: u32 = 90;

/// Whether a manifest input `kind` is one of the CloudTrail sources of the `activity` table.
pub fn is_source_kind(kind: &str) -> bool {
    [SOURCE_KIND, S3_SOURCE_KIND, LOOKUP_SOURCE_KIND].contains(&kind)
}

/// A bucket and a key prefix: `s3://bucket/prefix/`.
///
/// The prefix names a folder: a trailing `/` is implied, so `s3://b/AWSLogs` reads
/// `AWSLogs/...`, never `AWSLogsOld/...`. An empty prefix is the whole bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct S3Location {
    /// The bucket name.
    pub bucket: String,
    /// The key prefix, empty or ending with `/`.
    pub prefix: String,
}

/// Why a text is not an S3 location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not an S3 location: {reason}; write it as s3://BUCKET/PREFIX/, e.g. s3://my-trail-bucket/AWSLogs/"
)]
pub struct S3LocationError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for S3Location {
    type Err = S3LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| S3LocationError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| fail("it does not start with `s3://`"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(fail("it names no bucket"));
        }
        // S3's rules for bucket names: 3 to 63 lowercase letters, digits, dots and hyphens,
        // starting and ending with a letter or a digit.
        let valid_chars = bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        let valid_ends = bucket
            .bytes()
            .next()
            .zip(bucket.bytes().last())
            .is_some_and(|(a, z)| a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric());
        if !(3..=63).contains(&bucket.len()) || !valid_chars || !valid_ends {
            return Err(fail(&format!(
                "`{bucket}` is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"
            )));
        }
        let mut prefix = prefix.trim_start_matches('/').to_owned();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(S3Location {
            bucket: bucket.to_owned(),
            prefix,
        })
    }
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

impl S3Location {
    /// The name of an object of this bucket in messages: `s3://bucket/key`.
    pub fn object_name(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

/// Folder names CloudTrail writes a region's dated folders under:
/// `AWSLogs/<account>/<folder>/<region>/YYYY/MM/DD/`.
const TRAIL_FOLDERS: &[&str] = &["CloudTrail", "CloudTrail-Digest", "CloudTrail-Insight"];

/// Where a key prefix stands in CloudTrail's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Depth {
    /// Above a region's folder (the bucket, `AWSLogs/`, an account, `CloudTrail/`): its
    /// subfolders are listed one level at a time.
    Above,
    /// A region's folder or below: the dated folders; `region` is the region's folder
    /// (`.../CloudTrail/us-east-1/`).
    Region {
        /// The region folder's prefix, ending with `/`.
        region: String,
    },
}

/// The index of the trail folder (`CloudTrail`, ...) among `segments`, when one follows an
/// `AWSLogs` segment (so that a prefix of the bucket named `CloudTrail` is not taken for it).
fn trail_folder(segments: &[&str]) -> Option<usize> {
    let logs = segments.iter().position(|s| *s == "AWSLogs")?;
    segments
        .iter()
        .enumerate()
        .skip(logs + 1)
        .filter(|(_, s)| TRAIL_FOLDERS.contains(s))
        .map(|(i, _)| i)
        .next_back()
}

/// Where `prefix` (empty or ending with `/`) stands in CloudTrail's layout.
pub fn depth(prefix: &str) -> Depth {
    let segments: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    match trail_folder(&segments) {
        Some(i) if segments.len() > i + 1 => {
            let region: Vec<&str> = segments.iter().take(i + 2).copied().collect();
            Depth::Region {
                region: format!("{}/", region.join("/")),
            }
        }
        _ => Depth::Above,
    }
}

/// The date CloudTrail wrote into an object's key: the `YYYY/MM/DD` folders below
/// `AWSLogs/.../CloudTrail/<region>/`, else the `_YYYYMMDDTHHMMZ_` part of a CloudTrail file
/// name. `None` for a key that has neither.
pub fn key_date(key: &str) -> Option<NaiveDate> {
    let segments: Vec<&str> = key.split('/').collect();
    if let Some(i) = trail_folder(&segments)
        && let [_, y, m, d, ..] = segments.get(i + 1..).unwrap_or_default()
        && let Some(date) = folder_date(y, m, d)
    {
        return Some(date);
    }
    // `<account>_CloudTrail_<region>_20230710T1145Z_<id>.json.gz`
    let name = segments.last()?;
    name.split('_').find_map(|part| {
        let digits = part.get(..8)?;
        let rest = part.get(8..)?;
        if !rest.starts_with('T') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
    })
}

fn folder_date(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let ok = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(ok(y, 4) && ok(m, 2) && ok(d, 2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(text: &str) -> Result<S3Location, String> {
        text.parse::<S3Location>().map_err(|e| e.to_string())
    }

    #[test]
    fn s3_locations_are_parsed_with_an_implied_trailing_slash() {
        let l = loc("s3://my-trail/AWSLogs").unwrap();
        assert_eq!(
            (l.bucket.as_str(), l.prefix.as_str()),
            ("my-trail", "AWSLogs/")
        );
        assert_eq!(l.to_string(), "s3://my-trail/AWSLogs/");
        assert_eq!(loc("s3://my-trail/AWSLogs/").unwrap(), l);
        let whole = loc("s3://my-trail").unwrap();
        assert_eq!(whole.prefix, "");
        assert_eq!(loc("s3://my-trail/").unwrap(), whole);
        assert_eq!(
            l.object_name("AWSLogs/1/x.json.gz"),
            "s3://my-trail/AWSLogs/1/x.json.gz"
        );
    }

    #[test]
    fn what_is_not_an_s3_location_says_why() {
        let err = loc("notaurl").unwrap_err();
        assert!(
            err.starts_with("`notaurl` is not an S3 location: it does not start with `s3://`"),
            "{err}"
        );
        assert!(err.contains("s3://BUCKET/PREFIX/"), "{err}");
        assert!(loc("s3://").unwrap_err().contains("it names no bucket"));
        assert!(
            loc("s3:///AWSLogs")
                .unwrap_err()
                .contains("it names no bucket")
        );
        assert!(
            loc("s3://My_Bucket/x")
                .unwrap_err()
                .contains("`My_Bucket` is not a bucket name")
        );
        assert!(loc("s3://ab").unwrap_err().contains("is not a bucket name"));
        assert!(loc("https://bucket/x").is_err());
    }

    #[test]
    fn dates_come_from_the_folders_else_the_file_name() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(
            key_date(
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/22/111122223333_CloudTrail_us-east-1_20261122T1205Z_a.json.gz"
            ),
            date(2026, 11, 22)
        );
        // An organization trail, under a prefix of the bucket named like a trail folder.
        assert_eq!(
            key_date(
                "CloudTrail/AWSLogs/o-abc/111122223333/CloudTrail-Digest/eu-west-1/2025/01/31/x.json.gz"
            ),
            date(2025, 1, 31)
        );
        // No dated folders: the file name.
        assert_eq!(
            key_date("copies/218007301253_CloudTrail_us-east-1_20230710T1145Z_7xgo.json"),
            date(2023, 7, 10)
        );
        assert_eq!(
            key_date("AWSLogs/1/CloudTrail/us-east-1/2026/13/01/x.json"),
            None
        );
        assert_eq!(key_date("logs/x.json"), None);
    }

    #[test]
    fn prefixes_above_a_region_are_walked_and_below_it_listed() {
        assert_eq!(depth(""), Depth::Above);
        assert_eq!(depth("AWSLogs/"), Depth::Above);
        assert_eq!(depth("AWSLogs/111122223333/CloudTrail/"), Depth::Above);
        // `CloudTrail/` before `AWSLogs/` is a prefix of the bucket, not the trail folder.
        assert_eq!(depth("CloudTrail/us-east-1/"), Depth::Above);
        assert_eq!(
            depth("AWSLogs/111122223333/CloudTrail/us-east-1/"),
            Depth::Region {
                region: "AWSLogs/111122223333/CloudTrail/us-east-1/".to_owned()
            }
        );
        assert_eq!(
            depth("x/AWSLogs/o-1/2/CloudTrail-Digest/eu-west-1/2026/11/"),
            Depth::Region {
                region: "x/AWSLogs/o-1/2/CloudTrail-Digest/eu-west-1/".to_owned()
            }
        );
        assert!(is_source_kind("cloudtrail_s3") && is_source_kind("cloudtrail_logs"));
        assert!(!is_source_kind("auth_details"));
    }
}
