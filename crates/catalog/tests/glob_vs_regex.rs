//! Differential test: wildcard matching (the compiled fast paths of `Glob`, and
//! `PatternSet`) against a naive translation of each pattern into a regular expression.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iamsnap_catalog::PatternSet;
use iamsnap_catalog::glob::{Case, Glob};
use regex::{Regex, RegexBuilder};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The reference: `*` is `.*`, `?` is one character, everything else literal, anchored.
fn to_regex(pattern: &str, case: Case) -> Regex {
    let mut re = String::from("^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    RegexBuilder::new(&re)
        .case_insensitive(case == Case::Insensitive)
        .dot_matches_new_line(true)
        .build()
        .unwrap()
}

/// Text over a small alphabet, so that random patterns and texts often match.
fn random_text(rng: &mut XorShift, alphabet: &[&str], max: usize) -> String {
    let len = rng.below(max + 1);
    (0..len).map(|_| rng.pick(alphabet)).collect()
}

fn random_pattern(rng: &mut XorShift, alphabet: &[&str], max: usize) -> String {
    let len = rng.below(max + 1);
    (0..len)
        .map(|_| match rng.below(10) {
            0 | 1 => "*",
            2 => "?",
            _ => rng.pick(alphabet),
        })
        .collect()
}

#[test]
fn glob_agrees_with_a_naive_regex_on_random_patterns() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    // `é` checks that `?` takes one whole character.
    let alphabet = ["a", "b", "A", "B", ":", "/", "é", "c"];
    let mut matched = 0;
    for round in 0..4000 {
        let pattern = random_pattern(&mut rng, &alphabet, 8);
        let case = if round % 2 == 0 {
            Case::Insensitive
        } else {
            Case::Sensitive
        };
        let glob = Glob::new(&pattern, case);
        let reference = to_regex(&pattern, case);
        for _ in 0..8 {
            let text = random_text(&mut rng, &alphabet, 10);
            let expected = reference.is_match(&text);
            matched += usize::from(expected);
            assert_eq!(
                glob.is_match(&text),
                expected,
                "pattern `{pattern}` ({case:?}) on `{text}`"
            );
        }
    }
    // The generator must exercise both outcomes.
    assert!(matched > 2000, "only {matched} matches");
}

#[test]
fn pattern_sets_agree_with_a_naive_regex_on_action_like_names() {
    let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
    let services = ["s3", "S3", "ec2", "iam", "s3-outposts", "*", "s?", "e*"];
    let words = [
        "Get", "get", "Put", "Object", "Bucket", "Acl", "*", "?", "O",
    ];
    let action = |rng: &mut XorShift| {
        let service = rng.pick(&["s3", "ec2", "iam", "s3-outposts", "sqs"]);
        let n = 1 + rng.below(3);
        let name: String = (0..n)
            .map(|_| rng.pick(&["Get", "Put", "Object", "Bucket", "Acl", "List"]))
            .collect();
        format!("{service}:{name}")
    };
    for _ in 0..1500 {
        let patterns: Vec<String> = (0..1 + rng.below(3))
            .map(|_| {
                let service = rng.pick(&services);
                let n = rng.below(4);
                let name: String = (0..n).map(|_| rng.pick(&words)).collect();
                if rng.below(8) == 0 {
                    name
                } else {
                    format!("{service}:{name}")
                }
            })
            .collect();
        let set = PatternSet::from_patterns(&patterns);
        let references: Vec<Regex> = patterns
            .iter()
            .map(|p| to_regex(p, Case::Insensitive))
            .collect();
        for _ in 0..6 {
            let text = action(&mut rng);
            let expected = references.iter().any(|r| r.is_match(&text));
            assert_eq!(set.is_match(&text), expected, "{patterns:?} on `{text}`");
        }
    }
}
