//! SARIF 2.1.0: one run of the `iamsnap` tool, its rules and its results, as GitHub code
//! scanning reads them. The log, its driver, rule descriptors, results and invocation are
//! built here for `check` and for `diff` (whose rules and results are in
//! [`super::diff`]).
//!
//! - Each rule carries `properties.security-severity` (critical 9.5, high 8.0, medium 5.5,
//!   low 3.0, info 0.0) and the `security` tag, which code scanning uses to rank alerts.
//! - A result's physical location is the rule in its pack file (code scanning requires
//!   one); the resource the finding is about is its logical location.
//! - `partialFingerprints.iamsnapFingerprint/v1` is the finding's fingerprint, so an alert
//!   keeps its identity across snapshots.
//! - A finding's fix command is `properties.fix` of its result (`command`, or
//!   `unavailable` saying what is missing, `note` saying what else it changes, and `review`).
//! - Suppressed findings are results with an external suppression and its justification;
//!   expired suppressions are warnings of the run's invocation.

use iamsnap_rules::{Finding, Report, RuleInfo, RuleLocation, Severity};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};

use super::RenderError;

/// The schema the output follows.
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where iamsnap is documented.
pub const INFORMATION_URI: &str = "https://github.com/iamsnap/iamsnap";

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The `security-severity` score code scanning ranks alerts by.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Characters left as they are in a path turned into a URI reference: the unreserved
/// ones, `/` and a few sub-delimiters.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'+')
    .remove(b',')
    .remove(b'=')
    .remove(b'@');

/// In an absolute `file://` URI a `:` may stand anywhere in the path (`C:`).
const ABSOLUTE_PATH: &AsciiSet = &PATH.remove(b':');

/// A pack file as a URI reference: relative paths stay relative (code scanning resolves
/// them against the repository), absolute ones become `file://` URIs.
pub fn file_uri(file: &str) -> String {
    let slashed = file.replace('\\', "/");
    let mut chars = slashed.chars();
    let drive = matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(d), Some(':'), Some('/')) if d.is_ascii_alphabetic()
    );
    if drive {
        format!("file:///{}", utf8_percent_encode(&slashed, ABSOLUTE_PATH))
    } else if slashed.starts_with('/') {
        format!("file://{}", utf8_percent_encode(&slashed, ABSOLUTE_PATH))
    } else {
        utf8_percent_encode(&slashed, PATH).to_string()
    }
}

/// A link code scanning can show: an http(s) URL without spaces.
fn is_link(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A rule of the driver, as check's pack rules and diff's fixed rules both describe it.
pub struct RuleDescriptor<'a> {
    /// The stable id (`NHI-TRUST-002`, `DIFF-NEW-ADMIN`).
    pub id: &'a str,
    /// The rule's name; left out when empty.
    pub name: &'a str,
    /// One line (`shortDescription`).
    pub title: &'a str,
    /// Why it matters (`fullDescription`); the title when empty.
    pub description: &'a str,
    /// The default level and `security-severity`.
    pub severity: Severity,
    /// The tags; `security` is added when missing (code scanning ranks by it).
    pub tags: &'a [String],
    /// How to fix a result; with the references, the rule's `help`.
    pub remediation: &'a str,
    /// Links and citations; the first link is the `helpUri`.
    pub references: &'a [String],
    /// The kind of entity the rule is about, when it has one (`properties.entity`).
    pub entity: Option<&'a str>,
}

impl RuleDescriptor<'_> {
    /// The descriptor of a pack rule.
    pub fn of(rule: &RuleInfo) -> RuleDescriptor<'_> {
        RuleDescriptor {
            id: &rule.id,
            name: &rule.name,
            title: &rule.title,
            description: &rule.description,
            severity: rule.severity,
            tags: &rule.tags,
            remediation: &rule.remediation,
            references: &rule.references,
            entity: Some(&rule.entity),
        }
    }

    /// The `reportingDescriptor` object.
    pub fn to_value(&self) -> Value {
        let mut d = Map::new();
        d.insert("id".into(), json!(self.id));
        if !self.name.is_empty() {
            d.insert("name".into(), json!(self.name));
        }
        d.insert("shortDescription".into(), json!({ "text": self.title }));
        let full = if self.description.is_empty() {
            self.title
        } else {
            self.description
        };
        d.insert("fullDescription".into(), json!({ "text": full }));
        if let Some(link) = self.references.iter().find(|r| is_link(r)) {
            d.insert("helpUri".into(), json!(link));
        }
        if let Some((text, markdown)) = self.help() {
            d.insert("help".into(), json!({ "text": text, "markdown": markdown }));
        }
        d.insert(
            "defaultConfiguration".into(),
            json!({ "level": level(self.severity) }),
        );
        let mut tags = self.tags.to_vec();
        if !tags.iter().any(|t| t == "security") {
            tags.push("security".to_owned());
        }
        let mut properties = Map::new();
        properties.insert("tags".into(), json!(tags));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(self.severity)),
        );
        properties.insert("severity".into(), json!(self.severity.as_str()));
        if let Some(entity) = self.entity {
            properties.insert("entity".into(), json!(entity));
        }
        d.insert("properties".into(), Value::Object(properties));
        Value::Object(d)
    }

    /// The remediation and references as text and as Markdown (links as autolinks), or
    /// `None` when the rule has neither.
    fn help(&self) -> Option<(String, String)> {
        if self.remediation.is_empty() && self.references.is_empty() {
            return None;
        }
        let mut text = self.remediation.to_owned();
        let mut markdown = self.remediation.to_owned();
        if !self.references.is_empty() {
            if !text.is_empty() {
                text.push_str("\n\n");
                markdown.push_str("\n\n");
            }
            text.push_str("References:");
            markdown.push_str("**References**\n");
            for r in self.references {
                text.push_str(&format!("\n- {r}"));
                if is_link(r) {
                    markdown.push_str(&format!("\n- <{r}>"));
                } else {
                    markdown.push_str(&format!("\n- {r}"));
                }
            }
        }
        Some((text, markdown))
    }
}

/// A physical location that is a whole file (or folder): no region.
pub fn artifact(path: &str) -> Value {
    json!({ "artifactLocation": { "uri": file_uri(path) } })
}

/// Where code scanning shows a check finding: its rule in the pack file.
fn physical_location(location: Option<&RuleLocation>, snapshot: &str) -> Value {
    match location {
        Some(l) => {
            let mut region = Map::new();
            if l.line > 0 {
                region.insert("startLine".into(), json!(l.line));
                if l.column > 0 {
                    region.insert("startColumn".into(), json!(l.column));
                }
            }
            let mut p = Map::new();
            p.insert(
                "artifactLocation".into(),
                json!({ "uri": file_uri(&l.file) }),
            );
            if !region.is_empty() {
                p.insert("region".into(), Value::Object(region));
            }
            Value::Object(p)
        }
        // A finding of a rule the report does not describe: point at the snapshot.
        None => artifact(snapshot),
    }
}

/// What a SARIF result of iamsnap holds, check's and diff's alike.
pub struct ResultParts<'a> {
    /// The rule's id.
    pub rule_id: &'a str,
    /// The rule's index among the driver's rules, when it is one of them.
    pub rule_index: Option<usize>,
    /// The level and `security-severity`.
    pub severity: Severity,
    /// What was found, in a sentence.
    pub message: &'a str,
    /// Where code scanning shows it (a `physicalLocation` object).
    pub physical: Value,
    /// The ARN the result is about: its logical location.
    pub resource: &'a str,
    /// A name within the resource (an access key id); left out when empty.
    pub resource_name: &'a str,
    /// `partialFingerprints.iamsnapFingerprint/v1`.
    pub fingerprint: &'a str,
    /// The justification of an external suppression, for a suppressed result.
    pub suppression: Option<&'a str>,
    /// Properties after `severity`, `security-severity` and `resource`.
    pub properties: Vec<(&'static str, Value)>,
}

impl ResultParts<'_> {
    /// The `result` object.
    pub fn into_value(self) -> Value {
        let mut r = Map::new();
        r.insert("ruleId".into(), json!(self.rule_id));
        if let Some(i) = self.rule_index {
            r.insert("ruleIndex".into(), json!(i));
        }
        r.insert("level".into(), json!(level(self.severity)));
        r.insert("message".into(), json!({ "text": self.message }));
        let mut logical = Map::new();
        logical.insert("fullyQualifiedName".into(), json!(self.resource));
        if !self.resource_name.is_empty() {
            logical.insert("name".into(), json!(self.resource_name));
        }
        logical.insert("kind".into(), json!("resource"));
        r.insert(
            "locations".into(),
            json!([{
                "physicalLocation": self.physical,
                "logicalLocations": [Value::Object(logical)],
            }]),
        );
        r.insert(
            "partialFingerprints".into(),
            json!({ "iamsnapFingerprint/v1": self.fingerprint }),
        );
        if let Some(reason) = self.suppression {
            r.insert(
                "suppressions".into(),
                json!([{ "kind": "external", "justification": reason }]),
            );
        }
        let mut properties = Map::new();
        properties.insert("severity".into(), json!(self.severity.as_str()));
        properties.insert(
            "security-severity".into(),
            json!(security_severity(self.severity)),
        );
        properties.insert("resource".into(), json!(self.resource));
        for (k, v) in self.properties {
            properties.insert(k.into(), v);
        }
        r.insert("properties".into(), Value::Object(properties));
        Value::Object(r)
    }
}

/// The SARIF result of a finding, suppressed with `suppression` as justification.
fn result(report: &Report, finding: &Finding, suppression: Option<&str>) -> Value {
    let index = report.rules.iter().position(|r| r.id == finding.rule_id);
    let rule = index.and_then(|i| report.rules.get(i));
    ResultParts {
        rule_id: &finding.rule_id,
        rule_index: index,
        severity: finding.severity,
        message: &finding.message,
        physical: physical_location(rule.map(|r| &r.location), &report.snapshot),
        resource: &finding.resource,
        resource_name: &finding.detail,
        fingerprint: &finding.fingerprint,
        suppression,
        properties: [
            ("detail", json!(finding.detail)),
            ("accountId", json!(finding.account_id)),
        ]
        .into_iter()
        .chain(fix_property(finding))
        .collect(),
    }
    .into_value()
}

/// `properties.fix` of a finding whose rule has a fix: the command (`command`), or why
/// there is none (`unavailable`), and `review`, which says it is a change to review before
/// running. (SARIF's own `fixes` describe edits of files, not commands.)
fn fix_property(finding: &Finding) -> Option<(&'static str, Value)> {
    let fix = finding.fix.as_ref()?;
    let mut v = Map::new();
    if let Some(command) = &fix.command {
        v.insert("command".into(), json!(command));
    }
    if let Some(why) = &fix.unavailable {
        v.insert("unavailable".into(), json!(why));
    }
    if let Some(note) = &fix.note {
        v.insert("note".into(), json!(note));
    }
    v.insert("review".into(), json!(super::FIX_NOTE));
    Some(("fix", Value::Object(v)))
}

/// One run of the `iamsnap` driver: what differs between check's log and diff's.
pub struct Run {
    /// The driver's rules (`reportingDescriptor` objects).
    pub rules: Vec<Value>,
    /// The one invocation (see [`invocation`]).
    pub invocation: Value,
    /// The results.
    pub results: Vec<Value>,
    /// The run's properties: what was read.
    pub properties: Value,
}

/// A successful invocation, with `notes` under `kind` (`toolConfigurationNotifications`,
/// `toolExecutionNotifications`) when there are any.
pub fn invocation(kind: &str, notes: Vec<Value>) -> Value {
    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), json!(true));
    if !notes.is_empty() {
        invocation.insert(kind.into(), Value::Array(notes));
    }
    Value::Object(invocation)
}

/// The SARIF log of one run: schema, version and the `iamsnap` driver with its version
/// and information URI.
pub fn log(run: Run) -> Value {
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "iamsnap",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": run.rules,
                }
            },
            "invocations": [run.invocation],
            "results": run.results,
            "properties": run.properties,
        }],
    })
}

/// The SARIF log of a check as a JSON value.
pub fn document(report: &Report) -> Value {
    let rules = report
        .rules
        .iter()
        .map(|r| RuleDescriptor::of(r).to_value())
        .collect();
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(report, f, None))
        .collect();
    results.extend(
        report
            .suppressed
            .iter()
            .map(|s| result(report, &s.finding, Some(&s.reason))),
    );
    let notes = report
        .expired_suppressions
        .iter()
        .map(|x| {
            let expired = x.expires.map(|d| d.to_string()).unwrap_or_default();
            json!({
                "level": "warning",
                "descriptor": { "id": "expired-suppression" },
                "message": {
                    "text": format!(
                        "The suppression of {} on {} expired on {expired} and no longer \
                         suppresses anything (reason was: {}).",
                        x.rule, x.resource, x.reason
                    )
                },
                "associatedRule": rule_reference(report, &x.rule),
            })
        })
        .collect();
    let mut invocation = invocation("toolConfigurationNotifications", notes);
    let without_data =
        super::coverage::sarif_notifications(report, |id| rule_reference(report, id));
    if let (false, Value::Object(o)) = (without_data.is_empty(), &mut invocation) {
        o.insert(
            "toolExecutionNotifications".into(),
            Value::Array(without_data),
        );
    }
    log(Run {
        rules,
        invocation,
        results,
        properties: json!({
            "snapshot": report.snapshot,
            "accounts": report.accounts,
            "capturedAt": report.captured_at,
        }),
    })
}

/// A reference to a rule of the driver, by id and (when known) index.
fn rule_reference(report: &Report, id: &str) -> Value {
    match report.rules.iter().position(|r| r.id == id) {
        Some(i) => json!({ "id": id, "index": i }),
        None => json!({ "id": id }),
    }
}

/// Pretty-printed SARIF with a final newline.
pub fn render(report: &Report) -> Result<String, RenderError> {
    super::to_json(&document(report))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn a_fix_is_a_property_of_its_result() {
        let mut r = sample::report();
        r.findings[2].fix = Some(iamsnap_rules::Fix {
            command: Some("aws iam delete-login-profile --user-name ci-bot".to_owned()),
            unavailable: None,
            note: Some("what else it changes".to_owned()),
        });
        r.findings[0].fix = Some(iamsnap_rules::Fix {
            command: None,
            unavailable: Some("the snapshot has no value for `u.name`".to_owned()),
            note: None,
        });
        let doc = document(&r);
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let fixes: Vec<&Value> = results.iter().map(|x| &x["properties"]["fix"]).collect();
        assert_eq!(
            fixes[2],
            &json!({
                "command": "aws iam delete-login-profile --user-name ci-bot",
                "note": "what else it changes",
                "review": super::super::FIX_NOTE,
            })
        );
        assert_eq!(
            fixes[0]["unavailable"],
            "the snapshot has no value for `u.name`"
        );
        assert_eq!(fixes[1], &Value::Null);
    }

    #[test]
    fn one_run_with_the_rules_and_every_result() {
        let r = sample::report();
        let v: Value = serde_json::from_str(&render(&r).unwrap()).unwrap();
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(v["$schema"], SCHEMA_URI);
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "iamsnap");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(driver["informationUri"], INFORMATION_URI);

        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 3);
        let trust = &rules[0];
        assert_eq!(trust["id"], "NHI-TRUST-002");
        assert_eq!(trust["name"], "oidc_role_without_subject");
        assert_eq!(trust["shortDescription"]["text"], "NHI-TRUST-002 title");
        assert_eq!(
            trust["fullDescription"]["text"],
            "Why NHI-TRUST-002 matters."
        );
        assert_eq!(trust["defaultConfiguration"]["level"], "error");
        assert_eq!(trust["properties"]["security-severity"], "9.5");
        assert_eq!(trust["properties"]["tags"], json!(["nhi", "security"]));
        assert_eq!(
            trust["helpUri"],
            "https://docs.aws.amazon.com/NHI-TRUST-002"
        );
        let help = trust["help"]["text"].as_str().unwrap();
        assert!(help.starts_with("Fix NHI-TRUST-002."), "{help}");
        assert!(
            help.contains("https://docs.aws.amazon.com/NHI-TRUST-002"),
            "{help}"
        );
        let md = trust["help"]["markdown"].as_str().unwrap();
        assert!(
            md.contains("- <https://docs.aws.amazon.com/NHI-TRUST-002>"),
            "{md}"
        );
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
        assert_eq!(rules[1]["properties"]["security-severity"], "5.5");
        assert_eq!(
            rules[1]["properties"]["tags"],
            json!(["nhi", "cis-aws-3.0-1.14", "security"])
        );
        // A rule without a name has none in SARIF.
        assert!(rules[2].get("name").is_none());
        assert_eq!(rules[2]["defaultConfiguration"]["level"], "note");
        assert_eq!(rules[2]["properties"]["security-severity"], "3.0");

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 4, "three findings and one suppressed");
        let first = &results[0];
        assert_eq!(first["ruleId"], "NHI-TRUST-002");
        assert_eq!(first["ruleIndex"], 0);
        assert_eq!(first["level"], "error");
        assert_eq!(first["message"]["text"], r.findings[0].message.as_str());
        assert_eq!(
            first["partialFingerprints"]["iamsnapFingerprint/v1"],
            r.findings[0].fingerprint.as_str()
        );
        let loc = &first["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "queries/nhi.rules"
        );
        assert_eq!(loc["physicalLocation"]["region"]["startLine"], 3);
        assert_eq!(
            loc["logicalLocations"][0],
            json!({
                "fullyQualifiedName": "arn:aws:iam::111122223333:role/gh-deploy",
                "kind": "resource"
            })
        );
        assert!(first.get("suppressions").is_none());
        let key = &results[2];
        assert_eq!(key["ruleIndex"], 1);
        assert_eq!(key["level"], "warning");
        assert_eq!(key["locations"][0]["logicalLocations"][0]["name"], "AKIA1");
        assert_eq!(
            key["locations"][0]["physicalLocation"]["region"]["startLine"],
            20
        );
        let suppressed = &results[3];
        assert_eq!(
            suppressed["suppressions"],
            json!([{ "kind": "external", "justification": "migrating to the new CI by March" }])
        );

        let notes = run["invocations"][0]["toolConfigurationNotifications"]
            .as_array()
            .unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["level"], "warning");
        assert_eq!(
            notes[0]["associatedRule"],
            json!({ "id": "NHI-KEY-001", "index": 1 })
        );
        assert!(
            notes[0]["message"]["text"]
                .as_str()
                .unwrap()
                .contains("expired on 2026-01-31")
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn levels_and_scores_for_every_severity() {
        let expected = [
            (Severity::Critical, "error", "9.5"),
            (Severity::High, "error", "8.0"),
            (Severity::Medium, "warning", "5.5"),
            (Severity::Low, "note", "3.0"),
            (Severity::Info, "note", "0.0"),
        ];
        for (s, l, score) in expected {
            assert_eq!(level(s), l);
            assert_eq!(security_severity(s), score);
            // A numeric string, as code scanning requires.
            assert!(score.parse::<f64>().is_ok());
        }
    }

    #[test]
    fn pack_files_become_uri_references() {
        assert_eq!(file_uri("queries/nhi.rules"), "queries/nhi.rules");
        assert_eq!(file_uri("my packs/a#1.rules"), "my%20packs/a%231.rules");
        assert_eq!(file_uri("/home/me/p.rules"), "file:///home/me/p.rules");
        assert_eq!(file_uri("C:\\packs\\p.rules"), "file:///C:/packs/p.rules");
        assert_eq!(file_uri("<embedded>/nhi.rules"), "%3Cembedded%3E/nhi.rules");
        assert_eq!(file_uri("ünï.rules"), "%C3%BCn%C3%AF.rules");
    }

    #[test]
    fn a_finding_of_an_unknown_rule_still_has_a_location() {
        let mut r = sample::report();
        r.findings.push(sample::finding(
            "X-1",
            Severity::Info,
            "arn:aws:iam::1:role/x",
            "x",
        ));
        let v = document(&r);
        let last = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["ruleId"] == "X-1")
            .unwrap()
            .clone();
        assert!(last.get("ruleIndex").is_none());
        assert_eq!(
            last["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "snapshots/demo-2026-11-22"
        );
        assert_eq!(last["level"], "note");
    }
}
