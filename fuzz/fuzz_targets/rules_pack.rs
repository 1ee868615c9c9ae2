//! The rule language. Any bytes, as the text of a pack: parsing returns a pack or
//! diagnostics and never panics; every diagnostic renders; a parsed pack prints to text
//! that parses back to the same tree, and printing that again gives the same text.

#![no_main]

use iamsnap_rules::{Source, parse_pack, print_pack};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let source = Source::new("fuzz.rules", text.as_ref());
    match parse_pack(&source) {
        Err(errors) => {
            for e in errors {
                let _ = e.render();
            }
        }
        Ok(pack) => {
            let printed = print_pack(&pack);
            let again = match parse_pack(&Source::new("printed.rules", printed.as_str())) {
                Ok(again) => again,
                Err(e) => panic!(
                    "the printed pack does not parse: {}\n{printed}",
                    e.first().map(|d| d.render()).unwrap_or_default()
                ),
            };
            assert_eq!(again, pack, "printing changed the pack\n{printed}");
            assert_eq!(print_pack(&again), printed, "printing is not a fixed point");
        }
    }
});
