//! Loading packs: files and the packs they import, the packs shipped with iamsnap, and
//! parameter values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ast::{Define, Item, PackFile, Param, Rule, Span, Spanned, Test, Value};
use crate::diag::{Diagnostic, Diagnostics, Source, nearest};
use crate::finding::{RuleInfo, RuleLocation, Severity};
use crate::parse::parse_pack;

/// The packs shipped inside the binary: name, file name, text.
pub const EMBEDDED: &[(&str, &str, &str)] = &[
    (
        "nhi",
        "nhi.rules",
        include_str!("../../../queries/nhi.rules"),
    ),
    (
        "cis",
        "cis.rules",
        include_str!("../../../queries/cis.rules"),
    ),
];

/// Where something in a pack came from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file's text.
    pub source: Source,
    /// The folder relative paths in it are resolved against (`None` for shipped packs).
    pub dir: Option<PathBuf>,
}

/// A rule and where it was written.
#[derive(Debug, Clone)]
pub struct PackRule {
    /// The rule.
    pub rule: Rule,
    /// Its file.
    pub origin: Arc<Origin>,
}

impl PackRule {
    /// What the rule says about itself, as written (an unknown severity reads as `info`;
    /// compiling the pack reports it).
    pub fn info(&self) -> RuleInfo {
        let r = &self.rule;
        let (line, column) = self.origin.source.line_col(r.span.start);
        RuleInfo {
            id: r.id.node.clone(),
            name: r.name.clone().unwrap_or_default(),
            severity: r
                .severity
                .as_ref()
                .and_then(|s| Severity::from_name(&s.node))
                .unwrap_or(Severity::Info),
            title: r.title.as_ref().map(|t| t.node.clone()).unwrap_or_default(),
            description: r.description.clone().unwrap_or_default(),
            tags: r.tags.clone(),
            remediation: r.remediation.clone().unwrap_or_default(),
            references: r.references.clone(),
            entity: r
                .target
                .as_ref()
                .map(|t| t.entity.node.clone())
                .unwrap_or_default(),
            location: RuleLocation {
                file: self.origin.source.name.clone(),
                line,
                column,
            },
        }
    }

    /// The rule's source text as written.
    pub fn text(&self) -> &str {
        self.origin.source.slice(self.rule.span).trim_end()
    }
}

/// A named predicate and where it was written.
#[derive(Debug, Clone)]
pub struct PackDefine {
    /// The predicate.
    pub define: Define,
    /// Its file.
    pub origin: Arc<Origin>,
}

/// A test and where it was written.
#[derive(Debug, Clone)]
pub struct PackTest {
    /// The test.
    pub test: Test,
    /// Its file.
    pub origin: Arc<Origin>,
}

/// A pack with its imports resolved.
#[derive(Debug, Clone, Default)]
pub struct Pack {
    /// The name of the first file's `pack` header, or its file stem.
    pub name: String,
    /// The title of the first file's header.
    pub title: String,
    /// Rules, in order (imports first, where they are imported).
    pub rules: Vec<PackRule>,
    /// Named predicates by name.
    pub defines: BTreeMap<String, PackDefine>,
    /// Parameters with their values (defaults, then overrides).
    pub params: BTreeMap<String, Spanned<Value>>,
    /// Tests.
    pub tests: Vec<PackTest>,
    /// Every file read.
    pub files: Vec<Arc<Origin>>,
}

impl Pack {
    /// Reads a pack file and the packs it imports.
    pub fn load(path: &Path) -> Result<Pack, Diagnostics> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let source = Source::new(path.display().to_string(), "");
            Diagnostics(vec![
                Diagnostic::new(&source, Span::default(), format!("cannot read the pack: {e}"))
                    .with_help("give the path of a `.rules` file, or leave `--pack` out to use the shipped non-human-identity pack"),
            ])
        })?;
        let origin = Origin {
            source: Source::new(path.display().to_string(), text),
            dir: Some(path.parent().unwrap_or(Path::new(".")).to_path_buf()),
        };
        Loader::default().finish(origin)
    }

    /// A pack shipped with iamsnap, by name (`nhi`, `cis`).
    pub fn embedded(name: &str) -> Option<Result<Pack, Diagnostics>> {
        let (_, file, text) = EMBEDDED.iter().find(|(n, _, _)| *n == name)?;
        let origin = Origin {
            source: Source::new(format!("<shipped>/{file}"), *text),
            dir: None,
        };
        Some(Loader::default().finish(origin))
    }

    /// Parses pack text given directly (tests, fuzzing); imports resolve against `dir`.
    pub fn from_text(name: &str, text: &str, dir: Option<&Path>) -> Result<Pack, Diagnostics> {
        let origin = Origin {
            source: Source::new(name, text),
            dir: dir.map(Path::to_path_buf),
        };
        Loader::default().finish(origin)
    }

    /// Sets parameters from `name=value` texts: a parameter whose default is a list takes
    /// a comma-separated list.
    pub fn set_params(&mut self, assignments: &[String]) -> Result<(), String> {
        for a in assignments {
            let (name, text) = a
                .split_once('=')
                .ok_or_else(|| format!("`{a}`: write a parameter as name=value"))?;
            let name = name.trim().trim_start_matches('$');
            let current = self.params.get(name).ok_or_else(|| {
                let known: Vec<&str> = self.params.keys().map(String::as_str).collect();
                let mut msg = format!("the pack has no parameter `{name}`");
                if let Some(n) = nearest(name, known.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{n}`?"));
                } else if !known.is_empty() {
                    msg.push_str(&format!("; its parameters: {}", known.join(", ")));
                }
                msg
            })?;
            let value = match &current.node {
                Value::List(_) => Value::List(
                    text.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Spanned::new(Value::Str(s.to_owned()), Span::default()))
                        .collect(),
                ),
                Value::Num(_) => {
                    if text.trim().parse::<f64>().is_err() {
                        return Err(format!("parameter `{name}` takes a number, not `{text}`"));
                    }
                    Value::Num(text.trim().to_owned())
                }
                Value::Bool(_) => match text.trim() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => return Err(format!("parameter `{name}` takes true or false")),
                },
                _ => Value::Str(text.to_owned()),
            };
            self.params
                .insert(name.to_owned(), Spanned::new(value, current.span));
        }
        Ok(())
    }

    /// Sets parameters from a JSON object file (`{"trusted_accounts": ["111122223333"]}`).
    pub fn set_params_file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("`{}` is not JSON: {e}", path.display()))?;
        let serde_json::Value::Object(map) = json else {
            return Err(format!(
                "`{}` must hold a JSON object of parameter values",
                path.display()
            ));
        };
        let mut assignments = Vec::new();
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            assignments.push(format!("{k}={text}"));
        }
        self.set_params(&assignments)
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[derive(Default)]
struct Loader {
    pack: Pack,
    errors: Vec<Diagnostic>,
    /// Files being loaded (for import cycles) and loaded.
    stack: Vec<String>,
    done: Vec<String>,
}

impl Loader {
    fn finish(mut self, origin: Origin) -> Result<Pack, Diagnostics> {
        let stem = Path::new(&origin.source.name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.pack.name = stem;
        self.load(origin, true);
        if self.errors.is_empty() {
            Ok(self.pack)
        } else {
            Err(Diagnostics(self.errors))
        }
    }

    fn load(&mut self, origin: Origin, top: bool) {
        let key = origin.source.name.clone();
        self.stack.push(key.clone());
        let file = match parse_pack(&origin.source) {
            Ok(f) => f,
            Err(errors) => {
                self.errors.extend(errors);
                self.stack.pop();
                return;
            }
        };
        let origin = Arc::new(origin);
        self.pack.files.push(Arc::clone(&origin));
        self.add(file, &origin, top);
        self.stack.pop();
        self.done.push(key);
    }

    fn add(&mut self, file: PackFile, origin: &Arc<Origin>, top: bool) {
        let src = &origin.source;
        if top {
            if let Some(name) = &file.name {
                self.pack.name = name.node.clone();
            }
            if let Some(title) = &file.title {
                self.pack.title = title.clone();
            }
        }
        for item in file.items {
            match item {
                Item::Import(path) => self.import(&path, origin),
                Item::Param(Param { name, value }) => match self.pack.params.entry(name.node) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        self.errors.push(Diagnostic::new(
                            src,
                            name.span,
                            format!("parameter `{}` is declared twice", e.key()),
                        ));
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(value);
                    }
                },
                Item::Define(define) => {
                    let define = *define;
                    match self.pack.defines.entry(define.name.node.clone()) {
                        std::collections::btree_map::Entry::Occupied(e) => {
                            self.errors.push(Diagnostic::new(
                                src,
                                define.name.span,
                                format!("predicate `{}` is defined twice", e.key()),
                            ));
                        }
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(PackDefine {
                                define,
                                origin: Arc::clone(origin),
                            });
                        }
                    }
                }
                Item::Rule(rule) => {
                    if self
                        .pack
                        .rules
                        .iter()
                        .any(|r| r.rule.id.node == rule.id.node)
                    {
                        self.errors.push(
                            Diagnostic::new(
                                src,
                                rule.id.span,
                                format!("rule id `{}` is used twice", rule.id.node),
                            )
                            .with_help("rule ids are how findings and baselines refer to rules: keep them unique"),
                        );
                    } else {
                        self.pack.rules.push(PackRule {
                            rule: *rule,
                            origin: Arc::clone(origin),
                        });
                    }
                }
                Item::Test(test) => self.pack.tests.push(PackTest {
                    test,
                    origin: Arc::clone(origin),
                }),
            }
        }
    }

    fn import(&mut self, path: &Spanned<String>, from: &Arc<Origin>) {
        let src = &from.source;
        let (name, text, dir) = match &from.dir {
            Some(dir) => {
                let full = dir.join(&path.node);
                match std::fs::read_to_string(&full) {
                    Ok(text) => (
                        full.display().to_string(),
                        text,
                        Some(full.parent().unwrap_or(Path::new(".")).to_path_buf()),
                    ),
                    Err(e) => {
                        self.errors.push(
                            Diagnostic::new(
                                src,
                                path.span,
                                format!("cannot read the imported pack `{}`: {e}", full.display()),
                            )
                            .with_help("imports are relative to the importing file"),
                        );
                        return;
                    }
                }
            }
            None => match EMBEDDED.iter().find(|(_, file, _)| *file == path.node) {
                Some((_, file, text)) => (format!("<shipped>/{file}"), (*text).to_owned(), None),
                None => {
                    self.errors.push(Diagnostic::new(
                        src,
                        path.span,
                        format!("no shipped pack `{}`", path.node),
                    ));
                    return;
                }
            },
        };
        if self.stack.contains(&name) {
            self.errors.push(Diagnostic::new(
                src,
                path.span,
                format!(
                    "`{}` imports itself (through {})",
                    path.node,
                    self.stack.join(" → ")
                ),
            ));
            return;
        }
        if self.done.contains(&name) {
            return;
        }
        self.load(
            Origin {
                source: Source::new(name, text),
                dir,
            },
            false,
        );
    }
}
