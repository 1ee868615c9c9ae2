//! Dates as IAM inputs write them: ISO 8601 from the AWS CLI (`2014-07-30T17:09:20Z`) and
//! Python's `str(datetime)` from boto3-based scripts (`2023-03-09 10:41:45+00:00`).

use chrono::{DateTime, NaiveDateTime, Utc};
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Parses an IAM date in any of the styles tools write.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(text, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    // Without an offset, IAM dates are UTC.
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(t.and_utc());
        }
    }
    None
}

/// Formats a date as the AWS CLI does.
pub fn format_date(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// What a date may be written as: text in one of the styles above, or seconds since the
/// epoch (as some tools write them); `null` where the input has no date.
struct DateVisitor;

/// Said in errors: what a date should look like.
pub const EXPECTED_DATE: &str =
    "a date such as `2014-07-30T17:09:20Z` or `2023-03-09 10:41:45+00:00`";

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED_DATE)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        parse_date(s)
            .map(Some)
            .ok_or_else(|| E::custom(format!("invalid date `{s}`: expected {EXPECTED_DATE}")))
    }

    fn visit_f64<E: de::Error>(self, secs: f64) -> Result<Self::Value, E> {
        let micros = (secs * 1e6).round();
        if micros.is_finite() && micros.abs() < 1e17 {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "checked finite and well within i64 above"
            )]
            if let Some(t) = DateTime::from_timestamp_micros(micros as i64) {
                return Ok(Some(t));
            }
        }
        Err(E::custom(format!(
            "invalid date `{secs}`: as seconds since 1970 it is out of range"
        )))
    }

    fn visit_i64<E: de::Error>(self, secs: i64) -> Result<Self::Value, E> {
        DateTime::from_timestamp(secs, 0).map(Some).ok_or_else(|| {
            E::custom(format!(
                "invalid date `{secs}`: as seconds since 1970 it is out of range"
            ))
        })
    }

    fn visit_u64<E: de::Error>(self, secs: u64) -> Result<Self::Value, E> {
        i64::try_from(secs)
            .map_err(|_| {
                E::custom(format!(
                    "invalid date `{secs}`: as seconds since 1970 it is out of range"
                ))
            })
            .and_then(|s| self.visit_i64(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// serde adapter for a required date.
pub mod required {
    use super::*;

    /// Deserializes a date in any accepted style; `null` is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_any(DateVisitor)?
            .ok_or_else(|| de::Error::custom(format!("expected {EXPECTED_DATE}, found null")))
    }

    /// Serializes a date as the AWS CLI does.
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_date(t))
    }
}

/// serde adapter for an optional date: absent or `null` is `None`.
pub mod optional {
    use super::*;

    /// Deserializes an optional date in any accepted style.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        d.deserialize_any(DateVisitor)
    }

    /// Serializes an optional date as the AWS CLI does.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_date(t)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_cli_and_python_styles() {
        let a = parse_date("2014-07-30T17:09:20Z");
        let b = parse_date("2014-07-30 17:09:20+00:00");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(
            parse_date("2023-03-09 10:41:45.123456+00:00")
                .map(|t| t.timestamp_micros() % 1_000_000),
            Some(123_456)
        );
        assert_eq!(
            parse_date("2016-07-13T19:47:05+02:00"),
            parse_date("2016-07-13T17:47:05Z")
        );
        assert_eq!(parse_date("yesterday"), None);
    }
}
