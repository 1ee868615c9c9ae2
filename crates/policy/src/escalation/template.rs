//! Resource and context templates: `arn:${Partition}:iam::${Account}:role/*`.

/// The variables a template may use.
pub(crate) const VARIABLES: [&str; 6] = [
    "Partition",
    "Account",
    "Region",
    "Principal",
    "SelfUser",
    "SelfRole",
];

/// The names of the `${...}` variables of `text`, in order; `Err` for an unclosed `${`.
pub(crate) fn variables(text: &str) -> Result<Vec<&str>, ()> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((_, after)) = rest.split_once("${") {
        let (name, tail) = after.split_once('}').ok_or(())?;
        out.push(name);
        rest = tail;
    }
    Ok(out)
}

/// Fills `template`: each `${Name}` with `value(Name)` and each `*` with `target`; a
/// template of just `*` stays `*`. `None` when a variable has no value (the principal is
/// not a user for `${SelfUser}`, ...).
pub(crate) fn fill<'a>(
    template: &str,
    target: &str,
    value: impl Fn(&str) -> Option<&'a str>,
) -> Option<String> {
    if template == "*" {
        return Some("*".to_owned());
    }
    let mut out = String::with_capacity(template.len() + target.len());
    let mut rest = template;
    while let Some(i) = rest.find(['$', '*']) {
        let (head, tail) = rest.split_at_checked(i)?;
        out.push_str(head);
        if let Some(after) = tail.strip_prefix('*') {
            out.push_str(target);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let (name, after) = after.split_once('}')?;
            out.push_str(value(name)?);
            rest = after;
        } else {
            out.push('$');
            rest = tail.strip_prefix('$')?;
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn vars(name: &str) -> Option<&'static str> {
        match name {
            "Partition" => Some("aws"),
            "Account" => Some("111122223333"),
            _ => None,
        }
    }

    #[test]
    fn variables_and_stars_are_filled() {
        assert_eq!(
            fill("arn:${Partition}:iam::${Account}:role/*", "t", vars).as_deref(),
            Some("arn:aws:iam::111122223333:role/t")
        );
        assert_eq!(
            fill(
                "arn:${Partition}:ecs:r:${Account}:task-definition/*:1",
                "t",
                vars
            )
            .as_deref(),
            Some("arn:aws:ecs:r:111122223333:task-definition/t:1")
        );
        assert_eq!(fill("*", "t", vars).as_deref(), Some("*"));
        assert_eq!(fill("a$b", "t", vars).as_deref(), Some("a$b"));
    }

    #[test]
    fn a_variable_without_value_makes_no_resource() {
        assert_eq!(fill("${SelfUser}", "t", vars), None);
        assert_eq!(fill("arn:${Partition", "t", vars), None);
    }

    #[test]
    fn variables_are_listed() {
        assert_eq!(
            variables("arn:${Partition}:iam::${Account}:x").unwrap(),
            vec!["Partition", "Account"]
        );
        assert!(variables("arn:${Partition").is_err());
    }
}
