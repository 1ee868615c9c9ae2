//! "Did you mean": the nearest action to a name that is not in the catalog, and the
//! nearest of any list of names ([`closest`]) for every other "did you mean" of iamsnap.

use crate::catalog::{Action, Catalog};
use crate::glob::Case;

/// The Levenshtein distance between `a` and `b`, over characters, exactly (no case
/// folding): the fewest insertions, deletions and substitutions that turn one into the
/// other.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_distance(&a, &b, usize::MAX, &mut (Vec::new(), Vec::new())).unwrap_or(usize::MAX)
}

/// The usual "likely typo" bound for [`closest`]: a third of the name's length in
/// characters, at least 2.
pub fn typo_limit(name: &str) -> usize {
    (name.chars().count() / 3).max(2)
}

/// The candidate nearest to `name` by [`edit_distance`], if it is at most `max_distance`
/// away, for a "did you mean" hint. `case`: whether ASCII case counts. Of equally near
/// candidates the shorter wins, then the earlier.
///
/// `closest("Statment", ["Statement", "Version"], 2, Case::Insensitive)` is `Statement`.
pub fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_distance: usize,
    case: Case,
) -> Option<&'a str> {
    let chars = |s: &str| -> Vec<char> {
        match case {
            Case::Insensitive => s.chars().map(|c| c.to_ascii_lowercase()).collect(),
            Case::Sensitive => s.chars().collect(),
        }
    };
    let wanted = chars(name);
    let mut rows = (Vec::new(), Vec::new());
    let mut best: Option<(usize, usize, &'a str)> = None;
    for candidate in candidates {
        let text = chars(candidate);
        let bound = best.map_or(max_distance, |(d, _, _)| d);
        let Some(d) = bounded_distance(&text, &wanted, bound, &mut rows) else {
            continue;
        };
        if best.is_none_or(|(bd, bl, _)| (d, text.len()) < (bd, bl)) {
            best = Some((d, text.len(), candidate));
        }
    }
    best.map(|(_, _, c)| c)
}

impl Catalog {
    /// The action nearest to `name` by edit distance (ignoring ASCII case), for a "did you
    /// mean" hint: first among the actions of `name`'s service, then among all actions.
    /// `None` when nothing is close (more than a third of the name's length away).
    ///
    /// `s3:GetObjekt` suggests `s3:GetObject`; `s4:GetObject` suggests `s3:GetObject`; a
    /// name without a prefix (`GetObjekt`) is compared with the names of all actions.
    pub fn suggest(&self, name: &str) -> Option<&Action> {
        let wanted = name.trim().to_ascii_lowercase();
        let mut nearest = Nearest::new(&wanted);
        match wanted.split_once(':') {
            Some((prefix, action)) => {
                if let Some(service) = self.service(prefix) {
                    let mut within = Nearest::new(action);
                    for a in service.actions() {
                        within.consider(a, a.lower_name());
                    }
                    if within.best.is_some() {
                        return within.best.map(|(_, a)| a);
                    }
                }
                for a in self.actions() {
                    nearest.consider(a, a.lower_full_name());
                }
            }
            None => {
                for a in self.actions() {
                    nearest.consider(a, a.lower_name());
                }
            }
        }
        nearest.best.map(|(_, a)| a)
    }
}

/// The best candidate so far; the first of equally near ones wins.
struct Nearest<'w, 'a> {
    wanted: &'w [u8],
    limit: usize,
    best: Option<(usize, &'a Action)>,
    rows: (Vec<usize>, Vec<usize>),
}

impl<'w, 'a> Nearest<'w, 'a> {
    fn new(wanted: &'w str) -> Self {
        Self {
            wanted: wanted.as_bytes(),
            limit: (wanted.len() / 3).max(1),
            best: None,
            rows: (Vec::new(), Vec::new()),
        }
    }

    fn consider(&mut self, action: &'a Action, lower_name: &str) {
        // Only a strictly nearer candidate replaces the best one.
        let bound = match self.best {
            Some((0, _)) => return,
            Some((d, _)) => d - 1,
            None => self.limit,
        };
        if let Some(d) = bounded_distance(lower_name.as_bytes(), self.wanted, bound, &mut self.rows)
        {
            self.best = Some((d, action));
        }
    }
}

/// The Levenshtein distance between `a` and `b`, or `None` if it exceeds `bound`. `rows`
/// is scratch space reused between calls.
fn bounded_distance<T: PartialEq>(
    a: &[T],
    b: &[T],
    bound: usize,
    rows: &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let (prev, cur) = rows;
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for (i, ca) in a.iter().enumerate() {
        let mut left = i + 1;
        if let Some(first) = cur.first_mut() {
            *first = left;
        }
        let mut row_min = left;
        for ((cb, pair), slot) in b.iter().zip(prev.windows(2)).zip(cur.iter_mut().skip(1)) {
            let &[diag, up] = pair else { continue };
            let value = (diag + usize::from(ca != cb))
                .min(up.saturating_add(1))
                .min(left.saturating_add(1));
            *slot = value;
            left = value;
            row_min = row_min.min(value);
        }
        if row_min > bound {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.last().copied().filter(|&d| d <= bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> Option<usize> {
        bounded_distance(
            a.as_bytes(),
            b.as_bytes(),
            10,
            &mut (Vec::new(), Vec::new()),
        )
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(distance("", ""), Some(0));
        assert_eq!(distance("abc", ""), Some(3));
        assert_eq!(distance("", "ab"), Some(2));
        assert_eq!(distance("getobject", "getobjekt"), Some(1));
        assert_eq!(distance("kitten", "sitting"), Some(3));
        assert_eq!(distance("flaw", "lawn"), Some(2));
        assert_eq!(
            bounded_distance(b"kitten", b"sitting", 2, &mut (Vec::new(), Vec::new())),
            None
        );
        assert_eq!(
            bounded_distance(b"abcdef", b"a", 3, &mut (Vec::new(), Vec::new())),
            None
        );
        assert_eq!(edit_distance("naïve", "naive"), 1);
        assert_eq!(edit_distance("Kitten", "kitten"), 1);
    }

    #[test]
    fn closest_takes_the_nearest_within_the_limit() {
        let c = ["Statement", "Version", "Id"];
        let near = |name, max, case| closest(name, c, max, case);
        assert_eq!(near("Statment", 2, Case::Insensitive), Some("Statement"));
        assert_eq!(near("version", 2, Case::Insensitive), Some("Version"));
        assert_eq!(near("version", 0, Case::Insensitive), Some("Version"));
        assert_eq!(near("version", 0, Case::Sensitive), None);
        assert_eq!(
            near("Banana", typo_limit("Banana"), Case::Insensitive),
            None
        );
        // Equally near: the shorter wins, then the earlier.
        assert_eq!(
            closest("abc", ["abcd", "ab"], 2, Case::Sensitive),
            Some("ab")
        );
        assert_eq!(closest("ab", ["ax", "xb"], 2, Case::Sensitive), Some("ax"));
        assert_eq!(typo_limit("ab"), 2);
        assert_eq!(typo_limit("starts_with"), 3);
    }
}
