//! Text from snapshots, rule packs, SQL and file names, made safe to print.
//!
//! Everything iamsnap prints for people comes from input an attacker may have written: a
//! role name in an edited snapshot, a message in a rule pack, a file name. Printed raw, a
//! control character in it can retitle or clear the terminal, move the cursor to overwrite
//! a line (`0 findings`), or reorder what is shown (bidirectional overrides). Every
//! terminal renderer and the printing of errors pass such text through [`escape`] or
//! [`escape_lines`], which show these characters as visible escapes (`\u{1b}`, `\r`)
//! instead; [`json`] does the same for JSON text without changing what it means, and a
//! [`Table`] escapes every cell it is given.

use std::borrow::Cow;
use std::fmt;

use comfy_table::ContentArrangement;
use comfy_table::presets::UTF8_FULL_CONDENSED;

/// Whether `c` is shown as an escape: C0 controls (also tab and line breaks), DEL, C1
/// controls (U+0080–U+009F: some terminals act on them as on their ESC forms), the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
/// marks (U+200E, U+200F, U+061C), and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Appends the visible form of `c`: `\t`, `\n` and `\r` for the common ones, `\u{1b}` for
/// the others.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

fn escape_with(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` for one line or one table cell: every character of [`is_unsafe`] escaped,
/// line breaks and tabs included.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_with(text, |_| false)
}

/// `text` of several lines (an error message, a rule's source): as [`escape`], but line
/// feeds stay line feeds (a carriage return is escaped).
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_with(text, |c| c == '\n')
}

/// JSON text with the characters of [`is_unsafe`] that JSON encoders leave raw (DEL, C1
/// controls, bidirectional controls, line separators) written as `\uXXXX` escapes. In
/// valid JSON these characters can only stand inside strings, where the escape means the
/// same character: the value is unchanged, only its printed form.
pub fn json(text: String) -> String {
    if !text.chars().any(|c| is_unsafe(c) && c != '\n') {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) && c != '\n' {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A terminal table whose header and cells are escaped as they are added.
#[derive(Debug)]
pub struct Table(comfy_table::Table);

impl Table {
    /// Adds a row; each cell is escaped.
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.0
            .add_row(cells.into_iter().map(|c| escape(c.as_ref()).into_owned()));
        self
    }

    /// Fixes the width (the terminal's otherwise).
    pub fn set_width(&mut self, width: u16) -> &mut Self {
        self.0.set_width(width);
        self
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

static WIDTH: std::sync::OnceLock<Option<u16>> = std::sync::OnceLock::new();

/// The width `--width` asked for, for every table of this process.
pub fn set_width(width: Option<u16>) {
    let _ = WIDTH.set(width);
}

/// The width tables wrap at: `--width`; else none on a terminal (comfy-table takes the
/// terminal's); else `COLUMNS` when it holds a sensible width, else 120, so that output to
/// a pipe or a file has no lines of thousands of characters.
fn default_width() -> Option<u16> {
    if let Some(Some(w)) = WIDTH.get() {
        return Some(*w);
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 40);
    Some(columns.unwrap_or(120))
}

/// A table with a header, wrapped as [`default_width`] says (callers may fix another).
pub fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.into_iter().map(|c| escape(c.as_ref()).into_owned()));
    if let Some(w) = default_width() {
        t.set_width(w);
    }
    Table(t)
}

/// At most `max` characters of each line of `text`: a longer line keeps its start and its
/// end with the count of bytes left out between them, so an error quoting a huge input
/// stays readable and its end (often "expected ...") stays visible.
pub fn cut_lines(text: &str, max: usize) -> Cow<'_, str> {
    if text.lines().all(|l| l.len() <= max) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text.split('\n').map(|l| cut(l, max)).collect();
    Cow::Owned(lines.join("\n"))
}

/// `text` cut to about `max` characters: two thirds from its start, a third from its
/// end, and `… (N bytes left out) …` between them.
pub fn cut(text: &str, max: usize) -> String {
    iamsnap_cloudtrail::excerpt_to(text, max).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            escape("a\u{1b}]0;pwned\u{7}b\u{1b}[2J\rc\td\ne\u{7f}\u{9b}f"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2J\\rc\\td\\ne\\u{7f}\\u{9b}f"
        );
        assert_eq!(
            escape("evil\u{202e}gpj.exe\u{2066}x\u{2069}"),
            "evil\\u{202e}gpj.exe\\u{2066}x\\u{2069}"
        );
        // Ordinary text, also beyond ASCII, is left alone (and not copied).
        assert!(matches!(escape("rôle-ärn/日本 ok"), Cow::Borrowed(_)));
        assert_eq!(escape_lines("one\ntwo\rthree"), "one\ntwo\\rthree");
    }

    #[test]
    fn json_keeps_its_meaning() {
        let value = serde_json::json!({"name": "a\u{9b}31m\u{202e}b\u{7f}\u{1b}"});
        let text = json(serde_json::to_string_pretty(&value).unwrap());
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        assert!(text.contains("\\u009b31m\\u202eb\\u007f"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn long_lines_are_cut_with_the_count_left_out() {
        let long = format!(
            "invalid type: string \"{}\", expected a list",
            "x".repeat(10_000)
        );
        let cut_text = cut_lines(&long, 300);
        assert!(cut_text.chars().count() < 350, "{cut_text}");
        assert!(cut_text.starts_with("invalid type: string \"xxx"));
        assert!(cut_text.ends_with("xxx\", expected a list"));
        assert!(cut_text.contains("bytes left out"), "{cut_text}");
        let short = "short\nlines";
        assert!(matches!(cut_lines(short, 300), Cow::Borrowed(_)));
        let accents = cut("héllo wörld", 4);
        assert!(
            accents.starts_with("hé…") && accents.ends_with("…ld"),
            "{accents}"
        );
    }
}
