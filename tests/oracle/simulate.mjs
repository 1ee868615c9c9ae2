// Test oracle for iamsnap's differential evaluator tests (crates/policy/tests/differential.rs).
//
// Reads NDJSON cases on stdin, one JSON object per line, runs each through
// @cloud-copilot/iam-simulate (AGPL-3.0; only ever run as this separate process from
// tests, installed by scripts/test, never linked, vendored or shipped) and writes one
// NDJSON line per case on stdout, in input order:
//   {"id": ..., "result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"}
//   {"id": ..., "error": "..."}   when iam-simulate rejects the input
//
// Case shape:
//   {"id", "identityPolicies": [doc...], "permissionBoundaries": [doc...]?,
//    "scps": [[doc...] per org level]?, "rcps": [[doc...] per org level]?,
//    "resourcePolicy": doc | null, "sessionPolicy": doc?,
//    "request": {"principal", "action", "resource", "resourceAccount",
//                "context": {key: string | [string...]}}}
import { createInterface } from 'node:readline';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const named = (prefix, docs) => (docs ?? []).map((policy, i) => ({ name: `${prefix}-${i}`, policy }));

const orgLevels = (prefix, levels) =>
  (levels ?? []).map((docs, level) => ({
    orgIdentifier: `${prefix}-level-${level}`,
    policies: named(`${prefix}-${level}`, docs)
  }));

/** Maps one harness case onto iam-simulate's `Simulation` type. */
function toSimulation(c) {
  const r = c.request;
  const simulation = {
    request: {
      principal: r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: r.resourceAccount },
      contextVariables: r.context ?? {}
    },
    identityPolicies: named('identity', c.identityPolicies),
    serviceControlPolicies: orgLevels('scp', c.scps),
    resourceControlPolicies: orgLevels('rcp', c.rcps)
  };
  if (c.permissionBoundaries && c.permissionBoundaries.length > 0) {
    simulation.permissionBoundaryPolicies = named('boundary', c.permissionBoundaries);
  }
  if (c.resourcePolicy) {
    simulation.resourcePolicy = c.resourcePolicy;
  }
  if (c.sessionPolicy) {
    simulation.sessionPolicy = c.sessionPolicy;
  }
  return simulation;
}

async function simulate(c) {
  const response = await runSimulation(toSimulation(c), { simulationMode: 'Strict' });
  if (response.resultType === 'error') {
    return { error: JSON.stringify(response.errors) };
  }
  if (response.resultType !== 'single') {
    return { error: `unexpected resultType ${response.resultType} (wildcard request resource?)` };
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    return {
      error: `context keys ignored by iam-simulate for ${c.request.action} on ${c.request.resource}: ${ignored.join(', ')}`
    };
  }
  return { result: response.overallResult };
}

const out = [];
const flush = () => {
  if (out.length > 0) {
    process.stdout.write(out.join(''));
    out.length = 0;
  }
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') {
    continue;
  }
  let id = null;
  let answer;
  try {
    const c = JSON.parse(line);
    id = c.id ?? null;
    answer = await simulate(c);
  } catch (e) {
    answer = { error: `oracle exception: ${e && e.stack ? e.stack : String(e)}` };
  }
  out.push(JSON.stringify({ id, ...answer }) + '\n');
  if (out.length >= 256) {
    flush();
  }
}
flush();
