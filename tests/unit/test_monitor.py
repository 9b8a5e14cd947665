"""Monitor rules on hand-built readings, and the webhook against a server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from revops_cli.errors import ConfigError
from revops_cli.monitor import deliver, fires


@pytest.mark.parametrize(
    ("case", "args", "expected"),
    [
        ("above: over", ("above", 5, 6), True),
        ("above: equal is not over", ("above", 5, 5), False),
        ("below: under", ("below", 0.95, 0.944), True),
        ("below: over", ("below", 0.95, 0.96), False),
        ("no value never fires", ("below", 0.95, None), False),
        # leads fell from 372 to 250: -32.8 %, below -30 %
        ("change_below: a 32.8 % fall", ("change_below", -0.3, 250, 372), True),
        ("change_below: a 9.1 % fall", ("change_below", -0.3, 338, 372), False),
        ("change_above: doubled", ("change_above", 0.5, 200, 100), True),
        ("change from zero is not a change", ("change_below", -0.3, 5, 0), False),
        ("change with no previous period", ("change_below", -0.3, 5, None), False),
    ],
)
def test_threshold_and_change_rules(case: str, args: tuple[Any, ...], expected: bool) -> None:
    assert fires(*args) is expected, case


def test_a_rate_changes_in_points() -> None:
    # 25 % to 20 %: -5 points (not -20 %); a -0.1 rule (10 points) stays silent
    assert fires("change_below", -0.1, 0.20, 0.25, rate=True) is False
    assert fires("change_below", -0.04, 0.20, 0.25, rate=True) is True


def test_trailing_rules_compare_with_the_trailing_average() -> None:
    # SAL -> SQL at 45 % after 58 %, 60 %, 56 % (average 58 %): 13 points below it
    average = (0.58 + 0.60 + 0.56) / 3
    assert fires("trailing_below", -0.1, 0.45, 0.60, rate=True, trailing=average) is True
    assert fires("trailing_below", -0.1, 0.52, 0.60, rate=True, trailing=average) is False
    # the previous period alone does not set the bar: 0.45 is 15 points below 0.60
    assert fires("trailing_below", -0.1, 0.50, 0.60, rate=True, trailing=average) is False
    # counts are relative: 130 against an average of 100 is +30 %
    assert fires("trailing_above", 0.25, 130, 90, trailing=100) is True
    assert fires("trailing_above", 0.25, 120, 90, trailing=100) is False
    assert fires("trailing_below", -0.1, 5, 9, trailing=None) is False  # no history


def test_off_target_follows_the_metric_direction() -> None:
    # collection rate 79 % against 97 %: a miss of 18.6 % of the target
    assert fires("off_target", 0.0, 0.79, target=0.97) is True
    assert fires("off_target", 0.2, 0.79, target=0.97) is False
    assert fires("off_target", 0.0, 0.99, target=0.97) is False
    # lower is better (a rejection rate of 14 % against 20 %): on target
    assert fires("off_target", 0.0, 0.14, target=0.20, higher_is_better=False) is False
    assert fires("off_target", 0.0, 0.25, target=0.20, higher_is_better=False) is True


class _Server:
    """A local webhook answering from a script: each entry a status, or 'slow'."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                outer.bodies.append(json.loads(self.rfile.read(length)))
                answer = outer.script.pop(0) if outer.script else 200
                if answer == "slow":
                    time.sleep(1.0)
                    answer = 200
                self.send_response(answer)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    s = _Server(request.param)
    yield s
    s.close()


@pytest.mark.parametrize("server", [[500, 500, 200]], indirect=True)
def test_the_webhook_retries_a_server_error(server: _Server) -> None:
    ok, what = deliver(server.url, {"text": "x"}, backoff=0.01)
    assert ok and what == "delivered (HTTP 200, attempt 3)"
    assert server.bodies == [{"text": "x"}] * 3


@pytest.mark.parametrize("server", [["slow", "slow", "slow"]], indirect=True)
def test_the_webhook_gives_up_on_timeouts(server: _Server) -> None:
    began = time.perf_counter()
    ok, what = deliver(server.url, {"text": "x"}, timeout=0.2, attempts=3, backoff=0.01)
    assert not ok
    assert what.startswith("not delivered after 3 attempts")
    assert time.perf_counter() - began < 3  # three short timeouts, not a hang


@pytest.mark.parametrize("server", [[404]], indirect=True)
def test_a_client_error_is_not_retried(server: _Server) -> None:
    ok, what = deliver(server.url, {"text": "x"}, backoff=0.01)
    assert not ok and what == "refused by the webhook (HTTP 404); not retried"
    assert len(server.bodies) == 1


def test_only_http_urls_are_posted_to() -> None:
    with pytest.raises(ConfigError, match="an http:// or https:// URL"):
        deliver("file:///etc/passwd", {"text": "x"})
