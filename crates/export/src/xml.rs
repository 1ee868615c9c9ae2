//! The text leaves of the small XML answers of AWS query and REST-XML APIs, each with its
//! path of element names (`ListTopicsResponse/ListTopicsResult/Topics/member/TopicArn`).
//! Enough for flat answers; attributes, comments and processing instructions are skipped.

/// Every element without child elements, with its path and unescaped text, in document
/// order. Malformed input yields what could be read before the fault.
pub(crate) fn leaves(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<&str> = Vec::new();
    // Whether the innermost open element has had a child element.
    let mut has_child: Vec<bool> = Vec::new();
    let mut text_start = 0usize;
    let mut rest = xml;
    let mut offset = 0usize;
    while let Some(lt) = rest.find('<') {
        let at = offset + lt;
        let Some(gt) = rest.get(lt..).and_then(|r| r.find('>')) else {
            break;
        };
        let tag = rest.get(lt + 1..lt + gt).unwrap_or("");
        let next = lt + gt + 1;
        if tag.starts_with('?') || tag.starts_with('!') {
            // Declaration, comment or CDATA start: skipped.
        } else if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            if stack.last() == Some(&name) {
                let leaf = !has_child.pop().unwrap_or(true);
                if leaf {
                    let text = xml.get(text_start..at).unwrap_or("");
                    out.push((stack.join("/"), unescape(text)));
                }
                stack.pop();
            } else {
                break;
            }
        } else {
            let self_closing = tag.ends_with('/');
            let name = tag
                .trim_end_matches('/')
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("");
            if let Some(parent) = has_child.last_mut() {
                *parent = true;
            }
            if self_closing {
                let mut path = stack.join("/");
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(name);
                out.push((path, String::new()));
            } else {
                stack.push(name);
                has_child.push(false);
                text_start = offset + next;
            }
        }
        offset += next;
        rest = rest.get(next..).unwrap_or("");
    }
    out
}

/// The inner text of every element whose path ends with `suffix` (`vpcEndpointSet/item`),
/// in document order: one record of a list, to read with [`leaves`] on its own, so that
/// the fields of one record are never taken for another's. Malformed input yields what
/// could be read before the fault.
pub(crate) fn elements<'a>(xml: &'a str, suffix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    // Open elements: name and where their content starts.
    let mut stack: Vec<(&str, usize)> = Vec::new();
    let mut rest = xml;
    let mut offset = 0usize;
    let wanted: Vec<&str> = suffix.split('/').collect();
    while let Some(lt) = rest.find('<') {
        let at = offset + lt;
        let Some(gt) = rest.get(lt..).and_then(|r| r.find('>')) else {
            break;
        };
        let tag = rest.get(lt + 1..lt + gt).unwrap_or("");
        let next = lt + gt + 1;
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            // Declaration, comment, CDATA start or an empty element: no record inside.
        } else if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            if stack.last().map(|(n, _)| *n) != Some(name) {
                break;
            }
            let names: Vec<&str> = stack.iter().map(|(n, _)| *n).collect();
            if let Some((_, start)) = stack.last().filter(|_| names.ends_with(&wanted)) {
                out.push(xml.get(*start..at).unwrap_or(""));
            }
            stack.pop();
        } else {
            let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
            stack.push((name, offset + next));
        }
        offset += next;
        rest = rest.get(next..).unwrap_or("");
    }
    out
}

/// The value of the leaf at exactly `path` in `leaves` (of one record), if any.
pub(crate) fn field(leaves: &[(String, String)], path: &str) -> Option<String> {
    leaves
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, v)| v.clone())
}

/// The value of the leaf at `path` below the root element, whatever the root is called
/// (`GetAccessPointResult` in the API reference, `GetAccessPointResponse` elsewhere).
pub(crate) fn under_root(leaves: &[(String, String)], path: &str) -> Option<String> {
    leaves
        .iter()
        .find(|(p, _)| p.split_once('/').is_some_and(|(_, rest)| rest == path))
        .map(|(_, v)| v.clone())
}

/// The values of the leaves whose path ends with `suffix`.
pub(crate) fn values<'a>(leaves: &'a [(String, String)], suffix: &str) -> Vec<&'a str> {
    leaves
        .iter()
        .filter(|(p, _)| p == suffix || p.ends_with(&format!("/{suffix}")))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp..).unwrap_or("");
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = after.get(1..semi).unwrap_or("");
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(after.get(..=semi).unwrap_or("")),
        }
        rest = after.get(semi + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_have_paths_and_unescaped_text() {
        let xml = r#"<?xml version="1.0"?>
<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <GetTopicAttributesResult><Attributes>
    <entry><key>Policy</key><value>{&quot;Version&quot;:&quot;2012-10-17&quot;,&#x22;a&#34;:&lt;&amp;&gt;}</value></entry>
    <entry><key>Owner</key><value>123456789012</value></entry>
    <entry><key>Empty</key><value/></entry>
  </Attributes></GetTopicAttributesResult>
</GetTopicAttributesResponse>"#;
        let l = leaves(xml);
        assert_eq!(
            l.first().map(|(p, v)| (p.as_str(), v.as_str())),
            Some((
                "GetTopicAttributesResponse/GetTopicAttributesResult/Attributes/entry/key",
                "Policy"
            ))
        );
        assert_eq!(
            values(&l, "entry/value"),
            [r#"{"Version":"2012-10-17","a":<&>}"#, "123456789012", ""]
        );
        assert_eq!(values(&l, "key"), ["Policy", "Owner", "Empty"]);
    }

    #[test]
    fn records_keep_their_own_fields() {
        let xml = "<R><set><item><id>a</id><sub><item><id>x</id></item></sub></item><item><id>b</id><empty/></item></set></R>";
        let items = elements(xml, "set/item");
        assert_eq!(items.len(), 2);
        let first = leaves(items[0]);
        assert_eq!(field(&first, "id").as_deref(), Some("a"));
        assert_eq!(field(&first, "sub/item/id").as_deref(), Some("x"));
        assert_eq!(field(&leaves(items[1]), "id").as_deref(), Some("b"));
        assert!(elements("<R><set><item>", "set/item").is_empty());
        let l = leaves(
            "<GetResponse><Policy>p</Policy><Deeper><Policy>q</Policy></Deeper></GetResponse>",
        );
        assert_eq!(under_root(&l, "Policy").as_deref(), Some("p"));
        assert_eq!(under_root(&l, "Deeper/Policy").as_deref(), Some("q"));
    }

    #[test]
    fn malformed_input_stops_without_panicking() {
        assert!(leaves("<a><b>x</c></a>").is_empty());
        assert_eq!(leaves("<a>x</a><b"), [("a".to_owned(), "x".to_owned())]);
        assert_eq!(unescape("a &bogus; &amp"), "a &bogus; &amp");
    }
}
