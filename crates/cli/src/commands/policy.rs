//! `iamsnap policy`: validate policy documents and simulate requests against them.

use std::path::{Path, PathBuf};

use iamsnap_access::verdict::{ControlLevel, implicit_deny_reason};
use iamsnap_catalog::arn::Arn;
use iamsnap_catalog::{AccessLevel, Catalog};
use iamsnap_policy::{
    CompiledPolicy, Context, ContextValue, Decision, DocumentKind, PolicyDocument, PolicySet,
    Request, evaluate, parse_document_text_as,
};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output;

/// Validate IAM policy documents and simulate requests against them.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Validate(ValidateArgs),
    Simulate(Box<SimulateArgs>),
    Escalations(Box<crate::commands::escalation::EscalationArgs>),
}

/// Check policy documents: structure, condition operators, and every action against the
/// catalog; show what each statement grants by access level.
///
/// Exit code 2 when a document is invalid; with --deny-warnings, 1 when an action or
/// pattern names nothing the catalog knows.
#[derive(Debug, clap::Args)]
struct ValidateArgs {
    /// Policy documents (JSON, decoded or URL-encoded).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Exit 1 when there are warnings (unknown actions, patterns matching nothing).
    #[arg(long)]
    deny_warnings: bool,

    /// What the documents are for; each kind allows different elements.
    #[arg(long, value_enum, default_value_t = Kind::Identity)]
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Kind {
    /// An identity-based policy of a user, group or role.
    Identity,
    /// A permissions boundary.
    Boundary,
    /// A session policy.
    Session,
    /// A resource-based policy (bucket, key, queue, topic, ... policy).
    Resource,
    /// A role's trust policy.
    Trust,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
}

impl From<Kind> for DocumentKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Identity => Self::Identity,
            Kind::Boundary => Self::PermissionsBoundary,
            Kind::Session => Self::Session,
            Kind::Resource => Self::Resource,
            Kind::Trust => Self::Trust,
            Kind::Scp => Self::ServiceControl,
            Kind::Rcp => Self::ResourceControl,
        }
    }
}

/// Evaluate one request with AWS's policy evaluation logic and explain the decision.
///
/// Exit code 0 whatever the decision, unless --expect says otherwise.
#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// An identity-based policy of the principal; repeat for several.
    #[arg(long = "policy", value_name = "FILE")]
    policies: Vec<PathBuf>,

    /// The principal's permissions boundary.
    #[arg(long, value_name = "FILE")]
    boundary: Option<PathBuf>,

    /// A session policy.
    #[arg(long, value_name = "FILE")]
    session_policy: Option<PathBuf>,

    /// The service control policies of one level of the organization, from the root down
    /// (every level must allow): repeat for each level; several policies attached at one
    /// level are separated by commas (`--scp root.json --scp ou-a.json,ou-b.json`).
    #[arg(long = "scp", value_name = "FILE[,FILE...]")]
    scps: Vec<String>,

    /// The resource control policies of one level, as for --scp.
    #[arg(long = "rcp", value_name = "FILE[,FILE...]")]
    rcps: Vec<String>,

    /// The resource's resource-based policy; for `sts:AssumeRole*`, the role's trust policy.
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,

    /// The action, e.g. s3:GetObject.
    #[arg(long)]
    action: String,

    /// The resource ARN (or `*`).
    #[arg(long, default_value = "*")]
    resource: String,

    /// The principal's ARN.
    #[arg(long, default_value = "arn:aws:iam::111122223333:role/simulated")]
    principal: String,

    /// The resource's account (default: the one in the resource's ARN, else the
    /// principal's).
    #[arg(long, value_name = "ID")]
    resource_account: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: SimulateFormat,

    /// A context key, KEY=VALUE; repeat a key for a multivalued key.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,

    /// Exit 1 unless the decision is this.
    #[arg(long, value_enum)]
    expect: Option<Expect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SimulateFormat {
    /// The decision and the statements that made it, for people.
    Text,
    /// One JSON object: the request, the decision, the reason and the statements.
    Json,
}

/// The levels of `--scp` / `--rcp`: each a list of files.
fn levels(args: &[String]) -> Vec<Vec<PathBuf>> {
    args.iter()
        .map(|level| {
            level
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .collect()
}

/// The files of a level, for explanations: `scp-root.json` or `a.json, b.json`.
fn level_name(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Expect {
    /// Allowed.
    Allow,
    /// Denied, explicitly or implicitly.
    Deny,
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    match &args.command {
        Command::Validate(a) => validate(a),
        Command::Simulate(a) => simulate(a),
        Command::Escalations(a) => crate::commands::escalation::run(a),
    }
}

fn catalog() -> Result<&'static Catalog, CliError> {
    Catalog::embedded().map_err(|e| CliError::new(format!("internal error: {e}")))
}

fn load(path: &Path, kind: DocumentKind) -> Result<PolicyDocument, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", path.display())))?;
    parse_document_text_as(&text, kind)
        .map_err(|e| CliError::diagnostic(e.with_source(path.display().to_string(), &text)))
}

/// Warnings about actions the catalog does not know.
fn action_warnings(catalog: &Catalog, patterns: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        if p.contains(['*', '?']) {
            if catalog.expand(p).is_empty() {
                out.push(format!("`{p}` matches no known action"));
            }
        } else if catalog.action(p).is_none() {
            let hint = catalog
                .suggest(p)
                .map(|a| format!(", did you mean `{}`?", a.full_name()))
                .unwrap_or_default();
            out.push(format!("unknown action `{p}`{hint}"));
        }
    }
    out
}

fn validate(args: &ValidateArgs) -> Result<Exit, CliError> {
    let catalog = catalog()?;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut table = output::table([
        "file",
        "statement",
        "effect",
        "actions",
        "list",
        "read",
        "write",
        "perms",
        "tagging",
    ]);
    for path in &args.files {
        let doc = match load(path, args.kind.into()) {
            Ok(doc) => doc,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for s in &doc.statements {
            let (patterns, set) = match (&s.action, &s.not_action) {
                (Some(a), _) => (a.as_slice(), catalog.expand_all(a)),
                (None, Some(n)) => (n.as_slice(), catalog.expand_not(n)),
                (None, None) => (&[][..], catalog.empty_set()),
            };
            for w in action_warnings(catalog, patterns) {
                warnings.push(format!("{}: statement {}: {w}", path.display(), s.index));
            }
            let count = |level| catalog.actions_with_level(&set, level).len().to_string();
            table.add_row([
                path.display().to_string(),
                match &s.sid {
                    Some(sid) => format!("{} ({sid})", s.index),
                    None => s.index.to_string(),
                },
                s.effect.as_str().to_owned(),
                set.len().to_string(),
                count(AccessLevel::List),
                count(AccessLevel::Read),
                count(AccessLevel::Write),
                count(AccessLevel::PermissionsManagement),
                count(AccessLevel::Tagging),
            ]);
        }
    }
    let mut text = format!("{table}\n");
    for w in &warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    print(&text)?;
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }
    if args.deny_warnings && !warnings.is_empty() {
        return Ok(Exit::Findings);
    }
    Ok(Exit::Clean)
}

pub(crate) fn compile_all(
    paths: &[PathBuf],
    kind: DocumentKind,
) -> Result<Vec<CompiledPolicy>, CliError> {
    paths
        .iter()
        .map(|p| {
            let doc = load(p, kind)?;
            let name = p.display().to_string();
            Ok(if kind == DocumentKind::Resource {
                CompiledPolicy::new_resource_policy(name, &doc)
            } else {
                CompiledPolicy::new(name, &doc)
            })
        })
        .collect()
}

/// The 12-digit account of an ARN, if it has one.
pub(crate) fn account_of(arn: &str) -> Option<&str> {
    Arn::parse(arn).and_then(|a| a.account())
}

/// `KEY=VALUE` pairs; a key given several times is multivalued.
pub(crate) fn parse_context(pairs: &[String]) -> Result<Context, CliError> {
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for kv in pairs {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| CliError::new(format!("--context `{kv}` is not KEY=VALUE")))?;
        match keys.iter_mut().find(|(key, _)| key.eq_ignore_ascii_case(k)) {
            Some((_, values)) => values.push(v.to_owned()),
            None => keys.push((k.to_owned(), vec![v.to_owned()])),
        }
    }
    let mut context = Context::default();
    for (k, mut values) in keys {
        let value = if values.len() == 1 {
            ContextValue::Single(values.remove(0))
        } else {
            ContextValue::Multi(values)
        };
        context.insert(&k, value);
    }
    Ok(context)
}

fn simulate(args: &SimulateArgs) -> Result<Exit, CliError> {
    let catalog = catalog()?;
    if catalog.action(&args.action).is_none() {
        let help = catalog
            .suggest(&args.action)
            .map(|a| format!("did you mean `{}`?", a.full_name()))
            .unwrap_or_else(|| "name an action as service:Action, e.g. s3:GetObject".to_owned());
        return Err(CliError::with_help(
            format!("unknown action `{}`", args.action),
            help,
        ));
    }
    let principal_account = account_of(&args.principal)
        .ok_or_else(|| {
            CliError::new(format!(
                "`{}` is not an IAM principal ARN with an account id",
                args.principal
            ))
        })?
        .to_owned();
    let context = parse_context(&args.context)?;
    let identity = compile_all(&args.policies, DocumentKind::Identity)?;
    let boundary = compile_all(args.boundary.as_slice(), DocumentKind::PermissionsBoundary)?;
    let session = compile_all(args.session_policy.as_slice(), DocumentKind::Session)?;
    // A role's trust policy is the resource policy of `sts:AssumeRole*` (it has no
    // `Resource`: the role is its resource).
    let resource_kind = if args
        .action
        .to_ascii_lowercase()
        .starts_with("sts:assumerole")
    {
        DocumentKind::Trust
    } else {
        DocumentKind::Resource
    };
    let resource = args
        .resource_policy
        .iter()
        .map(|p| {
            let doc = load(p, resource_kind)?;
            Ok(CompiledPolicy::new_resource_policy(
                p.display().to_string(),
                &doc,
            ))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let scp_levels = levels(&args.scps);
    let rcp_levels = levels(&args.rcps);
    let scps: Vec<Vec<CompiledPolicy>> = scp_levels
        .iter()
        .map(|files| compile_all(files, DocumentKind::ServiceControl))
        .collect::<Result<_, _>>()?;
    let rcps: Vec<Vec<CompiledPolicy>> = rcp_levels
        .iter()
        .map(|files| compile_all(files, DocumentKind::ResourceControl))
        .collect::<Result<_, _>>()?;
    // The resource's account: as given, else the one in its ARN, else (an S3 ARN, `*`)
    // the principal's.
    let (resource_account, account_from) =
        match (&args.resource_account, account_of(&args.resource)) {
            (Some(given), _) => (given.clone(), "given"),
            (None, Some(in_arn)) => (in_arn.to_owned(), "from the resource's ARN"),
            (None, None) if iamsnap_access::is_aws_owned(&args.resource) => (
                iamsnap_access::AWS_OWNER.to_owned(),
                "AWS's: an AWS managed policy belongs to no customer's account",
            ),
            (None, None) => (
                principal_account.clone(),
                "the principal's: the resource's ARN names none",
            ),
        };
    let request = Request {
        principal: args.principal.clone(),
        resource_account,
        principal_account,
        action: args.action.clone(),
        resource: args.resource.clone(),
        context,
    };
    let ev = evaluate(
        &request,
        &PolicySet {
            identity: &identity,
            permissions_boundary: boundary.first(),
            session: session.first(),
            scps: &scps,
            rcps: &rcps,
            resource: resource.first(),
        },
    );
    let reason = match ev.decision {
        Decision::ImplicitDeny => Some(implicit_deny_reason(
            ev.implicit_deny,
            &|level| match level {
                ControlLevel::Service(n) => scp_levels.get(n).map(|f| level_name(f)),
                ControlLevel::Resource(n) => rcp_levels.get(n).map(|f| level_name(f)),
            },
        )),
        _ => None,
    };
    let decision = match ev.decision {
        Decision::Allow => "allow",
        Decision::ExplicitDeny => "explicit deny",
        Decision::ImplicitDeny => "implicit deny",
    };
    match args.format {
        SimulateFormat::Text => {
            let mut text = match &reason {
                Some(reason) => format!("decision: {decision}: {reason}\n"),
                None => format!("decision: {decision}\n"),
            };
            for s in &ev.statements {
                text.push_str(&format!(
                    "  {} policy `{}`, statement {}{}\n",
                    s.kind.as_str(),
                    s.policy,
                    s.index,
                    s.sid
                        .as_deref()
                        .map(|sid| format!(" ({sid})"))
                        .unwrap_or_default()
                ));
            }
            if request.principal_account != request.resource_account {
                text.push_str(&format!(
                    "  across accounts: the principal's {} and the resource's {} ({account_from})\n",
                    request.principal_account, request.resource_account
                ));
            }
            print(&text)?;
        }
        SimulateFormat::Json => {
            let statements: Vec<serde_json::Value> = ev
                .statements
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "kind": s.kind.as_str(),
                        "policy": s.policy,
                        "index": s.index,
                        "sid": s.sid,
                    })
                })
                .collect();
            let out = serde_json::json!({
                "request": {
                    "principal": request.principal,
                    "principal_account": request.principal_account,
                    "action": request.action,
                    "resource": request.resource,
                    "resource_account": request.resource_account,
                    "resource_account_from": account_from,
                },
                "decision": decision,
                "allowed": ev.decision == Decision::Allow,
                "reason": reason,
                "statements": statements,
            });
            let text = serde_json::to_string_pretty(&out)
                .map_err(|e| CliError::new(format!("cannot write JSON: {e}")))?;
            print(&format!("{text}\n"))?;
        }
    }
    let met = match args.expect {
        None => true,
        Some(Expect::Allow) => ev.decision == Decision::Allow,
        Some(Expect::Deny) => ev.decision != Decision::Allow,
    };
    Ok(if met { Exit::Clean } else { Exit::Findings })
}
