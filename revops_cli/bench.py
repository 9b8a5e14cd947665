"""`make bench`: speed and memory of the main job, and the metric engine's targets (not a
unit test: times depend on the machine and what else it runs).

For each scale: generate and build in child processes (each one's peak memory measured
alone), the dbt nodes' times from run_results.json, and the share of the metric models.
At the first scale, `revops query` in new processes (cold) and the Python API in one
(warm). Prints the targets next to what was measured and writes target/bench.json.

    python -m revops_cli.bench --scales 1,20
"""

from __future__ import annotations

import argparse
import json
import statistics
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
#: The request the query targets are measured on.
QUERY = ["query", "mql_to_sql", "--grain", "month", "--by", "lead_source", "--format", "json"]
TARGETS = {
    "metric_models_seconds": 5.0,
    "metric_models_share": 0.10,
    "query_cold_seconds": 0.5,
    "api_warm_seconds": 0.05,
}


def _run(step: str, args: list[str]) -> dict[str, Any]:
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    peak_kb = int(proc.stderr.strip().rsplit("PEAK_RSS_KB=", 1)[1])
    return {"step": step, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024)}


def _node_times(project_dir: Path) -> dict[str, Any]:
    """The last dbt invocation's node times: all, and the generated metric models."""
    results = json.loads((project_dir / "target" / "run_results.json").read_text())
    nodes = results["results"]
    total = sum(n["execution_time"] for n in nodes)
    metric = {
        n["unique_id"].split(".")[-1]: round(n["execution_time"], 3)
        for n in nodes
        if n["unique_id"].startswith("model.") and _is_metric_model(n["unique_id"])
    }
    return {
        "dbt_elapsed_seconds": round(results["elapsed_time"], 2),
        "dbt_node_seconds": round(total, 2),
        "metric_models_seconds": round(sum(metric.values()), 2),
        "metric_models": metric,
    }


def _is_metric_model(unique_id: str) -> bool:
    name = unique_id.split(".")[-1]
    return name.startswith("metric_") or name == "kpi_monthly"


def _query_cold(db: str, runs: int) -> dict[str, Any]:
    """`revops query` in a new process each time; the first run compiles (and keeps the
    SQL on disk), the others are the cold path a user sees from then on."""
    script = Path(sys.executable).with_name("revops")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "revops_cli.cli"]
    times = []
    for _ in range(runs + 1):
        began = time.perf_counter()
        subprocess.run([*command, *QUERY, "--database", db], capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return {
        "first_seconds": round(times[0], 3),
        "median_seconds": round(statistics.median(times[1:]), 3),
        "runs": [round(t, 3) for t in times[1:]],
    }


def _api_warm(db: str, runs: int) -> dict[str, Any]:
    from revops_cli.metrics.api import MetricStore

    times = []
    with MetricStore.open(database=db) as store:
        store.query("mql_to_sql", by=["lead_source"])
        for _ in range(runs):
            began = time.perf_counter()
            store.query("mql_to_sql", by=["lead_source"])
            times.append(time.perf_counter() - began)
    return {"median_seconds": round(statistics.median(times), 4), "runs": runs}


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,20", help="comma-separated; 1 = 5,000 leads")
    parser.add_argument("--runs", type=int, default=7, help="timed query runs")
    parser.add_argument("--out", type=Path, default=Path("target/bench.json"))
    ns = parser.parse_args()
    project_dir = Path.cwd()
    scales = [float(s) for s in ns.scales.split(",")]
    report: dict[str, Any] = {"scales": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i, scale in enumerate(scales):
            db = str(Path(tmp) / f"bench_{scale:g}.duckdb")
            steps = [
                _run("generate", ["generate", "--scale", str(scale), "--database", db]),
                _run("build", ["build", "--database", db, "--format", "json"]),
            ]
            entry: dict[str, Any] = {
                "scale": scale,
                "leads": int(5_000 * scale),
                "steps": steps,
                **_node_times(project_dir),
            }
            if i == 0:
                entry["query_cold"] = _query_cold(db, ns.runs)
                entry["api_warm"] = _api_warm(db, 50)
            report["scales"].append(entry)
            print(
                f"scale {scale:g} ({entry['leads']:,} leads): "
                + ", ".join(
                    f"{s['step']} {s['seconds']:.1f} s / {s['peak_rss_mb']} MB" for s in steps
                )
                + f"; dbt {entry['dbt_elapsed_seconds']:.1f} s elapsed, "
                f"{entry['dbt_node_seconds']:.1f} s of node time"
            )
    first = report["scales"][0]
    share = first["metric_models_seconds"] / first["dbt_node_seconds"]
    rows = [
        ("metric models at demo scale (node s)", first["metric_models_seconds"], "<= 5 s",
         _verdict(first["metric_models_seconds"], TARGETS["metric_models_seconds"])),
        ("metric models' share of the dbt build", f"{share:.1%}", "<= 10 %",
         _verdict(share, TARGETS["metric_models_share"])),
        ("revops query (cold process), median s", first["query_cold"]["median_seconds"],
         "<= 0.5 s",
         _verdict(first["query_cold"]["median_seconds"], TARGETS["query_cold_seconds"])),
        ("Python API (warm), median s", first["api_warm"]["median_seconds"], "<= 0.05 s",
         _verdict(first["api_warm"]["median_seconds"], TARGETS["api_warm_seconds"])),
    ]  # fmt: skip
    for later in report["scales"][1:]:
        data = later["leads"] / first["leads"]
        grew = later["metric_models_seconds"] / first["metric_models_seconds"]
        rows.append(
            (
                f"metric models x{later['scale']:g} data: time grew",
                f"x{grew:.1f}",
                f"<= x{data:g}",
                "ok" if grew <= data else "MISSED",
            )
        )
    report["targets"] = [
        {"what": w, "measured": m, "target": t, "verdict": v} for w, m, t, v in rows
    ]
    print()
    width = max(len(r[0]) for r in rows)
    for what, measured, target, verdict in rows:
        print(f"{what:<{width}}  {measured!s:>10}  {target:>9}  {verdict}")
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(report, indent=2))
    print(f"-> {ns.out}")


if __name__ == "__main__":
    main()
