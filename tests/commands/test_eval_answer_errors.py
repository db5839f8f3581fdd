"""``tuiftune eval`` where the server's answers are errors (a login page with 200, through the
non-JSON guard the wiring installs): all of them is a failed run (exit 3, one line naming the
first error, no table of zeros); some of them still exits 0 and says how many."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx2
import openai
import pytest

from tests.commands.conftest import build_parser
from tests.conftest import SAMPLES
from tests.fakes.login_proxy import ANSWER, LOGIN, proxy_provider
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.openai_errors import expect_json
from tuiftune.service.services import Services

TEST = SAMPLES / "ticket-triage-test.jsonl"
EXAMPLES = len(TEST.read_text(encoding="utf-8").splitlines())


def _eval(handler: Callable[[httpx2.Request], httpx2.Response], out: Path, *extra: str) -> int:
    def provider() -> Provider:
        return proxy_provider(handler)

    argv = ["eval", str(TEST), "--model", "m", "--out", str(out), "--metrics", "em", *extra]
    args = build_parser().parse_args(argv)
    code: int = args.func(args, Services("PROXY", provider_factory=provider))
    return code


def test_every_answer_an_error_exits_3_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    assert _eval(lambda request: LOGIN, out) == 3
    captured = capsys.readouterr()
    assert "errors" not in captured.out and "em_norm" not in captured.out  # no table of zeros
    (line,) = [x for x in captured.err.splitlines() if not x.endswith(f"{EXAMPLES} examples")]
    assert line.startswith(
        f"tuiftune eval: every request failed ({EXAMPLES} of {EXAMPLES} answers are errors); "
        "the first: proxy.invalid answered POST /v1/chat/completions with 200 and a body that "
        "is not JSON (text/html: <html>log in</html>)"
    )
    assert line.endswith(f"; results in {out}")
    # The errors are recorded: the file says what happened to each example.
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == EXAMPLES and all(r["error"] for r in rows)
    # The same through --json: nothing on stdout, the same exit code.
    assert _eval(lambda request: LOGIN, out, "--resume", "--json") == 3
    assert capsys.readouterr().out == ""


def test_some_answers_errors_exit_0_and_say_how_many(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[int] = []

    def sometimes(request: httpx2.Request) -> httpx2.Response:
        asked.append(1)
        return LOGIN if len(asked) <= 3 else httpx2.Response(200, json=ANSWER)

    out = tmp_path / "r.jsonl"
    assert _eval(sometimes, out, "--concurrency", "1") == 0
    captured = capsys.readouterr()
    assert "complete:" in captured.out
    (line,) = [x for x in captured.err.splitlines() if x.startswith("warning:")]
    assert line.startswith(f"warning: 3 of {EXAMPLES} answers are errors; the first: proxy.invalid")
    assert line.endswith(f"; results in {out}")


def test_a_matrix_of_nothing_but_errors_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from tests.ui.sandbox_support import make_sandbox

    sandbox = asyncio.run(make_sandbox(tmp_path))

    async def first_job() -> str:
        async with sandbox.client() as client:
            return (await client.fine_tuning.jobs.list()).data[0].id

    job_id = asyncio.run(first_job())

    def login_page_inference() -> openai.AsyncOpenAI:
        client = openai.AsyncOpenAI(
            api_key="k",
            base_url="http://proxy.invalid/v1",
            max_retries=0,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(lambda r: LOGIN)),
        )
        return expect_json(client)

    services = Services(
        "SANDBOX",
        jobs_client_factory=sandbox.client,
        inference_client_factory=login_page_inference,
    )
    out = tmp_path / "m.jsonl"
    argv = ["eval", str(TEST), "--job", job_id, "--out", str(out), "--metrics", "em"]
    args = build_parser().parse_args(argv)
    assert args.func(args, services) == 3
    captured = capsys.readouterr()
    assert "best:" not in captured.out
    (line,) = [x for x in captured.err.splitlines() if "every request failed" in x]
    assert line.startswith("tuiftune eval: every request failed (")
    assert "the first: proxy.invalid answered POST /v1/chat/completions with 200" in line


def test_a_model_the_server_does_not_have_is_one_line_and_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 404 for the model stops the run before any answer: no 'results so far' in an empty
    file, and not 'incomplete' (1), which says a --resume would finish it."""
    missing = {
        "error": {
            "message": "The model `m` does not exist.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }
    out = tmp_path / "r.jsonl"
    assert _eval(lambda request: httpx2.Response(404, json=missing), out) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0], err
    assert "results so far" not in err[0] and "nothing was written" in err[0]
    assert ".;" not in err[0]  # the server's sentence and ours: one clause after the other
    assert not out.exists()
