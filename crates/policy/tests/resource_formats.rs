//! The catalog's "can some ARN of this resource type match this `Resource` pattern" never
//! says no when an ARN built from the format matches the pattern by the evaluator's own
//! matcher: random formats, ARNs filled in from them with names obeying the catalog's
//! variable rules, and patterns made by blurring and mutating such ARNs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use iamsnap_catalog::resource::{ArnFormat, ResourcePattern, slash_free_names};
use iamsnap_policy::ResourceMatcher;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HEADER: &[&str] = &[
    "",
    "aws",
    "s3",
    "a",
    "${Partition}",
    "${Region}",
    "${Account}",
];
const RESOURCE: &[&str] = &[
    "a",
    "b",
    "/",
    ":",
    "x/",
    "-",
    "${Name}",
    "${Id}",
    "${KeyPath}",
    "${Other}",
    "*",
];

fn format(rng: &mut ChaCha8Rng) -> String {
    let mut out = String::from("arn");
    for _ in 0..4 {
        out.push(':');
        out.push_str(HEADER.choose(rng).unwrap());
    }
    out.push(':');
    for _ in 0..rng.random_range(1..6) {
        out.push_str(RESOURCE.choose(rng).unwrap());
    }
    out
}

/// Non-empty text of the allowed characters.
fn name(rng: &mut ChaCha8Rng, slash: bool, colon: bool) -> String {
    let mut alphabet = vec!['a', 'b', 'A', '-', 'x'];
    if slash {
        alphabet.push('/');
    }
    if colon {
        alphabet.push(':');
    }
    (0..rng.random_range(1..4))
        .map(|_| *alphabet.choose(rng).unwrap())
        .collect()
}

/// An ARN of `format`, its variables filled as `compiled` allows.
fn arn(rng: &mut ChaCha8Rng, format: &str, compiled: &ArnFormat) -> String {
    let mut vars = compiled.variables();
    let mut out = String::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}').unwrap();
            let (_, slash, colon) = vars.next().unwrap();
            out.push_str(&name(rng, slash, colon));
            rest = &after[end + 1..];
        } else if c == '*' {
            let n = rng.random_range(0..3);
            out.push_str(&name(rng, true, true)[..n.min(1)]);
            rest = &rest[1..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `arn` with some characters blurred into `?` or `*`, changed or recased.
fn pattern(rng: &mut ChaCha8Rng, arn: &str) -> String {
    let mut out = String::new();
    let mut chars = arn.chars().peekable();
    while let Some(c) = chars.next() {
        match rng.random_range(0..20) {
            0 => out.push('?'),
            1 => {
                out.push('*');
                for _ in 0..rng.random_range(0..4) {
                    chars.next();
                }
            }
            2 => out.push(*['a', '/', ':', 'b'].choose(rng).unwrap()),
            3 => out.push(c.to_ascii_uppercase()),
            4 => {}
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn no_means_no_arn_of_the_format_matches() {
    let mut rng = ChaCha8Rng::seed_from_u64(20261202);
    let (mut said_no, mut matched) = (0, 0);
    for _ in 0..2_000 {
        let format = format(&mut rng);
        let slash_free = slash_free_names([format.as_str()]);
        let compiled = ArnFormat::new(&format, |n| slash_free.contains(&n));
        let seed = arn(&mut rng, &format, &compiled);
        for _ in 0..8 {
            let text = pattern(&mut rng, &seed);
            let matcher = ResourceMatcher::new(&text);
            let can = compiled.can_match(&ResourcePattern::new(&text));
            said_no += usize::from(!can);
            for _ in 0..8 {
                let candidate = arn(&mut rng, &format, &compiled);
                for probe in [&seed, &candidate] {
                    if matcher.matches(probe) {
                        matched += 1;
                        assert!(
                            can,
                            "`{probe}` of `{format}` matches `{text}`, but the catalog says no"
                        );
                    }
                }
            }
        }
    }
    // The test means something only if both answers occur often.
    assert!(said_no > 500, "{said_no} patterns said no");
    assert!(matched > 5_000, "{matched} matches");
}
