//! The resource limits of `query`, `repl` and `check`: flags and their parsing.

use std::time::Duration;

use iamsnap_engine::{DEFAULT_MEMORY_LIMIT, Limits};

/// The default of `--timeout` (one statement of `query` or `repl`).
pub const DEFAULT_TIMEOUT: &str = "10m";

/// The default of `--rule-timeout` (one rule of `check`).
pub const DEFAULT_RULE_TIMEOUT: &str = "60s";

/// The default of `--memory-limit`, as text for the help.
pub const DEFAULT_MEMORY: &str = "2GiB";

const _: () = assert!(DEFAULT_MEMORY_LIMIT == 2 << 30);

/// The stack of the thread that runs a command and of the query runtime's threads. Planning
/// SQL and rules recurses once per level of nesting; statements nested deeper than
/// [`iamsnap_engine::MAX_NESTING`] are refused, and this stack holds that depth with room to
/// spare in any build. It is address space, taken from memory only as it is used.
pub const STACK_SIZE: usize = 256 << 20;

/// `--memory-limit` and `--timeout`: the limits of a statement.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct StatementLimits {
    /// The memory one statement may use, its result included (e.g. `512MiB`, `4GiB`). A
    /// statement that needs more fails; nothing spills to disk.
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MEMORY, value_parser = parse_size)]
    pub memory_limit: usize,

    /// The time one statement may run (e.g. `30s`, `10m`, `1h`; `none` for no limit).
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_TIMEOUT, value_parser = parse_timeout)]
    pub timeout: Timeout,
}

impl StatementLimits {
    pub fn limits(&self) -> Limits {
        Limits {
            memory: self.memory_limit,
            timeout: self.timeout.0,
        }
    }
}

/// A time limit, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub Option<Duration>);

/// `512MiB`, `2GiB`, `1.5GB`, `1000000` (bytes): binary units (KiB, MiB, GiB, TiB) and
/// decimal ones (KB, MB, GB, TB); letters in any case, a space allowed before the unit.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad =
        || format!("`{text}` is not a size: write a number with a unit, e.g. 512MiB, 2GiB, 4GB");
    let value: f64 = number.parse().map_err(|_| bad())?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return Err(bad()),
    };
    let bytes = value * factor;
    // Below 1 MiB no query can run; above 2^52 bytes a size is no longer exact.
    if !(bytes >= (1u64 << 20) as f64 && bytes <= (1u64 << 52) as f64) {
        return Err(format!(
            "`{text}`: the memory limit must be between 1MiB and 4096TiB"
        ));
    }
    Ok(bytes as usize)
}

/// `500ms`, `30s`, `10m`, `1h`, `90` (seconds), or `none`.
pub fn parse_timeout(text: &str) -> Result<Timeout, String> {
    let t = text.trim().to_ascii_lowercase();
    if t == "none" {
        return Ok(Timeout(None));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || {
        format!(
            "`{text}` is not a duration: write a number with a unit, e.g. 30s, 10m, 1h, or `none`"
        )
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" | "sec" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(bad()),
    };
    if !(seconds > 0.0 && seconds <= 366.0 * 24.0 * 3600.0) {
        return Err(format!(
            "`{text}`: a time limit must be more than 0 and at most a year (or `none`)"
        ));
    }
    Ok(Timeout(Some(Duration::from_secs_f64(seconds))))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn sizes_take_binary_and_decimal_units() {
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("256 mib").unwrap(), 256 << 20);
        assert_eq!(parse_size("1.5G").unwrap(), 3 << 29);
        assert_eq!(parse_size("4GB").unwrap(), 4_000_000_000);
        assert_eq!(parse_size("2097152").unwrap(), 2 << 20);
        assert!(
            parse_size("lots")
                .unwrap_err()
                .contains("`lots` is not a size")
        );
        assert!(parse_size("12").unwrap_err().contains("between 1MiB"));
        assert!(parse_size("2XB").is_err());
    }

    #[test]
    fn timeouts_take_units_or_none() {
        assert_eq!(
            parse_timeout("60s").unwrap().0,
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_timeout("10m").unwrap().0,
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            parse_timeout("1h").unwrap().0,
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_timeout("250ms").unwrap().0,
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_timeout("90").unwrap().0,
            Some(Duration::from_secs(90))
        );
        assert_eq!(parse_timeout("none").unwrap().0, None);
        assert!(parse_timeout("0s").unwrap_err().contains("more than 0"));
        assert!(
            parse_timeout("soon")
                .unwrap_err()
                .contains("not a duration")
        );
    }
}
