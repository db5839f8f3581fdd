"""A panel of the training rows nearest a failed test example, for the Eval area.

``show_for(training_file, query)`` reads the file (in a thread) and ranks its rows: by
embedding when the panel has services and their inference endpoint answers
``/v1/embeddings`` (the rows embedded once, cached on disk by file hash and model, with
progress; closing the dialog cancels it), else by BM25. It posts ``Ranked`` with the method
("embeddings (MODEL)" or "BM25 (no embeddings endpoint)") and ``Progress`` while embedding.
Enter (or ``o``) on a row posts ``OpenRecord(path, line)``: the app opens it in the editor.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.nearest import (
    EmbeddingIndex,
    NearestIndex,
    Neighbour,
    TrainingRow,
    rows_of_file,
)
from tuiftune.service.embeddings import (
    DEFAULT_MODEL,
    cache_dir,
    embed_rows,
    embed_texts,
    file_digest,
    no_endpoint,
)
from tuiftune.service.errors import ServiceError
from tuiftune.ui.messages import OpenRecord

if TYPE_CHECKING:
    from tuiftune.service.services import Services

SHOWN = 5
PREVIEW = 60
BM25 = "BM25"
NO_ENDPOINT = "BM25 (no embeddings endpoint)"


def _preview(text: str) -> Text:
    flat = " ".join(text.split())
    return Text(printable(flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"))


def _read(path: Path) -> tuple[str, list[TrainingRow]]:
    """The file's digest (the embeddings cache key) and its rows (blocking)."""
    return file_digest(path.read_bytes()), rows_of_file(path)


class NearestPanel(DataTable[Text]):
    """The nearest training rows; enter or ``o`` opens the highlighted one in the editor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "open_row", "Open in editor", tooltip="Open this training row in the editor"),
    ]

    @dataclass
    class Ranked(Message):
        """The rows are listed; ``method`` says how they were ranked."""

        method: str

    @dataclass
    class Progress(Message):
        """Training rows embedded so far."""

        done: int
        total: int

    def __init__(
        self,
        *,
        services: Services | None = None,
        model: str = DEFAULT_MODEL,
        cache: Path | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row")
        self.services, self.model = services, model
        self.cache = cache if cache is not None else cache_dir()
        self.neighbours: list[Neighbour] = []
        self.method = ""
        self._bm25: dict[str, NearestIndex] = {}
        self._embedded: dict[str, tuple[str, EmbeddingIndex]] = {}

    def on_mount(self) -> None:
        self.add_columns("line", "score", "prompt", "answer")

    @work(exclusive=True, exit_on_error=False, group="nearest")
    async def show_for(self, training_file: Path, query: str) -> None:
        """Find and list the rows nearest ``query`` in ``training_file`` (a worker)."""
        try:
            digest, rows = await asyncio.to_thread(_read, training_file)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self.notify(f"cannot read {printable(str(training_file))}: {reason}", markup=False)
            return
        found: list[Neighbour] | None = None
        method = BM25
        if self.services is not None and rows:
            found, method = await self._by_embedding(digest, rows, query)
        if found is None:
            index = self._bm25.get(digest)
            if index is None:
                index = self._bm25[digest] = await asyncio.to_thread(NearestIndex, rows)
            found = await asyncio.to_thread(index.nearest, query, SHOWN)
        self._fill(found)
        self.method = method
        self.post_message(self.Ranked(method))

    async def _by_embedding(
        self, digest: str, rows: list[TrainingRow], query: str
    ) -> tuple[list[Neighbour] | None, str]:
        """The rows ranked by cosine similarity, or None and why BM25 ranks them instead."""
        assert self.services is not None
        try:
            async with await self.services.open_provider() as provider:
                inference = provider.inference
                known = self._embedded.get(digest)
                if known is None:
                    made = await embed_rows(
                        inference,
                        [r.prompt for r in rows],
                        digest,
                        model=self.model,
                        cache=self.cache,
                        progress=self._progress,
                    )
                    index = await asyncio.to_thread(EmbeddingIndex, rows, made.vectors)
                    known = self._embedded[digest] = (made.model, index)
                asked = await embed_texts(inference, [query or " "], model=self.model)
        except ServiceError as exc:
            if no_endpoint(exc):
                return None, NO_ENDPOINT
            return None, f"BM25 (embeddings failed: {exc.message})"
        model, index = known
        return index.nearest(asked.vectors[0], SHOWN), f"embeddings ({model}), cosine"

    def _progress(self, done: int, total: int) -> None:
        self.post_message(self.Progress(done, total))

    def _fill(self, found: list[Neighbour]) -> None:
        self.neighbours = found
        self.clear()
        for n in found:
            self.add_row(
                Text(str(n.row.line), justify="right"),
                Text(f"{n.score:.2f}", justify="right"),
                _preview(n.row.prompt),
                _preview(n.row.answer),
            )

    def action_open_row(self) -> None:
        """Ask the app to open the highlighted row in the dataset editor."""
        if self.neighbours and 0 <= self.cursor_row < len(self.neighbours):
            row = self.neighbours[self.cursor_row].row
            self.post_message(OpenRecord(Path(row.path), row.line))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_row()
