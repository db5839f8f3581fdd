"""The checkpoint matrix screen on the sandbox: a finished job's base, checkpoints and final
model scored on a test file in a worker, one row each, the best the highest score; a rerun
resumes without a new answer; a job without models is one status line."""

from __future__ import annotations

from pathlib import Path

import httpx2
from textual.app import App

from tests.conftest import SAMPLES
from tests.fakes.login_proxy import LOGIN
from tests.ui.sandbox_support import make_sandbox, until
from tuiftune.service.providers.base import Provider
from tuiftune.service.providers.openai import from_clients
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.charts.matrix_view import MatrixView
from tuiftune.wiring import build_sandbox_client, sandbox_http_client

TEST = SAMPLES / "ticket-triage-test.jsonl"


async def test_matrix_of_a_sandbox_job(tmp_path: Path) -> None:
    sandbox = await make_sandbox(tmp_path)
    async with sandbox.client() as client:
        (job,) = (await client.fine_tuning.jobs.list()).data
        steps = sorted(
            c.step_number for c in (await client.fine_tuning.jobs.checkpoints.list(job.id)).data
        )

    async def open_provider() -> Provider:
        return from_clients(sandbox.client(), label="SANDBOX")

    out = tmp_path / "matrix.results.jsonl"
    screen = MatrixScreen(open_provider, job.id, TEST, out)
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(screen)
        await until(pilot, lambda: screen.result is not None, "the matrix")
        assert screen.result is not None
        rows = screen.result.matrix.rows
        labels = [r.entry.label for r in rows]
        assert labels == ["base", *(f"step {s}" for s in steps), "final"]
        total = len(out.read_text(encoding="utf-8").splitlines())
        examples = len({r.index for r in screen.result.run.results})
        assert total == screen.result.run.total == len(rows) * examples
        best = [r for r in rows if r.best]
        assert len(best) == 1 and best[0].score == max(r.score or 0 for r in rows)
        assert screen.query_one(MatrixView).matrix is screen.result.matrix
        first = screen.result
        screen.action_rerun()
        await until(pilot, lambda: screen.result is not first, "the rerun")
        assert screen.result.run.new == 0 and screen.result.run.resumed == total


async def test_unknown_job_is_one_status_line(tmp_path: Path) -> None:
    sandbox = await make_sandbox(tmp_path)

    async def open_provider() -> Provider:
        return from_clients(sandbox.client(), label="SANDBOX")

    screen = MatrixScreen(open_provider, "ftjob-nope", TEST, tmp_path / "r.jsonl")
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(screen)
        status = screen.query_one("#matrix-status")
        await until(pilot, lambda: "stopped:" in str(status.render()), "the failure line")
        assert screen.result is None


async def test_every_answer_an_error_is_a_failed_matrix(tmp_path: Path) -> None:
    """Behind a proxy that answers chat with a login page, no score is shown as a zero."""
    sandbox = await make_sandbox(tmp_path)
    inner = sandbox_http_client(sandbox.options)

    async def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/chat/completions"):
            return LOGIN
        return await inner.send(request)

    async with sandbox.client() as client:
        (job,) = (await client.fine_tuning.jobs.list()).data

    async def open_provider() -> Provider:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        return from_clients(build_sandbox_client(http_client=http, max_retries=0), label="X")

    out = tmp_path / "matrix.results.jsonl"
    screen = MatrixScreen(open_provider, job.id, TEST, out)
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(screen)
        await until(pilot, lambda: screen.result is not None, "the matrix")
        status = str(screen.query_one("#matrix-status").render())
        assert status.startswith("failed: every request failed (")
        assert "answers are errors" in status
        notes = [n for n in app._notifications if n.severity == "error"]
        assert len(notes) == 1 and str(out) in notes[0].message
    await inner.aclose()
