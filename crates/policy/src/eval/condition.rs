//! Evaluation of condition blocks against the request context.

use std::net::IpAddr;

use iamsnap_catalog::glob::Case;

use super::context::{Context, ContextValue};
use super::template::Template;
use crate::condition::{ConditionOperator, OperatorFamily, SetQualifier};
use crate::document::Condition;

/// A condition compiled for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    op: ConditionOperator,
    key: String,
    values: Vec<Value>,
}

#[derive(Debug, Clone)]
enum Value {
    /// String, Bool, Binary values: compared as text.
    Text(Template),
    /// ARN values: six segments matched separately.
    Arn(Vec<Template>),
    /// Numeric, Date and IP values: parsed per request (after variables, if any).
    Parsed(Template),
}

impl CompiledCondition {
    pub(crate) fn new(c: &Condition, variables: bool) -> Self {
        let op = c.operator.clone();
        let values = c
            .values
            .iter()
            .map(|v| match op.family {
                OperatorFamily::String => {
                    let (case, wild) = match op.base {
                        "StringEqualsIgnoreCase" | "StringNotEqualsIgnoreCase" => {
                            (Case::Insensitive, false)
                        }
                        "StringLike" | "StringNotLike" => (Case::Sensitive, true),
                        _ => (Case::Sensitive, false),
                    };
                    Value::Text(Template::new(v, case, variables, wild))
                }
                OperatorFamily::Bool | OperatorFamily::Binary | OperatorFamily::Null => {
                    Value::Text(Template::new(v, Case::Sensitive, variables, false))
                }
                // ARN conditions compare every part with case (AWS documents them as
                // case-sensitive); `Resource` elements do not.
                OperatorFamily::Arn => Value::Arn(arn_segments(v, variables, Case::Sensitive)),
                OperatorFamily::Numeric | OperatorFamily::Date | OperatorFamily::IpAddress => {
                    Value::Parsed(Template::new(v, Case::Sensitive, false, false))
                }
            })
            .collect();
        Self {
            op,
            key: c.key.to_ascii_lowercase(),
            values,
        }
    }

    /// Whether the condition holds for the request.
    pub(crate) fn holds(&self, ctx: &Context) -> bool {
        let value = ctx.get_lowercase(&self.key);
        if self.op.family == OperatorFamily::Null {
            let absent = value.is_none();
            return self.values.iter().any(|v| match v {
                Value::Text(t) => t
                    .resolve(ctx)
                    .is_some_and(|s| s.eq_ignore_ascii_case(if absent { "true" } else { "false" })),
                _ => false,
            });
        }
        match self.op.qualifier {
            Some(SetQualifier::ForAllValues) => match value {
                None => true,
                Some(v) => v.values().iter().all(|item| self.matches_one(item, ctx)),
            },
            Some(SetQualifier::ForAnyValue) => match value {
                None => self.op.if_exists,
                Some(v) => v.values().iter().any(|item| self.matches_one(item, ctx)),
            },
            None => match value {
                None => self.op.if_exists || self.op.negated,
                Some(ContextValue::Multi(_)) => false,
                Some(ContextValue::Single(item)) => self.matches_one(item, ctx),
            },
        }
    }

    /// The operator applied to one request value: a positive operator holds when some
    /// policy value matches; a negated one when every policy value resolves and none
    /// matches.
    fn matches_one(&self, item: &str, ctx: &Context) -> bool {
        let mut results = self.values.iter().map(|v| self.value_matches(v, item, ctx));
        if self.op.negated {
            results.all(|r| r == Some(false))
        } else {
            results.any(|r| r == Some(true))
        }
    }

    /// Whether one policy value matches one request value, in the positive sense of the
    /// operator (`StringNotEquals` compares like `StringEquals`); `None` when either side
    /// cannot be read (an unresolved variable, a malformed number, date or address).
    fn value_matches(&self, value: &Value, item: &str, ctx: &Context) -> Option<bool> {
        match value {
            Value::Text(t) => match self.op.family {
                OperatorFamily::Bool => {
                    let policy = t.resolve(ctx)?.to_ascii_lowercase();
                    if policy != "true" && policy != "false" {
                        return None;
                    }
                    Some(policy == item.to_ascii_lowercase())
                }
                _ => t.matches(item, ctx),
            },
            Value::Arn(segments) => arn_matches(segments, item, ctx),
            Value::Parsed(t) => {
                let policy = t.resolve(ctx)?;
                match self.op.family {
                    OperatorFamily::Numeric => {
                        let (p, r) = (parse_number(&policy)?, parse_number(item)?);
                        Some(match self.op.base {
                            "NumericEquals" | "NumericNotEquals" => r == p,
                            "NumericLessThan" => r < p,
                            "NumericLessThanEquals" => r <= p,
                            "NumericGreaterThan" => r > p,
                            _ => r >= p,
                        })
                    }
                    OperatorFamily::Date => {
                        let (p, r) = (parse_date(&policy)?, parse_date(item)?);
                        Some(match self.op.base {
                            "DateEquals" | "DateNotEquals" => r == p,
                            "DateLessThan" => r < p,
                            "DateLessThanEquals" => r <= p,
                            "DateGreaterThan" => r > p,
                            _ => r >= p,
                        })
                    }
                    _ => {
                        let net = Cidr::parse(&policy)?;
                        let ip: IpAddr = item.trim().parse().ok()?;
                        Some(net.contains(ip))
                    }
                }
            }
        }
    }
}

/// Splits an ARN pattern into partition, service, region, account (compared with
/// `prefix_case`) and resource (compared exactly); patterns with fewer parts are padded
/// with `*`.
pub(crate) fn arn_segments(pattern: &str, variables: bool, prefix_case: Case) -> Vec<Template> {
    let mut parts: Vec<&str> = pattern.splitn(6, ':').collect();
    while parts.len() < 6 {
        parts.push("*");
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let case = if i < 5 { prefix_case } else { Case::Sensitive };
            Template::new(p, case, variables, true)
        })
        .collect()
}

pub(crate) fn arn_matches(segments: &[Template], arn: &str, ctx: &Context) -> Option<bool> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 {
        return Some(false);
    }
    for (t, part) in segments.iter().zip(parts) {
        if !t.matches(part, ctx)? {
            return Some(false);
        }
    }
    Some(true)
}

fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Milliseconds since the epoch. An integer is epoch seconds (as `aws:EpochTime` gives
/// them); anything else is an ISO 8601 date or date-time.
fn parse_date(text: &str) -> Option<i128> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i128>().ok().map(|s| s * 1000);
    }
    iso_millis(t)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.fff]]` with `Z` or `±hh:mm`, into epoch
/// milliseconds. A date without a time is midnight UTC.
fn iso_millis(t: &str) -> Option<i128> {
    let num = |s: &str| -> Option<i128> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = match t.find(['T', 't', ' ']) {
        Some(i) => (t.get(..i)?, Some(t.get(i + 1..)?)),
        None => (t, None),
    };
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(y, m, day) * 86_400_000;
    if let Some(time) = time {
        let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(i) = time.rfind(['+', '-']) {
            let (c, off) = (time.get(..i)?, time.get(i..)?);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let mut hm = off.get(1..)?.split(':');
            let (oh, om) = (num(hm.next()?)?, num(hm.next().unwrap_or("0"))?);
            (c, sign * (oh * 60 + om) * 60_000)
        } else {
            (time, 0)
        };
        let mut c = clock.split(':');
        let h = num(c.next()?)?;
        let mi = num(c.next()?)?;
        let (s, frac) = match c.next() {
            Some(sec) => match sec.split_once('.') {
                Some((s, f)) => {
                    let digits: String = f.chars().take(3).collect();
                    let scale = 10i128.pow(3 - u32::try_from(digits.len()).ok()?);
                    (num(s)?, num(&digits)? * scale)
                }
                None => (num(sec)?, 0),
            },
            None => (0, 0),
        };
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        millis += ((h * 60 + mi) * 60 + s) * 1000 + frac - offset;
    }
    Some(millis)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i128, m: i128, d: i128) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    prefix: u32,
}

impl Cidr {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u32>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let bits = |a: IpAddr| -> (u128, u32) {
            match a {
                IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        };
        let ip = match (self.addr, ip) {
            (IpAddr::V6(_), IpAddr::V4(v)) => IpAddr::V6(v.to_ipv6_mapped()),
            (IpAddr::V4(_), IpAddr::V6(v)) => match v.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            _ => ip,
        };
        let (net, width) = bits(self.addr);
        let (host, _) = bits(ip);
        if self.prefix == 0 {
            return true;
        }
        let shift = width - self.prefix;
        (net >> shift) == (host >> shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_epoch_and_iso() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_date("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse_date("2024-02-29T12:00:00.5Z"),
            parse_date("2024-02-29T12:00:00.500Z")
        );
        assert_eq!(parse_date("86400"), Some(86_400_000));
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn cidrs_hold_v4_and_v6() {
        let net = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(net.contains("203.0.113.77".parse().unwrap()));
        assert!(!net.contains("203.0.114.1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        assert!(
            Cidr::parse("10.0.0.1")
                .unwrap()
                .contains("10.0.0.1".parse().unwrap())
        );
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
    }
}
