//! A policy and a request: the input's first NUL byte splits the policy document's text
//! from the request (lines: principal, action, resource, then `key=value` context entries).
//! The first byte chooses where the policy sits (identity, boundary, SCP, resource
//! policy). Evaluation never panics.

#![no_main]

use iamsnap_fuzz::request_from;
use iamsnap_policy::{CompiledPolicy, PolicySet, evaluate, parse_document_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (policy, request) = rest.split_at(split);
    let policy = String::from_utf8_lossy(policy);
    let request = String::from_utf8_lossy(request.get(1..).unwrap_or_default());
    let Ok(doc) = parse_document_text(&policy) else {
        return;
    };
    let request = request_from(&request);
    let compiled = CompiledPolicy::new("identity", &doc);
    let identity = std::slice::from_ref(&compiled);
    let allow_all = match parse_document_text(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ) {
        Ok(d) => CompiledPolicy::new("allow-all", &d),
        Err(e) => panic!("the allow-all policy does not parse: {e}"),
    };
    let resource = CompiledPolicy::new_resource_policy("resource", &doc);
    let scps = [vec![CompiledPolicy::new("scp", &doc)]];
    let allow = [allow_all.clone()];
    let set = match mode % 5 {
        0 => PolicySet {
            identity,
            ..PolicySet::default()
        },
        1 => PolicySet {
            identity: &allow,
            permissions_boundary: Some(&compiled),
            session: Some(&compiled),
            ..PolicySet::default()
        },
        2 => PolicySet {
            identity: &allow,
            scps: &scps,
            rcps: &scps,
            ..PolicySet::default()
        },
        3 => PolicySet {
            resource: Some(&resource),
            ..PolicySet::default()
        },
        _ => PolicySet {
            identity,
            permissions_boundary: Some(&allow_all),
            scps: &scps,
            resource: Some(&resource),
            ..PolicySet::default()
        },
    };
    let evaluation = evaluate(&request, &set);
    // Every statement named as deciding must exist in the policy it names.
    for s in &evaluation.statements {
        assert!(
            s.index < doc.statements.len() || s.policy == "allow-all",
            "evaluation names statement {} of {} in `{}`",
            s.index,
            doc.statements.len(),
            s.policy
        );
    }
});
