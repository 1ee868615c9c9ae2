use iamsnap_cloudtrail::excerpt;
use iamsnap_policy::PolicyError;
use iamsnap_snapshot::SnapshotError;

/// Why an import failed. Every variant names the input file and the place in it.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A JSON input is not valid JSON, or not of the shape its command writes (a value
    /// iamsnap needs is missing, or a value has the wrong type).
    #[error("`{}`: {}{}", excerpt(file), excerpt(message), location(*.line, *.column))]
    AuthDetails {
        /// The input file.
        file: String,
        /// Which input it is.
        input: JsonInput,
        /// Whether the file is not JSON at all (rather than JSON of another shape).
        syntax: bool,
        /// What is wrong, with the JSON path when known.
        message: String,
        /// 1-based line, when known.
        line: usize,
        /// 1-based column, when known.
        column: usize,
    },
    /// A policy document inside the file is not a valid policy (also after URL decoding).
    #[error("`{}`: {}, {}: {}", excerpt(file), excerpt(owner), excerpt(policy), excerpt(&source.to_string()))]
    Document {
        /// The input file.
        file: String,
        /// The identity or policy holding the document, e.g. "role `deploy`".
        owner: String,
        /// Which document, e.g. "inline policy `s3-read`" or "trust policy".
        policy: String,
        /// What is wrong with it.
        source: PolicyError,
    },
    /// The same identity or policy appears in two inputs with different content.
    #[error(
        "{} appears in `{}` and in `{}` with different content",
        excerpt(what),
        excerpt(first),
        excerpt(second)
    )]
    Conflict {
        /// The entity, e.g. "role `arn:...`".
        what: String,
        /// The first input naming it.
        first: String,
        /// The later input naming it differently.
        second: String,
    },
    /// Every page says more pages follow.
    #[error(
        "the input is incomplete: every page has `IsTruncated: true`, so the last page is missing (the last marker is `{}`)",
        excerpt(marker)
    )]
    Truncated {
        /// The marker of the last page given.
        marker: String,
    },
    /// The account a page belongs to cannot be told.
    #[error(
        "`{}`: cannot tell which account it belongs to: {}",
        excerpt(file),
        excerpt(message)
    )]
    Account {
        /// The input file.
        file: String,
        /// Why.
        message: String,
    },
    /// `--account` names an account the input does not hold.
    #[error(
        "the input holds no account `{}`: the accounts found are {}",
        excerpt(wanted),
        excerpt(&found.join(", "))
    )]
    AccountNotFound {
        /// The account asked for.
        wanted: String,
        /// The accounts the input holds.
        found: Vec<String>,
    },
    /// The credential report CSV is malformed.
    #[error("`{}`{}: {}", excerpt(file), line.map(|l| format!(", line {l}")).unwrap_or_default(), excerpt(message))]
    CredentialReport {
        /// The input file.
        file: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The credential report's first line does not name the columns of one.
    #[error(
        "`{}`, line 1: not the header of an IAM credential report: {}",
        excerpt(file),
        problems
    )]
    CredentialReportHeader {
        /// The input file.
        file: String,
        /// Its unknown and missing columns, in words.
        problems: String,
    },
    /// A capture folder is incomplete or inconsistent.
    #[error("capture `{}`: {}", excerpt(dir), excerpt(message))]
    Capture {
        /// The capture folder.
        dir: String,
        /// What is wrong, naming the file.
        message: String,
    },
    /// Reading an input failed.
    #[error("cannot read `{}`: {}", excerpt(file), io_text(source))]
    Io {
        /// The input file.
        file: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Writing the snapshot failed.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
}

/// The JSON inputs of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonInput {
    /// `get-account-authorization-details` output.
    AuthDetails,
    /// Service last accessed data (see [`crate::last_accessed`]).
    ServiceLastAccessed,
    /// The output of an `aws organizations` command (see [`crate::organization`]).
    Organizations(&'static str),
    /// The output of another AWS CLI command of a capture, `<service> <command>` (see
    /// [`crate::capture_resources`]).
    AwsCli(&'static str, &'static str),
}

impl JsonInput {
    /// What the input is, for "not ..." messages.
    pub fn describe(self) -> String {
        match self {
            Self::AuthDetails => "`get-account-authorization-details` output".to_owned(),
            Self::ServiceLastAccessed => "service last accessed data".to_owned(),
            Self::Organizations(command) => format!("`aws organizations {command}` output"),
            Self::AwsCli(service, command) => format!("`aws {service} {command}` output"),
        }
    }
}

impl ImportError {
    /// What the user can do about the error, when there is more to say than the message.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            Self::AuthDetails { syntax: true, .. } => Some(
                "the file must hold one complete JSON document as the AWS CLI writes it (`--output json`): a capture cut short, or with other text before or after the JSON, does not read",
            ),
            Self::AuthDetails {
                input: JsonInput::AuthDetails,
                ..
            } => Some(
                "iamsnap reads the shape the IAM API documents for `GetAccountAuthorizationDetails`: correct the value at that place (a value IAM may omit can be absent or `null`; the others need the kind of value said)",
            ),
            Self::AuthDetails {
                input: JsonInput::ServiceLastAccessed,
                ..
            } => Some(
                "the file must be a JSON object mapping each user or role ARN to its `aws iam get-service-last-accessed-details` output",
            ),
            Self::AuthDetails {
                input: JsonInput::Organizations(_),
                ..
            } => Some(
                "an organization capture holds the JSON outputs of `aws organizations` commands, each in the file `scripts/capture-org` gives it (docs/organizations.md lists them): correct the value at that place, or capture again",
            ),
            Self::AuthDetails {
                input: JsonInput::AwsCli(..),
                ..
            } => Some(
                "a capture's resource files hold the JSON outputs of AWS CLI commands, each in the file `scripts/capture-org` gives it (docs/organizations.md lists them): capture again rather than mending files by hand",
            ),
            Self::Document { .. } => Some(
                "policy documents must be valid IAM policy JSON, decoded or URL-encoded as the IAM API returns them",
            ),
            Self::Conflict { .. } => Some(
                "give each page of one capture once; pages of different captures of the same account cannot be merged",
            ),
            Self::Truncated { .. } => Some(
                "fetch the remaining pages (`aws iam get-account-authorization-details --starting-token <marker>`) and give every page, or pass --allow-truncated to import what is there",
            ),
            Self::CredentialReport { .. } => Some(
                "the credential report is the CSV of `aws iam get-credential-report --query Content --output text | base64 -d`: correct the value at that place",
            ),
            Self::CredentialReportHeader { .. } => Some(
                "the first line must name the 22 columns AWS writes, `user`, `arn`, `user_creation_time` … `cert_2_last_rotated`: give the report as `aws iam get-credential-report --query Content --output text | base64 -d` writes it, unedited (columns iamsnap does not know may come from a newer report format: update iamsnap)",
            ),
            Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some("check the path: a relative one is taken from the current folder")
            }
            Self::AccountNotFound { .. } => Some(
                "give one of the accounts found to --account, or leave --account out to import them all",
            ),
            Self::Capture { .. } => Some(
                "a capture folder is what `scripts/capture-org` writes (docs/organizations.md lists its files): capture again, whole, rather than mending files by hand",
            ),
            Self::Account { .. } | Self::Io { .. } | Self::Snapshot(_) => None,
        }
    }
}

/// What the operating system answered, in words: without the error number Rust appends,
/// and lowercase like every message of iamsnap.
pub(crate) fn io_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or folder".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::IsADirectory => "it is a folder, not a file".to_owned(),
        _ => {
            let text = e.to_string();
            let text = match text.rfind(" (os error ") {
                Some(at) => text.get(..at).unwrap_or(&text).to_owned(),
                None => text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

/// A message of the JSON reader said in the user's terms: the kind of value expected and
/// the kind found, with no name of a type of the program.
pub(crate) fn user_terms(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((found, expected)) = rest.rsplit_once(", expected ")
        {
            return format!(
                "expected {}, found {}",
                expected_value(expected),
                found_value(found)
            );
        }
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|f| f.strip_suffix('`'))
    {
        return format!("no `{field}`, which iamsnap needs here");
    }
    if let Some(rest) = message.strip_prefix("invalid length ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {}", expected_value(expected));
    }
    message.to_owned()
}

fn expected_value(expected: &str) -> String {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
        | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        "a string" | "a borrowed string" | "a char" => "a string".to_owned(),
        "a map" | "a JSON object" => "an object".to_owned(),
        "a sequence" => "an array".to_owned(),
        e if e.starts_with("struct ") || e.starts_with("map ") => "an object".to_owned(),
        e if e.starts_with("tuple") || e.starts_with("a tuple") => "an array".to_owned(),
        e if e.contains("enum ") || e.contains("variant") => "a value of another kind".to_owned(),
        e => e.to_owned(),
    }
}

fn found_value(found: &str) -> String {
    let quoted = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_owned())
    };
    if found == "null" || found == "unit value" || found == "Option value" {
        "null".to_owned()
    } else if let Some(v) = quoted("integer ").or_else(|| quoted("floating point ")) {
        format!("the number {v}")
    } else if let Some(v) = quoted("boolean ") {
        format!("`{v}`")
    } else if let Some(v) = found.strip_prefix("string ") {
        format!("the string {v}")
    } else if found == "map" {
        "an object".to_owned()
    } else if found == "sequence" {
        "an array".to_owned()
    } else {
        "a value of another kind".to_owned()
    }
}

fn location(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}, column {column}")
    }
}
