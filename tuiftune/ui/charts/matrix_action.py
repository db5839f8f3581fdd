"""From the Jobs area to the checkpoint matrix: ask for the test file, then open the screen.

The results go next to the test file (``TEST.JOB.results.jsonl``), so asking again for the
same job and file resumes the earlier run instead of paying twice.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from textual.screen import Screen

from tuiftune.service.services import Services
from tuiftune.ui.charts.matrix_screen import MatrixScreen
from tuiftune.ui.screens.modals import AskScreen


def results_path(test_file: Path, job_id: str) -> Path:
    """Where the matrix of ``job_id`` on ``test_file`` keeps its results."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", job_id)
    return test_file.with_name(f"{test_file.stem}.{safe}.results.jsonl")


async def ask_and_open(screen: Screen[Any], services: Services, job_id: str) -> None:
    """Ask for a test file (inside a worker), then push the matrix screen for ``job_id``."""
    answer = await screen.app.push_screen_wait(
        AskScreen(f"Score every checkpoint of {job_id} on which test file?", "", "test.jsonl")
    )
    if not answer or not answer.strip():
        return
    # expanduser reads $HOME (or the password database) once: off the loop, like any path work.
    test_file = await asyncio.to_thread(lambda: Path(answer.strip()).expanduser())
    await screen.app.push_screen(
        MatrixScreen(services.open_provider, job_id, test_file, results_path(test_file, job_id))
    )
