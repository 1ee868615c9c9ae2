//! Streams the records of a CloudTrail log file (`{"Records":[{...},{...}]}`) one at a time
//! from any reader, with memory bounded by the largest record rather than the file.
//!
//! The file's structure (the top-level object and the `Records` array) is read here; each
//! element's bytes are found by matching brackets outside strings and handed to the caller
//! whole, so one malformed record does not prevent reading the next.

use std::io::Read;

/// A record larger than this makes the file malformed (CloudTrail's own limit is far lower).
pub(crate) const MAX_RECORD_BYTES: usize = 64 << 20;

const CHUNK: usize = 256 << 10;

/// Why a file cannot be read as a CloudTrail log file.
#[derive(Debug)]
pub(crate) enum SplitError {
    /// Reading (or decompressing) failed.
    Io(std::io::Error),
    /// The bytes are not a CloudTrail log file; the message says why and where.
    Format(String),
}

impl From<std::io::Error> for SplitError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Reads `{"Records":[...]}` from `reader`, calling `record` with the bytes of each element
/// of `Records` (in order, 0-based index). Other top-level keys are skipped. Returns the
/// number of bytes read.
pub(crate) fn for_each_record<R: Read>(
    reader: R,
    mut record: impl FnMut(u64, &[u8]),
) -> Result<u64, SplitError> {
    let mut s = Stream {
        reader,
        buf: vec![0; CHUNK],
        start: 0,
        end: 0,
        consumed: 0,
        eof: false,
    };
    match s.peek()? {
        Some(b'{') => s.start += 1,
        Some(_) => return Err(s.error("not a JSON object")),
        None => return Err(SplitError::Format("empty file".to_owned())),
    }
    let mut saw_records = false;
    let mut first = true;
    loop {
        match s.peek()? {
            Some(b'}') => {
                s.start += 1;
                break;
            }
            Some(b',') if !first => s.start += 1,
            Some(_) if first => {}
            Some(_) => return Err(s.error("expected `,` or `}` in the top-level object")),
            None => return Err(s.error("the file ends inside the top-level object")),
        }
        first = false;
        if s.peek()? != Some(b'"') {
            return Err(s.error("expected a key in the top-level object"));
        }
        let key_len = s.value_len()?;
        let is_records = s.slice(key_len) == b"\"Records\"";
        s.start += key_len;
        if s.peek()? != Some(b':') {
            return Err(s.error("expected `:` after a key"));
        }
        s.start += 1;
        if !is_records {
            if s.peek()?.is_none() {
                return Err(s.error("the file ends inside the top-level object"));
            }
            let len = s.value_len()?;
            s.start += len;
            continue;
        }
        if s.peek()? != Some(b'[') {
            return Err(s.error("`Records` is not an array"));
        }
        s.start += 1;
        saw_records = true;
        let mut index = 0u64;
        let mut first_record = true;
        loop {
            match s.peek()? {
                Some(b']') => {
                    s.start += 1;
                    break;
                }
                Some(b',') if !first_record => {
                    s.start += 1;
                    if s.peek()?.is_none() {
                        return Err(s.error("the file ends inside `Records`"));
                    }
                }
                Some(_) if first_record => {}
                Some(_) => return Err(s.error("expected `,` or `]` between records")),
                None => return Err(s.error("the file ends inside `Records`")),
            }
            first_record = false;
            let len = s.value_len()?;
            record(index, s.slice(len));
            s.start += len;
            index += 1;
        }
    }
    if s.peek()?.is_some() {
        return Err(s.error("unexpected text after the top-level object"));
    }
    if !saw_records {
        return Err(SplitError::Format(
            "no `Records` array: not a CloudTrail log file".to_owned(),
        ));
    }
    Ok(s.consumed + s.end as u64)
}

struct Stream<R> {
    reader: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Bytes dropped from the front of `buf` so far.
    consumed: u64,
    eof: bool,
}

impl<R: Read> Stream<R> {
    fn error(&self, what: &str) -> SplitError {
        SplitError::Format(format!(
            "{what} at byte {}",
            self.consumed + self.start as u64
        ))
    }

    /// Reads more input, keeping `buf[start..end]`. Returns false at the end of input.
    fn fill(&mut self) -> Result<bool, SplitError> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.consumed += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Err(SplitError::Format(format!(
                    "a value larger than {} MiB at byte {}",
                    MAX_RECORD_BYTES >> 20,
                    self.consumed
                )));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let tail = self.buf.get_mut(self.end..).unwrap_or_default();
        let n = loop {
            match self.reader.read(tail) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        Ok(true)
    }

    /// The next byte that is not JSON whitespace, left unread; `None` at the end of input.
    fn peek(&mut self) -> Result<Option<u8>, SplitError> {
        loop {
            while let Some(&b) = self.buf.get(self.start..self.end).and_then(|s| s.first()) {
                if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    self.start += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    fn slice(&self, len: usize) -> &[u8] {
        self.buf
            .get(self.start..self.start + len)
            .unwrap_or_default()
    }

    /// The length of the JSON value starting at `start` (after `peek`), reading as much
    /// input as it needs. Objects and arrays end at their matching bracket, strings at their
    /// closing quote, anything else before the next delimiter. The value's content is not
    /// validated here.
    fn value_len(&mut self) -> Result<usize, SplitError> {
        let mut scan = Scan::default();
        let mut pos = 0usize;
        loop {
            let window = self.buf.get(self.start..self.end).unwrap_or_default();
            match scan.run(window, &mut pos) {
                Some(0) => return Err(self.error("expected a value")),
                Some(end) => return Ok(end),
                None => {}
            }
            if !self.fill()? {
                // A scalar may end at the end of input; anything else is cut off.
                return if scan.scalar && pos > 0 {
                    Ok(pos)
                } else {
                    Err(self.error("the file ends inside a value"))
                };
            }
        }
    }
}

/// Bracket matching state, kept across refills.
#[derive(Default)]
struct Scan {
    started: bool,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// The value is a number, literal or other bare word.
    scalar: bool,
}

impl Scan {
    /// Scans `window[*pos..]`; returns the value's length once its end is found.
    fn run(&mut self, window: &[u8], pos: &mut usize) -> Option<usize> {
        if !self.started {
            let &first = window.get(*pos)?;
            self.started = true;
            *pos += 1;
            match first {
                b',' | b':' | b'}' | b']' => return Some(0),
                b'{' | b'[' => self.depth = 1,
                b'"' => self.in_string = true,
                _ => self.scalar = true,
            }
        }
        if self.scalar {
            let rest = rest_of(window, *pos);
            for (i, &b) in rest.iter().enumerate() {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    *pos += i;
                    return Some(*pos);
                }
            }
            *pos = window.len();
            return None;
        }
        let mut i = *pos;
        loop {
            if self.in_string {
                if self.escaped {
                    if i >= window.len() {
                        *pos = i;
                        return None;
                    }
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                // Most of a record is strings: jump to the next quote or backslash.
                let Some(k) = memchr::memchr2(b'"', b'\\', rest_of(window, i)) else {
                    *pos = window.len();
                    return None;
                };
                i += k;
                if window.get(i) == Some(&b'\\') {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                    if self.depth == 0 {
                        *pos = i + 1;
                        return Some(*pos);
                    }
                }
                i += 1;
                continue;
            }
            let Some(&b) = window.get(i) else {
                *pos = i;
                return None;
            };
            i += 1;
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        *pos = i;
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
    }
}

fn rest_of(window: &[u8], from: usize) -> &[u8] {
    window.get(from..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most `n` bytes per read, to exercise refills.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn records(input: &str, step: usize) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for_each_record(Trickle(input.as_bytes(), step), |i, r| {
            assert_eq!(i as usize, out.len());
            out.push(String::from_utf8(r.to_vec()).unwrap());
        })
        .map_err(|e| match e {
            SplitError::Format(m) => m,
            SplitError::Io(e) => e.to_string(),
        })?;
        Ok(out)
    }

    #[test]
    fn splits_records_across_refills() {
        let input = r#" {"Other": {"a": [1, "]}"]}, "Records" : [ {"a":"x\"}{","b":[{}]} ,
            {"c":1},[2],3, "s", null ] , "Tail": 5 }
        "#;
        for step in [1, 2, 3, 7, 1000] {
            assert_eq!(
                records(input, step).unwrap(),
                [
                    r#"{"a":"x\"}{","b":[{}]}"#,
                    r#"{"c":1}"#,
                    "[2]",
                    "3",
                    "\"s\"",
                    "null"
                ],
                "step {step}"
            );
        }
        assert_eq!(
            records(r#"{"Records":[]}"#, 4).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn malformed_files_are_errors() {
        for (input, why) in [
            ("", "empty file"),
            ("   ", "empty file"),
            ("[1]", "not a JSON object"),
            ("hello", "not a JSON object"),
            (r#"{"Records":{}}"#, "not an array"),
            (r#"{"Records":[{"a":1}"#, "ends inside `Records`"),
            (r#"{"Records":[{"a":1},"#, "ends inside `Records`"),
            (r#"{"Records":[{"a":"#, "ends inside a value"),
            (r#"{"Records":[{"a":1} {"b":2}]}"#, "expected `,` or `]`"),
            (r#"{"Records":[]} x"#, "unexpected text"),
            (r#"{"digestStartTime":"x"}"#, "no `Records` array"),
            (r#"{"Records" [] }"#, "expected `:`"),
            (r#"{"Records":[{"a":1},]}"#, "expected a value"),
            (r#"{"Records":[,]}"#, "expected a value"),
            (r#"{"Records":[] "#, "ends inside the top-level object"),
        ] {
            let err = records(input, 3).unwrap_err();
            assert!(err.contains(why), "{input:?}: {err}");
        }
    }
}
