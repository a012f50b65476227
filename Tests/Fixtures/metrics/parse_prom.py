#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Parses a Prometheus text-format file (node_exporter textfile) with the
reference parser, prometheus_client.parser.text_string_to_metric_families, and
prints what it understood as JSON, for the Swift tests to assert on:

  {"families": [{"name", "type", "documentation", "samples": [{"name", "labels", "value"}]}]}

Exit status: 0 parsed; 1 the parser refused the text (its message on stderr);
3 prometheus_client is not installed (python3-prometheus-client).
"""
import json
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError as error:
    print(f"prometheus_client is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: parse_prom.py FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    families = []
    try:
        # The parser is a generator: a bad line raises while iterating.
        for family in text_string_to_metric_families(text):
            families.append({
                "name": family.name,
                "type": family.type,
                "documentation": family.documentation,
                "samples": [{"name": s.name, "labels": dict(s.labels), "value": s.value} for s in family.samples],
            })
    except Exception as error:  # the parser raises ValueError and friends
        print(f"not valid Prometheus text format: {error!r}", file=sys.stderr)
        return 1
    json.dump({"families": families}, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
