//! `iamsnap catalog`: the AWS action catalog embedded in iamsnap.

use iamsnap_catalog::{AccessLevel, Action, ActionSet, Catalog, PatternSet};

use crate::exit::{CliError, Exit};
use crate::files::print;
use crate::output::{self, Format, to_json};

/// Explore the AWS action catalog embedded in iamsnap: every service, action, access level,
/// resource type and condition key, as of its data date.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Info(InfoArgs),
    Actions(ActionsArgs),
    Show(ShowArgs),
}

/// Show where the catalog comes from, its data date and size, and its actions by access
/// level.
#[derive(Debug, clap::Args)]
struct InfoArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// List the actions that patterns match, as a policy's `Action` list grants them, with
/// their access levels.
///
/// Patterns use IAM wildcards, in any case: `*` matches any run of characters, `?` one
/// character (`s3:Get*`, `*Object`, `s3:?etObject`, `*`). Quote them for the shell.
#[derive(Debug, clap::Args)]
struct ActionsArgs {
    /// Action names or patterns: s3:GetObject, s3:Get*, iam:*.
    #[arg(required = true, value_name = "PATTERN")]
    patterns: Vec<String>,

    /// The actions that no pattern matches, as a `NotAction` list grants them.
    #[arg(long)]
    not: bool,

    /// Only actions with this access level; repeat for several.
    #[arg(long = "level", value_enum, value_name = "LEVEL")]
    levels: Vec<Level>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Show one action: its access levels, resource types with their ARN formats, and
/// condition keys.
#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The action, e.g. s3:GetObject (any case).
    action: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Level {
    /// Lists resources.
    List,
    /// Reads resources or their attributes.
    Read,
    /// Creates, changes or deletes resources.
    Write,
    /// Grants or changes permissions.
    PermissionsManagement,
    /// Changes tags only.
    Tagging,
}

impl From<Level> for AccessLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::List => AccessLevel::List,
            Level::Read => AccessLevel::Read,
            Level::Write => AccessLevel::Write,
            Level::PermissionsManagement => AccessLevel::PermissionsManagement,
            Level::Tagging => AccessLevel::Tagging,
        }
    }
}

pub fn run(args: &Args) -> Result<Exit, CliError> {
    let catalog = Catalog::embedded().map_err(|e| CliError::new(format!("internal error: {e}")))?;
    let text = match &args.command {
        Command::Info(a) => info(catalog, a)?,
        Command::Actions(a) => actions(catalog, a)?,
        Command::Show(a) => show(catalog, a)?,
    };
    print(&text)?;
    Ok(Exit::Clean)
}

fn levels_json(action: &Action) -> Vec<&'static str> {
    action
        .access_levels()
        .iter()
        .map(AccessLevel::as_str)
        .collect()
}

fn info(catalog: &Catalog, args: &InfoArgs) -> Result<String, CliError> {
    match args.format {
        Format::Json => {
            let levels: serde_json::Map<String, serde_json::Value> = AccessLevel::ALL
                .iter()
                .map(|l| (l.as_str().to_owned(), catalog.level_count(*l).into()))
                .collect();
            to_json(&serde_json::json!({
                "source": catalog.source(),
                "data_date": catalog.data_date(),
                "updated_at": catalog.updated_at(),
                "services": catalog.service_count(),
                "actions": catalog.action_count(),
                "resource_types": catalog.resource_type_count(),
                "condition_keys": catalog.condition_key_count(),
                "access_levels": levels,
            }))
        }
        Format::Table => {
            let mut about = output::table(["source", catalog.source()]);
            about.add_row([
                "data date".to_owned(),
                format!("{} ({})", catalog.data_date(), catalog.updated_at()),
            ]);
            let count = |n: usize| n.to_string();
            about.add_row(["services".to_owned(), count(catalog.service_count())]);
            about.add_row(["actions".to_owned(), count(catalog.action_count())]);
            about.add_row([
                "resource types".to_owned(),
                count(catalog.resource_type_count()),
            ]);
            about.add_row([
                "condition keys".to_owned(),
                count(catalog.condition_key_count()),
            ]);
            let mut levels = output::table(["access level", "actions"]);
            for level in AccessLevel::ALL {
                levels.add_row([level.as_str().to_owned(), count(catalog.level_count(level))]);
            }
            Ok(format!(
                "{about}\n\n{levels}\nan action with two access levels counts under both\n"
            ))
        }
    }
}

/// An error for an action name the catalog does not know, with the nearest one as help.
fn unknown_action(catalog: &Catalog, name: &str) -> CliError {
    let help = match catalog.suggest(name) {
        Some(a) => format!("did you mean `{}`?", a.full_name()),
        None => "name an action as service:Action, e.g. s3:GetObject; \
                 `iamsnap catalog actions 'SERVICE:*'` lists a service's actions"
            .to_owned(),
    };
    CliError::with_help(format!("unknown action `{name}`"), help)
}

fn actions(catalog: &Catalog, args: &ActionsArgs) -> Result<String, CliError> {
    // A name without wildcards that the catalog does not know is most likely a typo.
    for p in &args.patterns {
        if !p.contains(['*', '?']) && catalog.action(p).is_none() {
            return Err(unknown_action(catalog, p));
        }
    }
    let patterns = PatternSet::from_patterns(&args.patterns);
    let mut set = catalog.expand_set(&patterns);
    if args.not {
        set = set.complement();
    }
    if !args.levels.is_empty() {
        let mut with_level = catalog.empty_set();
        for level in &args.levels {
            with_level.union_with(&catalog.actions_with_level(&set, (*level).into()));
        }
        set = with_level;
    }
    Ok(match args.format {
        Format::Json => {
            let rows: Vec<serde_json::Value> = catalog
                .actions_in(&set)
                .map(|a| {
                    serde_json::json!({
                        "action": a.full_name(),
                        "service": a.service(),
                        "access_levels": levels_json(a),
                    })
                })
                .collect();
            to_json(&serde_json::Value::Array(rows))?
        }
        Format::Table => actions_table(catalog, &set),
    })
}

fn actions_table(catalog: &Catalog, set: &ActionSet) -> String {
    if set.is_empty() {
        return "no action matches\n".to_owned();
    }
    let mut table = output::table(["action", "access level"]);
    for a in catalog.actions_in(set) {
        table.add_row([a.full_name().to_owned(), a.access_levels().to_string()]);
    }
    let n = set.len();
    format!(
        "{table}\n{n} action{} of {}\n",
        if n == 1 { "" } else { "s" },
        catalog.action_count()
    )
}

fn show(catalog: &Catalog, args: &ShowArgs) -> Result<String, CliError> {
    let name = args.action.trim();
    if name.contains(['*', '?']) {
        return Err(CliError::with_help(
            format!("`{name}` is a pattern, not an action"),
            format!("list the actions it matches with `iamsnap catalog actions '{name}'`"),
        ));
    }
    let action = catalog
        .action(name)
        .ok_or_else(|| unknown_action(catalog, name))?;
    let service = catalog.service(action.service());
    let key_type = |key: &str| {
        service
            .and_then(|s| s.condition_key(key))
            .map_or("", |k| k.key_type().as_str())
    };
    Ok(match args.format {
        Format::Json => to_json(&serde_json::json!({
            "action": action.full_name(),
            "service": action.service(),
            "service_name": service.map(|s| s.name()),
            "access_levels": levels_json(action),
            "resource_types": action.resource_types().iter().map(|r| serde_json::json!({
                "name": r.name(),
                "required": r.required(),
                "arn_format": r.arn_format(),
                "condition_keys": r.condition_keys(),
            })).collect::<Vec<_>>(),
            "condition_keys": action.condition_keys().iter().map(|k| serde_json::json!({
                "name": k,
                "type": key_type(k),
            })).collect::<Vec<_>>(),
        }))?,
        Format::Table => {
            let mut about = output::table(["action", action.full_name()]);
            about.add_row([
                "service".to_owned(),
                format!(
                    "{} ({})",
                    action.service(),
                    service.map_or("", |s| s.name())
                ),
            ]);
            about.add_row([
                "access level".to_owned(),
                action.access_levels().to_string(),
            ]);
            let mut out = format!("{about}\n\n");
            if action.resource_types().is_empty() {
                out.push_str("resource types: none (the action applies to `*`)\n\n");
            } else {
                let mut rts =
                    output::table(["resource type", "required", "ARN format", "condition keys"]);
                for r in action.resource_types() {
                    rts.add_row([
                        r.name().to_owned(),
                        if r.required() { "yes" } else { "no" }.to_owned(),
                        r.arn_format().to_owned(),
                        r.condition_keys().join("\n"),
                    ]);
                }
                out.push_str(&format!("{rts}\n\n"));
            }
            if action.condition_keys().is_empty() {
                out.push_str("condition keys: none\n");
            } else {
                let mut keys = output::table(["condition key", "type"]);
                for k in action.condition_keys() {
                    keys.add_row([*k, key_type(k)]);
                }
                out.push_str(&format!("{keys}\n"));
            }
            out
        }
    })
}
