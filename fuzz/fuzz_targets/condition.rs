//! Condition operators and values. The input is lines: an operator name, a condition key,
//! the policy's values (tab-separated) and the request's values for the key
//! (tab-separated). The operator parser never panics and a parsed operator's canonical
//! spelling parses to the same operator; a condition document built from the input parses
//! (or is rejected) and evaluates without panicking.

#![no_main]

use iamsnap_fuzz::check_round_trip;
use iamsnap_policy::{
    CompiledPolicy, ConditionOperator, Context, ContextValue, PolicySet, Request, SetQualifier,
    evaluate, parse_document,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let operator = lines.next().unwrap_or_default();
    let key = lines.next().unwrap_or("aws:SourceIp");
    let policy_values: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let request_values: Vec<String> = lines
        .next()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .unwrap_or_default();

    if let Ok(op) = ConditionOperator::parse(operator) {
        let qualifier = match op.qualifier {
            Some(SetQualifier::ForAllValues) => "ForAllValues:",
            Some(SetQualifier::ForAnyValue) => "ForAnyValue:",
            None => "",
        };
        let suffix = if op.if_exists { "IfExists" } else { "" };
        let canonical = format!("{qualifier}{}{suffix}", op.base);
        assert_eq!(ConditionOperator::parse(&canonical).as_ref(), Ok(&op));
    }

    // Values as strings, and as numbers or booleans where they read as such.
    let values: Vec<Value> = policy_values
        .iter()
        .map(|v| match serde_json::from_str::<Value>(v) {
            Ok(n @ (Value::Number(_) | Value::Bool(_))) => n,
            _ => Value::String((*v).to_owned()),
        })
        .collect();
    let mut keys = Map::new();
    keys.insert(key.to_owned(), Value::Array(values));
    let mut condition = Map::new();
    condition.insert(operator.to_owned(), Value::Object(keys));
    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": condition,
        }]
    });
    let Ok(doc) = parse_document(&doc) else {
        return;
    };
    check_round_trip(&doc);

    let mut context = Context::default();
    match request_values.len() {
        0 => {}
        1 => context.insert(key, ContextValue::Single(request_values.concat())),
        _ => context.insert(key, ContextValue::Multi(request_values)),
    }
    let request = Request {
        principal: "arn:aws:iam::111122223333:user/alice".to_owned(),
        principal_account: "111122223333".to_owned(),
        action: "s3:GetObject".to_owned(),
        resource: "arn:aws:s3:::bucket/key".to_owned(),
        resource_account: "111122223333".to_owned(),
        context,
    };
    let identity = [CompiledPolicy::new("p", &doc)];
    let set = PolicySet {
        identity: &identity,
        ..PolicySet::default()
    };
    let _ = evaluate(&request, &set);
});
