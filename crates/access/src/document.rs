//! The policy documents of a snapshot, each with its state, parsed and compiled once on
//! first use.

use std::sync::{Arc, OnceLock};

use iamsnap_policy::{CompiledPolicy, PolicyDocument, parse_document_text};

/// A policy document that applies to a principal, as the snapshot has it.
#[derive(Debug)]
pub struct Document {
    key: String,
    /// Whether the `policies` table has a row for it.
    in_snapshot: bool,
    text: Option<Arc<str>>,
    /// Compiled as a resource-based policy (a trust policy, a bucket policy).
    resource_policy: bool,
    parsed: OnceLock<Option<Parsed>>,
}

#[derive(Debug)]
struct Parsed {
    document: Arc<PolicyDocument>,
    compiled: CompiledPolicy,
}

/// What the snapshot has of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentState {
    /// The document is in the snapshot and readable.
    Present,
    /// The snapshot lists the policy but holds no document for it.
    Missing,
    /// The snapshot has no row for the policy at all (not captured).
    NotCaptured,
    /// The document is in the snapshot but does not parse (a damaged snapshot: import
    /// checks every document).
    Unreadable,
}

impl DocumentState {
    /// The state in a few words, for explanations: `not in the snapshot`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Missing => "listed without a document",
            Self::NotCaptured => "not in the snapshot",
            Self::Unreadable => "unreadable",
        }
    }
}

impl Document {
    /// A document of the snapshot's `policies` table (`text` null when the row has none).
    pub fn new(key: impl Into<String>, text: Option<Arc<str>>) -> Self {
        Self {
            key: key.into(),
            in_snapshot: true,
            text,
            resource_policy: false,
            parsed: OnceLock::new(),
        }
    }

    /// A resource-based policy of the snapshot (a role's trust policy, a bucket policy):
    /// compiled as AWS reads a resource's policy.
    pub fn resource_policy(key: impl Into<String>, text: Option<Arc<str>>) -> Self {
        Self {
            resource_policy: true,
            ..Self::new(key, text)
        }
    }

    /// A policy some principal refers to that the `policies` table does not have.
    pub fn not_captured(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            in_snapshot: false,
            text: None,
            resource_policy: false,
            parsed: OnceLock::new(),
        }
    }

    /// The policy key (`policy_key` of the snapshot's tables).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The document's text as the snapshot holds it.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    fn parsed(&self) -> Option<&Parsed> {
        self.parsed
            .get_or_init(|| {
                let doc = parse_document_text(self.text.as_deref()?).ok()?;
                let compiled = if self.resource_policy {
                    CompiledPolicy::new_resource_policy(self.key.as_str(), &doc)
                } else {
                    CompiledPolicy::new(self.key.as_str(), &doc)
                };
                Some(Parsed {
                    document: Arc::new(doc),
                    compiled,
                })
            })
            .as_ref()
    }

    /// What the snapshot has of it (parses the document on first use).
    pub fn state(&self) -> DocumentState {
        match (self.in_snapshot, &self.text) {
            (false, _) => DocumentState::NotCaptured,
            (true, None) => DocumentState::Missing,
            (true, Some(_)) if self.parsed().is_some() => DocumentState::Present,
            (true, Some(_)) => DocumentState::Unreadable,
        }
    }

    /// The parsed document, when present.
    pub fn document(&self) -> Option<&Arc<PolicyDocument>> {
        self.parsed().map(|p| &p.document)
    }

    /// The document compiled for evaluation, when present.
    pub fn compiled(&self) -> Option<&CompiledPolicy> {
        self.parsed().map(|p| &p.compiled)
    }

    /// Whether `other` has the same key and text: whatever it decides, this decides too.
    pub fn same_as(&self, other: &Document) -> bool {
        self.key == other.key && self.in_snapshot == other.in_snapshot && self.text == other.text
    }
}
