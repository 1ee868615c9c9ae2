//! Arbitrary bytes as the text of a policy document (decoded or URL-encoded): the parser
//! returns a document or an error, never panics, and whatever parses prints back to the
//! same meaning, valid for the same kinds of document.

#![no_main]

use iamsnap_fuzz::check_round_trip;
use iamsnap_policy::{DocumentKind, decode_document_text, parse_document_as, parse_document_text};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KINDS: [DocumentKind; 8] = [
    DocumentKind::Identity,
    DocumentKind::PermissionsBoundary,
    DocumentKind::Session,
    DocumentKind::Resource,
    DocumentKind::ImpliedResource,
    DocumentKind::Trust,
    DocumentKind::ServiceControl,
    DocumentKind::ResourceControl,
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_document_text(&text) {
        Ok(doc) => {
            check_round_trip(&doc);
            // Printing keeps the kinds of document it is valid as (trust policy, SCP, ...).
            // Checked on the JSON value: locating problems in the text is the text parser's
            // business, and its cost would dominate on large documents.
            let original: Option<Value> = decode_document_text(&text)
                .ok()
                .and_then(|json| serde_json::from_str(&json).ok());
            let printed = doc.to_json();
            if let Some(original) = original {
                for kind in KINDS {
                    assert_eq!(
                        parse_document_as(&original, kind).is_ok(),
                        parse_document_as(&printed, kind).is_ok(),
                        "printing changed whether the document is {}",
                        kind.describe()
                    );
                }
            }
        }
        // Rendering the error (with its located problems) must not panic either.
        Err(e) => drop(e.to_string()),
    }
});
