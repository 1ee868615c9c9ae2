//! The Markdown format of a diff, for a pull-request comment: a heading naming both
//! snapshots, the summary line and one table per section.

use iamsnap_diff::DiffReport;

use super::super::markdown::{cell, code, table_header, table_row};
use super::{sections, summary};

/// The report as GitHub-flavoured Markdown; every cell escaped with [`cell`].
pub fn render(r: &DiffReport) -> String {
    let mut s = format!(
        "# iamsnap diff\n\n{} ({}) → {} ({})\n\n",
        code(&r.old.path),
        cell(&r.old.captured_at),
        code(&r.new.path),
        cell(&r.new.captured_at)
    );
    if let Some(note) = &r.catalog_note {
        s.push_str(&format!("> **Note:** {}\n\n", cell(note)));
    }
    for w in &r.warnings {
        s.push_str(&format!("> **Warning:** {}\n\n", cell(&w.message)));
    }
    s.push_str(&format!("{}\n", summary(r)));
    for section in sections(r) {
        s.push_str(&format!("\n## {}\n\n", section.title));
        s.push_str(&table_header(section.header));
        for row in &section.rows {
            s.push_str(&table_row(row.iter().map(|c| cell(c))));
        }
    }
    if let Some(note) = &r.behaviour.note {
        s.push_str(&format!("\n> **Note:** {}\n", cell(note)));
    }
    s
}
