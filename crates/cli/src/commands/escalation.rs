//! `iamsnap policy escalations`: which published privilege-escalation methods a principal's
//! policies allow, each required action evaluated with AWS's evaluation logic.

use std::cmp::Reverse;
use std::path::PathBuf;

use iamsnap_policy::escalation::{self, Finding};
use iamsnap_policy::{CompiledPolicy, DocumentKind, PolicyKind, PolicySet, StatementRef};
use serde_json::json;

use crate::commands::policy::{account_of, compile_all, parse_context};
use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output;

/// Find the privilege-escalation methods a principal's policies allow.
///
/// Every published method (docs/escalation.md: policy writes, PassRole to a new compute
/// resource, access to other users, code execution on resources with a role, ...) is
/// checked by evaluating each action it needs, on a representative resource, against the
/// policies given: explicit denies, the permissions boundary, SCPs and conditions count.
///
/// Exit code 1 when at least one method is found, 0 when none is.
#[derive(Debug, clap::Args)]
pub struct EscalationArgs {
    /// An identity-based policy of the principal; repeat for several.
    #[arg(long = "policy", value_name = "FILE", required = true)]
    policies: Vec<PathBuf>,

    /// The principal's permissions boundary.
    #[arg(long, value_name = "FILE")]
    boundary: Option<PathBuf>,

    /// A service control policy; each file is one level of the organization (all must allow).
    #[arg(long = "scp", value_name = "FILE")]
    scps: Vec<PathBuf>,

    /// The principal's ARN: a user, a role or a role session.
    #[arg(long, default_value = "arn:aws:iam::111122223333:role/simulated")]
    principal: String,

    /// A context key, KEY=VALUE; repeat a key for a multivalued key. Set
    /// aws:RequestedRegion to the region the attacker would use.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A table for the terminal.
    Table,
    /// JSON, for scripts.
    Json,
}

pub fn run(args: &EscalationArgs) -> Result<Exit, CliError> {
    let methods =
        escalation::methods().map_err(|e| CliError::new(format!("internal error: {e}")))?;
    let account = account_of(&args.principal)
        .ok_or_else(|| {
            CliError::with_help(
                format!(
                    "`{}` is not an IAM principal ARN with an account id",
                    args.principal
                ),
                "give a user, role or role session ARN, e.g. arn:aws:iam::111122223333:user/alice",
            )
        })?
        .to_owned();
    let context = parse_context(&args.context)?;
    let identity = compile_all(&args.policies, DocumentKind::Identity)?;
    let boundary = compile_all(args.boundary.as_slice(), DocumentKind::PermissionsBoundary)?;
    let scps: Vec<Vec<CompiledPolicy>> = compile_all(&args.scps, DocumentKind::ServiceControl)?
        .into_iter()
        .map(|p| vec![p])
        .collect();
    let policies = PolicySet {
        identity: &identity,
        permissions_boundary: boundary.first(),
        scps: &scps,
        ..Default::default()
    };
    let mut findings =
        escalation::escalations_in(methods, &args.principal, &account, &policies, &context);
    // Most serious first; the data's order within a severity.
    findings.sort_by_key(|f| Reverse(f.method.severity));
    let text = match args.format {
        Format::Table => table(&args.principal, methods.len(), &findings),
        Format::Json => {
            let doc = json!({
                "principal": args.principal,
                "account": account,
                "methods_checked": methods.len(),
                "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
            });
            let mut s = serde_json::to_string_pretty(&doc)
                .map_err(|e| CliError::new(format!("internal error: {e}")))?;
            s.push('\n');
            s
        }
    };
    print(&text)?;
    Ok(if findings.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    })
}

fn table(principal: &str, checked: usize, findings: &[Finding<'_>]) -> String {
    if findings.is_empty() {
        return format!(
            "no privilege-escalation method found for `{principal}` ({checked} methods checked)\n"
        );
    }
    let mut t = output::table(["method", "severity", "gains", "allowed by"]);
    for f in findings {
        let m = f.method;
        let allowed_by: Vec<String> = f
            .steps
            .iter()
            .map(|s| {
                let by: Vec<String> = s.statements.iter().map(statement).collect();
                format!("{} on {}: {}", s.action, short(&s.resource), by.join("; "))
            })
            .collect();
        t.add_row([
            format!("{}\n{}", m.id, m.name),
            m.severity.as_str().to_owned(),
            m.gains.clone(),
            allowed_by.join("\n"),
        ]);
    }
    format!(
        "{} of {checked} privilege-escalation methods found for `{principal}`\n{t}\n\
         methods and their references: docs/escalation.md\n",
        findings.len()
    )
}

/// The resource part of an ARN, the representative name shown as `*`: `role/*`,
/// `document/AWS-RunShellScript`, `user/alice`.
fn short(resource: &str) -> String {
    let part = resource.splitn(6, ':').nth(5).unwrap_or(resource);
    part.replace(escalation::TARGET_NAME, "*")
}

fn statement(s: &StatementRef) -> String {
    if s.kind == PolicyKind::Resource {
        // The only resource policy is the one the method has the attacker write.
        return "the resource policy the attacker writes".to_owned();
    }
    format!(
        "{} `{}` #{}{}",
        s.kind.as_str(),
        s.policy,
        s.index,
        s.sid
            .as_deref()
            .map(|sid| format!(" ({sid})"))
            .unwrap_or_default()
    )
}

fn finding_json(f: &Finding<'_>) -> serde_json::Value {
    let m = f.method;
    json!({
        "id": m.id,
        "name": m.name,
        "severity": m.severity.as_str(),
        "gains": m.gains,
        "description": m.description,
        "alternative": f.alternative,
        "steps": f.steps.iter().map(|s| json!({
            "action": s.action,
            "resource": s.resource,
            "statements": s.statements.iter().map(|r| json!({
                "kind": r.kind.as_str(),
                "policy": r.policy,
                "index": r.index,
                "sid": r.sid,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "references": m.references,
    })
}
