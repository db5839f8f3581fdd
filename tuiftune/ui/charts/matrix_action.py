"""From the Jobs area to the checkpoint matrix: the job's own test set (or the file asked
for), then the screen, which follows the job while it runs.

The results go where ``tuiftune eval TEST --job ID`` puts them (``matrix_results_place``: next
to the test file, else the current directory), so asking again for the same job and file, here
or in the CLI, resumes the earlier run instead of paying twice.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.screen import Screen

from tuiftune.dataset.preview import printable
from tuiftune.service.checkpoint_eval import matrix_results_place
from tuiftune.service.checkpoint_follow import job_test_file
from tuiftune.service.services import Services
from tuiftune.service.types import Job
from tuiftune.service.watch import PollPolicy, Sleep
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.screens.modals import AskScreen


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
    place = await matrix_results_place(test_file, job_id)
    if not place.beside_test:
        screen.notify(printable(place.describe()), severity="warning", markup=False)
    await screen.app.push_screen(
        MatrixScreen(
            services.open_provider, job_id, test_file, place.path, sleep=sleep, policy=policy
        )
    )
