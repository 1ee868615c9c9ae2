//! Excerpts of input for error messages: a file name or a value quoted in a message is cut
//! to a bounded length, so that an input holding a huge string is never printed whole.

use std::borrow::Cow;

/// The most characters of input an error message quotes (a file name, a value that does
/// not parse, a parser's message quoting it): a longer text keeps its start and its end,
/// with the count of bytes left out between them.
pub const MAX_QUOTED: usize = 200;

/// `text` cut to about [`MAX_QUOTED`] characters (see there), for error messages: an input
/// holding a 200 MB string that does not parse must not be printed whole.
pub fn excerpt(text: &str) -> Cow<'_, str> {
    excerpt_to(text, MAX_QUOTED)
}

/// `text` cut to about `max` characters: two thirds from its start, a third from its end,
/// and `… (N bytes left out) …` between them.
pub fn excerpt_to(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max || text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let head_chars = max * 2 / 3;
    let tail_chars = max - head_chars;
    let head_end = text
        .char_indices()
        .nth(head_chars)
        .map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .rev()
        .nth(tail_chars.saturating_sub(1))
        .map_or(head_end, |(i, _)| i.max(head_end));
    Cow::Owned(format!(
        "{}… ({} bytes left out) …{}",
        text.get(..head_end).unwrap_or_default(),
        tail_start - head_end,
        text.get(tail_start..).unwrap_or_default()
    ))
}
