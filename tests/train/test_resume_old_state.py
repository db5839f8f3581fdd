"""A paused run's state saved before ``gradient_checkpointing`` existed (commit 0980383: its
``resolved`` lacks the key) resumes to the same result as a straight run; a state whose data or
settings really differ is refused with one line naming what differs and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.train.runs import (
    FAST,
    of_type,
    run_in_process,
    sample_lines,
    write_config,
    write_jsonl,
)

HYPER = {**FAST, "n_epochs": 2, "lora_dropout": 0.1}  # dropout: the RNG must be restored too


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("old-state")
    return write_jsonl(root / "train.jsonl", sample_lines("ticket-triage-chat.jsonl", 8))


def paused_in_old_shape(run_dir: Path, model: Path, training: Path) -> Path:
    """A run paused before its first step, its state rewritten as the engine wrote it before
    0980383; returns the config, set to resume from that state."""
    config = write_config(run_dir, model, training, hyperparameters=HYPER)
    (run_dir / "control").mkdir()
    (run_dir / "control" / "pause").touch()
    assert run_in_process(config) == 0
    state = Path(of_type(run_dir, "paused")[0]["state"])
    payload = torch.load(state / "state.pt", weights_only=False)
    del payload["resolved"]["gradient_checkpointing"]
    torch.save(payload, state / "state.pt")
    resumed = json.loads(config.read_text())
    resumed["resume_from"] = str(state)
    config.write_text(json.dumps(resumed))
    return config


def test_a_state_from_before_gradient_checkpointing_resumes(
    tmp_path: Path, tiny_model_dir: Path, training: Path
) -> None:
    straight = tmp_path / "straight"
    config = write_config(straight, tiny_model_dir, training, hyperparameters=HYPER)
    assert run_in_process(config) == 0
    config = paused_in_old_shape(tmp_path / "old", tiny_model_dir, training)
    assert run_in_process(config) == 0, of_type(tmp_path / "old", "error")
    first = {m["step"]: m["train_loss"] for m in of_type(straight, "metrics")}
    second = {m["step"]: m["train_loss"] for m in of_type(tmp_path / "old", "metrics")}
    assert sorted(second) == sorted(first) and len(first) > 1
    for step, loss in first.items():
        assert abs(second[step] - loss) < 1e-4


def test_a_state_of_other_settings_is_refused_in_one_line(
    tmp_path: Path, tiny_model_dir: Path, training: Path
) -> None:
    run_dir = tmp_path / "changed"
    config = paused_in_old_shape(run_dir, tiny_model_dir, training)
    changed = json.loads(config.read_text())
    changed["hyperparameters"]["n_epochs"] = 3
    config.write_text(json.dumps(changed))
    assert run_in_process(config) != 0
    (error,) = of_type(run_dir, "error")
    state = changed["resume_from"]
    assert error["message"] == (
        f"cannot resume from {state}: hyperparameters.n_epochs was 2, now 3; "
        "cancel the job and create it again"
    )
