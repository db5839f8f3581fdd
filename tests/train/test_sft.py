"""Supervised LoRA runs: chat (in a subprocess, as the server runs it) and legacy (in process)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.train.runs import (
    FAST,
    label_hits,
    of_type,
    run_in_process,
    sample_lines,
    write_config,
    write_jsonl,
)


def test_chat_run_learns_the_labels(
    chat_run: Path, chat_records: list[dict[str, Any]], generator: Any
) -> None:
    metrics = of_type(chat_run, "metrics")
    plan = of_type(chat_run, "plan")[0]
    assert [m["step"] for m in metrics] == list(range(1, plan["total_steps"] + 1))
    assert metrics[-1]["train_loss"] < metrics[0]["train_loss"] / 2
    done = of_type(chat_run, "done")[0]
    assert done["status"] == "succeeded"
    assert label_hits(generator, done["adapter"], chat_records) >= 0.9
    assert label_hits(generator, None, chat_records) < 0.2


def test_chat_run_reports_like_openai(chat_run: Path) -> None:
    plan = of_type(chat_run, "plan")[0]
    assert plan["n_epochs"] == 8 and plan["steps_per_epoch"] == 10
    tokenized = of_type(chat_run, "tokenized")[0]
    assert tokenized["examples"] == 40 and tokenized["tokens"] > 0 and tokenized["truncated"] == 0
    metrics = of_type(chat_run, "metrics")
    every = plan["resolved"]["eval_every_steps"]
    assert all(("valid_loss" in m) == (m["step"] % every == 0) for m in metrics)
    epoch_ends = [m for m in metrics if "full_valid_loss" in m]
    assert [m["step"] for m in epoch_ends] == [10 * e for e in range(1, 9)]
    assert metrics[-1]["trained_tokens"] == 8 * tokenized["tokens"]
    checkpoints = of_type(chat_run, "checkpoint")
    assert [c["step"] for c in checkpoints] == [10 * e for e in range(1, 9)]
    kept = sorted(p.name for p in (chat_run / "checkpoints").iterdir())
    assert kept == ["step-000060", "step-000070", "step-000080"]
    assert len(of_type(chat_run, "checkpoint_removed")) == 5
    assert all((Path(c["path"]) / "adapter_config.json").is_file() for c in checkpoints[-3:])
    with (chat_run / "results.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "step",
        "train_loss",
        "train_accuracy",
        "valid_loss",
        "valid_mean_token_accuracy",
    ]
    assert len(rows) == 80
    assert abs(float(rows[-1]["train_loss"]) - metrics[-1]["train_loss"]) < 1e-4


def test_legacy_run_learns_the_completions(
    tmp_path: Path, tiny_model_dir: Path, generator: Any
) -> None:
    records = sample_lines("ticket-triage-legacy.jsonl", 40)
    training = write_jsonl(tmp_path / "legacy.jsonl", records)
    config = write_config(tmp_path / "run", tiny_model_dir, training)
    assert run_in_process(config) == 0
    metrics = of_type(tmp_path / "run", "metrics")
    assert metrics[-1]["train_loss"] < metrics[0]["train_loss"] / 2
    adapter = of_type(tmp_path / "run", "done")[0]["adapter"]
    assert label_hits(generator, adapter, records) >= 0.9
    assert label_hits(generator, None, records) < 0.2


def test_gradient_checkpointing_gives_the_same_steps(tmp_path: Path, tiny_model_dir: Path) -> None:
    """Recomputing activations in the backward pass (dropout on: its RNG is replayed) changes
    memory and time, not the result."""
    training = write_jsonl(tmp_path / "t.jsonl", sample_lines("ticket-triage-chat.jsonl", 8))
    runs: dict[bool, Path] = {}
    for flag in (False, True):
        hyper = {**FAST, "n_epochs": 1, "lora_dropout": 0.1, "gradient_checkpointing": flag}
        run_dir = tmp_path / str(flag)
        config = write_config(run_dir, tiny_model_dir, training, hyperparameters=hyper)
        assert run_in_process(config) == 0
        runs[flag] = run_dir
    said = [m["message"] for m in of_type(runs[True], "message")]
    assert "Gradient checkpointing on: less activation memory, slower steps" in said
    assert not any("checkpointing" in m["message"] for m in of_type(runs[False], "message"))
    plain, recomputed = of_type(runs[False], "metrics"), of_type(runs[True], "metrics")
    assert len(plain) == len(recomputed) == 2
    for a, b in zip(plain, recomputed, strict=True):
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-5
