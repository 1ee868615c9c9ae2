//! `iamsnap test`: run the tests that packs carry.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use iamsnap_import::{ImportError, ImportRequest, NoProgress, import};
use iamsnap_rules::ast::Spanned;
use iamsnap_rules::{Diagnostics, Finding, Pack, PackTest};

use super::check::{allowed_dirs, check, pack_error};
use crate::exit::{CliError, Exit};

/// Run the tests of rule packs: each imports its fixture files into a temporary snapshot,
/// runs the pack and compares the findings with what the test expects.
///
/// `expect RULE on [...]` passes when the rule's findings are exactly those resources
/// (each given as an ARN or the end of one, optionally with `#detail`); `expect RULE none`
/// when it has none. Exits 0
/// when every test passes, 1 when one fails, 2 on a broken pack or fixture.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pack files, or folders whose `*.rules` files are run.
    #[arg(required = true)]
    paths: Vec<PathBuf>,

    /// Fail when a rule has no test that expects a finding of it and none that expects
    /// none of it somewhere.
    #[arg(long)]
    require_coverage: bool,

    /// A folder the packs may also read files from (imports, fixtures), besides the folder
    /// of each pack; repeatable. Nothing else is read.
    #[arg(long = "allow-dir", value_name = "DIR")]
    allow_dirs: Vec<PathBuf>,
}

fn pack_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "rules"))
                .collect();
            files.sort();
            out.extend(files);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(CliError::with_help(
                format!("no pack file or folder `{}`", p.display()),
                "give `.rules` files or folders holding them, e.g. `iamsnap test queries/`",
            ));
        }
    }
    Ok(out)
}

/// Whether a finding is the expected resource: the whole ARN or policy key, or its end
/// after a `:`, `/` or `#` (`user/ci-bot`, `role/app/worker`, `inline/deploy`), optionally
/// followed by `#detail` (`user/ci-bot#key 2`, `policy/p#0`).
fn matches(expected: &str, f: &Finding) -> bool {
    let resource_is = |r: &str| {
        f.resource == r
            || f.resource
                .strip_suffix(r)
                .is_some_and(|head| head.ends_with([':', '/', '#']))
    };
    if resource_is(expected) {
        return true;
    }
    expected
        .rsplit_once('#')
        .is_some_and(|(r, d)| f.detail == d && resource_is(r))
}

/// A fixture that does not import. Its text is not quoted: a fixture may be any file of
/// the pack's folder, and a parser's message can hold a piece of it (a value it did not
/// expect), so only the file, the place and the kind of problem are told.
fn fixture_error(where_: &str, e: &ImportError) -> CliError {
    const DETAILS: &str = "`iamsnap import` with the same files shows the details";
    let message = match e {
        ImportError::AuthDetails {
            file, line, column, ..
        } => format!(
            "`{file}` is not JSON of the expected shape{}",
            at(*line, *column)
        ),
        ImportError::Document { file, .. } => {
            format!("`{file}` holds a policy document that is not a valid policy")
        }
        ImportError::CredentialReport { file, line, .. } => format!(
            "`{file}` is not a valid credential report{}",
            line.map(|l| format!(" (line {l})")).unwrap_or_default()
        ),
        ImportError::CredentialReportHeader { file, .. } => {
            format!("`{file}` is not a valid credential report (its header, line 1)")
        }
        ImportError::Account { file, .. } => {
            format!("`{file}`: cannot tell which account it belongs to")
        }
        ImportError::Conflict { first, second, .. } => {
            format!("`{first}` and `{second}` describe an identity or policy differently")
        }
        ImportError::Truncated { .. } => {
            "every page has `IsTruncated: true`: the last page is missing".to_owned()
        }
        ImportError::AccountNotFound { .. } => {
            "the input does not hold the account asked for".to_owned()
        }
        ImportError::Capture { dir, .. } => {
            format!("`{dir}` is not a complete capture folder")
        }
        // These name files and say what the system answered, nothing of a file's content.
        ImportError::Io { .. } | ImportError::Snapshot(_) => e.to_string(),
    };
    CliError::with_help(
        format!("{where_}: cannot import the fixture: {message}"),
        DETAILS,
    )
}

fn at(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" (line {line}, column {column})")
    }
}

struct Outcome {
    failures: Vec<String>,
    positive: BTreeSet<String>,
    negative: BTreeSet<String>,
}

fn run_test(
    runtime: &tokio::runtime::Runtime,
    pack: &Pack,
    t: &PackTest,
) -> Result<Outcome, CliError> {
    let where_ = format!("{}: test \"{}\"", t.origin.source.name, t.test.name);
    let Some(fixture) = &t.test.fixture else {
        return Err(CliError::with_help(
            format!("{where_} has no fixture"),
            "add `fixture \"account.json\" credential_report \"report.csv\"`",
        ));
    };
    // Every file a fixture names is inside the folders the pack may read.
    let file = |path: &Spanned<String>| {
        pack.fixture_path(&t.origin, path)
            .map_err(|d| pack_error(Diagnostics(vec![d])))
    };
    let auth = file(&fixture.auth_details)?;
    let report = fixture.credential_report.as_ref().map(file).transpose()?;
    let last_accessed = fixture
        .service_last_accessed
        .as_ref()
        .map(file)
        .transpose()?;
    let captured_at = match &fixture.at {
        Some(at) => DateTime::parse_from_rfc3339(&at.node)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                CliError::new(format!(
                    "{where_}: `at \"{}\"` is not RFC 3339: {e}",
                    at.node
                ))
            })?,
        None => Utc::now(),
    };
    let work = tempfile::tempdir()
        .map_err(|e| CliError::new(format!("cannot create a temporary folder: {e}")))?;
    let output = work.path().join("snapshot");
    // A folder is a capture, as `iamsnap import --aws-cli` reads it: accounts, their
    // resource policies, an organization.
    let folder = auth.is_dir();
    let pages: Vec<&Path> = if folder {
        Vec::new()
    } else {
        vec![auth.as_path()]
    };
    let reports: Vec<&Path> = report.iter().map(PathBuf::as_path).collect();
    let request = ImportRequest {
        auth_details: &pages,
        credential_reports: &reports,
        capture: folder.then_some(auth.as_path()),
        output: &output,
        force: false,
        allow_truncated: false,
        captured_at,
        service_last_accessed: last_accessed.as_deref(),
        activity: None,
        account: None,
    };
    import(&request, &NoProgress).map_err(|e| fixture_error(&where_, &e))?;
    let result = runtime.block_on(check(&output, std::slice::from_ref(pack), None))?;
    let mut outcome = Outcome {
        failures: Vec::new(),
        positive: BTreeSet::new(),
        negative: BTreeSet::new(),
    };
    for e in &t.test.expects {
        let rule = &e.rule.node;
        if result.rule(rule).is_none() {
            outcome
                .failures
                .push(format!("expects rule {rule}, which the pack does not have"));
            continue;
        }
        let found: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| &f.rule_id == rule)
            .collect();
        if e.resources.is_empty() {
            outcome.negative.insert(rule.clone());
            for f in &found {
                outcome.failures.push(format!(
                    "{rule}: expected no finding, got {}{}",
                    f.resource,
                    if f.detail.is_empty() {
                        String::new()
                    } else {
                        format!("#{}", f.detail)
                    }
                ));
            }
            continue;
        }
        outcome.positive.insert(rule.clone());
        for want in &e.resources {
            if !found.iter().any(|f| matches(want, f)) {
                outcome
                    .failures
                    .push(format!("{rule}: expected a finding on {want}, got none"));
            }
        }
        for f in &found {
            if !e.resources.iter().any(|want| matches(want, f)) {
                outcome.failures.push(format!(
                    "{rule}: unexpected finding on {}{}: {}",
                    f.resource,
                    if f.detail.is_empty() {
                        String::new()
                    } else {
                        format!("#{}", f.detail)
                    },
                    f.message
                ));
            }
        }
    }
    Ok(outcome)
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let allowed = allowed_dirs(&args.allow_dirs)?;
    let runtime = super::query::runtime()?;
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut uncovered = Vec::new();
    for file in pack_files(&args.paths)? {
        let pack = Pack::load_allowing(Path::new(&file), &allowed).map_err(pack_error)?;
        super::check::print_warnings(&pack);
        if pack.tests.is_empty() {
            writeln!(out, "{}: no tests", file.display())?;
        }
        let mut positive = BTreeSet::new();
        let mut negative = BTreeSet::new();
        for t in &pack.tests {
            let outcome = run_test(&runtime, &pack, t)?;
            positive.extend(outcome.positive);
            negative.extend(outcome.negative);
            if outcome.failures.is_empty() {
                passed += 1;
                writeln!(out, "ok   {} :: {}", file.display(), t.test.name)?;
            } else {
                failed += 1;
                writeln!(out, "FAIL {} :: {}", file.display(), t.test.name)?;
                for f in &outcome.failures {
                    writeln!(out, "       {f}")?;
                }
            }
        }
        for r in &pack.rules {
            let id = &r.rule.id.node;
            let missing: Vec<&str> = [
                (!positive.contains(id)).then_some("a finding"),
                (!negative.contains(id)).then_some("no finding"),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !missing.is_empty() {
                uncovered.push(format!("{id} (no test expects {})", missing.join(" or ")));
            }
        }
    }
    writeln!(out, "\n{passed} passed, {failed} failed")?;
    if !uncovered.is_empty() {
        writeln!(
            out,
            "rules without a positive and a negative test: {}",
            uncovered.len()
        )?;
        for u in &uncovered {
            writeln!(out, "  {u}")?;
        }
    }
    Ok(
        if failed > 0 || (args.require_coverage && !uncovered.is_empty()) {
            Exit::Findings
        } else {
            Exit::Clean
        },
    )
}
