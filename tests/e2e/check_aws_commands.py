"""Checks fix commands against the AWS CLI's own command model.

Reads a JSON list of {"id": ..., "command": ...} on standard input: each command is a
rule's `fix` template, `{alias.field}` standing for a value, or a document written to a
file and the command that reads it (`printf '%s\\n' VALUE > FILE && aws ...
file://FILE`). For each, prints one line `ok <id>` or `error <id>: <why>`, and exits 1 when any is wrong.

The model is the one `aws` itself builds (awscli's command table over botocore's service
models): the service and operation must be commands, every `--option` an argument of the
operation, given once and with a value unless it is a boolean flag, every required
argument present, and a literal value of an enumerated argument one of its values.
"""

import json
import re
import shlex
import sys

from awscli.clidriver import create_clidriver

FIELD = re.compile(r"\{[^{}]*\}")
PLACEHOLDER = "VALUE"


def words(template):
    """The template's shell words, each field a placeholder (`{{`/`}}` are braces)."""
    text = template.replace("{{", "\x00").replace("}}", "\x01")
    text = FIELD.sub(PLACEHOLDER, text)
    text = text.replace("\x00", "{").replace("\x01", "}")
    return shlex.split(text)


def check(services, template):
    # `printf '%s\n' VALUE > FILE && aws ... file://FILE`: a document written to a file
    # the command then reads. The file part must be exactly that form.
    parts = template.split(" && ")
    if len(parts) == 2 and parts[0].startswith("printf "):
        written = words(parts[0])
        if len(written) != 5 or written[:2] != ["printf", "%s\\n"] or written[3] != ">":
            return "the file part must be `printf '%s\\n' VALUE > FILE`"
        target = written[4]
        if "/" in target.replace(PLACEHOLDER, "") or not target.endswith(".json"):
            return f"`{target}` is not a JSON file of the current folder"
        if f"file://{target}" not in words(parts[1]):
            return f"the command does not read `file://{target}`"
        template = parts[1]
    elif len(parts) > 1:
        return "commands are joined with `&&` only after `printf '%s\\n' VALUE > FILE`"
    argv = words(template)
    if len(argv) < 3 or argv[0] != "aws":
        return "not an `aws <service> <operation>` command"
    service, operation, rest = argv[1], argv[2], argv[3:]
    if service not in services:
        return f"`{service}` is not a service of the AWS CLI"
    operations = services[service]._get_command_table()
    if operation not in operations:
        return f"`aws {service}` has no command `{operation}`"
    args = operations[operation].arg_table
    given = {}
    i = 0
    while i < len(rest):
        word = rest[i]
        if not word.startswith("--"):
            return f"`{word}` is not an option"
        name = word[2:]
        if "=" in name:
            return f"write `--{name.split('=')[0]} VALUE`, not `{word}`"
        if name not in args:
            return f"`aws {service} {operation}` has no option `--{name}`"
        if name in given:
            return f"`--{name}` is given twice"
        arg = args[name]
        if arg.cli_type_name == "boolean" and getattr(arg, "nargs", None) != "?":
            given[name] = None
            i += 1
            continue
        if i + 1 >= len(rest) or rest[i + 1].startswith("--"):
            return f"`--{name}` has no value"
        value = rest[i + 1]
        model = getattr(arg, "argument_model", None)
        enum = getattr(model, "enum", None) or []
        if enum and value != PLACEHOLDER and value not in enum:
            return f"`--{name} {value}`: the values are {', '.join(enum)}"
        given[name] = value
        i += 2
    missing = [f"--{n}" for n, a in args.items() if a.required and n not in given]
    if missing:
        return f"`aws {service} {operation}` requires {', '.join(missing)}"
    return None


def main():
    commands = json.load(sys.stdin)
    services = create_clidriver()._get_command_table()
    failed = False
    for c in commands:
        why = check(services, c["command"])
        if why:
            failed = True
            print(f"error {c['id']}: {why}")
        else:
            print(f"ok {c['id']}")
    sys.exit(1 if failed else 0)


main()
