//! Reading the catalog data that `scripts/update-catalog` writes.
//!
//! The data (format version 1) is UTF-8 text, one record per line, fields separated by tabs,
//! gzip-compressed:
//!
//! ```text
//! iamsnap-catalog  1                                 format name and version (first line)
//! source           <package>@<version>
//! updated          <updatedAt of the package, RFC 3339>
//! S  <prefix>  <service name>  <#K>  <#R>  <#A>       starts a service; how many of each record follow
//! K  <condition key>  <type>                         the service's condition keys, indexed from 0
//! R  <resource type>  <ARN format>  <keys>           its resource types, indexed from 0
//! A  <prefix:Action>  <levels>  <resources>  <keys>  its actions
//! ```
//!
//! Services are sorted by prefix; within a service, `K` records come first, then `R`, then
//! `A`, each sorted by lowercased name, which is what makes lookups a binary search. `<keys>` is a
//! comma-separated list of indices into the service's `K` records. `<levels>` holds one
//! letter per access level (`L`ist, `R`ead, `W`rite, `P`ermissions management,
//! `T`agging). `<resources>` is a comma-separated list of indices into the service's `R`
//! records, each followed by `*` when the resource type is required, and by `:` and
//! dot-separated `K` indices for condition keys specific to that resource type.
//!
//! Names are borrowed from the text rather than copied, so decoding allocates little and
//! takes a few milliseconds.

use std::io::Read;
use std::sync::OnceLock;

use crate::access::{AccessLevel, AccessLevels};
use crate::catalog::{
    Action, ActionResource, Catalog, ConditionKey, ConditionKeyType, ResourceType, Service,
};
use crate::error::CatalogError;
use crate::resource::{ArnFormat, slash_free_names};
use crate::set::{ActionId, ActionSet};

const FORMAT: &str = "iamsnap-catalog";
const VERSION: &str = "1";

/// Decompresses gzip `data` into text.
pub(crate) fn decompress(data: &[u8]) -> Result<String, CatalogError> {
    // The gzip trailer ends with the uncompressed size (mod 2^32): size the text once.
    let size = data
        .len()
        .checked_sub(4)
        .and_then(|at| data.get(at..))
        .and_then(|tail| <[u8; 4]>::try_from(tail).ok())
        .map_or(0, |b| u32::from_le_bytes(b) as usize);
    let mut text = String::with_capacity(size.min(64 << 20));
    flate2::read::GzDecoder::new(data)
        .read_to_string(&mut text)
        .map_err(|e| CatalogError::Decompress {
            message: e.to_string(),
        })?;
    Ok(text)
}

/// Parses the uncompressed catalog `text`; `lower` is `text` ASCII-lowercased.
pub(crate) fn parse(text: &'static str, lower: &'static str) -> Result<Catalog, CatalogError> {
    if text.len() != lower.len() {
        return Err(CatalogError::Format {
            line: 0,
            message: "the lowercased text does not match the text".to_owned(),
        });
    }
    let mut lines = Lines {
        rest: text.split_inclusive('\n'),
        start: 0,
        number: 0,
    };
    let header = lines.expect_record("the format line")?;
    let [format, version] = header.fields()?;
    if format != FORMAT {
        return Err(header.error(format!("not iamsnap catalog data (`{FORMAT}` expected)")));
    }
    if version != VERSION {
        return Err(header.error(format!(
            "format version `{version}` is not supported (this build reads version {VERSION})"
        )));
    }
    let source = lines.expect_record("the source line")?;
    let [tag, source_text] = source.fields()?;
    if tag != "source" || source_text.is_empty() {
        return Err(source.error("`source <package>@<version>` expected".to_owned()));
    }
    let updated = lines.expect_record("the data date line")?;
    let [tag, updated_at] = updated.fields()?;
    if tag != "updated" || !looks_like_date(updated_at) {
        return Err(updated.error("`updated <YYYY-MM-DD...>` expected".to_owned()));
    }

    let mut services: Vec<Service> = Vec::with_capacity(512);
    let mut service_of: Vec<u16> = Vec::with_capacity(32 * 1024);
    let mut resource_type_count = 0usize;
    let mut condition_key_count = 0usize;
    // The kind and lowercased name of the service's last K, R or A record.
    let mut last: Option<(Kind, &'static str)> = None;
    // Sized for the current data (some 25,000 entries each), to grow rarely if ever.
    let mut pools = Pools {
        keys: Vec::with_capacity(32 * 1024),
        resources: Vec::with_capacity(32 * 1024),
        ..Pools::default()
    };
    let mut declared = Declared::default();
    while let Some(line) = lines.next() {
        // Records are tagged by one letter and a tab.
        let tag = match line.text.as_bytes().get(1) {
            Some(b'\t') => line.text.get(..1).unwrap_or(""),
            _ => line.text,
        };
        if tag == "S" {
            let [_, prefix, name, keys, resources, actions] = line.fields()?;
            check_counts(services.last(), &declared)?;
            if prefix.is_empty()
                || prefix.contains(':')
                || prefix.bytes().any(|b| b.is_ascii_uppercase())
            {
                return Err(line.error(format!(
                    "service prefix `{prefix}` must be lowercase, non-empty, without `:`"
                )));
            }
            if let Some(previous) = services.last()
                && previous.prefix >= prefix
            {
                return Err(line.error(format!(
                    "service `{prefix}` is out of order (after `{}`)",
                    previous.prefix
                )));
            }
            if services.len() >= usize::from(u16::MAX) {
                return Err(line.error("too many services".to_owned()));
            }
            let count = |text: &str| {
                text.parse::<usize>()
                    .map_err(|_| line.error(format!("`{text}` is not a record count")))
            };
            declared = Declared {
                line: line.number,
                condition_keys: count(keys)?,
                resource_types: count(resources)?,
                actions: count(actions)?,
            };
            pools
                .type_keys
                .reserve(declared.resource_types.min(1 << 16));
            pools.action_lists.reserve(declared.actions.min(1 << 16));
            services.push(Service {
                prefix,
                name,
                first: u32::try_from(service_of.len())
                    .map_err(|_| line.error("too many actions".to_owned()))?,
                // Sized once: the records are many and a service's actions are large.
                actions: Vec::with_capacity(declared.actions.min(1 << 16)),
                resource_types: Vec::with_capacity(declared.resource_types.min(1 << 16)),
                condition_keys: Vec::with_capacity(declared.condition_keys.min(1 << 16)),
            });
            last = None;
            continue;
        }
        let service_index = services.len().saturating_sub(1) as u16;
        let Some(service) = services.last_mut() else {
            return Err(line.error(format!("record `{tag}` before the first service")));
        };
        match tag {
            "K" => {
                let [_, name, type_name] = line.fields()?;
                let key_type = ConditionKeyType::from_aws_name(type_name).ok_or_else(|| {
                    line.error(format!("unknown condition key type `{type_name}`"))
                })?;
                check_order(&line, lower, &mut last, Kind::ConditionKey, name)?;
                service.condition_keys.push(ConditionKey { name, key_type });
                condition_key_count += 1;
            }
            "R" => {
                let [_, name, arn_format, keys] = line.fields()?;
                check_order(&line, lower, &mut last, Kind::ResourceType, name)?;
                pools
                    .type_keys
                    .push(key_list(&line, service, keys, &mut pools.keys)?);
                service.resource_types.push(ResourceType {
                    name,
                    arn_format,
                    condition_keys: &[],
                    arn: ArnFormat::default(),
                });
                resource_type_count += 1;
            }
            "A" => {
                let [_, full_name, levels, resources, keys] = line.fields()?;
                // `prefix:Name`, checked byte-wise: this runs for every action.
                let prefix_len = service.prefix.len();
                let well_formed = full_name.len() > prefix_len + 1
                    && full_name.as_bytes().get(prefix_len) == Some(&b':')
                    && full_name.get(..prefix_len) == Some(service.prefix);
                if !well_formed {
                    return Err(line.error(format!(
                        "action `{full_name}` is not `{}:<Name>`",
                        service.prefix
                    )));
                }
                let lower_full_name =
                    check_order(&line, lower, &mut last, Kind::Action, full_name)?;
                let id = u32::try_from(service_of.len())
                    .map_err(|_| line.error("too many actions".to_owned()))?;
                service.actions.push(Action {
                    id: ActionId(id),
                    full_name,
                    lower_full_name,
                    prefix_len,
                    access_levels: access_levels(&line, levels)?,
                    resource_types: &[],
                    condition_keys: &[],
                });
                let resources = action_resources(&line, service, resources, &mut pools)?;
                let keys = key_list(&line, service, keys, &mut pools.keys)?;
                pools.action_lists.push((resources, keys));
                service_of.push(service_index);
            }
            _ => return Err(line.error(format!("unknown record `{tag}`"))),
        }
    }
    check_counts(services.last(), &declared)?;
    if service_of.is_empty() {
        return Err(CatalogError::Format {
            line: lines.number,
            message: "the data holds no action".to_owned(),
        });
    }

    let action_count = u32::try_from(service_of.len()).map_err(|_| CatalogError::Format {
        line: lines.number,
        message: "too many actions".to_owned(),
    })?;
    let mut levels = vec![ActionSet::empty(action_count); AccessLevel::ALL.len()];
    for action in services.iter().flat_map(|s| s.actions.iter()) {
        for level in action.access_levels.iter() {
            if let Some(set) = levels.get_mut(level.index()) {
                set.insert(action.id);
            }
        }
    }
    pools.fill(&mut services);
    Ok(Catalog {
        source: source_text,
        updated_at,
        services,
        service_of,
        levels,
        action_count,
        resource_type_count,
        condition_key_count,
        resource_index: OnceLock::new(),
    })
}

/// The lines of the text with their 1-based numbers and byte offsets.
struct Lines {
    rest: std::str::SplitInclusive<'static, char>,
    /// The offset of the next line.
    start: usize,
    /// The number of the last line returned.
    number: usize,
}

impl Lines {
    fn next(&mut self) -> Option<Line> {
        let raw = self.rest.next()?;
        let line = Line {
            number: self.number + 1,
            start: self.start,
            text: raw.strip_suffix('\n').unwrap_or(raw),
        };
        self.number += 1;
        self.start += raw.len();
        Some(line)
    }

    fn expect_record(&mut self, what: &str) -> Result<Line, CatalogError> {
        self.next().ok_or_else(|| CatalogError::Format {
            line: self.number + 1,
            message: format!("the data ends before {what}"),
        })
    }
}

struct Line {
    number: usize,
    /// The byte offset of the line in the text.
    start: usize,
    /// Without its line feed.
    text: &'static str,
}

impl Line {
    fn error(&self, message: String) -> CatalogError {
        CatalogError::Format {
            line: self.number,
            message,
        }
    }

    /// The line's `N` tab-separated fields.
    fn fields<const N: usize>(&self) -> Result<[&'static str; N], CatalogError> {
        let mut out = [""; N];
        let mut parts = self.text.split('\t');
        for slot in &mut out {
            *slot = parts.next().ok_or_else(|| self.field_count())?;
        }
        if parts.next().is_some() {
            return Err(self.field_count());
        }
        Ok(out)
    }

    fn field_count(&self) -> CatalogError {
        let found = self.text.split('\t').count();
        self.error(format!("unexpected number of fields ({found})"))
    }
}

/// How many records of each kind an `S` record announces.
#[derive(Default)]
struct Declared {
    line: usize,
    condition_keys: usize,
    resource_types: usize,
    actions: usize,
}

/// Checks that `service` got the records its `S` record announced.
fn check_counts(service: Option<&Service>, declared: &Declared) -> Result<(), CatalogError> {
    let Some(service) = service else {
        return Ok(());
    };
    let found = [
        (
            "condition keys",
            declared.condition_keys,
            service.condition_keys.len(),
        ),
        (
            "resource types",
            declared.resource_types,
            service.resource_types.len(),
        ),
        ("actions", declared.actions, service.actions.len()),
    ];
    for (what, expected, got) in found {
        if expected != got {
            return Err(CatalogError::Format {
                line: declared.line,
                message: format!(
                    "service `{}` announces {expected} {what} but has {got}",
                    service.prefix
                ),
            });
        }
    }
    Ok(())
}

/// The records of a service, in the order they must come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    ConditionKey,
    ResourceType,
    Action,
}

/// Checks that a record of `kind` named `name` (its second field) comes after `last`, the
/// service's previous record: K records first, then R, then A, each kind sorted by
/// lowercased name. Returns `name` lowercased and makes it `last`.
fn check_order(
    line: &Line,
    lower: &'static str,
    last: &mut Option<(Kind, &'static str)>,
    kind: Kind,
    name: &str,
) -> Result<&'static str, CatalogError> {
    if name.is_empty() {
        return Err(line.error("empty name".to_owned()));
    }
    // Lowercased names are the same range of `lower`; the second field starts right after
    // the one-letter tag and its tab.
    let at = line.start + 2;
    let lower_name = lower
        .get(at..at + name.len())
        .ok_or_else(|| line.error("name out of range".to_owned()))?;
    match *last {
        Some((previous_kind, _)) if previous_kind > kind => {
            return Err(line.error(format!("`{name}` comes after records of a later kind")));
        }
        Some((previous_kind, previous)) if previous_kind == kind && previous >= lower_name => {
            return Err(line.error(format!(
                "`{name}` is out of order or repeated (after `{previous}`)"
            )));
        }
        _ => {}
    }
    *last = Some((kind, lower_name));
    Ok(lower_name)
}

fn looks_like_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b.iter().take(10).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

fn access_levels(line: &Line, letters: &str) -> Result<AccessLevels, CatalogError> {
    let mut levels = AccessLevels::EMPTY;
    for letter in letters.bytes() {
        let level = AccessLevel::from_letter(letter)
            .ok_or_else(|| line.error(format!("unknown access level `{}`", char::from(letter))))?;
        levels.insert(level);
    }
    if levels.is_empty() {
        return Err(line.error("the action has no access level".to_owned()));
    }
    Ok(levels)
}

/// The catalog's lists — the condition keys of each resource type, and the resource types
/// and condition keys of each action — gathered into two buffers rather than some 40,000
/// small allocations. While parsing, records hold spans of the buffers; [`Pools::fill`]
/// then turns them into slices.
#[derive(Default)]
struct Pools {
    keys: Vec<&'static str>,
    resources: Vec<PendingResource>,
    /// The condition keys of each resource type, in record order.
    type_keys: Vec<Span>,
    /// The resource types and condition keys of each action, in record order.
    action_lists: Vec<(Span, Span)>,
}

/// A range of one of the [`Pools`] buffers.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: usize,
    end: usize,
}

struct PendingResource {
    name: &'static str,
    arn_format: &'static str,
    required: bool,
    keys: Span,
}

impl Pools {
    /// Gives every resource type and action of `services` its lists.
    ///
    /// The buffers are leaked: a catalog is decoded once per process, into a static, and
    /// never freed, and leaking lets every list be a plain `&'static` slice (as every name
    /// already is, borrowed from the static data text).
    fn fill(self, services: &mut [Service]) {
        let keys: &'static [&'static str] = Box::leak(self.keys.into_boxed_slice());
        let key_slice = |span: Span| keys.get(span.start..span.end).unwrap_or_default();
        let resources: Box<[ActionResource]> = self
            .resources
            .iter()
            .map(|r| ActionResource {
                name: r.name,
                arn_format: r.arn_format,
                required: r.required,
                condition_keys: key_slice(r.keys),
            })
            .collect();
        let resources: &'static [ActionResource] = Box::leak(resources);
        let mut type_keys = self.type_keys.into_iter();
        let mut action_lists = self.action_lists.into_iter();
        for service in services {
            let slash_free = slash_free_names(service.resource_types.iter().map(|r| r.arn_format));
            for rt in &mut service.resource_types {
                rt.condition_keys = key_slice(type_keys.next().unwrap_or_default());
                rt.arn = ArnFormat::new(rt.arn_format, |n| slash_free.contains(&n));
            }
            for action in &mut service.actions {
                let (r, k) = action_lists.next().unwrap_or_default();
                action.resource_types = resources.get(r.start..r.end).unwrap_or_default();
                action.condition_keys = key_slice(k);
            }
        }
    }
}

/// A reader of the index lists of `R` and `A` records. They are parsed byte by byte: there
/// are some 40,000 of them, and generic string splitting and number parsing would cost
/// more than the rest of decoding in debug builds.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A decimal number.
    fn number(&mut self, line: &Line, what: &str) -> Result<usize, CatalogError> {
        let start = self.pos;
        let mut value = 0usize;
        while let Some(&b) = self.bytes.get(self.pos) {
            if !b.is_ascii_digit() {
                break;
            }
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(usize::from(b - b'0')))
                .ok_or_else(|| line.error(format!("{what} index too large")))?;
            self.pos += 1;
        }
        if self.pos == start {
            let rest = String::from_utf8_lossy(self.bytes.get(start..).unwrap_or_default());
            return Err(line.error(format!("{what} index expected at `{rest}`")));
        }
        Ok(value)
    }
}

/// Resolves a `sep`-separated list of condition key indices (until the end of `cursor` or
/// a byte other than `sep` after an index) to the keys' names, appended to `pool`.
fn key_refs(
    line: &Line,
    service: &Service,
    cursor: &mut Cursor<'_>,
    sep: u8,
    pool: &mut Vec<&'static str>,
) -> Result<Span, CatalogError> {
    let start = pool.len();
    loop {
        let i = cursor.number(line, "condition key")?;
        let key = service
            .condition_keys
            .get(i)
            .ok_or_else(|| line.error(format!("no condition key {i} in `{}`", service.prefix)))?;
        pool.push(key.name);
        if !cursor.eat(sep) {
            break;
        }
    }
    Ok(Span {
        start,
        end: pool.len(),
    })
}

/// A comma-separated list of condition key indices: the last field of `R` and `A` records.
fn key_list(
    line: &Line,
    service: &Service,
    list: &str,
    pool: &mut Vec<&'static str>,
) -> Result<Span, CatalogError> {
    if list.is_empty() {
        return Ok(Span::default());
    }
    let mut cursor = Cursor {
        bytes: list.as_bytes(),
        pos: 0,
    };
    let span = key_refs(line, service, &mut cursor, b',', pool)?;
    if !cursor.at_end() {
        return Err(line.error(format!("malformed condition key list `{list}`")));
    }
    Ok(span)
}

/// The resource types of an `A` record: `3*:1.2,5` (see the module documentation).
fn action_resources(
    line: &Line,
    service: &Service,
    list: &str,
    pools: &mut Pools,
) -> Result<Span, CatalogError> {
    let start = pools.resources.len();
    if list.is_empty() {
        return Ok(Span { start, end: start });
    }
    let mut cursor = Cursor {
        bytes: list.as_bytes(),
        pos: 0,
    };
    loop {
        let i = cursor.number(line, "resource type")?;
        let rt = service
            .resource_types
            .get(i)
            .ok_or_else(|| line.error(format!("no resource type {i} in `{}`", service.prefix)))?;
        let required = cursor.eat(b'*');
        let keys = if cursor.eat(b':') {
            key_refs(line, service, &mut cursor, b'.', &mut pools.keys)?
        } else {
            Span::default()
        };
        pools.resources.push(PendingResource {
            name: rt.name,
            arn_format: rt.arn_format,
            required,
            keys,
        });
        if cursor.at_end() {
            break;
        }
        if !cursor.eat(b',') {
            return Err(line.error(format!("malformed resource type list `{list}`")));
        }
    }
    Ok(Span {
        start,
        end: pools.resources.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "iamsnap-catalog\t1\n\
        source\ttest@1\n\
        updated\t2026-01-02T03:04:05Z\n\
        S\tdemo\tDemo Service\t2\t1\t2\n\
        K\taws:TagKeys\tArrayOfString\n\
        K\tdemo:Color\tString\n\
        R\tthing\tarn:${Partition}:demo:${Region}:${Account}:thing/${Id}\t1\n\
        A\tdemo:GetThing\tR\t0*:0\t1\n\
        A\tdemo:TagThing\tTW\t0\t\n\
        S\tother\tOther\t0\t0\t1\n\
        A\tother:List\tL\t\t\n";

    fn parse_text(text: &'static str) -> Result<Catalog, CatalogError> {
        let lower: &'static str = Box::leak(text.to_ascii_lowercase().into_boxed_str());
        parse(text, lower)
    }

    fn error_of(text: &'static str) -> String {
        parse_text(text).unwrap_err().to_string()
    }

    #[test]
    fn small_catalog_decodes_with_every_field() {
        let c = parse_text(SMALL).unwrap();
        assert_eq!(c.source(), "test@1");
        assert_eq!(c.data_date(), "2026-01-02");
        assert_eq!(c.service_count(), 2);
        assert_eq!(c.action_count(), 3);
        assert_eq!(c.resource_type_count(), 1);
        assert_eq!(c.condition_key_count(), 2);
        let get = c.action("DEMO:getthing").unwrap();
        assert_eq!(get.full_name(), "demo:GetThing");
        assert_eq!(get.lower_full_name(), "demo:getthing");
        assert_eq!(get.service(), "demo");
        assert_eq!(get.name(), "GetThing");
        assert_eq!(get.condition_keys(), ["demo:Color"]);
        let [rt] = get.resource_types() else {
            panic!("one resource type expected")
        };
        assert_eq!(rt.name(), "thing");
        assert!(rt.required());
        assert_eq!(rt.condition_keys(), ["aws:TagKeys"]);
        assert!(rt.arn_format().ends_with(":thing/${Id}"));
        let tag = c.action("demo:TagThing").unwrap();
        assert_eq!(tag.access_levels().to_string(), "Tagging, Write");
        assert!(!tag.resource_types()[0].required());
        let list = c.action_by_id(ActionId(2)).unwrap();
        assert_eq!(list.full_name(), "other:List");
        let demo = c.service("Demo").unwrap();
        assert_eq!(demo.action_ids(), 0..2);
        assert_eq!(
            demo.condition_key("DEMO:COLOR").unwrap().key_type(),
            ConditionKeyType::String
        );
        assert_eq!(
            demo.resource_type("Thing").unwrap().condition_keys(),
            ["demo:Color"]
        );
        assert_eq!(c.level_count(AccessLevel::Write), 1);
        assert_eq!(c.level_count(AccessLevel::List), 1);
    }

    #[test]
    fn damaged_data_is_reported_with_its_line() {
        assert_eq!(
            error_of("nope\t1\n"),
            "action catalog data, line 1: not iamsnap catalog data (`iamsnap-catalog` expected)"
        );
        assert_eq!(
            error_of("iamsnap-catalog\t2\n"),
            "action catalog data, line 1: format version `2` is not supported (this build reads version 1)"
        );
        assert_eq!(
            error_of("iamsnap-catalog\t1\nsource\tx@1\n"),
            "action catalog data, line 3: the data ends before the data date line"
        );
        assert_eq!(
            error_of("iamsnap-catalog\t1\nsource\tx@1\nupdated\tyesterday\n"),
            "action catalog data, line 3: `updated <YYYY-MM-DD...>` expected"
        );
        let head = "iamsnap-catalog\t1\nsource\tx@1\nupdated\t2026-01-02\n";
        let cases: [(&'static str, &str); 13] = [
            (
                "S\tx\tX\t9\t9\t9\nR\tr\tarn\t\nK\tx:k\tString\n",
                "line 6: `x:k` comes after records of a later kind",
            ),
            (
                "A\tx:Y\tR\t\t\n",
                "line 4: record `A` before the first service",
            ),
            (
                "S\tx\tX\t9\t9\t9\nA\tx:B\tR\t\t\nA\tx:a\tR\t\t\n",
                "line 6: `x:a` is out of order or repeated (after `x:b`)",
            ),
            (
                "S\tx\tX\t9\t9\t9\nA\ty:B\tR\t\t\n",
                "line 5: action `y:B` is not `x:<Name>`",
            ),
            (
                "S\tx\tX\t9\t9\t9\nA\tx:B\tQ\t\t\n",
                "line 5: unknown access level `Q`",
            ),
            (
                "S\tx\tX\t9\t9\t9\nA\tx:B\tR\t0\t\n",
                "line 5: no resource type 0 in `x`",
            ),
            (
                "S\tx\tX\t9\t9\t9\nA\tx:B\tR\t\t7\n",
                "line 5: no condition key 7 in `x`",
            ),
            (
                "S\tx\tX\t9\t9\t9\nA\tx:B\tR\t\n",
                "line 5: unexpected number of fields (4)",
            ),
            (
                "S\tx\tX\t0\t0\t0\nS\tw\tW\t0\t0\t0\n",
                "line 5: service `w` is out of order (after `x`)",
            ),
            (
                "S\tx\tX\t9\t9\t9\nK\tx:k\tText\n",
                "line 5: unknown condition key type `Text`",
            ),
            (
                "S\tx\tX\t0\t0\t2\nA\tx:B\tR\t\t\n",
                "line 4: service `x` announces 2 actions but has 1",
            ),
            (
                "S\tx\tX\t1\t0\t0\nS\ty\tY\t0\t0\t0\n",
                "line 4: service `x` announces 1 condition keys but has 0",
            ),
            (
                "S\tx\tX\tmany\t0\t0\n",
                "line 4: `many` is not a record count",
            ),
        ];
        for (body, expected) in cases {
            let text: &'static str = Box::leak(format!("{head}{body}").into_boxed_str());
            assert_eq!(error_of(text), format!("action catalog data, {expected}"));
        }
        assert_eq!(
            error_of("iamsnap-catalog\t1\nsource\tx@1\nupdated\t2026-01-02\nS\tx\tX\t0\t0\t0\n"),
            "action catalog data, line 4: the data holds no action"
        );
    }

    #[test]
    fn damaged_gzip_is_a_decompress_error() {
        let err = decompress(b"not gzip at all").unwrap_err();
        assert!(matches!(err, CatalogError::Decompress { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("cannot decompress the action catalog data: ")
        );
    }
}
