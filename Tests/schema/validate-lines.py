#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Checks JSON lines (rigwatch's events and alerts) against the schemas in schema/.
#
# Usage: validate-lines.py SCHEMA_DIR FILE...
#
# Every *.schema.json in SCHEMA_DIR is loaded, keyed by its $id, so the files find each
# other by id and nothing is fetched. Each non-blank line of each FILE that does not
# start with '#' is validated against line.schema.json (draft 2020-12). Failures go to
# stdout as FILE:LINE: message, then the summary "validated N lines in M files".
# Exit status: 0 all valid, 1 some line failed, 2 usage, I/O or schema errors, 3 no
# jsonschema with draft 2020-12 is installed (python3-jsonschema), as parse_prom.py does.
#
# Runs with Debian 12's python3-jsonschema (4.10.3: RefResolver with a store) and with
# newer releases (the `referencing` registry, where RefResolver is deprecated).

import json
import os
import signal
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as error:
    print("validate-lines: jsonschema (4.0 or later) is not installed: %s" % error, file=sys.stderr)
    sys.exit(3)

LINE_SCHEMA = "line.schema.json"
# Failures shown per file; the rest are counted.
SHOWN_PER_FILE = 5
# Messages quote the value; a whole chain is too much for one line.
MESSAGE_MAX = 300


class UsageError(Exception):
    pass


def load_schemas(directory):
    """Every *.schema.json in the directory, by $id; and the id of line.schema.json."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".schema.json"))
    except OSError as e:
        raise UsageError("cannot list %s: %s" % (directory, e.strerror))
    if LINE_SCHEMA not in names:
        raise UsageError("%s has no %s" % (directory, LINE_SCHEMA))
    store = {}
    line_id = None
    for name in names:
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as f:
                schema = json.load(f)
        except (OSError, ValueError) as e:
            raise UsageError("cannot read %s: %s" % (path, e))
        schema_id = schema.get("$id") if isinstance(schema, dict) else None
        if not isinstance(schema_id, str):
            raise UsageError("%s has no $id" % path)
        if schema_id in store:
            raise UsageError("%s repeats the $id %s" % (path, schema_id))
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            raise UsageError("%s is not a valid draft 2020-12 schema: %s" % (path, e.message))
        store[schema_id] = schema
        if name == LINE_SCHEMA:
            line_id = schema_id
    return store, line_id


def make_validator(store, line_id):
    schema = store[line_id]
    try:
        from referencing import Registry, Resource
    except ImportError:
        Registry = None
    if Registry is not None:
        registry = Registry().with_resources((i, Resource.from_contents(s)) for i, s in store.items())
        try:
            return Draft202012Validator(schema, registry=registry)
        except TypeError:
            pass  # a jsonschema older than its `referencing` (no registry argument)
    resolver = jsonschema.RefResolver(base_uri=line_id, referrer=schema, store=store)
    return Draft202012Validator(schema, resolver=resolver)


def describe(error):
    """The failure, named by where it is in the line ($.chain[0].pid); for anyOf and
    oneOf, the branch that came closest."""
    while error.context:
        # A branch whose type matched says more than the ones that wanted another type.
        deeper = [e for e in error.context if e.validator != "type"]
        error = jsonschema.exceptions.best_match(deeper or error.context)
    location = "$"
    for part in error.absolute_path:
        location += "[%d]" % part if isinstance(part, int) else "." + str(part)
    message = error.message
    if len(message) > MESSAGE_MAX:
        message = message[: MESSAGE_MAX - 3] + "..."
    return "%s: %s" % (location, message)


class StrictJSONError(ValueError):
    pass


def unique_keys(pairs):
    """An object, refusing a key written twice (json.loads would keep the last)."""
    value = {}
    for key, item in pairs:
        if key in value:
            raise StrictJSONError("the key %r appears twice" % key)
        value[key] = item
    return value


def no_constant(name):
    raise StrictJSONError("%s is not JSON" % name)


def line_errors(validator, text):
    try:
        value = json.loads(text, object_pairs_hook=unique_keys, parse_constant=no_constant)
    except ValueError as e:
        return ["not JSON: %s" % e]
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    # Several rules can fail the same way; each message once, in order.
    return list(dict.fromkeys(describe(e) for e in errors))


def validate_file(validator, path):
    """(lines validated, lines failed); failures printed."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError("cannot read %s: %s" % (path, e.strerror))
    checked = failed = 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            text, problems = None, ["not UTF-8: %s" % e]
        if text is not None:
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            problems = line_errors(validator, stripped)
        checked += 1
        if problems:
            failed += 1
            if failed <= SHOWN_PER_FILE:
                for problem in problems:
                    print("%s:%d: %s" % (path, number, problem))
    if failed > SHOWN_PER_FILE:
        print("%s: %d more lines failed" % (path, failed - SHOWN_PER_FILE))
    return checked, failed


def main(argv):
    # Piped into head: stop quietly, as other command-line tools do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if len(argv) < 3:
        print("usage: %s SCHEMA_DIR FILE..." % os.path.basename(argv[0]), file=sys.stderr)
        return 2
    try:
        store, line_id = load_schemas(argv[1])
        validator = make_validator(store, line_id)
        lines = failed = 0
        for path in argv[2:]:
            checked, bad = validate_file(validator, path)
            lines += checked
            failed += bad
    except UsageError as e:
        print("validate-lines: %s" % e, file=sys.stderr)
        return 2
    print("validated %d lines in %d files" % (lines, len(argv) - 2))
    if failed:
        print("%d lines failed" % failed)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
