"""A server that answers 200 with something that is not a JSON object (a proxy's login page,
a list, a string): every jobs command prints one line naming the endpoint and what came back,
and exits non-zero, instead of an ``AttributeError`` traceback."""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import Cli

BODIES = {
    "html": (b"<html><body>Proxy login</body></html>", "text/html", "not JSON (text/html"),
    "list": (b"[1, 2, 3]", "application/json", "a JSON list, not an object"),
    "string": (b'"hello"', "application/json", "a JSON string, not an object"),
    "html-as-json": (b"<html>x</html>", "application/json", "not JSON (application/json"),
    "data-not-list": (b'{"object": "list", "data": "x"}', "application/json", "data is str"),
}


def serve(body: bytes, ctype: str) -> Generator[str, None, None]:
    """A real HTTP server on a free port that answers every request 200 with ``body``."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(params=sorted(BODIES))
def bad_server(
    request: pytest.FixtureRequest, env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """OPENAI_BASE_URL points at a server answering 200 with one of ``BODIES``; yields what
    the error must say about it."""
    body, ctype, expected = BODIES[request.param]
    for url in serve(body, ctype):
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-json-0000")
        yield expected


@pytest.mark.parametrize(
    ("argv", "path"),
    [
        (("jobs", "list"), "GET /v1/fine_tuning/jobs "),
        (("jobs", "show", "ftjob-1"), "GET /v1/fine_tuning/jobs/ftjob-1 "),
        (("jobs", "watch", "ftjob-1"), "GET /v1/fine_tuning/jobs/ftjob-1 "),
        (("jobs", "cancel", "ftjob-1"), "POST /v1/fine_tuning/jobs/ftjob-1/cancel "),
    ],
)
def test_a_200_that_is_not_a_json_object_is_one_line(
    bad_server: str,
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    path: str,
) -> None:
    code = cli(*argv)
    out, err = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in out + err and "AttributeError" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert path in lines[0] and "with 200 and" in lines[0]
    assert bad_server in lines[0]
    assert "sk-test" not in out + err
