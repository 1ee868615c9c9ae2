//! Randomness, ids, dates and unique names, all derived from one seeded ChaCha8 stream.
//!
//! Sets and maps here only answer "was this taken?": nothing iterates them, so their order
//! never reaches the output.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The characters of IAM unique ids after their 4-letter prefix (base32, as AWS uses).
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &[u8] = b"0123456789abcdef";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const DIGITS: &[u8] = b"0123456789";

/// Seconds in a day.
pub(super) const DAY: i64 = 86_400;

/// `t` moved by `seconds` (saturating at `t` on overflow).
pub(super) fn plus(t: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    TimeDelta::try_seconds(seconds)
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(t)
}

/// `t` moved back by `days`.
pub(super) fn days_before(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    plus(t, -days.saturating_mul(DAY))
}

/// The random source of one generated account.
pub(super) struct Gen {
    rng: ChaCha8Rng,
    ids: HashSet<String>,
}

impl Gen {
    pub(super) fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            ids: HashSet::new(),
        }
    }

    /// A uniform integer in `0..n` (0 when `n` is 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        usize::try_from(self.rng.random_range(0..n)).unwrap_or(0)
    }

    /// A uniform integer in `lo..=hi` (`lo` when the range is empty).
    pub(super) fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// A uniform integer in `lo..=hi` for date arithmetic.
    pub(super) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.rng.random_range(lo..=hi)
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.random::<f64>() < p
    }

    /// One element of `items`, if any.
    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let i = self.below(items.len());
        items.get(i).copied()
    }

    /// One word of a non-empty static list.
    pub(super) fn word(&mut self, items: &[&'static str]) -> &'static str {
        self.pick(items).unwrap_or_default()
    }

    /// One element chosen by weight; `None` when every weight is 0.
    pub(super) fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut roll = self.rng.random_range(0..total);
        for (item, w) in items {
            let w = u64::from(*w);
            if roll < w {
                return Some(*item);
            }
            roll -= w;
        }
        None
    }

    /// Shuffles `items` in place.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        items.shuffle(&mut self.rng);
    }

    fn token(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let i = self.below(alphabet.len());
                char::from(alphabet.get(i).copied().unwrap_or(b'A'))
            })
            .collect()
    }

    /// A unique IAM id: `prefix` (`AROA`, `AIDA`, ...) and 17 base32 characters.
    pub(super) fn id(&mut self, prefix: &str) -> String {
        loop {
            let id = format!("{prefix}{}", self.token(ID_ALPHABET, 17));
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    /// Marks a fixed id as taken, so no generated id repeats it.
    pub(super) fn reserve_id(&mut self, id: &str) {
        self.ids.insert(id.to_owned());
    }

    /// `len` lowercase hex digits.
    pub(super) fn hex(&mut self, len: usize) -> String {
        self.token(HEX, len)
    }

    /// `len` lowercase letters and digits.
    pub(super) fn lower_alnum(&mut self, len: usize) -> String {
        self.token(LOWER_ALNUM, len)
    }

    /// A random UUID-shaped string.
    pub(super) fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }

    /// A 12-digit AWS account id not starting with 0.
    pub(super) fn account_id(&mut self) -> String {
        let first = char::from(b'1' + u8::try_from(self.below(9)).unwrap_or(0));
        format!("{first}{}", self.token(DIGITS, 11))
    }

    /// A uniform instant in `[lo, hi]`, whole seconds; `lo` when `hi <= lo`.
    pub(super) fn between(&mut self, lo: DateTime<Utc>, hi: DateTime<Utc>) -> DateTime<Utc> {
        let span = (hi - lo).num_seconds();
        if span <= 0 {
            return lo;
        }
        plus(lo, self.range_i64(0, span))
    }

    /// A uniform instant between `max_days` and `min_days` before `at`, not before `floor`.
    pub(super) fn days_ago(
        &mut self,
        at: DateTime<Utc>,
        min_days: i64,
        max_days: i64,
        floor: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let lo = days_before(at, max_days).max(floor);
        let hi = days_before(at, min_days).max(lo);
        self.between(lo, hi).min(at)
    }
}

/// Names unique within one kind of entity (IAM compares them without case).
#[derive(Default)]
pub(super) struct Names {
    used: HashSet<String>,
    next: HashMap<String, u32>,
}

impl Names {
    /// Limit of IAM role and user names.
    const MAX: usize = 64;

    /// Marks `name` as taken.
    pub(super) fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_ascii_lowercase());
    }

    /// Whether `name` is taken.
    pub(super) fn contains(&self, name: &str) -> bool {
        self.used.contains(&name.to_ascii_lowercase())
    }

    /// `base` if free, else `base-2`, `base-3`, ...; names are ASCII and at most 64 long.
    pub(super) fn take(&mut self, base: &str) -> String {
        let base = base.get(..Self::MAX.min(base.len())).unwrap_or(base);
        if self.used.insert(base.to_ascii_lowercase()) {
            return base.to_owned();
        }
        let short = base.get(..(Self::MAX - 8).min(base.len())).unwrap_or(base);
        let key = short.to_ascii_lowercase();
        let mut n = self.next.get(&key).copied().unwrap_or(2);
        loop {
            let candidate = format!("{short}-{n}");
            n += 1;
            if self.used.insert(candidate.to_ascii_lowercase()) {
                self.next.insert(key, n);
                return candidate;
            }
        }
    }
}
