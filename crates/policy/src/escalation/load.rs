//! Reading and checking the methods' data: every action exists in the catalog, every
//! resource template fits the action, every context key is one the action supports, every
//! id is unique.

use std::collections::HashSet;

use iamsnap_catalog::{Action, Catalog};
use serde_json::{Map, Value};

use super::error::EscalationError;
use super::model::{IdentityKind, Method, Requirement, ResourcePolicy, Severity};
use super::template::{self, VARIABLES};

/// The format version of the data file this code reads.
const FORMAT_VERSION: u64 = 1;

/// Parses and checks the methods' data against `catalog`.
pub(crate) fn parse(text: &str, catalog: &Catalog) -> Result<Vec<Method>, EscalationError> {
    let root: Value = serde_json::from_str(text).map_err(|e| EscalationError::Syntax {
        message: syntax_message(&e),
        line: e.line(),
        column: e.column(),
    })?;
    let root = object(&root, "")?;
    let version = field(root, "", "version")?;
    if version.as_u64() != Some(FORMAT_VERSION) {
        return Err(invalid(
            "version",
            format!("expected format version {FORMAT_VERSION}, found `{version}`"),
        ));
    }
    let list = array(field(root, "", "methods")?, "methods")?;
    let mut methods = Vec::with_capacity(list.len());
    let mut ids = HashSet::new();
    for (i, value) in list.iter().enumerate() {
        let method = parse_method(value, &format!("methods[{i}]"), catalog)?;
        if !ids.insert(method.id.clone()) {
            return Err(EscalationError::DuplicateId { id: method.id });
        }
        methods.push(method);
    }
    Ok(methods)
}

/// serde_json appends " at line L column C"; the error carries those separately.
fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(cut) => full.get(..cut).unwrap_or(&full).to_owned(),
        None => full,
    }
}

fn invalid(path: &str, message: impl Into<String>) -> EscalationError {
    EscalationError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, EscalationError> {
    v.as_object()
        .ok_or_else(|| invalid(path, "expected an object"))
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a [Value], EscalationError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| invalid(path, "expected an array"))
}

fn field<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<&'a Value, EscalationError> {
    obj.get(key)
        .ok_or_else(|| invalid(&join(path, key), "missing"))
}

fn string(obj: &Map<String, Value>, path: &str, key: &str) -> Result<String, EscalationError> {
    let value = field(obj, path, key)?;
    match value.as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
        Some(_) => Err(invalid(&join(path, key), "is empty")),
        None => Err(invalid(&join(path, key), "expected a string")),
    }
}

fn strings(
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Vec<String>, EscalationError> {
    let Some(value) = obj.get(key) else {
        return Ok(Vec::new());
    };
    let here = join(path, key);
    array(value, &here)?
        .iter()
        .enumerate()
        .map(|(i, v)| match v.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
            _ => Err(invalid(
                &format!("{here}[{i}]"),
                "expected a non-empty string",
            )),
        })
        .collect()
}

/// Rejects keys the format does not have, so that a misspelled optional key is not
/// silently ignored.
fn known_keys(
    obj: &Map<String, Value>,
    path: &str,
    allowed: &[&str],
) -> Result<(), EscalationError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(
            &join(path, k),
            format!(
                "unknown element `{k}`; expected one of {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

const METHOD_KEYS: [&str; 10] = [
    "id",
    "name",
    "description",
    "principals",
    "needs_boundary",
    "required",
    "gains",
    "severity",
    "references",
    "known_as",
];

fn parse_method(value: &Value, path: &str, catalog: &Catalog) -> Result<Method, EscalationError> {
    let obj = object(value, path)?;
    known_keys(obj, path, &METHOD_KEYS)?;
    let id = string(obj, path, "id")?;
    if !id
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            &join(path, "id"),
            format!("`{id}` is not an id: use uppercase letters, digits and `-`"),
        ));
    }
    let severity_name = string(obj, path, "severity")?;
    let severity = Severity::from_name(&severity_name).ok_or_else(|| {
        invalid(
            &join(path, "severity"),
            format!("unknown severity `{severity_name}`; expected critical, high, medium or low"),
        )
    })?;
    let principals = strings(obj, path, "principals")?
        .iter()
        .map(|p| {
            IdentityKind::from_name(p).ok_or_else(|| {
                invalid(
                    &join(path, "principals"),
                    format!("unknown principal kind `{p}`; expected user or role"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let needs_boundary = match obj.get("needs_boundary") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| invalid(&join(path, "needs_boundary"), "expected true or false"))?,
    };
    let references = strings(obj, path, "references")?;
    if references.is_empty() {
        return Err(invalid(
            &join(path, "references"),
            "a method needs at least one reference",
        ));
    }
    if let Some(bad) = references.iter().find(|r| !r.starts_with("https://")) {
        return Err(invalid(
            &join(path, "references"),
            format!("`{bad}` is not an https URL"),
        ));
    }
    let here = join(path, "required");
    let alternatives = array(field(obj, path, "required")?, &here)?;
    if alternatives.is_empty() {
        return Err(invalid(&here, "a method needs at least one alternative"));
    }
    let mut required = Vec::with_capacity(alternatives.len());
    for (a, alternative) in alternatives.iter().enumerate() {
        let alt_path = format!("{here}[{a}]");
        let steps = array(alternative, &alt_path)?;
        if steps.is_empty() {
            return Err(invalid(
                &alt_path,
                "an alternative needs at least one action",
            ));
        }
        let steps = steps
            .iter()
            .enumerate()
            .map(|(s, step)| parse_requirement(step, &format!("{alt_path}[{s}]"), &id, catalog))
            .collect::<Result<Vec<_>, _>>()?;
        required.push(steps);
    }
    Ok(Method {
        name: string(obj, path, "name")?,
        description: string(obj, path, "description")?,
        gains: string(obj, path, "gains")?,
        known_as: strings(obj, path, "known_as")?,
        id,
        principals,
        needs_boundary,
        required,
        severity,
        references,
    })
}

fn parse_requirement(
    value: &Value,
    path: &str,
    method: &str,
    catalog: &Catalog,
) -> Result<Requirement, EscalationError> {
    let obj = object(value, path)?;
    known_keys(
        obj,
        path,
        &["action", "resource", "context", "resource_policy"],
    )?;
    let written = string(obj, path, "action")?;
    let action = catalog
        .action(&written)
        .ok_or_else(|| EscalationError::UnknownAction {
            method: method.to_owned(),
            action: written.clone(),
        })?;
    let resource = string(obj, path, "resource")?;
    check_template(&resource, &join(path, "resource"))?;
    check_resource(action, &resource, &join(path, "resource"))?;
    let mut context = Vec::new();
    if let Some(value) = obj.get("context") {
        let here = join(path, "context");
        for (key, v) in object(value, &here)? {
            let key_path = format!("{here}.{key}");
            let v = v
                .as_str()
                .ok_or_else(|| invalid(&key_path, "expected a string"))?;
            if !supports_key(action, key) {
                return Err(invalid(
                    &key_path,
                    format!(
                        "`{}` does not support the condition key `{key}`",
                        action.full_name()
                    ),
                ));
            }
            check_template(v, &key_path)?;
            context.push((key.clone(), v.to_owned()));
        }
    }
    let resource_policy = match obj.get("resource_policy") {
        None => ResourcePolicy::None,
        Some(v) if v.as_str() == ResourcePolicy::NamesPrincipal.name() => {
            ResourcePolicy::NamesPrincipal
        }
        Some(v) => {
            return Err(invalid(
                &join(path, "resource_policy"),
                format!("unknown resource policy `{v}`; expected `names-principal`"),
            ));
        }
    };
    Ok(Requirement {
        action: action.full_name().to_owned(),
        resource,
        context,
        resource_policy,
    })
}

/// Every `${...}` names a variable the evaluation fills.
fn check_template(text: &str, path: &str) -> Result<(), EscalationError> {
    template::variables(text)
        .map_err(|()| invalid(path, format!("`{text}` has an unclosed `${{`")))?
        .into_iter()
        .find(|name| !VARIABLES.contains(name))
        .map_or(Ok(()), |name| {
            Err(invalid(
                path,
                format!(
                    "unknown variable `${{{name}}}`; expected one of {}",
                    VARIABLES.join(", ")
                ),
            ))
        })
}

/// The resource fits the action: `*` for an action without resource types, otherwise an
/// ARN (or a variable standing for one) of the service and resource type of one of the
/// action's resource types.
fn check_resource(action: &Action, resource: &str, path: &str) -> Result<(), EscalationError> {
    let types = action.resource_types();
    if types.is_empty() {
        return if resource == "*" {
            Ok(())
        } else {
            Err(invalid(
                path,
                format!(
                    "`{}` has no resource types: its resource must be `*`",
                    action.full_name()
                ),
            ))
        };
    }
    if resource.starts_with("${") && resource.ends_with('}') && !resource.contains('/') {
        // `${SelfUser}`, `${SelfRole}`: the principal's own ARN.
        return Ok(());
    }
    let fits = types.iter().any(|t| {
        let (Some((fmt_service, fmt_rest)), Some((service, rest))) =
            (arn_parts(t.arn_format()), arn_parts(resource))
        else {
            return false;
        };
        let literal = fmt_rest.split("${").next().unwrap_or(fmt_rest);
        fmt_service == service && rest.starts_with(literal)
    });
    if fits {
        Ok(())
    } else {
        let formats: Vec<&str> = types.iter().map(|t| t.arn_format()).collect();
        Err(invalid(
            path,
            format!(
                "`{resource}` is not a resource of `{}`; expected one of {}",
                action.full_name(),
                formats.join(", ")
            ),
        ))
    }
}

/// `arn:P:svc:R:A:rest` → (`svc`, `rest`).
fn arn_parts(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.strip_prefix("arn:")?.splitn(5, ':');
    let (_partition, service, _region, _account, rest) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some((service, rest))
}

/// Global `aws:` keys, and the keys the action or one of its resource types supports.
fn supports_key(action: &Action, key: &str) -> bool {
    let matches = |k: &&str| k.eq_ignore_ascii_case(key);
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
        || action.condition_keys().iter().any(matches)
        || action
            .resource_types()
            .iter()
            .any(|t| t.condition_keys().iter().any(matches))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::embedded().unwrap()
    }

    fn one(method: &str) -> String {
        format!(r#"{{"version": 1, "methods": [{method}]}}"#)
    }

    const GOOD: &str = r#"{"id": "X-1", "name": "n", "description": "d", "gains": "g",
        "severity": "high", "references": ["https://example.com/"],
        "required": [[{"action": "iam:PassRole", "resource": "arn:${Partition}:iam::${Account}:role/*",
                       "context": {"iam:PassedToService": "lambda.amazonaws.com"}}]]}"#;

    #[test]
    fn the_shipped_methods_load_cleanly() {
        let methods = parse(super::super::DATA, catalog()).unwrap();
        assert!(methods.len() >= 40, "{} methods", methods.len());
    }

    #[test]
    fn a_valid_method_loads_with_the_catalog_spelling_of_its_actions() {
        let text = one(&GOOD.replace("iam:PassRole", "IAM:passrole"));
        let methods = parse(&text, catalog()).unwrap();
        let step = &methods[0].required[0][0];
        assert_eq!(step.action, "iam:PassRole");
        assert_eq!(
            step.context,
            vec![(
                "iam:PassedToService".to_owned(),
                "lambda.amazonaws.com".to_owned()
            )]
        );
    }

    #[test]
    fn an_unknown_action_is_named() {
        let text = one(&GOOD.replace("iam:PassRole", "iam:PassRoles"));
        assert_eq!(
            parse(&text, catalog()).unwrap_err(),
            EscalationError::UnknownAction {
                method: "X-1".to_owned(),
                action: "iam:PassRoles".to_owned()
            }
        );
    }

    #[test]
    fn a_duplicate_id_is_refused() {
        let text = format!(r#"{{"version": 1, "methods": [{GOOD}, {GOOD}]}}"#);
        assert_eq!(
            parse(&text, catalog()).unwrap_err(),
            EscalationError::DuplicateId {
                id: "X-1".to_owned()
            }
        );
    }

    #[test]
    fn malformed_data_is_an_error_with_its_place() {
        let err = parse("{\"version\": 1, \"methods\": [", catalog()).unwrap_err();
        assert!(
            matches!(err, EscalationError::Syntax { line: 1, .. }),
            "{err}"
        );

        let cases = [
            (
                GOOD.replace("\"severity\": \"high\"", "\"severity\": \"severe\""),
                "methods[0].severity",
            ),
            (
                GOOD.replace("role/*", "user/*"),
                "methods[0].required[0][0].resource",
            ),
            (
                GOOD.replace("${Account}", "${Acount}"),
                "methods[0].required[0][0].resource",
            ),
            (
                GOOD.replace("iam:PassedToService", "iam:PassedToServce"),
                "methods[0].required[0][0].context.iam:PassedToServce",
            ),
            (GOOD.replace("\"gains\"", "\"gain\""), "methods[0].gain"),
            (
                GOOD.replace("https://example.com/", "example.com"),
                "methods[0].references",
            ),
            (GOOD.replace("\"X-1\"", "\"x 1\""), "methods[0].id"),
        ];
        for (method, path) in cases {
            match parse(&one(&method), catalog()) {
                Err(EscalationError::Invalid { path: p, .. }) => assert_eq!(p, path),
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn actions_without_resource_types_take_star_only() {
        let text = one(&GOOD.replace(
            r#""action": "iam:PassRole", "resource": "arn:${Partition}:iam::${Account}:role/*""#,
            r#""action": "glue:CreateDevEndpoint", "resource": "arn:aws:glue:::x""#,
        ));
        let err = parse(&text, catalog()).unwrap_err();
        assert!(err.to_string().contains("must be `*`"), "{err}");
    }
}
