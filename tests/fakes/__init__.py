"""Providers written only against the provider interfaces, and how a test installs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

T0 = 1_750_000_000
TUNED = "filefake:llama-3-8b:triage"


def _metrics(step: int, loss: float) -> dict[str, Any]:
    return {"step": step, "total_steps": 2, "train_loss": loss}


def state() -> dict[str, Any]:
    """Two jobs: one that runs to success over four retrieves, one that failed."""
    return {
        "jobs": [
            {
                "id": "ftjob-fake-1",
                "model": "llama-3-8b",
                "created_at": T0 + 600,
                "script": ["queued", "running", "running", "succeeded"],
                "fine_tuned_model": TUNED,
                "hyperparameters": {"n_epochs": 2},
                "suffix": "triage",
                "training_file": "file-fake-train",
                "events": [
                    {"id": "ev-1", "created_at": T0 + 601, "message": "Job queued", "at": 0},
                    {"id": "ev-2", "created_at": T0 + 602, "message": "Training started", "at": 1},
                    {
                        "id": "ev-3",
                        "created_at": T0 + 603,
                        "message": "Step 1/2",
                        "type": "metrics",
                        "data": _metrics(1, 0.9),
                        "at": 1,
                    },
                    {
                        "id": "ev-4",
                        "created_at": T0 + 604,
                        "message": "Step 2/2",
                        "type": "metrics",
                        "data": _metrics(2, 0.5),
                        "at": 2,
                    },
                    {"id": "ev-5", "created_at": T0 + 605, "message": "Job done", "at": 3},
                ],
            },
            {
                "id": "ftjob-fake-0",
                "model": "llama-3-8b",
                "created_at": T0,
                "script": ["failed"],
                "info": {"queue_position": 3, "note": "\x1b[2Jdata, not a command"},
                "error": {"code": "bad_file", "message": "line 3: no messages", "param": None},
                "training_file": "file-fake-bad",
            },
        ]
    }


def install_file_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, profile: str = "fake"
) -> Path:
    """Register ``filefake`` the way a plugin package does (an entry point in the
    ``tuiftune.providers`` group, found on ``sys.path``), write its state file and a config
    profile that names it; returns the state file."""
    site = tmp_path / "site"
    dist = site / "tuiftune_filefake-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tuiftune-filefake\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[tuiftune.providers]\nfilefake = tests.fakes.file_provider:create\n"
    )
    monkeypatch.syspath_prepend(str(site))
    path = tmp_path / "filefake.json"
    path.write_text(json.dumps(state()), encoding="utf-8")
    config = tmp_path / "cfg" / "fake-config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[profiles.{profile}]\nprovider = "filefake"\nno_auth = true\n'
        f"[profiles.{profile}.options]\nstate = {json.dumps(str(path))}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(config))
    return path
