"""A build's progress on stderr, so that stdout holds only the summary (table or JSON).

On a terminal: one live line (rich), N of M nodes, the time elapsed and the node running
now; a node that fails or warns is printed above it and stays. Elsewhere (CI logs, a pipe):
the failures and warnings as they happen, and a line at each tenth of the nodes. With
``verbose``: every node on a line of its own, N of M.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.text import Text

from revops_cli.dbt_runner import NodeResult

#: Statuses a node finishes well with.
_OK = ("success", "pass")


class BuildProgress:
    """A dbt_runner.Progress for `revops build` and `revops demo` (a context manager)."""

    def __init__(self, *, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)
        self.verbose = verbose
        self.live: Live | None = None
        if self.console.is_terminal and not verbose:
            self.live = Live(console=self.console, transient=True, auto_refresh=False)
        self.began = time.perf_counter()
        self.running = ""
        self.done = self.total = 0
        self.next_milestone = 1
        self.lock = threading.Lock()

    def __enter__(self) -> BuildProgress:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.stop()

    @staticmethod
    def _count(done: int, total: int) -> str:
        width = len(str(total)) if total else 1
        return f"{done:>{width}}/{total}" if total else str(done)

    def _line(self, node: NodeResult, done: int) -> str:
        mark = "ok" if node.status in _OK else node.status.upper()
        return (
            f"  {self._count(done, self.total)} {mark:<6} {node.resource_type:<9} {node.name} "
            f"({node.seconds:.2f}s)"
        )

    def _refresh(self) -> None:
        if self.live is None:
            return
        elapsed = time.perf_counter() - self.began
        status = f"  {self._count(self.done, self.total)} nodes, {elapsed:.0f}s"
        if self.running:
            status += f" · running {self.running}"
        self.live.update(Text(status), refresh=True)

    def started(self, name: str, index: int, total: int) -> None:
        with self.lock:  # dbt reports from its worker threads
            self.total = total or self.total
            self.running = name
            self._refresh()

    def finished(self, node: NodeResult, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = max(done, self.done), total or self.total
            if self.verbose or node.status not in _OK:
                self.console.print(Text(self._line(node, done)))
            elif self.live is None and self.total and done * 10 >= self.next_milestone * self.total:
                elapsed = time.perf_counter() - self.began
                count = self._count(done, self.total)
                self.console.print(Text(f"  {count} nodes done ({elapsed:.0f}s)"))
                self.next_milestone = done * 10 // self.total + 1
            self._refresh()
