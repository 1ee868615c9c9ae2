"""Prints what iamsnap's import tests need from the IAM API's own model (botocore's
`iam/2010-05-08/service-2.json` and `examples-1.json`), as the JSON committed in
`data/iam-model.json`:

- `shapes`: every structure reachable from the outputs iamsnap reads as files
  (`GetAccountAuthorizationDetails`, `GetServiceLastAccessedDetails`), each member with the
  shape it holds, whether it is a list, and whether the model requires it;
- `examples`: the model's example outputs of those operations, when it has one.

Run with the Python of the test tools (`scripts/test` installs botocore with moto):
    $IAMSNAP_TEST_PYTHON crates/import/tests/iam_model.py
"""

import gzip
import json
import os
import sys

import botocore

OPERATIONS = ["GetAccountAuthorizationDetails", "GetServiceLastAccessedDetails"]


def load(folder, name):
    path = os.path.join(folder, name)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
        return json.load(f)


def main():
    folder = os.path.join(os.path.dirname(botocore.__file__), "data", "iam", "2010-05-08")
    model = load(folder, "service-2.json")
    shapes = model["shapes"]
    out = {}

    def visit(name):
        shape = shapes[name]
        if shape["type"] == "list":
            visit(shape["member"]["shape"])
            return
        if shape["type"] != "structure" or name in out:
            return
        required = set(shape.get("required", []))
        members = {}
        out[name] = members
        for member, ref in shape["members"].items():
            target = shapes[ref["shape"]]
            entry = {"required": member in required}
            if target["type"] == "list":
                entry["list"] = True
                inner = target["member"]["shape"]
                entry["type"] = shapes[inner]["type"]
                entry["shape"] = inner
            else:
                entry["list"] = False
                entry["type"] = target["type"]
                entry["shape"] = ref["shape"]
            members[member] = entry
            visit(ref["shape"])

    roots = {}
    for op in OPERATIONS:
        root = model["operations"][op]["output"]["shape"]
        roots[op] = root
        visit(root)
    examples = load(folder, "examples-1.json").get("examples", {})
    found = {}
    for op in OPERATIONS:
        for example in examples.get(op, []):
            if "output" in example:
                found[op] = example["output"]
                break
    json.dump(
        {"roots": roots, "shapes": out, "examples": found},
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    sys.stdout.write("\n")


main()
