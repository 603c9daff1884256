#!/usr/bin/env python3
"""Times the Python `tokenizers` library on the parity fixtures (Tests/Fixtures/hf-tokenizers):
`Tokenizer.encode(s, add_special_tokens=False)` called once per string, on one thread, best of
--repeats passes over all strings (wall and process CPU seconds). Prints one JSON object
{family: {"strings", "seconds", "cpu_seconds", "bytes"}} on stdout, which `acdc-bench tokenize --python FILE` compares with our encoder.

Run through scripts/bench-tokenize (pip install tokenizers).
"""
import argparse
import json
import os
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", default=os.path.join(ROOT, "Tests", "Fixtures", "hf-tokenizers"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--family", action="append", help="only these fixture families (default: all)")
    args = parser.parse_args()
    with open(os.path.join(args.fixtures, "strings.json"), encoding="utf-8") as f:
        strings = json.load(f)
    total_bytes = sum(len(s.encode("utf-8")) for s in strings)
    result = {}
    for family in sorted(os.listdir(args.fixtures)):
        path = os.path.join(args.fixtures, family, "tokenizer.json")
        if not os.path.exists(path) or (args.family and family not in args.family):
            continue
        tok = Tokenizer.from_file(path)
        encode = tok.encode
        best, best_cpu = float("inf"), float("inf")
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            for s in strings:
                encode(s, add_special_tokens=False)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        result[family] = {"strings": len(strings), "seconds": best, "cpu_seconds": best_cpu, "bytes": total_bytes}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
