//! The rule reference (`docs/rules.md`), generated from the packs' metadata.

use std::fmt::Write as _;

use crate::pack::Pack;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Markdown: per pack, a table of the rules, then each rule with its description,
/// remediation, references and source.
pub fn reference_markdown(packs: &[Pack]) -> String {
    let mut out = String::from(
        "# Rule reference\n\n<!-- Generated from the shipped packs (queries/*.rules) by `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-rules --test reference`; do not edit by hand. -->\n\n",
    );
    out.push_str("`iamsnap check` runs the `nhi` pack unless `--pack` says otherwise; `iamsnap rules show <ID>` prints one rule. The language is described in [rules-language.md](rules-language.md).\n\n");
    for pack in packs {
        let _ = writeln!(out, "## Pack `{}`: {}\n", pack.name, pack.title);
        if !pack.params.is_empty() {
            out.push_str("Parameters (`--param name=value`):\n\n");
            for (name, value) in &pack.params {
                let _ = writeln!(
                    out,
                    "- `{name}` = `{}`",
                    cell(&crate::print::value(&value.node))
                );
            }
            out.push('\n');
        }
        out.push_str("| id | severity | title | for |\n|---|---|---|---|\n");
        for r in &pack.rules {
            let info = r.info();
            let _ = writeln!(
                out,
                "| [{}](#{}) | {} | {} | {} |",
                info.id,
                info.id.to_lowercase().replace('.', ""),
                info.severity,
                cell(&info.title),
                info.entity
            );
        }
        out.push('\n');
        for r in &pack.rules {
            let info = r.info();
            let _ = writeln!(out, "### {}\n", info.id);
            let _ = writeln!(
                out,
                "**{}** — severity {}; tags: {}\n",
                info.title,
                info.severity,
                info.tags.join(", ")
            );
            if !info.description.is_empty() {
                let _ = writeln!(out, "{}\n", info.description);
            }
            if !info.remediation.is_empty() {
                let _ = writeln!(out, "Remediation: {}\n", info.remediation);
            }
            if !info.fix.is_empty() {
                let _ = writeln!(
                    out,
                    "Fix, filled in for each finding (a change to review before running):\n\n```sh\n{}\n```\n",
                    info.fix
                );
            }
            for link in &info.references {
                let _ = writeln!(out, "- <{link}>");
            }
            if !info.references.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "```\n{}\n```\n", r.text());
        }
    }
    out
}
