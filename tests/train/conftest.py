"""Training tests: a tiny model built once per session, one CPU thread, no download."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the train extra is not installed")
torch.set_num_threads(1)

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from tests.train.runs import events, run_in_process, sample_lines, write_config, write_jsonl  # noqa: E402
from tests.trainkit import tiny_model_dir  # noqa: E402  (a session fixture, used by name)

__all__ = ["tiny_model_dir"]


@pytest.fixture(scope="session")
def chat_records() -> list[dict[str, Any]]:
    """40 ticket-triage chat examples (the training set of the chat run)."""
    return sample_lines("ticket-triage-chat.jsonl", 40)


@pytest.fixture(scope="session")
def chat_run(
    tmp_path_factory: pytest.TempPathFactory,
    tiny_model_dir: Path,
    chat_records: list[dict[str, Any]],
) -> Path:
    """A supervised chat run (in this process: a subprocess would re-import torch for seconds;
    tests/train/test_control.py runs the engine as the server starts it); its run folder."""
    root = tmp_path_factory.mktemp("chat-run")
    training = write_jsonl(root / "train.jsonl", chat_records)
    valid = write_jsonl(root / "valid.jsonl", sample_lines("ticket-triage-chat.jsonl", 12, skip=60))
    run_dir = root / "run"
    config = write_config(run_dir, tiny_model_dir, training, validation_file=str(valid))
    assert run_in_process(config) == 0, events(run_dir)[-1:]
    return run_dir


@pytest.fixture(scope="session")
def generator(tiny_model_dir: Path) -> Any:
    """One Generator over the tiny model for the session."""
    from tuiftune.server.trainers.local_engine.generator import Generator

    return Generator({"tiny": str(tiny_model_dir)}, max_loaded_adapters=2, device="cpu")
