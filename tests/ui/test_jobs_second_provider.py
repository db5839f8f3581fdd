"""The Jobs screen unchanged on a second provider (the file-backed fake, registered by name):
the app is wired from a profile exactly as ``tuiftune --profile fake`` wires it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message

from tests.fakes import TUNED, install_file_provider
from tests.ui.jobs_helpers import FAST, StepSleep, open_jobs, wait_for
from tuiftune.server import ManualClock
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.job_detail import JobDetail
from tuiftune.ui.jobs.jobs_list import JobsList
from tuiftune.ui.jobs.messages import JobsLoaded, SnapshotReceived
from tuiftune.ui.jobs.screen import JobsScreen
from tuiftune.wiring import build_services


def _of(messages: list[Message], kind: type[Message]) -> list[Message]:
    return [m for m in messages if isinstance(m, kind)]


async def test_jobs_screen_lists_and_watches_file_provider_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_file_provider(tmp_path, monkeypatch)
    clock = ManualClock()
    app = TuiftuneApp(build_services("fake"))
    app.remove_mode("jobs")
    app.add_mode(
        "jobs",
        lambda: JobsScreen(clock=clock, sleep=StepSleep(clock), list_interval=0.05, policy=FAST),
    )
    messages: list[Message] = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await wait_for(pilot, lambda: app.sub_title == "FILEFAKE", "the provider's label")
        screen = await open_jobs(pilot)

        def finished() -> bool:
            snaps = _of(messages, SnapshotReceived)
            return any(m.snapshot.finished for m in snaps)  # type: ignore[attr-defined]

        await wait_for(pilot, finished, "the watched job to end")
        loaded = [m for m in _of(messages, JobsLoaded) if m.jobs]  # type: ignore[attr-defined]
        assert loaded, "no JobsLoaded message with jobs"
        first = loaded[0]
        assert isinstance(first, JobsLoaded) and first.error is None
        assert [j.id for j in first.jobs] == ["ftjob-fake-1", "ftjob-fake-0"]

        # The list selects the newest job by itself and says so; the detail watches that one.
        highlighted = [m.job_id for m in messages if isinstance(m, JobsList.JobHighlighted)]
        assert highlighted and set(highlighted) == {"ftjob-fake-1"}
        snaps = [m for m in _of(messages, SnapshotReceived) if isinstance(m, SnapshotReceived)]
        assert {m.job_id for m in snaps} == {"ftjob-fake-1"}
        # A re-selection restarts the watch, which reads the history again: count each once.
        events = list(dict.fromkeys(e.message for m in snaps for e in m.snapshot.events))
        assert events == ["Job queued", "Training started", "Step 1/2", "Step 2/2", "Job done"]
        points = sorted({p.step for m in snaps for p in m.snapshot.metrics})
        assert points == [1, 2]
        last = snaps[-1].snapshot.job
        assert last is not None and last.status == "succeeded" and last.fine_tuned_model == TUNED
        assert isinstance(screen, JobsScreen)
        await wait_for(pilot, lambda: len(screen.points) == 2, "the chart's points")
        # The hook sees a message at each node it bubbles through: count each message once.
        posted = list({id(m): m for m in messages}.values())
        updated = [m for m in posted if isinstance(m, JobDetail.JobUpdated)]
        assert updated[-1].job.status == "succeeded"
        assert [m.job.id for m in posted if isinstance(m, JobDetail.Ended)] == ["ftjob-fake-1"]
