#!/usr/bin/env python3
"""Extracts the generated-prompt tables of the task-data appendix (TASK_DATA.md,
the reference's prompts regenerated offline) into JSON fixtures for
Tests/TasksTests, so the Swift generators are checked against the reference's
output without the spec being present:

    Tests/Fixtures/task-data/ioi.json          200 rows: clean/corrupted text, IO/S ids,
                                               clean/corrupted token ids 0..14
    Tests/Fixtures/task-data/greaterthan.json  200 rows: noun idx, year idx, text, tokens;
                                               YEARS per century; the 100 suffix tokens
    Tests/Fixtures/task-data/docstring.json    100 rows: clean/corrupted prompt, answers

Usage: python3 scripts/extract_task_tables.py PATH/TO/TASK_DATA.md
Offline tooling only.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "task-data")


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def section(lines, start, end):
    i = next(k for k, l in enumerate(lines) if l.startswith(start))
    j = next(k for k in range(i + 1, len(lines)) if lines[k].startswith(end))
    return [l for l in lines[i:j] if l.startswith("| ") and not l.startswith("| row") and not l.startswith("| seed")
            and not l.startswith("| century") and not l.startswith("| i ")]


def main(spec):
    lines = open(spec, encoding="utf-8").read().split("\n")
    os.makedirs(OUT, exist_ok=True)

    ioi = {}
    for c in map(cells, section(lines, "### 1.6 ", "#### 1.6.1")):
        ioi[int(c[0])] = {"clean_text": c[1], "corrupted_text": c[2], "io": int(c[3]), "s": int(c[4])}
    for c in map(cells, section(lines, "#### 1.6.1", "## 2.")):
        ioi[int(c[0])]["clean_tokens"] = [int(x) for x in c[1].split()]
        ioi[int(c[0])]["corrupted_tokens"] = [int(x) for x in c[2].split()]
    rows = [ioi[i] for i in range(200)]
    json.dump({"source": "TASK_DATA.md §1.6, §1.6.1", "rows": rows}, open(os.path.join(OUT, "ioi.json"), "w"), indent=0)

    gt_rows = []
    for c in map(cells, section(lines, "### 2.5 ", "## 3.")):
        gt_rows.append({"noun_idx": int(c[1]), "year_idx": int(c[2]), "text": c[3],
                        "tokens": [int(x) for x in c[4].split()]})
    years = {}
    for c in map(cells, section(lines, "### 2.2 ", "### 2.3")):
        years[c[0]] = [int(y) for y in c[2].split()]
    suffix = {}
    for c in map(cells, section(lines, "### 2.3 ", "Token 486")):
        for k in range(0, len(c), 2):
            suffix[int(c[k])] = int(c[k + 1])
    json.dump({"source": "TASK_DATA.md §2.2, §2.3, §2.5", "years_by_century": years,
               "suffix_tokens": [suffix[i] for i in range(100)], "rows": gt_rows},
              open(os.path.join(OUT, "greaterthan.json"), "w"), indent=0)

    ds = []
    for l in section(lines, "### 3.4 ", "## 4."):
        c = cells(l)
        def unquote(s):
            assert s.startswith("`") and s.endswith("`"), s
            return json.loads('"' + s[1:-1] + '"')
        wrong = [w for w in c[4].split("`") if w.strip()]
        ds.append({"seed": int(c[0]), "clean": unquote(c[1]), "corrupted": unquote(c[2]),
                   "correct": c[3].strip("`"), "wrong": wrong})
    assert len(ds) == 100 and all(len(r["wrong"]) == 13 for r in ds)
    json.dump({"source": "TASK_DATA.md §3.4", "rows": ds}, open(os.path.join(OUT, "docstring.json"), "w"), indent=0)
    print(f"ioi {len(rows)} rows, greater-than {len(gt_rows)} rows, docstring {len(ds)} rows -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/spec/TASK_DATA.md")
