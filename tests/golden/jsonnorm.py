#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""jsonnorm - normalise and compare segwatch JSON documents for the golden tests.

  jsonnorm.py norm ACTUAL FIXTURE_DIR OUT   write ACTUAL, pretty-printed, with the
                                            fixture directory replaced by @FIXTURES@
                                            (the build directory differs per checkout)
  jsonnorm.py cmp EXPECTED ACTUAL           exit 0 when the two documents are equal
                                            (key order ignored), else print a diff

Comparison is on parsed values, so whitespace and key order never matter;
the diff is printed with sorted keys so that it only shows real changes.
"""

import difflib
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def scrub(value, fixdir):
    if isinstance(value, str):
        return value.replace(fixdir, "@FIXTURES@") if fixdir else value
    if isinstance(value, list):
        return [scrub(v, fixdir) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, fixdir) for k, v in value.items()}
    return value


def norm(actual, fixdir, out):
    try:
        doc = load(actual)
    except ValueError as e:
        print("jsonnorm: %s is not one JSON document: %s" % (actual, e), file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as f:
        json.dump(scrub(doc, fixdir.rstrip("/")), f, indent=2, ensure_ascii=False)
        f.write("\n")
    return 0


def cmp(expected, actual):
    a, b = load(expected), load(actual)
    if a == b:
        return 0
    lines = [json.dumps(x, indent=2, sort_keys=True).splitlines(keepends=True) for x in (a, b)]
    sys.stdout.writelines(difflib.unified_diff(lines[0], lines[1], expected, actual))
    print()
    return 1


def main(argv):
    if len(argv) == 5 and argv[1] == "norm":
        return norm(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "cmp":
        return cmp(argv[2], argv[3])
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
