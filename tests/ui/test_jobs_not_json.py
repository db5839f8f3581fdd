"""The Jobs area against a server that answers 200 with a proxy's HTML page: one toast and the
overview name the endpoint and what came back (the link line too, cut at 80 columns), and the
app keeps running (no AttributeError), the toast not repeated by every poll."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Static

from tests.commands.test_jobs_not_json import serve
from tests.ui.jobs_helpers import open_jobs, wait_for
from tuiftune.config import resolve_profile
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.jobs_list import JobsList
from tuiftune.ui.jobs.messages import JobsLoaded


async def test_jobs_list_says_what_came_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    server = serve(b"<html><body>Please sign in</body></html>", "text/html")
    url = next(server)
    try:
        env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-test-not-json-0000"}
        profile = resolve_profile(env=env, path=tmp_path / "none.toml")
        app = TuiftuneApp(Services(backend_label="PROXY", profile=profile))
        messages: list[Message] = []
        async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
            screen = await open_jobs(pilot)

            def link() -> str:
                return str(screen.query_one("#link", Static).render())

            await wait_for(pilot, lambda: "/v1/fine_tuning/jobs" in link(), "the error line")
            overview = str(screen.query_one("#overview-text", Static).render())
            assert "could not be listed" in overview and "Please sign in" in overview

            def failed_polls() -> int:
                return sum(isinstance(m, JobsLoaded) and m.error is not None for m in messages)

            screen.query_one(JobsList).nudge()
            await wait_for(pilot, lambda: failed_polls() >= 2, "a second failed poll")
            toasts = [m.notification for m in messages if isinstance(m, Notify)]
            (toast,) = [t for t in toasts if t.title == "Jobs list"]
            assert "GET /v1/fine_tuning/jobs with 200" in toast.message
            assert "text/html" in toast.message and "Please sign in" in toast.message
            assert app.is_running
            assert "sk-test" not in link() + overview + toast.message
    finally:
        server.close()
