"""From the Jobs area to the checkpoint matrix: the job's own test set (or the file asked
for), then the screen, which follows the job while it runs.

The results go next to the test file (``TEST.JOB.results.jsonl``), so asking again for the
same job and file resumes the earlier run instead of paying twice.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from textual.screen import Screen

from tuiftune.service.checkpoint_follow import job_test_file
from tuiftune.service.services import Services
from tuiftune.service.types import Job
from tuiftune.service.watch import PollPolicy, Sleep
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.screens.modals import AskScreen


def results_path(test_file: Path, job_id: str) -> Path:
    """Where the matrix of ``job_id`` on ``test_file`` keeps its results."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", job_id)
    return test_file.with_name(f"{test_file.stem}.{safe}.results.jsonl")


async def ask_and_open(
    screen: Screen[Any],
    services: Services,
    job_id: str,
    job: Job | None = None,
    *,
    sleep: Sleep = asyncio.sleep,
    policy: PollPolicy | None = None,
) -> None:
    """Push the matrix screen for ``job_id`` (inside a worker): on the test set the job names
    (``tuiftune_test_file``, recorded at creation) without asking, else on the file asked for.
    The screen follows the job while it runs."""
    recorded = job_test_file(job) if job is not None else None
    if recorded is not None:
        test_file = recorded
    else:
        answer = await screen.app.push_screen_wait(
            AskScreen(f"Score every checkpoint of {job_id} on which test file?", "", "test.jsonl")
        )
        if not answer or not answer.strip():
            return
        # expanduser reads $HOME (or the password database) once: off the loop, like any path.
        test_file = await asyncio.to_thread(lambda: Path(answer.strip()).expanduser())
    out = results_path(test_file, job_id)
    await screen.app.push_screen(
        MatrixScreen(services.open_provider, job_id, test_file, out, sleep=sleep, policy=policy)
    )
