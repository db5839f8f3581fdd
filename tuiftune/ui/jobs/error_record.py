"""From a failed job's error line to that record in the dataset editor.

The provider knows the training file only by its id and name, so the local file is found by
its content: the editor's open file, or a file of the uploaded name beside it or in the
folder the app was started in, whose sha256 is that of the uploaded bytes. When none is, the
user is asked for the path (prefilled with the likeliest one), and warned when that file is
not the one that was uploaded.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.screen import Screen

from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Provider
from tuiftune.service.types import Job
from tuiftune.ui.screens.modals import AskScreen


def sha256_of(path: Path) -> str | None:
    """The file's sha256, or None when it cannot be read (blocking: call it in a thread)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def candidates(open_file: Path | None, filename: str | None) -> list[Path]:
    """Where the uploaded file may be: the editor's file, then its name beside that file and
    in the current folder (each once, only those that are files)."""
    found: list[Path] = []
    places = [open_file]
    if filename:
        name = Path(filename).name  # a server's name is data: never a path elsewhere
        places += [open_file.parent / name if open_file else None, Path.cwd() / name]
    for place in places:
        if place is not None and place.is_file() and place.resolve() not in found:
            found.append(place.resolve())
    return found


async def _filename(provider: Provider, file_id: str) -> str | None:
    try:
        return (await provider.files.retrieve(file_id)).filename
    except ServiceError:
        return None  # the name only helps the search; the user can still type the path


async def locate_training_file(
    screen: Screen[None],
    job: Job,
    line: int,
    uploaded_sha: str | None,
    provider: Callable[[], Awaitable[Provider]],
) -> Path | None:
    """The local copy of ``job``'s training file, found by content or asked for; None when
    the user gives none (or a path that is not a file, which is said)."""
    file_id = job.training_file or ""
    filename = await _filename(await provider(), file_id)
    open_file: Path | None = getattr(screen.app, "dataset_path", None)
    places = await asyncio.to_thread(candidates, open_file, filename)
    for place in places:
        if uploaded_sha is not None and await asyncio.to_thread(sha256_of, place) == uploaded_sha:
            return place
    named = f" ({filename})" if filename else ""
    answer = await screen.app.push_screen_wait(
        AskScreen(
            f"Which local file was uploaded as {file_id}{named}? Its line {line} failed.",
            value=str(places[0]) if places else (filename or ""),
        )
    )
    if not answer:
        return None
    path = await asyncio.to_thread(lambda: Path(answer).expanduser())
    if not await asyncio.to_thread(path.is_file):
        screen.notify(f"No file {path}", severity="error")
        return None
    if uploaded_sha is not None and await asyncio.to_thread(sha256_of, path) != uploaded_sha:
        screen.notify(
            f"{path} is not the file uploaded as {file_id}: line {line} may hold another record",
            severity="warning",
        )
    return path
