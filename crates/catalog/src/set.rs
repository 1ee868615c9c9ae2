//! Action identifiers and fixed-size sets of actions.

use std::fmt;
use std::ops::{BitAnd, BitOr, Not, Sub};

/// The index of an action in the catalog's one global action table.
///
/// Ids are dense (`0..catalog.action_count()`) and ordered by service prefix, then by
/// lowercased action name. They are stable for one catalog data file, not across data
/// updates: store action names, not ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(pub(crate) u32);

impl ActionId {
    /// The id as an index into the global action table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A set of actions of one catalog: one bit per action, so that union, intersection,
/// difference and complement cost a few hundred word operations whatever the sets hold.
///
/// Every set of a catalog has the same *universe* (its action count); make them with
/// [`Catalog::empty_set`](crate::Catalog::empty_set),
/// [`Catalog::full_set`](crate::Catalog::full_set) or
/// [`Catalog::expand`](crate::Catalog::expand). Combining sets of different universes
/// treats the missing actions as absent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ActionSet {
    words: Box<[u64]>,
    universe: u32,
}

impl ActionSet {
    /// The empty set over `universe` actions.
    pub(crate) fn empty(universe: u32) -> Self {
        Self {
            words: vec![0; words_for(universe)].into_boxed_slice(),
            universe,
        }
    }

    /// The set of all `universe` actions.
    pub(crate) fn full(universe: u32) -> Self {
        let mut set = Self::empty(universe);
        set.insert_range(0, universe);
        set
    }

    /// How many actions the set can hold: the catalog's action count.
    pub fn universe(&self) -> usize {
        self.universe as usize
    }

    /// How many actions the set holds.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set holds no action.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// Whether the set holds every action of its universe.
    pub fn is_full(&self) -> bool {
        self.len() == self.universe()
    }

    /// Whether the set holds `id`.
    pub fn contains(&self, id: ActionId) -> bool {
        let (word, bit) = locate(id);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Adds `id`; returns whether it was absent. An id outside the universe is ignored
    /// (and reported as not added).
    pub fn insert(&mut self, id: ActionId) -> bool {
        if id.0 >= self.universe {
            return false;
        }
        let (word, bit) = locate(id);
        match self.words.get_mut(word) {
            Some(w) => {
                let absent = *w & bit == 0;
                *w |= bit;
                absent
            }
            None => false,
        }
    }

    /// Removes `id`; returns whether it was present.
    pub fn remove(&mut self, id: ActionId) -> bool {
        let (word, bit) = locate(id);
        match self.words.get_mut(word) {
            Some(w) => {
                let present = *w & bit != 0;
                *w &= !bit;
                present
            }
            None => false,
        }
    }

    /// Adds the ids `start..end` (clamped to the universe), a word at a time.
    pub(crate) fn insert_range(&mut self, start: u32, end: u32) {
        let end = end.min(self.universe);
        let mut i = start;
        while i < end {
            let word = (i / 64) as usize;
            let lo = i % 64;
            let hi = (end - (i - lo)).min(64);
            let mask = if hi - lo == 64 {
                u64::MAX
            } else {
                ((1u64 << (hi - lo)) - 1) << lo
            };
            if let Some(w) = self.words.get_mut(word) {
                *w |= mask;
            }
            i = i - lo + hi;
        }
    }

    /// Actions in `self` or `other`.
    pub fn union(&self, other: &ActionSet) -> ActionSet {
        self.combine(other, |a, b| a | b)
    }

    /// Actions in both `self` and `other`.
    pub fn intersection(&self, other: &ActionSet) -> ActionSet {
        self.combine(other, |a, b| a & b)
    }

    /// Actions in `self` but not in `other`.
    pub fn difference(&self, other: &ActionSet) -> ActionSet {
        self.combine(other, |a, b| a & !b)
    }

    /// Actions of the universe that are not in `self` (what a `NotAction` grants).
    pub fn complement(&self) -> ActionSet {
        let mut out = ActionSet {
            words: self.words.iter().map(|w| !w).collect(),
            universe: self.universe,
        };
        out.clear_beyond_universe();
        out
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        self.combine_with(other, |a, b| a | b);
    }

    /// Keeps only the actions also in `other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        self.combine_with(other, |a, b| a & b);
    }

    /// Removes every action of `other`.
    pub fn difference_with(&mut self, other: &ActionSet) {
        self.combine_with(other, |a, b| a & !b);
    }

    /// Whether every action of `self` is in `other`.
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(i, &w)| w & !other.words.get(i).copied().unwrap_or(0) == 0)
    }

    /// The ids in the set, ascending.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            words: self.words.iter(),
            current: 0,
            base: 0,
            next_base: 0,
        }
    }

    fn combine(&self, other: &ActionSet, op: impl Fn(u64, u64) -> u64) -> ActionSet {
        let universe = self.universe.max(other.universe);
        let words = (0..words_for(universe))
            .map(|i| {
                op(
                    self.words.get(i).copied().unwrap_or(0),
                    other.words.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        let mut out = ActionSet { words, universe };
        out.clear_beyond_universe();
        out
    }

    fn combine_with(&mut self, other: &ActionSet, op: impl Fn(u64, u64) -> u64) {
        if other.universe > self.universe {
            *self = self.combine(other, op);
            return;
        }
        for (i, w) in self.words.iter_mut().enumerate() {
            *w = op(*w, other.words.get(i).copied().unwrap_or(0));
        }
        self.clear_beyond_universe();
    }

    /// Clears the bits of the last word that lie past the universe.
    fn clear_beyond_universe(&mut self) {
        let used = self.universe % 64;
        if used != 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << used) - 1;
        }
    }
}

fn words_for(universe: u32) -> usize {
    universe.div_ceil(64) as usize
}

fn locate(id: ActionId) -> (usize, u64) {
    ((id.0 / 64) as usize, 1u64 << (id.0 % 64))
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionSet")
            .field("len", &self.len())
            .field("universe", &self.universe)
            .finish()
    }
}

/// The ids of an [`ActionSet`], ascending.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    words: std::slice::Iter<'a, u64>,
    /// The bits of the current word not yet returned.
    current: u64,
    /// The id of bit 0 of `current`.
    base: u32,
    /// The id of bit 0 of the next word.
    next_base: u32,
}

impl Iterator for Iter<'_> {
    type Item = ActionId;

    fn next(&mut self) -> Option<ActionId> {
        while self.current == 0 {
            self.current = *self.words.next()?;
            self.base = self.next_base;
            self.next_base = self.next_base.wrapping_add(64);
        }
        let bit = self.current.trailing_zeros();
        self.current &= self.current - 1;
        Some(ActionId(self.base + bit))
    }
}

impl<'a> IntoIterator for &'a ActionSet {
    type Item = ActionId;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Extend<ActionId> for ActionSet {
    fn extend<I: IntoIterator<Item = ActionId>>(&mut self, iter: I) {
        for id in iter {
            self.insert(id);
        }
    }
}

impl BitOr for &ActionSet {
    type Output = ActionSet;
    fn bitor(self, rhs: &ActionSet) -> ActionSet {
        self.union(rhs)
    }
}

impl BitAnd for &ActionSet {
    type Output = ActionSet;
    fn bitand(self, rhs: &ActionSet) -> ActionSet {
        self.intersection(rhs)
    }
}

impl Sub for &ActionSet {
    type Output = ActionSet;
    fn sub(self, rhs: &ActionSet) -> ActionSet {
        self.difference(rhs)
    }
}

impl Not for &ActionSet {
    type Output = ActionSet;
    fn not(self) -> ActionSet {
        self.complement()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(universe: u32, ids: &[u32]) -> ActionSet {
        let mut s = ActionSet::empty(universe);
        s.extend(ids.iter().map(|&i| ActionId(i)));
        s
    }

    fn ids(s: &ActionSet) -> Vec<u32> {
        s.iter().map(|i| i.0).collect()
    }

    #[test]
    fn set_operations_follow_set_algebra() {
        let a = set(130, &[0, 1, 63, 64, 129]);
        let b = set(130, &[1, 64, 100]);
        assert_eq!(ids(&(&a | &b)), [0, 1, 63, 64, 100, 129]);
        assert_eq!(ids(&(&a & &b)), [1, 64]);
        assert_eq!(ids(&(&a - &b)), [0, 63, 129]);
        let not_a = !&a;
        assert_eq!(not_a.len(), 125);
        assert!(!not_a.contains(ActionId(129)));
        assert!(not_a.contains(ActionId(128)));
        assert_eq!((!&not_a), a);
        assert!(a.intersection(&b).is_subset(&a));
        assert!(!a.is_subset(&b));
        let mut c = a.clone();
        c.union_with(&b);
        c.difference_with(&a);
        assert_eq!(ids(&c), [100]);
        c.intersect_with(&a);
        assert!(c.is_empty());
    }

    #[test]
    fn complement_never_sets_bits_past_the_universe() {
        for universe in [0, 1, 63, 64, 65, 128, 200] {
            let full = ActionSet::empty(universe).complement();
            assert_eq!(full.len(), universe as usize);
            assert!(full.is_full());
            assert_eq!(full, ActionSet::full(universe));
            assert_eq!(full.iter().last().map(|i| i.0), universe.checked_sub(1));
        }
    }

    #[test]
    fn insert_range_sets_exactly_the_range() {
        for (start, end) in [
            (0, 0),
            (0, 1),
            (3, 64),
            (60, 70),
            (64, 128),
            (1, 199),
            (190, 400),
        ] {
            let mut s = ActionSet::empty(200);
            s.insert_range(start, end);
            let expected: Vec<u32> = (start..end.min(200)).collect();
            assert_eq!(ids(&s), expected, "{start}..{end}");
        }
    }

    #[test]
    fn insert_and_remove_report_changes_and_ignore_ids_past_the_universe() {
        let mut s = ActionSet::empty(10);
        assert!(s.insert(ActionId(3)));
        assert!(!s.insert(ActionId(3)));
        assert!(!s.insert(ActionId(10)));
        assert_eq!(s.len(), 1);
        assert!(s.remove(ActionId(3)));
        assert!(!s.remove(ActionId(3)));
        assert!(!s.remove(ActionId(1000)));
    }

    #[test]
    fn sets_of_different_universes_combine_as_if_padded() {
        let small = set(10, &[1, 9]);
        let big = set(100, &[9, 99]);
        assert_eq!(ids(&small.union(&big)), [1, 9, 99]);
        assert_eq!(small.union(&big).universe(), 100);
        let mut s = small.clone();
        s.union_with(&big);
        assert_eq!(ids(&s), [1, 9, 99]);
    }
}
