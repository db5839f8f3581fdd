"""The editor's training losses: each row's loss under a job's final model (the local
trainer's per-example results file) as a column of the record list, the rows whose loss
stayed high marked, the list sorted by loss (``l`` goes back to file order).

Reached from the command palette ("Load training losses from job..."). The losses are of the
job's training file; its bytes are fetched too, so a row edited or moved since is matched by
content (``evaluation.row_losses``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.row_losses import RowLosses, training_lines
from tuiftune.service.errors import ServiceError
from tuiftune.service.example_losses import job_example_losses, job_training_bytes
from tuiftune.service.jobs import JobsService
from tuiftune.service.types import Job
from tuiftune.ui.dataset.record_list import RecordList
from tuiftune.ui.screens.modals import PickScreen

if TYPE_CHECKING:
    from tuiftune.dataset.session import EditorSession
    from tuiftune.service.services import Services

JOBS_ASKED = 50


def job_label(job: Job) -> str:
    """A picker line: id, status, model (data: no markup)."""
    return printable(f"{job.id}  {job.status}  {job.fine_tuned_model or job.model}")


async def pick_job(screen: Screen[Any], services: Services, title: str) -> Job | None:
    """Ask which recent job (newest first); None when cancelled or none can be listed."""
    try:
        async with await services.open_provider() as provider:
            page = await JobsService(provider.jobs).list_page(limit=JOBS_ASKED)
    except ServiceError as exc:
        screen.notify(f"cannot list jobs: {exc.message}", severity="error", markup=False)
        return None
    jobs = {j.id: j for j in sorted(page.data, key=lambda j: -j.created_at)}
    if not jobs:
        screen.notify("no fine-tuning jobs yet", severity="warning")
        return None
    chosen = await screen.app.push_screen_wait(
        PickScreen(title, [(j.id, job_label(j)) for j in jobs.values()])
    )
    return jobs.get(chosen) if chosen else None


async def load_and_show(screen: Screen[Any], services: Services) -> None:
    """Pick a job, fetch its per-example losses and put them on the editor's record list,
    sorted by loss (in a worker); one line when the job has none (only the local trainer
    writes them)."""
    session: EditorSession | None = getattr(screen, "session", None)
    path: Path | None = getattr(screen, "path", None)
    if session is None or path is None:
        screen.notify("open the training file first", severity="warning")
        return
    job = await pick_job(screen, services, "Training losses from job")
    if job is None:
        return
    try:
        async with await services.open_provider() as provider:
            losses = await job_example_losses(provider, job)
            trained = await job_training_bytes(provider, job) if losses else None
    except ServiceError as exc:
        screen.notify(exc.message, severity="error", markup=False)
        return
    if not losses:
        screen.notify(
            f"{job.id} has no per-example losses (the local trainer writes them when a job "
            "succeeds)",
            severity="warning",
            markup=False,
        )
        return
    lines = training_lines(trained) if trained is not None else None
    placed = await asyncio.to_thread(RowLosses, session.doc, losses, lines)
    records = screen.query(RecordList)
    if getattr(screen, "session", None) is not session or not records:
        return  # another file was opened meanwhile
    records.first().set_losses(placed)
    records.first().sort_by_loss(True)
    screen.notify(summary(job, placed), markup=False)


def summary(job: Job, placed: RowLosses) -> str:
    """One line: whose losses, on how many rows, how they were matched, how many high."""
    m = placed.matched
    how = (
        f"{m.by_line:,} at their line, {m.by_content:,} found by content"
        if m.checked
        else f"{m.by_line:,} by line (the training file could not be fetched)"
    )
    gone = f", {m.missing:,} no longer in the file" if m.missing else ""
    return printable(
        f"training loss of {job.fine_tuned_model or job.id} on {len(placed):,} rows ({how}{gone})"
        f"; {len(placed.high):,} stayed high. Sorted by loss: l for file order, j for a "
        "conflicting row"
    )
