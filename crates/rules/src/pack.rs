//! Loading packs: files and the packs they import, the packs shipped with iamsnap, and
//! parameter values.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::ast::{Define, Item, PackFile, Param, Rule, Span, Spanned, Test, Value};
use crate::diag::{Code, Diagnostic, Diagnostics, Source, nearest};
use crate::finding::{RuleInfo, RuleLocation, Severity};
use crate::limits::{
    MAX_FIXTURE_BYTES, MAX_FIXTURE_DEPTH, MAX_FIXTURE_FILES, MAX_PACK_BYTES, MAX_PACK_FILES, bytes,
};
use crate::parse::parse_pack;
use crate::template::{RuleTexts, render, render_command};

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
    (
        "external",
        "external.rules",
        include_str!("../../../queries/external.rules"),
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
    /// Its texts with the pack's parameters in them.
    pub texts: RuleTexts,
}

impl PackRule {
    /// What the rule says about itself, its texts with the pack's parameter values (an
    /// unknown severity reads as `info`; compiling the pack reports it).
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
            title: self.texts.title.clone(),
            description: self.texts.description.clone(),
            tags: r.tags.clone(),
            remediation: self.texts.remediation.clone(),
            fix: self
                .texts
                .fix
                .as_ref()
                .map(|f| f.node.clone())
                .unwrap_or_default(),
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
    /// The folders the pack may read files from (imports, test fixtures).
    pub scope: ReadScope,
    /// What is worth fixing in the pack's own file but does not stop it from running
    /// (named predicates and parameters nothing uses).
    pub warnings: Vec<Diagnostic>,
}

/// The folders a pack may read files from: the folder of the pack named on the command
/// line, and the folders the user allowed besides (`--allow-dir`). Every path a pack names
/// (an import, a test fixture) must lead, once symbolic links and `..` are resolved, to a
/// regular file inside one of them.
#[derive(Debug, Clone, Default)]
pub struct ReadScope {
    /// Canonical folders; the pack's own first.
    roots: Vec<PathBuf>,
}

impl ReadScope {
    /// The pack's folder and the allowed ones (canonicalized; a folder that does not exist
    /// allows nothing).
    pub fn new(pack_dir: &Path, allowed: &[PathBuf]) -> Self {
        let roots = std::iter::once(pack_dir)
            .chain(allowed.iter().map(PathBuf::as_path))
            .filter_map(|d| std::fs::canonicalize(d).ok())
            .collect();
        Self { roots }
    }

    /// The folders, canonical; the pack's own first.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    fn contains(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| path.starts_with(r))
    }

    /// The file `written` (as a pack names it, relative to `dir`), canonical: inside the
    /// scope, a regular file, at most `limit` bytes — or, with `folders`, a folder of
    /// regular files and folders only (no link that could lead outside), `limit` bytes in
    /// all. On error, what is wrong and what to do; neither says anything of a file outside
    /// the scope (not even whether it exists).
    fn resolve(
        &self,
        dir: &Path,
        written: &str,
        limit: u64,
        folders: bool,
    ) -> Result<PathBuf, (String, String)> {
        let outside = || {
            let root = self
                .roots
                .first()
                .map_or_else(String::new, |r| format!(" (`{}`)", r.display()));
            (
                format!("`{written}` is outside the pack's folder"),
                format!(
                    "a pack reads files only in its own folder{root} and in folders given with `--allow-dir DIR`: move the file there, or allow its folder"
                ),
            )
        };
        if written.is_empty() {
            return Err((
                "an empty path".to_owned(),
                "name a file relative to the pack".to_owned(),
            ));
        }
        let joined = dir.join(written);
        let path = match std::fs::canonicalize(&joined) {
            Ok(p) => p,
            Err(e) => {
                return Err(if self.contains(&normalize(&joined)) {
                    (
                        format!("cannot read `{written}`: {}", io_reason(&e)),
                        "paths are relative to the file that names them".to_owned(),
                    )
                } else {
                    outside()
                });
            }
        };
        if !self.contains(&path) {
            return Err(outside());
        }
        let meta = std::fs::metadata(&path).map_err(|e| {
            (
                format!("cannot read `{written}`: {}", io_reason(&e)),
                "paths are relative to the file that names them".to_owned(),
            )
        })?;
        if folders && meta.is_dir() {
            check_folder(&path, limit).map_err(|reason| {
                (
                    format!("`{written}` {reason}"),
                    "a fixture folder holds only regular files and folders".to_owned(),
                )
            })?;
            return Ok(path);
        }
        check_file(&meta, limit).map_err(|reason| {
            (
                format!("`{written}` {reason}"),
                "name a regular file, not a folder, device or pipe".to_owned(),
            )
        })?;
        Ok(path)
    }
}

/// `path` with `.` and `..` resolved without looking at the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// An operating system error in words (its kind, without Rust names).
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// Why a folder is not one to read: it holds a symbolic link (which could lead outside
/// the scope), a device, pipe or socket, more than [`MAX_FIXTURE_FILES`] files, folders
/// deeper than [`MAX_FIXTURE_DEPTH`], or more than `limit` bytes. Links are not followed.
fn check_folder(root: &Path, limit: u64) -> Result<(), String> {
    let mut pending = vec![(root.to_path_buf(), 0usize)];
    let (mut files, mut total) = (0usize, 0u64);
    let inside = |p: &Path| {
        p.strip_prefix(root)
            .map_or_else(|_| String::new(), |r| r.display().to_string())
    };
    while let Some((dir, depth)) = pending.pop() {
        if depth > MAX_FIXTURE_DEPTH {
            return Err(format!(
                "has folders deeper than {MAX_FIXTURE_DEPTH} levels (`{}`)",
                inside(&dir)
            ));
        }
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot be listed (`{}`): {}", inside(&dir), io_reason(&e)))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot be listed: {}", io_reason(&e)))?;
            let path = entry.path();
            // The entry itself: a link is not followed.
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot be read (`{}`): {}", inside(&path), io_reason(&e)))?;
            if kind.is_symlink() {
                return Err(format!("holds a symbolic link (`{}`)", inside(&path)));
            }
            if kind.is_dir() {
                pending.push((path, depth + 1));
                continue;
            }
            if !kind.is_file() {
                return Err(format!(
                    "holds something that is not a regular file (`{}`)",
                    inside(&path)
                ));
            }
            files += 1;
            if files > MAX_FIXTURE_FILES {
                return Err(format!("holds more than {MAX_FIXTURE_FILES} files"));
            }
            let meta = entry
                .metadata()
                .map_err(|e| format!("cannot be read (`{}`): {}", inside(&path), io_reason(&e)))?;
            total = total.saturating_add(meta.len());
            if total > limit {
                return Err(format!("holds more than {}, the limit", bytes(limit)));
            }
        }
    }
    Ok(())
}

/// Why a file is not one to read: not a regular file, or larger than `limit`.
fn check_file(meta: &std::fs::Metadata, limit: u64) -> Result<(), String> {
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a folder, not a file".to_owned()
        } else {
            "is not a regular file (a device, pipe or socket)".to_owned()
        });
    }
    if meta.len() > limit {
        return Err(format!("is larger than {}, the limit", bytes(limit)));
    }
    Ok(())
}

/// The text of the regular file `path`, at most `limit` bytes (checked again on the open
/// file, and the read bounded, should it have changed in between).
fn read_limited(path: &Path, limit: u64) -> Result<String, String> {
    check_file(&std::fs::metadata(path).map_err(|e| io_reason(&e))?, limit)?;
    let file = std::fs::File::open(path).map_err(|e| io_reason(&e))?;
    check_file(&file.metadata().map_err(|e| io_reason(&e))?, limit)?;
    let mut buf = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| io_reason(&e))?;
    if u64::try_from(buf.len()).unwrap_or(u64::MAX) > limit {
        return Err(format!("is larger than {}, the limit", bytes(limit)));
    }
    String::from_utf8(buf).map_err(|_| "is not UTF-8 text".to_owned())
}

impl Pack {
    /// Reads a pack file and the packs it imports (from its folder only).
    pub fn load(path: &Path) -> Result<Pack, Diagnostics> {
        Self::load_allowing(path, &[])
    }

    /// Reads a pack file and the packs it imports, which may be in its folder or in one of
    /// `allowed` (as may its tests' fixtures).
    pub fn load_allowing(path: &Path, allowed: &[PathBuf]) -> Result<Pack, Diagnostics> {
        let fail = |reason: String| {
            let source = Source::new(path.display().to_string(), "");
            Diagnostics(vec![
                Diagnostic::new(&source, Span::default(), format!("cannot read the pack: {reason}"))
                    .with_code(Code::Pack)
                    .with_help(format!("give the path of a `.rules` file of at most {}, or leave `--pack` out to use the shipped non-human-identity pack", bytes(MAX_PACK_BYTES))),
            ])
        };
        let canonical = std::fs::canonicalize(path).map_err(|e| fail(io_reason(&e)))?;
        let text = read_limited(&canonical, MAX_PACK_BYTES).map_err(|r| fail(format!("it {r}")))?;
        let dir = canonical.parent().unwrap_or(Path::new("/")).to_path_buf();
        let scope = ReadScope::new(&dir, allowed);
        let origin = Origin {
            source: Source::new(path.display().to_string(), text),
            dir: Some(dir),
        };
        Loader::new(scope).finish(origin, Some(canonical))
    }

    /// The file a test fixture names (`path`, written in the file of `origin`): inside the
    /// folders the pack may read, a regular file of at most
    /// [`MAX_FIXTURE_BYTES`](crate::limits::MAX_FIXTURE_BYTES).
    pub fn fixture_path(
        &self,
        origin: &Origin,
        path: &Spanned<String>,
    ) -> Result<PathBuf, Diagnostic> {
        let src = &origin.source;
        let Some(dir) = &origin.dir else {
            return Err(Diagnostic::new(
                src,
                path.span,
                "a shipped pack has no fixture files",
            ));
        };
        self.scope
            .resolve(dir, &path.node, MAX_FIXTURE_BYTES, true)
            .map_err(|(message, help)| {
                Diagnostic::new(src, path.span, message)
                    .with_help(help)
                    .with_code(Code::Pack)
            })
    }

    /// A pack shipped with iamsnap, by name (`nhi`, `cis`).
    pub fn embedded(name: &str) -> Option<Result<Pack, Diagnostics>> {
        let (_, file, text) = EMBEDDED.iter().find(|(n, _, _)| *n == name)?;
        let origin = Origin {
            source: Source::new(format!("<shipped>/{file}"), *text),
            dir: None,
        };
        Some(Loader::new(ReadScope::default()).finish(origin, None))
    }

    /// Parses pack text given directly (tests, fuzzing); imports resolve against `dir`
    /// and stay inside it (without `dir`, only shipped packs can be imported).
    pub fn from_text(name: &str, text: &str, dir: Option<&Path>) -> Result<Pack, Diagnostics> {
        let scope = dir.map_or_else(ReadScope::default, |d| ReadScope::new(d, &[]));
        let origin = Origin {
            source: Source::new(name, text),
            dir: dir.and_then(|d| std::fs::canonicalize(d).ok()),
        };
        Loader::new(scope).finish(origin, None)
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
        // (The parameters' names are those the texts were checked against.)
        self.render_texts()
            .map_err(|errors| Diagnostics(errors).to_string())
    }

    /// Puts the parameters' current values into every rule's texts; the errors of unknown
    /// parameters.
    fn render_texts(&mut self) -> Result<(), Vec<Diagnostic>> {
        let mut errors = Vec::new();
        for r in &mut self.rules {
            let src = &r.origin.source;
            let rule = &r.rule;
            let mut text = |t: Option<&Spanned<String>>, template: bool| match t {
                Some(t) => match render(src, t, &self.params, template) {
                    Ok(out) => Some(Spanned::new(out, t.span)),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                None => None,
            };
            let title = text(rule.title.as_ref(), false);
            let description = text(rule.description.as_ref(), false);
            let remediation = text(rule.remediation.as_ref(), false);
            let template = match &rule.message {
                Some(m) => text(Some(m), true),
                // (An error in the title is reported once, as the title's.)
                None => rule.title.as_ref().and_then(|t| {
                    render(src, t, &self.params, true)
                        .ok()
                        .map(|out| Spanned::new(out, t.span))
                }),
            };
            let fix = rule
                .fix
                .as_ref()
                .and_then(|t| match render_command(src, t, &self.params) {
                    Ok(out) => Some(Spanned::new(out, t.span)),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                });
            r.texts = RuleTexts {
                title: title.map(|t| t.node).unwrap_or_default(),
                description: description.map(|t| t.node).unwrap_or_default(),
                remediation: remediation.map(|t| t.node).unwrap_or_default(),
                template,
                fix,
            };
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
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

struct Loader {
    pack: Pack,
    errors: Vec<Diagnostic>,
    /// Files being loaded (for import cycles): key (the canonical path, or the name of a
    /// file that is not on disk) and the name shown.
    stack: Vec<(String, String)>,
    /// Files loaded, by key.
    done: Vec<String>,
    /// The parameters the top file declares.
    top_params: Vec<Spanned<String>>,
}

/// Where a file was imported: the importing file and the path as written in it.
type Site<'a> = (&'a Source, &'a Spanned<String>);

impl Loader {
    fn new(scope: ReadScope) -> Self {
        Self {
            pack: Pack {
                scope,
                ..Pack::default()
            },
            errors: Vec::new(),
            stack: Vec::new(),
            done: Vec::new(),
            top_params: Vec::new(),
        }
    }

    /// Loads the top file (`path`: its canonical path, when it is a file).
    fn finish(mut self, origin: Origin, path: Option<PathBuf>) -> Result<Pack, Diagnostics> {
        let stem = Path::new(&origin.source.name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.pack.name = stem;
        let key = path.map_or_else(|| origin.source.name.clone(), |p| p.display().to_string());
        self.load(origin, key, None);
        if let Err(errors) = self.pack.render_texts() {
            self.errors.extend(errors);
        }
        self.pack.warnings = crate::lint::unused(&self.pack, &self.top_params);
        if self.errors.is_empty() {
            Ok(self.pack)
        } else {
            Err(Diagnostics(self.errors))
        }
    }

    /// Parses and adds a file; `site` is where it was imported (`None` for the top file).
    fn load(&mut self, origin: Origin, key: String, site: Option<Site<'_>>) {
        self.stack.push((key.clone(), origin.source.name.clone()));
        let file = match parse_pack(&origin.source) {
            Ok(f) => f,
            Err(errors) => {
                match site {
                    None => self.errors.extend(errors),
                    // An imported file that does not parse may be no pack at all (a
                    // credentials file, say): say where, never what it holds.
                    Some((src, written)) => {
                        let (line, column) = errors
                            .first()
                            .map_or((1, 1), |d| origin.source.line_col(d.span.start));
                        let n = errors.len();
                        self.errors.push(
                            Diagnostic::new(
                                src,
                                written.span,
                                format!(
                                    "`{}` is not a valid rule pack: {n} syntax error{}, the first at line {line}, column {column}",
                                    written.node,
                                    if n == 1 { "" } else { "s" }
                                ),
                            )
                            .with_help(format!(
                                "its text is not shown here; `iamsnap rules list --pack {}` shows the errors of a pack",
                                origin.source.name
                            ))
                            .with_code(Code::Pack),
                        );
                    }
                }
                self.stack.pop();
                return;
            }
        };
        let origin = Arc::new(origin);
        self.pack.files.push(Arc::clone(&origin));
        self.add(file, &origin, site.is_none());
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
                Item::Param(Param { name, value }) => {
                    if top {
                        self.top_params.push(name.clone());
                    }
                    match self.pack.params.entry(name.node) {
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
                    }
                }
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
                            texts: RuleTexts::default(),
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
        let error = |message: String, help: String| {
            Diagnostic::new(src, path.span, message)
                .with_help(help)
                .with_code(Code::Pack)
        };
        let (key, name, text, dir) = match &from.dir {
            Some(dir) => {
                let shown = dir.join(&path.node).display().to_string();
                let full = match self
                    .pack
                    .scope
                    .resolve(dir, &path.node, MAX_PACK_BYTES, false)
                {
                    Ok(full) => full,
                    Err((message, help)) => {
                        self.errors.push(error(message, help));
                        return;
                    }
                };
                if full.extension().is_none_or(|e| e != "rules") {
                    self.errors.push(error(
                        format!("`{}` is not a `.rules` file", path.node),
                        "a pack imports other packs: files whose name ends in `.rules`".to_owned(),
                    ));
                    return;
                }
                let key = full.display().to_string();
                if self.done.contains(&key) || self.stack.iter().any(|(k, _)| *k == key) {
                    (key, String::new(), String::new(), None)
                } else {
                    if self.pack.files.len() + self.stack.len() >= MAX_PACK_FILES {
                        self.errors.push(error(
                            format!("the pack imports more than {MAX_PACK_FILES} files"),
                            "import fewer files: put related rules together".to_owned(),
                        ));
                        return;
                    }
                    let text = match read_limited(&full, MAX_PACK_BYTES) {
                        Ok(text) => text,
                        Err(reason) => {
                            self.errors.push(error(
                                format!(
                                    "cannot read the imported pack `{}`: it {reason}",
                                    path.node
                                ),
                                "imports are relative to the importing file".to_owned(),
                            ));
                            return;
                        }
                    };
                    let own_dir = full.parent().unwrap_or(Path::new("/")).to_path_buf();
                    (key, shown, text, Some(own_dir))
                }
            }
            None => match EMBEDDED.iter().find(|(_, file, _)| *file == path.node) {
                Some((_, file, text)) => {
                    let name = format!("<shipped>/{file}");
                    (name.clone(), name, (*text).to_owned(), None)
                }
                None => {
                    self.errors.push(
                        Diagnostic::new(src, path.span, format!("no shipped pack `{}`", path.node))
                            .with_code(Code::Pack),
                    );
                    return;
                }
            },
        };
        if self.stack.iter().any(|(k, _)| *k == key) {
            let names: Vec<&str> = self.stack.iter().map(|(_, n)| n.as_str()).collect();
            self.errors.push(
                Diagnostic::new(
                    src,
                    path.span,
                    format!(
                        "`{}` imports itself (through {})",
                        path.node,
                        names.join(" → ")
                    ),
                )
                .with_code(Code::Pack),
            );
            return;
        }
        if self.done.contains(&key) {
            return;
        }
        self.load(
            Origin {
                source: Source::new(name, text),
                dir,
            },
            key,
            Some((src, path)),
        );
    }
}
