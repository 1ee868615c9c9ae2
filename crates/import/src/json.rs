//! Reading a JSON input of a known shape, with errors in the user's terms: the file, the
//! place in it (a JSON path, or a line and column for JSON that does not parse) and what
//! was expected there. Every JSON input of an import reads through here.

use std::io::Read;

use serde::de::DeserializeOwned;

use crate::error::{ImportError, JsonInput, user_terms};

/// A reader message without serde_json's " at line L column C" (the error carries them).
pub(crate) fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message.get(..cut).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

/// Reads one JSON document of shape `T` from `reader` (the input `file`, of kind `input`):
/// the whole input must be that document.
pub(crate) fn read<T: DeserializeOwned>(
    reader: impl Read,
    file: &str,
    input: JsonInput,
) -> Result<T, ImportError> {
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_io() {
            return ImportError::AuthDetails {
                file: file.to_owned(),
                input,
                syntax: false,
                message: format!("read failed: {inner}"),
                line: 0,
                column: 0,
            };
        }
        let message = strip_location(&inner.to_string());
        let syntax = inner.is_syntax() || inner.is_eof();
        let message = if syntax {
            format!("invalid JSON: {message}")
        } else if path == "." {
            format!("{}: not {}", user_terms(&message), input.describe())
        } else {
            format!("at `{path}`: {}", user_terms(&message))
        };
        ImportError::AuthDetails {
            file: file.to_owned(),
            input,
            syntax,
            message,
            line: inner.line(),
            column: inner.column(),
        }
    })?;
    de.end().map_err(|e| ImportError::AuthDetails {
        file: file.to_owned(),
        input,
        syntax: true,
        message: format!("invalid JSON: {}", strip_location(&e.to_string())),
        line: e.line(),
        column: e.column(),
    })?;
    Ok(value)
}
