//! "Did you mean": the nearest action to a name that is not in the catalog.

use crate::catalog::{Action, Catalog};

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
fn bounded_distance(
    a: &[u8],
    b: &[u8],
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
    for (i, &ca) in a.iter().enumerate() {
        let mut left = i + 1;
        if let Some(first) = cur.first_mut() {
            *first = left;
        }
        let mut row_min = left;
        for ((&cb, pair), slot) in b.iter().zip(prev.windows(2)).zip(cur.iter_mut().skip(1)) {
            let &[diag, up] = pair else { continue };
            let value = (diag + usize::from(ca != cb)).min(up + 1).min(left + 1);
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
    }
}
