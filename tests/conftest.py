"""Shared test setup: offline tiktoken encodings and the real datasets beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATASETS = SHARED / "datasets"
SAMPLES = REPO / "sample_data"

if (SHARED / "tiktoken-cache").is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken-cache"))


@pytest.fixture(autouse=True)
def private_sandbox(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test's shared sandbox (and config, and embeddings cache) out of the user's
    folders."""
    monkeypatch.setenv("TUIFTUNE_SANDBOX_DIR", str(tmp_path_factory.mktemp("sandbox")))
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path_factory.mktemp("config") / "config.toml"))
    monkeypatch.setenv("TUIFTUNE_EMBEDDINGS_CACHE", str(tmp_path_factory.mktemp("embeddings")))


@pytest.fixture
def shared_dataset() -> object:
    """Return a function giving the path of a file in ../shared/datasets (skip when absent)."""

    def get(name: str) -> Path:
        path = DATASETS / name
        if not path.is_file():
            pytest.skip(f"{path} is absent: the real datasets live in ../shared/datasets")
        return path

    return get
