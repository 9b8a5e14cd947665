"""`make bench`: speed and memory of the main job at a chosen scale (not a unit test).

Runs generate and build in child processes so each one's peak memory is measured alone,
and writes the numbers to target/bench.json.

    python -m revops_cli.bench --scale 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Runs the CLI in a child and reports that child's own peak RSS on stderr's last line.
_CHILD = """
import resource, sys
from revops_cli.cli import main
try:
    main()
finally:
    print(f"PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""


def _run(step: str, args: list[str]) -> dict[str, Any]:
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    peak_kb = int(proc.stderr.strip().rsplit("PEAK_RSS_KB=", 1)[1])
    return {"step": step, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0, help="1 = 5,000 leads")
    parser.add_argument("--out", type=Path, default=Path("target/bench.json"))
    ns = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.duckdb")
        results = [
            _run("generate", ["generate", "--scale", str(ns.scale), "--database", db]),
            _run("build", ["build", "--database", db, "--format", "json"]),
        ]
    report = {"scale": ns.scale, "leads": int(5_000 * ns.scale), "steps": results}
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(report, indent=2))
    for r in results:
        print(f"{r['step']:<10} {r['seconds']:>8.1f} s   peak {r['peak_rss_mb']} MB")
    print(f"-> {ns.out}")


if __name__ == "__main__":
    main()
