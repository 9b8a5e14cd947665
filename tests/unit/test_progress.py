"""The build's progress on stderr: N of M, failures as they happen, milestones in logs,
every node with --verbose, one live line on a terminal."""

from __future__ import annotations

import io

from revops_cli.dbt_runner import NodeResult
from revops_cli.progress import BuildProgress


def _node(i: int, status: str = "success") -> NodeResult:
    return NodeResult(f"model.revops.m{i}", f"m{i}", "model", status, 0.5, None, None)


def _run(progress: BuildProgress, total: int = 20, failing: int = 7) -> None:
    with progress:
        for i in range(1, total + 1):
            progress.started(f"m{i}", i, total)
            progress.finished(_node(i, "error" if i == failing else "success"), i, total)


def test_a_log_gets_the_failures_and_a_line_per_tenth() -> None:
    out = io.StringIO()
    _run(BuildProgress(stream=out))
    lines = out.getvalue().splitlines()
    assert "   7/20 ERROR  model     m7 (0.50s)" in lines
    milestones = [line for line in lines if "nodes done" in line]
    assert [m.split()[0] for m in milestones] == [f"{n}/20" for n in range(2, 21, 2)]
    assert len(lines) == 11


def test_verbose_prints_every_node_with_n_of_m() -> None:
    out = io.StringIO()
    _run(BuildProgress(stream=out, verbose=True))
    lines = out.getvalue().splitlines()
    assert len(lines) == 20
    assert lines[0] == "   1/20 ok     model     m1 (0.50s)"
    assert lines[6] == "   7/20 ERROR  model     m7 (0.50s)"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_live_line_and_keeps_the_failures() -> None:
    out = _Terminal()
    progress = BuildProgress(stream=out)
    assert progress.live is not None
    _run(progress)
    text = out.getvalue()
    assert "m7 (0.50s)" in text and "ERROR" in text  # printed above the live line
    assert "running m20" in text  # the live line named the node running
    assert "nodes done" not in text  # no milestone lines on a terminal
