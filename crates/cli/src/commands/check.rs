//! `iamsnap check`: run rule packs over a snapshot, for people and for CI.

use std::io::Write;
use std::path::{Path, PathBuf};

use iamsnap_engine::Engine;
use iamsnap_rules::baseline::Baseline;
use iamsnap_rules::{Pack, Report, Severity, compile_pack, run_rules, without_data};

use crate::exit::{CliError, Exit};
use crate::limits;
use crate::report::{CheckFormat, render};

/// Run rule packs over a snapshot and report the findings.
///
/// A rule that reads data the snapshot lacks (the credential report, service last
/// accessed data, ...) is listed in every format with what is missing and what to do,
/// and a summary line goes to the terminal: its silence is not a clean result.
///
/// Without --pack, the shipped non-human-identity pack runs (`iamsnap rules list` shows
/// its rules). Exits 0 when no unsuppressed finding is at or above --fail-on, 1 when one
/// is, 2 on a usage or input error (a bad pack, a damaged snapshot). Reads only: the report
/// goes to standard output.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder.
    snapshot: PathBuf,

    #[command(flatten)]
    packs: PackArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,

    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    fail_on: Severity,

    /// Accepted findings (YAML): matching findings are reported as suppressed and do not
    /// fail the run; expired suppressions are listed.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Print a baseline accepting every current finding (YAML, to standard output)
    /// instead of the report.
    #[arg(long)]
    write_baseline: bool,

    /// Only these rules (ids; repeatable).
    #[arg(long = "rule", value_name = "ID")]
    rules: Vec<String>,

    #[command(flatten)]
    limits: RuleLimits,
}

/// `--memory-limit` and `--rule-timeout`: what one rule may use.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct RuleLimits {
    /// The memory the rules may use together, their findings included (e.g. `512MiB`,
    /// `4GiB`). A rule that needs more fails; nothing spills to disk.
    #[arg(long, value_name = "SIZE", default_value = limits::DEFAULT_MEMORY, value_parser = limits::parse_size)]
    pub memory_limit: usize,

    /// The time one rule may run (e.g. `30s`, `10m`; `none` for no limit). Rules run side
    /// by side, each timed from the start of the run.
    #[arg(long, value_name = "DURATION", default_value = limits::DEFAULT_RULE_TIMEOUT, value_parser = limits::parse_timeout)]
    pub rule_timeout: limits::Timeout,
}

impl Default for RuleLimits {
    fn default() -> Self {
        Self {
            memory_limit: iamsnap_engine::DEFAULT_MEMORY_LIMIT,
            rule_timeout: limits::parse_timeout(limits::DEFAULT_RULE_TIMEOUT)
                .unwrap_or(limits::Timeout(None)),
        }
    }
}

/// Which packs, and their parameters.
#[derive(Debug, Clone, clap::Args)]
pub struct PackArgs {
    /// A pack file, or the name of a shipped pack (`nhi`, `cis`); repeatable.
    #[arg(long = "pack", value_name = "FILE|NAME")]
    pub packs: Vec<String>,

    /// Set a pack parameter: `name=value`, lists comma-separated
    /// (`--param trusted_accounts=111122223333,444455556666`).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Parameters from a JSON object file.
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,

    /// A folder the packs may also read files from (imports, test fixtures), besides the
    /// folder of each pack; repeatable. Nothing else is read.
    #[arg(long = "allow-dir", value_name = "DIR")]
    pub allow_dirs: Vec<PathBuf>,
}

pub(crate) fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::from_name(&text.to_lowercase())
        .ok_or_else(|| format!("`{text}` is not a severity: critical, high, medium, low or info"))
}

/// The folders of `--allow-dir`, each checked to be one.
pub(crate) fn allowed_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    dirs.iter()
        .map(|d| match std::fs::canonicalize(d) {
            Ok(c) if c.is_dir() => Ok(c),
            _ => Err(CliError::with_help(
                format!("`--allow-dir {}`: no such folder", d.display()),
                "give a folder the packs may read files from, besides their own",
            )),
        })
        .collect()
}

/// Loads a pack given as a file or a shipped pack's name; its imports and fixtures may be
/// in its folder or in `allowed`.
pub(crate) fn load_pack(spec: &str, allowed: &[PathBuf]) -> Result<Pack, CliError> {
    let path = Path::new(spec);
    let result = if path.exists() {
        Pack::load_allowing(path, allowed)
    } else if let Some(p) = Pack::embedded(spec) {
        p
    } else {
        let shipped: Vec<&str> = iamsnap_rules::EMBEDDED.iter().map(|(n, _, _)| *n).collect();
        return Err(CliError::with_help(
            format!("no pack file `{spec}`"),
            format!(
                "give the path of a `.rules` file or a shipped pack: {}",
                shipped.join(", ")
            ),
        ));
    };
    let pack = result.map_err(pack_error)?;
    print_warnings(&pack);
    Ok(pack)
}

/// The pack's warnings (unused predicates and parameters), on standard error.
pub(crate) fn print_warnings(pack: &Pack) {
    let graphical = std::io::IsTerminal::is_terminal(&std::io::stderr());
    for w in &pack.warnings {
        eprint!("{}", crate::exit::render(w, graphical));
    }
}

/// Pack errors, each with its place in the pack and its help.
pub(crate) fn pack_error(d: iamsnap_rules::Diagnostics) -> CliError {
    CliError::diagnostic(d)
}

impl PackArgs {
    /// The packs asked for (the NHI pack by default), parameters set.
    pub(crate) fn load(&self) -> Result<Vec<Pack>, CliError> {
        let specs: Vec<String> = if self.packs.is_empty() {
            vec!["nhi".to_owned()]
        } else {
            self.packs.clone()
        };
        let allowed = allowed_dirs(&self.allow_dirs)?;
        let mut packs = Vec::new();
        for spec in &specs {
            let mut pack = load_pack(spec, &allowed)?;
            if let Some(file) = &self.params_file {
                pack.set_params_file(file).map_err(|e| {
                    CliError::with_help(e, "a parameter file is a JSON object: {\"name\": value}")
                })?;
            }
            // A parameter set on the command line must exist in at least one pack.
            let own: Vec<String> = self
                .params
                .iter()
                .filter(|p| {
                    let name = p.split('=').next().unwrap_or_default().trim();
                    pack.params.contains_key(name.trim_start_matches('$'))
                })
                .cloned()
                .collect();
            pack.set_params(&own).map_err(CliError::new)?;
            packs.push(pack);
        }
        for p in &self.params {
            let name = p.split('=').next().unwrap_or_default().trim();
            let name = name.trim_start_matches('$');
            if !p.contains('=') {
                return Err(CliError::with_help(
                    format!("`{p}`: write a parameter as name=value"),
                    "e.g. --param trusted_accounts=111122223333,444455556666",
                ));
            }
            if !packs.iter().any(|pack| pack.params.contains_key(name)) {
                let known: Vec<&str> = packs
                    .iter()
                    .flat_map(|pack| pack.params.keys().map(String::as_str))
                    .collect();
                return Err(CliError::with_help(
                    format!("no pack has a parameter `{name}`"),
                    format!("parameters: {}", known.join(", ")),
                ));
            }
        }
        Ok(packs)
    }
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let mut packs = args.packs.load()?;
    if !args.rules.is_empty() {
        for id in &args.rules {
            if !packs
                .iter()
                .any(|p| p.rules.iter().any(|r| &r.rule.id.node == id))
            {
                return Err(CliError::with_help(
                    format!("no rule `{id}` in the packs"),
                    "`iamsnap rules list` lists the rule ids",
                ));
            }
        }
        for pack in &mut packs {
            pack.rules.retain(|r| args.rules.contains(&r.rule.id.node));
        }
    }
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::load(path).map_err(|e| {
            CliError::with_help(
                e.to_string(),
                "docs/check-output.md describes the baseline file; `--write-baseline` prints one for the current findings",
            )
        })?),
        None => None,
    };
    let rt = super::query::runtime()?;
    let report = rt.block_on(check_within(
        &args.snapshot,
        &packs,
        baseline.as_ref(),
        &args.limits,
    ));
    // A rule stopped at its time limit may still occupy the runtime's threads until its
    // next yield: do not wait for them.
    rt.shutdown_background();
    let report = report?;
    let mut out = std::io::stdout().lock();
    if args.write_baseline {
        let today = chrono::Utc::now().date_naive();
        let b = Baseline::from_findings(&report.findings, None, today);
        out.write_all(b.to_yaml().as_bytes())?;
        return Ok(Exit::Clean);
    }
    let color = args.format == CheckFormat::Table
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let text = render(&report, args.format, color).map_err(|e| CliError::new(e.to_string()))?;
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    // The table says it in its last line; the other formats go to files and CI systems,
    // so the terminal hears it here.
    if args.format != CheckFormat::Table
        && let Some(line) = crate::report::coverage::summary_line(&report)
    {
        eprintln!(
            "warning: {}; the report says what to do",
            crate::report::text::escape(&line)
        );
    }
    Ok(if report.fails(args.fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Compiles and runs `packs` over the snapshot at `path`, with the default limits.
pub(crate) async fn check(
    path: &Path,
    packs: &[Pack],
    baseline: Option<&Baseline>,
) -> Result<Report, CliError> {
    check_within(path, packs, baseline, &RuleLimits::default()).await
}

/// Compiles and runs `packs` over the snapshot at `path`, each rule within `limits`.
pub(crate) async fn check_within(
    path: &Path,
    packs: &[Pack],
    baseline: Option<&Baseline>,
    limits: &RuleLimits,
) -> Result<Report, CliError> {
    let mut engine = Engine::open(path).await?;
    engine.set_limits(iamsnap_engine::Limits {
        memory: limits.memory_limit,
        timeout: limits.rule_timeout.0,
    })?;
    let mut rules = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for pack in packs {
        let compiled = compile_pack(engine.context(), pack)
            .await
            .map_err(pack_error)?;
        for rule in compiled {
            if seen.contains(&rule.info.id) {
                return Err(CliError::with_help(
                    format!("rule id `{}` is in two packs", rule.info.id),
                    "run the packs separately, or give one of the rules another id",
                ));
            }
            seen.push(rule.info.id.clone());
            rules.push(rule);
        }
    }
    // Before running: which rules read data the snapshot lacks.
    let rules_without_data = without_data(engine.snapshot(), &rules);
    let findings = run_rules(&engine, &rules, limits.rule_timeout.0)
        .await
        .map_err(|e| match e.help.clone() {
            Some(help) => CliError::with_help(e.to_string(), help),
            None => CliError::new(e.to_string()),
        })?;
    let manifest = engine.snapshot().manifest();
    let (findings, suppressed, expired) = match baseline {
        Some(b) => {
            let applied = b.apply(findings, chrono::Utc::now().date_naive());
            (applied.kept, applied.suppressed, applied.expired)
        }
        None => (findings, Vec::new(), Vec::new()),
    };
    Ok(Report {
        snapshot: path.display().to_string(),
        accounts: manifest.account_ids.clone(),
        captured_at: manifest.captured_at.to_rfc3339(),
        rules: rules.into_iter().map(|r| r.info).collect(),
        findings,
        suppressed,
        expired_suppressions: expired,
        rules_without_data,
    })
}
