"""What the ``tuiftune jobs`` tests share: the samples, the model, a fast job, the JSON keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES

from .conftest import Cli

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"
CLEAN = SAMPLES / "ticket-triage-chat.jsonl"
MODEL = "gpt-4o-mini-2024-07-18"
# 80 examples, 1 epoch, batch 8: 10 steps.
FAST = ("--epochs", "1", "--batch-size", "8")

JOB_KEYS = {
    "id",
    "status",
    "model",
    "fine_tuned_model",
    "method",
    "hyperparameters",
    "training_file",
    "validation_file",
    "result_files",
    "suffix",
    "seed",
    "created_at",
    "finished_at",
    "estimated_finish",
    "trained_tokens",
    "error",
    "metadata",
    "integrations",
}


def create(cli: Cli, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    """Create a job on the sandbox from the clean sample and return its JSON."""
    code = cli("jobs", "create", str(CLEAN), "--model", MODEL, "--sandbox", "--json", *FAST, *extra)
    out = capsys.readouterr().out
    assert code == 0, out
    job: dict[str, Any] = json.loads(out)
    return job


def sandbox_files(env: Path) -> list[Path]:
    """The files the shared sandbox keeps on disk."""
    return sorted((env / "sandbox" / "files").glob("*.json"))
