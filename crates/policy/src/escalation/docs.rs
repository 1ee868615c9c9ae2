//! The reference of the methods, `docs/escalation.md`, generated from the data.

use std::fmt::Write as _;

use super::assess::{DEFAULT_REGION, TARGET_NAME};
use super::model::{Method, Requirement};

/// The Markdown reference of `methods` (`docs/escalation.md` is this text for the shipped
/// methods).
pub fn render_markdown(methods: &[Method]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "\
# Privilege-escalation methods

<!-- Generated from crates/policy/data/escalation-methods.json by
     `iamsnap_policy::escalation::markdown()`; the test `docs_escalation_md_is_generated_from_the_data`
     (crates/policy/tests/escalation.rs) fails when this file is stale. Regenerate it with
     `IAMSNAP_UPDATE_DOCS=1 cargo test -p iamsnap-policy --test escalation`. -->

iamsnap knows {count} published ways in which an IAM principal can give itself more
permissions than it has: the methods of Rhino Security Labs' research, their variants in
[pathfinding.cloud](https://pathfinding.cloud), and the combinations that cloudsplaining
(`PRIVILEGE_ESCALATION_METHODS`) and Prowler (checks `iam_policy_allows_privilege_escalation`
and `iam_inline_policy_allows_privilege_escalation`) look for.

Each method says under *Known as* what these tools call it. All 59 names of cloudsplaining's
list (0.9.1) have a counterpart here. Four of them add a step the method does not need, so
the method reports every principal they would, and more:
`CreatePolicyVersionThenAssumeRole` and `CreatePolicyVersionThenUpdateAssumeRolePolicy` are
IAM-CREATE-POLICY-VERSION, found whenever `iam:CreatePolicyVersion` is allowed on the
account's policies, with or without the role step; `PassExistingRoleToNewECSClusterRunTask`
and `PassExistingRoleToNewECSClusterServiceTask` are PASSROLE-ECS-TASK, which needs no
`ecs:CreateCluster` (an existing cluster serves as well).

## How a method is checked

A method lists one or more alternatives; an alternative lists the actions that must all be
allowed, each on a resource. `iamsnap policy escalations` (and
`iamsnap_policy::escalation::possible_escalations`) asks the policy evaluator, for every
action of an alternative, whether the principal may make that request. The answer
therefore honours explicit denies, permissions boundaries, session policies, service and
resource control policies and conditions exactly as a simulated request does; a condition
whose key the request does not carry behaves as it does in AWS. A method is found when one
of its alternatives is allowed in full; the finding names the statements that allowed each
action.

Resources are templates:

- `${{Partition}}` and `${{Principal}}` are the principal's partition and ARN; `${{Account}}`
  is the account whose resources are targeted (the principal's own, usually);
  `${{Region}}` is the context's `aws:RequestedRegion`, or `{region}` when it has none.
- `${{SelfUser}}` and `${{SelfRole}}` are the principal's own user or role ARN (a role
  session's role, without its path). An alternative that needs one of them does not apply to
  other principals.
- Every `*` is a representative name, `{target}`: the role the attacker
  passes, the user whose key it creates, the function it replaces. A policy that limits an
  action to named resources (`role/app-*`, `user/${{aws:username}}`) does not match it, so
  an action allowed only on resources the principal already controls does not count. A
  resource of just `*` is for actions without resource types.

Some requests carry condition keys, as the attacker's request would: `iam:PassedToService`
for `iam:PassRole`, `iam:PolicyARN` for attaching `AdministratorAccess`,
`iam:PermissionsBoundary` for a boundary. The keys AWS sets for every request of an IAM
principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`
for users) are added when the context does not set them.

An action marked *with a resource policy naming the principal* is one the attacker has made
possible in an earlier step, by rewriting a role's trust policy or adding a statement to a
function's policy: it is evaluated with that policy, which allows it on its own within one
account, so only explicit denies, SCPs, RCPs and, for a role session, its boundary and
session policy can stop it.

Severity: **critical** when the principal can write its own permissions; **high** when it
can take over a principal of its choosing (any role it can pass, another user, any role
whose trust policy it rewrites) or lift its permissions boundary; **medium** when it takes
over roles that already exist on resources (a function, an instance, a stack) or roles that
already trust it, so that what it gains depends on those roles.

## Methods

| id | name | gains | severity |
|---|---|---|---|
",
        count = methods.len(),
        region = DEFAULT_REGION,
        target = TARGET_NAME,
    );
    for m in methods {
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {} |",
            m.id,
            m.id.to_ascii_lowercase(),
            m.name,
            m.gains,
            m.severity.as_str()
        );
    }
    for m in methods {
        method(&mut out, m);
    }
    out
}

fn method(out: &mut String, m: &Method) {
    let _ = write!(
        out,
        "\n## {}\n\n**{}**\n\n{}\n\n",
        m.id, m.name, m.description
    );
    if !m.principals.is_empty() {
        let kinds: Vec<&str> = m.principals.iter().map(|k| k.as_str()).collect();
        let _ = writeln!(
            out,
            "Applies to IAM {} principals only.\n",
            kinds.join(" and ")
        );
    }
    if m.needs_boundary {
        out.push_str("Applies only to principals that have a permissions boundary.\n\n");
    }
    match m.required.as_slice() {
        [only] => {
            out.push_str(if only.len() == 1 {
                "Requires:\n\n"
            } else {
                "Requires all of:\n\n"
            });
            for r in only {
                let _ = writeln!(out, "- {}", requirement(r));
            }
        }
        alternatives => {
            out.push_str("Requires one of:\n\n");
            for (i, alt) in alternatives.iter().enumerate() {
                match alt.as_slice() {
                    [one] => {
                        let _ = writeln!(out, "{}. {}", i + 1, requirement(one));
                    }
                    steps => {
                        let _ = writeln!(out, "{}. all of:", i + 1);
                        for r in steps {
                            let _ = writeln!(out, "   - {}", requirement(r));
                        }
                    }
                }
            }
        }
    }
    let _ = write!(
        out,
        "\nGains: {}. Severity: {}.\n",
        m.gains,
        m.severity.as_str()
    );
    if !m.known_as.is_empty() {
        let names: Vec<String> = m.known_as.iter().map(|k| format!("`{k}`")).collect();
        let _ = writeln!(out, "\nKnown as: {}.", names.join(", "));
    }
    out.push_str("\nReferences:\n\n");
    for r in &m.references {
        let _ = writeln!(out, "- <{r}>");
    }
}

fn requirement(r: &Requirement) -> String {
    let mut s = format!("`{}` on `{}`", r.action, r.resource);
    for (k, v) in &r.context {
        let _ = write!(s, ", with `{k}` = `{v}`");
    }
    if r.resource_policy.name().is_some() {
        s.push_str(", with a resource policy naming the principal");
    }
    s
}
