"""What a schemathesis run really exercised, read from its HAR reports and the served
document: how many operations answered at least one 2xx, and which secured operations
answered nothing but 401 (the run's token died, or the caller was never let in).

Exits 1 when any secured operation answered only 401, when an operation was never
called, or when fewer operations than the floor got a 2xx; prints the figures either way.

Streams (`text/event-stream` answers) never end, so schemathesis leaves them out; this
script opens each one itself with the token in CONFORMANCE_TOKEN, reads its first bytes
and counts its status like a call of the run.

usage: coverage.py DOCUMENT_URL FLOOR HAR [HAR ...]
"""

import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

METHODS = ("get", "put", "post", "delete", "patch")


def operations(document):
    """(method, template, regex, secured) for each operation of the document."""
    base = urllib.parse.urlparse(document["servers"][0]["url"]).path.rstrip("/")
    found = []
    for template, item in document["paths"].items():
        pattern = re.compile(
            "^" + re.escape(base) + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        )
        for method in METHODS:
            op = item.get(method)
            if op is not None:
                secured = bool(op.get("security", document.get("security", [])))
                found.append((method.upper(), template, pattern, secured))
    # A literal path wins over a template that also matches it (/calendar/import vs /calendar/{year}).
    found.sort(key=lambda op: op[1].count("{"))
    return found


def streams(document):
    """(method, template) of the operations answering text/event-stream."""
    found = []
    for template, item in document["paths"].items():
        for method in METHODS:
            op = item.get(method) or {}
            for answer in op.get("responses", {}).values():
                if "text/event-stream" in answer.get("content", {}):
                    found.append((method.upper(), template))
    return found


def open_stream(document_url, template, token):
    """The status of opening a stream (and that it streams), its first bytes read."""
    base = urllib.parse.urlparse(document_url)
    prefix = urllib.parse.urlparse(json.load(urllib.request.urlopen(document_url))["servers"][0]["url"]).path
    url = f"{base.scheme}://{base.netloc}{prefix.rstrip('/')}{template}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            kind = answer.headers.get("Content-Type", "")
            first = answer.read1(64)
            if not kind.startswith("text/event-stream") or not first:
                print(f"FAILED: {template} answered {kind!r} and {first!r}, not an event stream")
                return 599
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    document_url, floor, hars = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with urllib.request.urlopen(document_url) as answer:
        document = json.load(answer)
    ops = operations(document)
    statuses = {(method, template): [] for method, template, _, _ in ops}
    for har in hars:
        with open(har, encoding="utf-8") as f:
            entries = json.load(f)["log"]["entries"]
        for entry in entries:
            method = entry["request"]["method"].upper()
            path = urllib.parse.urlparse(entry["request"]["url"]).path
            for op_method, template, pattern, _ in ops:
                if op_method == method and pattern.match(path):
                    statuses[(method, template)].append(entry["response"]["status"])
                    break
    token = os.environ.get("CONFORMANCE_TOKEN", "")
    for method, template in streams(document):
        status = open_stream(document_url, template, token)
        print(f"conformance coverage: {method} {template} opened as a stream: {status}")
        statuses[(method, template)].append(status)
    secured = {(m, t) for m, t, _, s in ops if s}
    never = [op for op, got in statuses.items() if not got]
    only_401 = [op for op, got in statuses.items() if got and op in secured and all(s == 401 for s in got)]
    with_2xx = [op for op, got in statuses.items() if any(200 <= s < 300 for s in got)]
    without_2xx = sorted(op for op, got in statuses.items() if got and op not in with_2xx)
    calls = sum(len(got) for got in statuses.values())
    print(f"conformance coverage: {calls} calls over {len(ops)} operations")
    print(f"conformance coverage: {len(with_2xx)} of {len(ops)} operations answered a 2xx (floor {floor})")
    if without_2xx:
        print("  no 2xx: " + ", ".join(f"{m} {t}" for m, t in without_2xx))
    failed = False
    if never:
        print("FAILED: never called: " + ", ".join(f"{m} {t}" for m, t in never))
        failed = True
    if only_401:
        print("FAILED: answered only 401 (the token died?): " + ", ".join(f"{m} {t}" for m, t in only_401))
        failed = True
    if len(with_2xx) < floor:
        print(f"FAILED: {len(with_2xx)} operations answered a 2xx, below the floor of {floor}")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
