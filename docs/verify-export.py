#!/usr/bin/env python3
"""Re-check a Release Pilot audit export with nothing but Python's standard library.

    release-pilot audit export --format jsonl --output-file audit.jsonl
    python3 verify-export.py audit.jsonl

Each line is a record's canonical JSON with its "hash". The hash is SHA-256 over the previous
record's hash (64 hex digits, ASCII) followed by the record's canonical JSON WITHOUT "hash":
keys sorted, no whitespace, UTF-8, absent fields left out. Exit 0 if the chain holds, 1 naming
the first bad record.
"""
import hashlib
import json
import re
import sys

GENESIS = "0" * 64


def canonical(record):
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # A lone UTF-16 surrogate cannot be UTF-8: the canonical form escapes it as \udXXX.
    return re.sub("[\ud800-\udfff]", lambda m: "\\u%04x" % ord(m.group()), text)


def main(path):
    prev = GENESIS
    expected_seq = 1
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            record = json.loads(line)
            stored = record.pop("hash")
            if record["seq"] != expected_seq:
                print(f"line {number}: record {expected_seq} is missing (found {record['seq']})")
                return 1
            if record["prevHash"] != prev:
                print(f"record {record['seq']}: prevHash does not match the hash of record {record['seq'] - 1}")
                return 1
            digest = hashlib.sha256((prev + canonical(record)).encode("utf-8", "surrogatepass")).hexdigest()
            if digest != stored:
                print(f"record {record['seq']}: content hashes to {digest}, not to its stored hash {stored}")
                return 1
            prev = stored
            expected_seq += 1
    print(f"chain intact: {expected_seq - 1} records, last hash {prev}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
