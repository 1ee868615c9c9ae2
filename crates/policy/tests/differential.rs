#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Differential test of iamsnap's policy evaluator against an independent implementation,
//! `@cloud-copilot/iam-simulate` (npm, AGPL-3.0). The oracle only ever runs as a separate
//! `node` process (`tests/oracle/simulate.mjs`), installed by `scripts/test` into
//! `tests/oracle/node_modules`; it is never linked, vendored or shipped.
//!
//! Cases are generated deterministically (seed `SEED`, or `IAMSNAP_DIFFERENTIAL_SEED`),
//! fed to one node process as NDJSON, evaluated by iamsnap, and the decisions compared.
//! Any mismatch, any input the oracle rejects and any document iamsnap cannot parse fails
//! the test. Inputs where the two legitimately differ are not generated; each is described
//! with the AWS documentation in `docs/evaluation-divergences.md`.
//!
//! Without node or the installed oracle the test is skipped, unless `IAMSNAP_TEST_ORACLE=1`
//! (set by `scripts/test`), which makes that a failure.

#[path = "differential/divergences.rs"]
mod divergences;
#[path = "differential/generate.rs"]
mod generate;
#[path = "differential/model.rs"]
mod model;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, Evaluation, PolicySet, Request, evaluate,
    parse_document,
};
use serde_json::Value;

use generate::Generator;
use model::{Case, Ctx, rcp_full_aws_access};

const SEED: u64 = 0x1A45_5EED_0001;

/// How many cases of each category (besides one `catalog-pairs` case per pair).
const PLAN: &[(&str, usize)] = &[
    ("actions-resources", 1800),
    ("conditions", 3600),
    ("policy-variables", 1000),
    ("permissions-boundaries", 1400),
    ("scps-rcps", 1400),
    ("resource-policy-same-account", 1300),
    ("resource-policy-cross-account", 1300),
    ("kms-key-policy", 300),
    ("sts-trust-policy", 300),
    ("session-policies", 900),
];

/// How many mismatches a failure lists in full (`IAMSNAP_DIFFERENTIAL_SHOW` overrides).
const SHOW: usize = 20;

fn generate_cases(seed: u64) -> Vec<Case> {
    let mut g = Generator::new(seed);
    let mut cases = g.catalog_pairs();
    for &(category, n) in PLAN {
        for _ in 0..n {
            let case = match category {
                "actions-resources" => g.actions_resources(),
                "conditions" => g.conditions(),
                "policy-variables" => g.variables(),
                "permissions-boundaries" => g.boundaries(),
                "scps-rcps" => g.organizations(),
                "resource-policy-same-account" => g.resource_same_account(),
                "resource-policy-cross-account" => g.resource_cross_account(),
                "kms-key-policy" => g.kms_key(),
                "sts-trust-policy" => g.sts_trust(),
                "session-policies" => g.sessions(),
                other => panic!("no generator for category {other}"),
            };
            cases.push(case);
        }
    }
    cases
}

// ---- The oracle ------------------------------------------------------------------

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the workspace root")
        .join("tests/oracle")
}

/// Why the oracle cannot run here, if it cannot.
fn oracle_missing(dir: &Path) -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => return Some(format!("`node --version` failed: {}", out.status)),
        Err(e) => return Some(format!("`node` not found on PATH: {e}")),
    }
    let installed = dir.join("node_modules/@cloud-copilot/iam-simulate/package.json");
    if !installed.is_file() {
        return Some(format!("{} is missing", installed.display()));
    }
    None
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Decision(Decision),
    Error(String),
}

/// Runs every case through one node process.
fn run_oracle(dir: &Path, cases: &[Case]) -> Vec<Answer> {
    let mut child = Command::new("node")
        .arg(dir.join("simulate.mjs"))
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node tests/oracle/simulate.mjs");
    let mut input = String::new();
    for case in cases {
        input.push_str(&case.oracle_line());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let writer = std::thread::spawn(move || {
        // A write error means the oracle exited early; its status and stderr say why.
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stderr = child.stderr.take().expect("oracle stderr");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut answers: Vec<Option<Answer>> = vec![None; cases.len()];
    let stdout = BufReader::new(child.stdout.take().expect("oracle stdout"));
    for line in stdout.lines() {
        let line = line.expect("read oracle output");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("oracle wrote a line that is not JSON ({e}): {line}"));
        let id = v["id"]
            .as_u64()
            .and_then(|id| usize::try_from(id).ok())
            .unwrap_or_else(|| panic!("oracle answer without a case id: {line}"));
        let answer = if let Some(e) = v["error"].as_str() {
            Answer::Error(e.to_owned())
        } else {
            match v["result"].as_str() {
                Some("Allowed") => Answer::Decision(Decision::Allow),
                Some("ExplicitlyDenied") => Answer::Decision(Decision::ExplicitDeny),
                Some("ImplicitlyDenied") => Answer::Decision(Decision::ImplicitDeny),
                _ => Answer::Error(format!("unexpected oracle answer: {line}")),
            }
        };
        let slot = answers
            .get_mut(id)
            .unwrap_or_else(|| panic!("oracle answered an unknown case id: {line}"));
        *slot = Some(answer);
    }
    writer.join().expect("oracle writer thread");
    let status = child.wait().expect("wait for the oracle");
    let stderr = errors.join().expect("oracle stderr thread");
    assert!(
        status.success(),
        "the oracle (node tests/oracle/simulate.mjs) failed: {status}\n{stderr}"
    );
    answers
        .into_iter()
        .enumerate()
        .map(|(id, a)| {
            a.unwrap_or_else(|| Answer::Error(format!("no oracle answer for case {id}")))
        })
        .collect()
}

// ---- iamsnap ---------------------------------------------------------------------

fn compile(name: &str, doc: &Value, resource_policy: bool) -> Result<CompiledPolicy, String> {
    let parsed = parse_document(doc).map_err(|e| format!("{name}: {e}"))?;
    Ok(if resource_policy {
        CompiledPolicy::new_resource_policy(name, &parsed)
    } else {
        CompiledPolicy::new(name, &parsed)
    })
}

fn iamsnap_evaluate(case: &Case) -> Result<Evaluation, String> {
    let identity = case
        .identity
        .iter()
        .enumerate()
        .map(|(i, d)| compile(&format!("identity-{i}"), d, false))
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = case
        .boundary
        .as_ref()
        .map(|d| compile("boundary", d, false))
        .transpose()?;
    let scps = case
        .scps
        .iter()
        .enumerate()
        .map(|(level, docs)| {
            docs.iter()
                .enumerate()
                .map(|(i, d)| compile(&format!("scp-{level}-{i}"), d, false))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    // AWS attaches RCPFullAWSAccess at every level (iam-simulate adds it itself).
    let rcps = case
        .rcps
        .iter()
        .enumerate()
        .map(|(level, docs)| {
            std::iter::once(compile("RCPFullAWSAccess", &rcp_full_aws_access(), false))
                .chain(
                    docs.iter()
                        .enumerate()
                        .map(|(i, d)| compile(&format!("rcp-{level}-{i}"), d, false)),
                )
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let resource = case
        .resource_policy
        .as_ref()
        .map(|d| compile("resource", d, true))
        .transpose()?;
    let session = case
        .session
        .as_ref()
        .map(|d| compile("session", d, false))
        .transpose()?;
    let mut context = Context::default();
    for (key, value) in &case.request.context {
        let value = match value {
            Ctx::One(s) => ContextValue::Single(s.clone()),
            Ctx::Many(list) => ContextValue::Multi(list.clone()),
        };
        context.insert(key, value);
    }
    let r = &case.request;
    let request = Request {
        principal: r.principal.clone(),
        principal_account: r.principal_account.clone(),
        action: r.action.clone(),
        resource: r.resource.clone(),
        resource_account: r.resource_account.clone(),
        context,
    };
    let set = PolicySet {
        identity: &identity,
        permissions_boundary: boundary.as_ref(),
        session: session.as_ref(),
        scps: &scps,
        rcps: &rcps,
        resource: resource.as_ref(),
    };
    Ok(evaluate(&request, &set))
}

// ---- Comparison ------------------------------------------------------------------

fn oracle_name(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "Allowed",
        Decision::ExplicitDeny => "ExplicitlyDenied",
        Decision::ImplicitDeny => "ImplicitlyDenied",
    }
}

fn explain(ev: &Evaluation) -> String {
    let statements: Vec<String> = ev
        .statements
        .iter()
        .map(|s| format!("{} {}[{}]", s.kind.as_str(), s.policy, s.index))
        .collect();
    match ev.implicit_deny {
        Some(reason) => format!("implicit deny: {reason:?}"),
        None => format!("by {}", statements.join(", ")),
    }
}

#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    allow: usize,
    explicit: usize,
    implicit: usize,
    mismatches: usize,
}

/// The oracle's directory, or `None` (after saying so) when the test must be skipped.
fn oracle_or_skip() -> Option<PathBuf> {
    let required = std::env::var("IAMSNAP_TEST_ORACLE").is_ok_and(|v| v == "1");
    let dir = oracle_dir();
    if let Some(why) = oracle_missing(&dir) {
        assert!(
            !required,
            "IAMSNAP_TEST_ORACLE=1 but the oracle cannot run: {why}"
        );
        eprintln!("skipping: run scripts/test (it installs the oracle): {why}");
        return None;
    }
    Some(dir)
}

/// The inputs excluded from generation because iamsnap and iam-simulate legitimately
/// disagree (docs/evaluation-divergences.md): iamsnap must give the answer AWS documents,
/// and iam-simulate still gives its own (when it no longer does, the exclusion can go).
#[test]
fn documented_divergences_still_hold() {
    let Some(dir) = oracle_or_skip() else {
        return;
    };
    let divergences = divergences::all();
    let cases: Vec<Case> = divergences.iter().map(|d| d.case.clone()).collect();
    let answers = run_oracle(&dir, &cases);
    let mut problems = Vec::new();
    for (d, answer) in divergences.iter().zip(&answers) {
        let ours = iamsnap_evaluate(&d.case).map(|ev| ev.decision);
        if ours != Ok(d.aws) {
            problems.push(format!(
                "{}: iamsnap gives {ours:?}, AWS documents {}\n{}",
                d.title,
                oracle_name(d.aws),
                d.case.render()
            ));
        }
        if *answer != Answer::Decision(d.oracle) {
            problems.push(format!(
                "{}: iam-simulate now answers {answer:?}, not {}: if it agrees with AWS, generate \
                 these inputs again and drop the entry from docs/evaluation-divergences.md\n{}",
                d.title,
                oracle_name(d.oracle),
                d.case.render()
            ));
        }
    }
    eprintln!("{} documented divergences checked", divergences.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn iamsnap_agrees_with_iam_simulate() {
    let Some(dir) = oracle_or_skip() else {
        return;
    };
    let seed = std::env::var("IAMSNAP_DIFFERENTIAL_SEED")
        .ok()
        .map(|s| {
            s.parse::<u64>()
                .expect("IAMSNAP_DIFFERENTIAL_SEED is a u64")
        })
        .unwrap_or(SEED);

    let started = Instant::now();
    let cases = generate_cases(seed);
    let generated = started.elapsed();
    let started = Instant::now();
    let answers = run_oracle(&dir, &cases);
    let oracle_time = started.elapsed();
    let started = Instant::now();
    let ours: Vec<Result<Evaluation, String>> = cases.iter().map(iamsnap_evaluate).collect();
    let iamsnap_time = started.elapsed();

    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut oracle_errors = Vec::new();
    let mut parse_errors = Vec::new();
    let mut mismatches = Vec::new();
    for ((case, answer), ours) in cases.iter().zip(&answers).zip(&ours) {
        let t = tally.entry(case.category).or_default();
        t.cases += 1;
        let expected = match *answer {
            Answer::Decision(d) => d,
            Answer::Error(ref e) => {
                oracle_errors.push(format!(
                    "#{} [{}]: {e}\n{}",
                    case.id,
                    case.category,
                    case.render()
                ));
                continue;
            }
        };
        match expected {
            Decision::Allow => t.allow += 1,
            Decision::ExplicitDeny => t.explicit += 1,
            Decision::ImplicitDeny => t.implicit += 1,
        }
        match ours {
            Err(e) => parse_errors.push(format!(
                "#{} [{}]: {e}\n{}",
                case.id,
                case.category,
                case.render()
            )),
            Ok(ev) if ev.decision != expected => {
                t.mismatches += 1;
                mismatches.push(format!(
                    "#{} [{}] iamsnap: {} ({}), iam-simulate: {}\n{}",
                    case.id,
                    case.category,
                    oracle_name(ev.decision),
                    explain(ev),
                    oracle_name(expected),
                    case.render()
                ));
            }
            Ok(_) => {}
        }
    }

    eprintln!(
        "differential: {} cases, seed {seed}: generated in {generated:.2?}, iam-simulate {oracle_time:.2?}, iamsnap {iamsnap_time:.2?}",
        cases.len()
    );
    eprintln!(
        "{:<32} {:>6} {:>8} {:>9} {:>9} {:>10}",
        "category", "cases", "allowed", "explicit", "implicit", "mismatches"
    );
    let mut total = Tally::default();
    for (category, t) in &tally {
        eprintln!(
            "{category:<32} {:>6} {:>8} {:>9} {:>9} {:>10}",
            t.cases, t.allow, t.explicit, t.implicit, t.mismatches
        );
        total.cases += t.cases;
        total.allow += t.allow;
        total.explicit += t.explicit;
        total.implicit += t.implicit;
        total.mismatches += t.mismatches;
    }
    eprintln!(
        "{:<32} {:>6} {:>8} {:>9} {:>9} {:>10}",
        "total", total.cases, total.allow, total.explicit, total.implicit, total.mismatches
    );

    let show = std::env::var("IAMSNAP_DIFFERENTIAL_SHOW")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(SHOW);
    let mut failures = String::new();
    for (what, list) in [
        (
            "inputs rejected by iam-simulate (a bug in the generator)",
            &oracle_errors,
        ),
        (
            "documents iamsnap cannot parse (a bug in the generator or the parser)",
            &parse_errors,
        ),
        ("decisions that differ", &mismatches),
    ] {
        if list.is_empty() {
            continue;
        }
        failures.push_str(&format!(
            "\n{} {what}; the first {}:\n",
            list.len(),
            list.len().min(show)
        ));
        for item in list.iter().take(show) {
            failures.push_str(item);
            failures.push('\n');
        }
    }
    assert!(
        failures.is_empty(),
        "differential test against iam-simulate failed:{failures}"
    );

    // The generator must keep producing every kind of outcome.
    assert!(total.cases >= 10_000, "only {} cases", total.cases);
    for (name, n) in [
        ("allowed", total.allow),
        ("explicitly denied", total.explicit),
        ("implicitly denied", total.implicit),
    ] {
        assert!(
            n * 20 >= total.cases,
            "only {n} of {} cases are {name}",
            total.cases
        );
    }
}
