#!/usr/bin/env python3
"""Independent checker for breakglass-log.jsonl (docs/LOG.md), standard library only.

    python3 log_verify.py breakglass-log.jsonl

Prints "intact: N records, head <hash>" and exits 0, or names the first broken line and exits 1.
"""
import hashlib
import json
import re
import sys

GENESIS = "0" * 64
MARK = ',"hash":"'


def check(data: bytes):
    prev, seq = GENESIS, 0
    lines = data.split(b"\n")
    complete = lines[:-1]
    if lines[-1]:
        complete.append(None)  # text after the last newline: an interrupted append
    for number, raw in enumerate(complete, start=1):
        if raw is None:
            return number, "incomplete (no end of line)"
        line = raw.decode("utf-8")
        body, sep, tail = line.rpartition(MARK)
        if not sep or not re.fullmatch(r'[0-9a-f]{64}"}', tail):
            return number, "not a log record (no hash at the end)"
        record = json.loads(line)
        if hashlib.sha256(body.encode("utf-8")).hexdigest() != tail[:64]:
            return number, "altered: its hash does not match its contents"
        seq += 1
        if record.get("seq") != seq:
            return number, f"record {record.get('seq')} where record {seq} belongs"
        if record.get("prev") != prev:
            return number, "does not follow the record before it"
        prev = tail[:64]
    return None, (seq, prev)


def main():
    with open(sys.argv[1], "rb") as handle:
        line, result = check(handle.read())
    if line is not None:
        print(f"line {line}: {result}")
        sys.exit(1)
    print(f"intact: {result[0]} records, head {result[1]}")


if __name__ == "__main__":
    main()
