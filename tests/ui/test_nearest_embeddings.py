"""The nearest-rows dialog ranks by embedding where the inference endpoint has one (the sandbox,
through the real SDK: its hashed bag of words, named as such), else by BM25 with the reason;
the training rows are embedded once (cached), with progress, and escape stops it."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App
from textual.widgets import Static

from tests.fakes.file_provider import EchoInference
from tests.ui.losses_fake import ResultFiles, ResultJobs
from tests.ui.sandbox_support import settled, until
from tuiftune.server import ServerOptions
from tuiftune.service.embeddings import CACHE_ENV
from tuiftune.service.providers.base import Embedded, Provider
from tuiftune.service.services import Services
from tuiftune.ui.nearest.panel import NearestPanel
from tuiftune.ui.nearest.screen import NearestScreen
from tuiftune.wiring import build_sandbox_client

ROWS = [
    ("My invoice shows the wrong amount for March", "billing"),
    ("The app crashes when I upload a photo", "technical"),
    ("Where is my parcel? The tracking number shows nothing", "shipping"),
    ("I want to close my account and delete my data", "account"),
    ("I was charged twice this month", "billing"),
]
QUERY = "my parcel tracking number shows nothing, where is it"


def train_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    lines = [
        json.dumps(
            {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
        )
        for q, a in ROWS
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def sandbox_services(tmp_path: Path) -> Services:
    options = ServerOptions(state_dir=tmp_path / "state")
    client = lambda: build_sandbox_client(options)  # noqa: E731
    return Services("SANDBOX", jobs_client_factory=client, inference_client_factory=client)


def fake_services(inference: EchoInference) -> Services:
    return Services(
        "FAKE",
        provider_factory=lambda: Provider(
            "fake", "FAKE", ResultJobs([], {}), ResultFiles({}), inference
        ),
    )


class Stalling(EchoInference):
    """An embeddings endpoint that answers the first batch and then never again."""

    def __init__(self) -> None:
        self.calls = 0
        self.cancelled = asyncio.Event()

    async def embed(
        self, model: str, texts: Sequence[str], *, dimensions: int | None = None
    ) -> Embedded:
        self.calls += 1
        if self.calls > 1:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        return Embedded(model, [[1.0, 0.0]] * len(texts))


def method_line(app: App[None]) -> str:
    static = app.screen.query_one("#nearest-method", Static)
    content = static.content
    return str(content.plain if isinstance(content, Text) else content)


async def test_ranked_by_the_sandboxs_embeddings_and_cached(tmp_path: Path) -> None:
    train = train_file(tmp_path)
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(NearestScreen(train, QUERY, sandbox_services(tmp_path)))
        panel = app.screen.query_one(NearestPanel)
        await until(pilot, lambda: bool(panel.method), "the ranking")
        assert panel.method == "embeddings (tuiftune-hashed-bag-of-words), cosine"
        # The panel's state is set before its method line is redrawn: wait for the line too.
        shown = "ranked by embeddings (tuiftune-hashed-bag-of-words)"
        await until(pilot, lambda: shown in method_line(app), "the method line")
        assert panel.neighbours[0].row.line == 3
        assert panel.neighbours[-1].score < panel.neighbours[0].score <= 1.0
    cached = list(Path(os.environ[CACHE_ENV]).glob("*.npz"))
    assert len(cached) == 1 and "text-embedding-3-small-256" in cached[0].name


async def test_bm25_with_the_reason_when_there_is_no_endpoint(tmp_path: Path) -> None:
    train = train_file(tmp_path)
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(NearestScreen(train, QUERY, fake_services(EchoInference())))
        panel = app.screen.query_one(NearestPanel)
        await until(pilot, lambda: bool(panel.method), "the ranking")
        assert panel.method == "BM25 (no embeddings endpoint)"
        shown = "ranked by BM25 (no embeddings endpoint)"
        await until(pilot, lambda: shown in method_line(app), "the method line")
        assert panel.neighbours[0].row.line == 3


async def test_escape_stops_the_embedding_and_caches_nothing(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from tuiftune.service import embeddings

    monkeypatch.setattr(embeddings, "BATCH", 2)
    inference = Stalling()
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(NearestScreen(train_file(tmp_path), QUERY, fake_services(inference)))
        await until(pilot, lambda: "embedding the training rows: 2/5" in method_line(app), "2/5")
        await pilot.press("escape")
        await until(pilot, inference.cancelled.is_set, "the embedding cancelled")
        assert not isinstance(app.screen, NearestScreen)
    assert not list(Path(os.environ[CACHE_ENV]).glob("*.npz"))


def test_nearest_by_embedding_80x24(snap_compare: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # the dialog names the file: a path that is the same each run
    train_file(tmp_path)
    train = Path("train.jsonl")

    class Shown(App[None]):
        def on_mount(self) -> None:
            self.push_screen(NearestScreen(train, QUERY, sandbox_services(tmp_path)))

    async def run_before(pilot: Any) -> None:
        panel = pilot.app.screen.query_one(NearestPanel)
        await until(pilot, lambda: bool(panel.method), "the ranking")
        shown = "ranked by embeddings"
        await until(pilot, lambda: shown in method_line(pilot.app), "the method line")
        # The table sizes its columns when it is next idle, and the scrollbar comes a layout
        # after that: under load (CI) the snapshot caught each of these half-done.
        prompt = panel.ordered_columns[2]
        await until(pilot, lambda: prompt.content_width > len("prompt"), "the columns sized")
        await settled(pilot)

    assert snap_compare(Shown(), terminal_size=(80, 24), run_before=run_before)
