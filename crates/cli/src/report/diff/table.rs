//! The terminal format of a diff: a header naming both snapshots, one table per section,
//! the notes and the summary line.

use iamsnap_diff::DiffReport;

use super::super::text::{escape, table};
use super::{sections, summary};

/// The report for a terminal: every cell escaped, tables wrapped to `width`, or to the
/// terminal's width when there is one.
pub fn render(r: &DiffReport, width: Option<u16>) -> String {
    let mut s = format!(
        "diff {} ({}) → {} ({})\n",
        escape(&r.old.path),
        escape(&r.old.captured_at),
        escape(&r.new.path),
        escape(&r.new.captured_at)
    );
    if let Some(note) = &r.catalog_note {
        s.push_str(&format!("note: {}\n", escape(note)));
    }
    for w in &r.warnings {
        s.push_str(&format!("warning: {}\n", escape(&w.message)));
    }
    for section in sections(r) {
        let mut t = table(section.header);
        if let Some(w) = width {
            t.set_width(w);
        }
        for row in section.rows {
            t.add_row(row);
        }
        s.push_str(&format!("\n{}\n{t}\n", section.title));
    }
    if let Some(note) = &r.behaviour.note {
        s.push_str(&format!("note: {}\n", escape(note)));
    }
    s.push_str(&summary(r));
    s.push('\n');
    s
}
