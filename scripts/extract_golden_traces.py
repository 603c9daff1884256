#!/usr/bin/env python3
"""Turns the golden ACDC traces of ../shared/spec/TASK_DATA.md §7.1-7.4 (tracr,
reference implementation) into Tests/Fixtures/golden-traces/*.json for the
Swift tests. Offline helper; run from the repository root."""
import json, re, sys, pathlib

spec = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/spec/TASK_DATA.md").read_text()
out = pathlib.Path("Tests/Fixtures/golden-traces"); out.mkdir(parents=True, exist_ok=True)
sections = re.split(r"^### ", spec, flags=re.M)
for sec in sections:
    m = re.match(r"7\.(\d) (tracr-\w+), threshold ([0-9.e-]+), (zero ablation|random \(corrupted-data\) ablation)", sec)
    if not m:
        continue
    task, threshold, zero = m.group(2), float(m.group(3)), m.group(4) == "zero ablation"
    ds = json.loads(re.search(r"`ds`[^=]*= (\[\[.*?\]\])", sec).group(1))
    ref = json.loads(re.search(r"`ref_ds`[^=]*= (\[\[.*?\]\])", sec).group(1))
    head = re.search(r"`step\(\)` called (\d+) times; (\d+) edge evaluations; final `count_no_edges\(\)` = (\d+)", sec)
    rows = []
    for line in sec.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].isdigit():
            child, parent = cells[1].strip("`").replace(" ", ""), cells[2].strip("`").replace(" ", "")
            rows.append({"edge": f"{child}<-{parent}", "new": float(cells[3]), "cur": float(cells[4]),
                         "result": float(cells[5]), "removed": cells[6] == "rm"})
    assert len(rows) == int(head.group(2)), (task, len(rows))
    name = f"{task}-{m.group(3)}-{'zero' if zero else 'corrupted'}"
    (out / f"{name}.json").write_text(json.dumps({
        "source": f"TASK_DATA.md section 7.{m.group(1)}", "task": task, "threshold": threshold,
        "zero_ablation": zero, "clean": ds, "corrupted": ref, "steps": int(head.group(1)),
        "final_edges": int(head.group(3)), "trace": rows}, indent=1) + "\n")
    print(name, len(rows), "evaluations")
