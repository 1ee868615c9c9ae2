//! Finds where a JSON path points in a document's text, to give line and column for a
//! problem found on the parsed value. Only runs when there is a problem to report.

use crate::parse::Seg;

/// Locates problems in one document: line starts are indexed once, and each lookup scans
/// the text once, so only the first [`Locator::LIMIT`] problems are located (a hostile
/// document with thousands of problems must not take quadratic time).
pub(crate) struct Locator<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    used: usize,
}

impl<'a> Locator<'a> {
    /// Problems located per document; later ones are reported without a position.
    pub(crate) const LIMIT: usize = 20;

    pub(crate) fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            text,
            line_starts,
            used: 0,
        }
    }

    /// Where the value at `path` — or the key `key` of the object at `path` — is: its
    /// 1-based line and column (in characters) and the span of its text. `None` if the
    /// text does not hold it, or past the limit.
    pub(crate) fn locate(&mut self, path: &[Seg], key: Option<&str>) -> Option<Located> {
        if self.used >= Self::LIMIT {
            return None;
        }
        self.used += 1;
        let mut s = Scanner {
            bytes: self.text.as_bytes(),
            pos: 0,
        };
        let offset = s.find(path, key)?;
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let column = self.text.get(start..offset)?.chars().count() + 1;
        let len = token_len(self.text.as_bytes(), offset);
        Some(Located {
            line,
            column,
            span: miette::SourceSpan::new(offset.into(), len),
        })
    }
}

/// Where a problem is in a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based line.
    pub(crate) line: usize,
    /// 1-based column, in characters.
    pub(crate) column: usize,
    /// The text to underline: a string or a scalar whole, an object or array by its
    /// opening bracket.
    pub(crate) span: miette::SourceSpan,
}

/// The length in bytes of the JSON token at `offset`.
fn token_len(bytes: &[u8], offset: usize) -> usize {
    let mut s = Scanner { bytes, pos: offset };
    match s.peek() {
        Some(b'{' | b'[') => 1,
        Some(_) => match s.skip_value() {
            Some(()) => s.pos.saturating_sub(offset).max(1),
            None => 1,
        },
        None => 0,
    }
}

#[cfg(test)]
fn locate(text: &str, path: &[Seg], key: Option<&str>) -> Option<(usize, usize)> {
    Locator::new(text)
        .locate(path, key)
        .map(|l| (l.line, l.column))
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    /// A string starting at the current position (after whitespace), decoded.
    fn string(&mut self) -> Option<String> {
        self.ws();
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let raw = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
        serde_json::from_str(raw).ok()
    }

    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                self.pos += 1;
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.eat(b':')?;
                    self.skip_value()?;
                    if self.eat(b',').is_none() {
                        return self.eat(b'}');
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.skip_value()?;
                    if self.eat(b',').is_none() {
                        return self.eat(b']');
                    }
                }
            }
            _ => {
                while matches!(self.peek(), Some(c) if !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    /// The byte offset of the value at `path` (or of `key` in the object there).
    fn find(&mut self, path: &[Seg], key: Option<&str>) -> Option<usize> {
        self.ws();
        let Some((first, rest)) = path.split_first() else {
            return match key {
                None => Some(self.pos),
                Some(k) => self.find_key(k),
            };
        };
        match first {
            Seg::Key(k) => {
                self.find_key(k)?;
                self.string()?;
                self.eat(b':')?;
                self.find(rest, key)
            }
            Seg::Index(i) => {
                self.eat(b'[')?;
                for _ in 0..*i {
                    self.skip_value()?;
                    self.eat(b',')?;
                }
                self.find(rest, key)
            }
        }
    }

    /// Positions the scanner at the key `k` of the object starting here (the last one, as
    /// JSON parsers keep the last of duplicate keys) and returns its offset.
    fn find_key(&mut self, k: &str) -> Option<usize> {
        self.eat(b'{')?;
        let mut found = None;
        if self.eat(b'}').is_some() {
            return None;
        }
        loop {
            self.ws();
            let at = self.pos;
            let name = self.string()?;
            if name == k {
                found = Some(at);
            }
            self.eat(b':')?;
            self.skip_value()?;
            if self.eat(b',').is_none() {
                break;
            }
        }
        let at = found?;
        self.pos = at;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Seg {
        Seg::Key(s.to_owned())
    }

    #[test]
    fn finds_values_keys_and_array_items() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\"},\n    {\"Effect\": \"allow\", \"Condition\": {\"StringEqual\": {}}}\n  ]\n}";
        assert_eq!(locate(text, &[k("Version")], None), Some((2, 14)));
        let effect = [k("Statement"), Seg::Index(1), k("Effect")];
        assert_eq!(locate(text, &effect, None), Some((5, 16)));
        let cond = [k("Statement"), Seg::Index(1), k("Condition")];
        assert_eq!(locate(text, &cond, Some("StringEqual")), Some((5, 39)));
        assert_eq!(locate(text, &[k("Nope")], None), None);
        assert_eq!(locate("[1,2", &[Seg::Index(5)], None), None);
    }

    #[test]
    fn spans_cover_the_offending_token() {
        let text =
            "{\"Statement\": [{\"Effect\": \"allow\", \"Condition\": {\"StringEqual\": {}}}]}";
        let under = |path: &[Seg], key| {
            let at = Locator::new(text).locate(path, key).map(|l| l.span);
            at.and_then(|s| text.get(s.offset()..s.offset() + s.len()))
        };
        let effect = [k("Statement"), Seg::Index(0), k("Effect")];
        assert_eq!(under(&effect, None), Some("\"allow\""));
        let cond = [k("Statement"), Seg::Index(0), k("Condition")];
        assert_eq!(under(&cond, Some("StringEqual")), Some("\"StringEqual\""));
        assert_eq!(under(&cond, None), Some("{"));
    }
}
