"""bench/results.json: one entry per figure, written by each benchmark, and the table `make bench` prints.

An entry: the figure, the baseline measured in the same run (when there is one), their ratio, the
target and whether it was met, plus the scale the figure was measured at and the machine's cores
and load (both move every number here).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def record(key: str, *, figure: str, value: float, unit: str, target: str, passed: bool | None,
           baseline: float | None = None, ratio: float | None = None, scale: str = "", note: str = "",
           baseline_unit: str | None = None) -> None:
    """Store (or replace) one figure in bench/results.json."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = {
        "figure": figure, "value": round(value, 4), "unit": unit, "baseline": None if baseline is None else
        round(baseline, 4), "baseline_unit": baseline_unit or unit,
        "ratio": None if ratio is None else round(ratio, 4), "target": target, "pass": passed,
        "scale": scale, "note": note, "cores": len(os.sched_getaffinity(0)), "load_avg": round(os.getloadavg()[0], 2),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def table(data: dict) -> str:
    """The results as one Markdown table (also what README's Benchmarks section shows)."""
    lines = ["| figure | value | baseline (same run) | ratio | target | pass | scale |",
             "|---|---:|---:|---:|---|:---:|---|"]
    for e in data.values():
        base = "—" if e["baseline"] is None else f"{e['baseline']:g} {e.get('baseline_unit', e['unit'])}"
        verdict = "—" if e["pass"] is None else "pass" if e["pass"] else "FAIL"
        ratio = "—" if e["ratio"] is None else f"{e['ratio']:.3f}"
        lines.append(f"| {e['figure']} | {e['value']:g} {e['unit']} | {base} | {ratio} | {e['target']} | "
                     f"{verdict} | {e['scale']}; {e['cores']} cores, load {e['load_avg']} |")
    return "\n".join(lines)


def main() -> int:
    if not RESULTS.exists():
        print("no bench/results.json yet: run `make bench`", file=sys.stderr)
        return 1
    print(table(json.loads(RESULTS.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
