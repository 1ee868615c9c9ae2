//! One example of each input the generator leaves out because iamsnap and iam-simulate
//! legitimately disagree. The titles are the headings of docs/evaluation-divergences.md.

use iamsnap_policy::Decision;
use serde_json::{Value, json};

use super::model::{Case, Ctx, Req};

pub struct Divergence {
    pub title: &'static str,
    pub case: Case,
    /// What AWS documents (and iamsnap must answer).
    pub aws: Decision,
    /// What iam-simulate 0.1.173 answers.
    pub oracle: Decision,
}

/// alice reads one of her objects, allowed by `statement` alone.
fn case(id: usize, statement: Value, version: Option<&str>, context: &[(&str, &str)]) -> Case {
    let object = "arn:aws:s3:::app-data/home/alice/notes.txt";
    request_case(id, statement, version, context, ("s3:GetObject", object))
}

fn request_case(
    id: usize,
    statement: Value,
    version: Option<&str>,
    context: &[(&str, &str)],
    (action, resource): (&str, &str),
) -> Case {
    let mut doc = json!({"Statement": [statement]});
    if let Some(v) = version {
        doc["Version"] = json!(v);
    }
    let mut request = Req {
        principal: "arn:aws:iam::111122223333:user/alice".to_owned(),
        principal_account: "111122223333".to_owned(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        resource_account: "111122223333".to_owned(),
        context: Vec::new(),
    };
    request.set(
        "aws:PrincipalArn",
        Ctx::One("arn:aws:iam::111122223333:user/alice".to_owned()),
    );
    request.set("aws:username", Ctx::One("alice".to_owned()));
    for (k, v) in context {
        request.set(k, Ctx::One((*v).to_owned()));
    }
    Case {
        id,
        category: "divergence",
        identity: vec![doc],
        boundary: None,
        scps: Vec::new(),
        rcps: Vec::new(),
        resource_policy: None,
        session: None,
        request,
    }
}

fn allow_if(condition: Value) -> Value {
    json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition})
}

pub fn all() -> Vec<Divergence> {
    let home_variable = json!({
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::app-data/home/${aws:username}/*"
    });
    vec![
        Divergence {
            title: "ForAnyValue with IfExists on a missing key",
            case: case(
                0,
                allow_if(json!({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["env"]}})),
                Some("2012-10-17"),
                &[],
            ),
            aws: Decision::Allow,
            oracle: Decision::ImplicitDeny,
        },
        Divergence {
            title: "Policy variables without Version 2012-10-17",
            case: case(1, home_variable.clone(), Some("2008-10-17"), &[]),
            aws: Decision::ImplicitDeny,
            oracle: Decision::Allow,
        },
        Divergence {
            title: "Policy variables without Version 2012-10-17",
            case: case(2, home_variable, None, &[]),
            aws: Decision::ImplicitDeny,
            oracle: Decision::Allow,
        },
        Divergence {
            title: "Date conditions mixing epoch and ISO 8601",
            // 1800000000 is 2027-01-15T08:00:00Z.
            case: case(
                3,
                allow_if(json!({"DateLessThan": {"aws:CurrentTime": "1800000000"}})),
                Some("2012-10-17"),
                &[("aws:CurrentTime", "2024-06-01T12:00:00Z")],
            ),
            aws: Decision::Allow,
            oracle: Decision::ImplicitDeny,
        },
        Divergence {
            title: "Date conditions mixing epoch and ISO 8601",
            // 1717243200 is 2024-06-01T12:00:00Z.
            case: case(
                4,
                allow_if(json!({"DateGreaterThan": {"aws:EpochTime": "2024-01-01T00:00:00Z"}})),
                Some("2012-10-17"),
                &[("aws:EpochTime", "1717243200")],
            ),
            aws: Decision::Allow,
            oracle: Decision::ImplicitDeny,
        },
        Divergence {
            title: "IPv4 networks with prefix length 0",
            case: case(
                5,
                allow_if(json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})),
                Some("2012-10-17"),
                &[("aws:SourceIp", "10.1.2.3")],
            ),
            aws: Decision::Allow,
            oracle: Decision::ImplicitDeny,
        },
        Divergence {
            title: "Policy variables in resources without a resource type",
            case: request_case(
                6,
                json!({
                    "Effect": "Allow",
                    "Action": "sqs:SendMessage",
                    "Resource": "arn:aws:sqs:*:111122223333:${aws:PrincipalTag/team}-queue"
                }),
                Some("2012-10-17"),
                &[("aws:PrincipalTag/team", "orders")],
                (
                    "sqs:SendMessage",
                    "arn:aws:sqs:us-east-1:111122223333:orders-queue",
                ),
            ),
            aws: Decision::Allow,
            oracle: Decision::ImplicitDeny,
        },
        Divergence {
            title: "A resource policy naming the session, with a session policy",
            case: session_named_case(7),
            aws: Decision::Allow,
            oracle: Decision::ImplicitDeny,
        },
    ]
}

/// A role session whose session policy allows only EC2 reads an object of a bucket whose
/// policy names the session itself; its identity policies allow nothing.
fn session_named_case(id: usize) -> Case {
    let session = "arn:aws:sts::111122223333:assumed-role/app-role/build-42";
    let object = "arn:aws:s3:::app-data/reports/q3.csv";
    let mut request = Req {
        principal: session.to_owned(),
        principal_account: "111122223333".to_owned(),
        action: "s3:GetObject".to_owned(),
        resource: object.to_owned(),
        resource_account: "111122223333".to_owned(),
        context: Vec::new(),
    };
    request.set(
        "aws:PrincipalArn",
        Ctx::One("arn:aws:iam::111122223333:role/app-role".to_owned()),
    );
    Case {
        id,
        category: "divergence",
        identity: Vec::new(),
        boundary: None,
        scps: Vec::new(),
        rcps: Vec::new(),
        resource_policy: Some(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": session}, "Action": "s3:GetObject", "Resource": object}
        ]})),
        session: Some(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
        ]})),
        request,
    }
}
