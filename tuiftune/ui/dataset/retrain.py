"""Train again with these edits: the editor's file, edits included, is written as a new
version next to it (the open file and the chosen job's own file are kept), and a job with the
chosen job's settings is launched on it through ``service.launch`` (lint, upload, create).

The pair (old job, new job) goes to the app as a ``CompareJobs`` message; the Eval area sets
it as model A and B (the paired test) once both have a model.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from tuiftune.dataset.io import save_document
from tuiftune.service.errors import ServiceError
from tuiftune.service.launch import launch
from tuiftune.ui.dataset.losses import pick_job
from tuiftune.ui.jobs.format import rerun_request
from tuiftune.ui.messages import CompareJobs
from tuiftune.ui.overlap_note import overlap_lines
from tuiftune.ui.screens.modals import ConfirmScreen

if TYPE_CHECKING:
    from tuiftune.dataset.session import EditorSession
    from tuiftune.service.services import Services

_VERSION = re.compile(r"^(?P<stem>.*)\.v(?P<n>\d+)$")


def next_version(path: Path) -> Path:
    """``train.jsonl`` -> ``train.v2.jsonl`` (``train.v2`` -> ``train.v3``), the first free."""
    match = _VERSION.match(path.stem)
    stem, n = (match["stem"], int(match["n"])) if match else (path.stem, 1)
    while True:
        n += 1
        candidate = path.with_name(f"{stem}.v{n}{path.suffix}")
        if not candidate.exists():
            return candidate


async def train_again(screen: Screen[Any], services: Services) -> None:
    """Ask which job's settings, write the new version, launch; one line on any failure."""
    session: EditorSession | None = getattr(screen, "session", None)
    path: Path | None = getattr(screen, "path", None)
    if session is None or path is None:
        screen.notify("open the training file first", severity="warning")
        return
    old = await pick_job(screen, services, "Train again with the settings of")
    if old is None:
        return
    target = next_version(path)
    if not await screen.app.push_screen_wait(
        ConfirmScreen(
            f"Train {old.model} again on {target.name}?",
            f"The settings of {old.id}; the edited rows are written to {target} "
            f"({path.name} is kept).",
        )
    ):
        return
    try:
        await save_document(session.doc, target, adopt=False)
    except OSError as exc:
        screen.notify(f"cannot write {target}: {exc.strerror or exc}", severity="error")
        return
    spec = replace(rerun_request(old), training_file="")
    try:
        async with await services.open_provider() as provider:
            launched = await launch(provider, spec, target)
    except (ServiceError, OSError) as exc:  # a lint refusal and a bad request included
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        screen.notify(message, title="Train again failed", severity="error", markup=False)
        return
    screen.post_message(CompareJobs(old.id, launched.job.id))
    screen.notify(
        f"{launched.job.id} training on {target} with the settings of {old.id}; the Eval "
        "area (F5) compares the two models once it has succeeded",
        title="Job created",
        markup=False,
    )
    lines = overlap_lines([launched.overlap])
    if lines:
        screen.notify("\n".join(lines), severity="warning", markup=False)
