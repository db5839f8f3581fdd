"""Helpers for the training tests: data files, run configs, in-process and subprocess runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_data"
ENGINE = "tuiftune.server.trainers.local_engine"
CATEGORIES = ("billing", "technical", "shipping", "account", "feedback")
# What the tiny model learns the ticket labels with in a few seconds (measured: 40/40).
FAST = {
    "n_epochs": 8,
    "batch_size": 4,
    "learning_rate_multiplier": 50,
    "lora_r": 16,
    "lora_alpha": 64,
    "lora_dropout": 0,
}


def sample_lines(name: str, count: int, skip: int = 0) -> list[dict[str, Any]]:
    """The first ``count`` records of a sample file (after ``skip``)."""
    lines = (SAMPLES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[skip : skip + count]]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write ``records`` one per line."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def dpo_records(count: int) -> list[dict[str, Any]]:
    """Preference pairs from the ticket data: the right label preferred over a wrong one."""
    out = []
    for record in sample_lines("ticket-triage-chat.jsonl", count):
        *prompt, answer = record["messages"]
        label = answer["content"]
        wrong = CATEGORIES[(CATEGORIES.index(label) + 1) % len(CATEGORIES)]
        out.append(
            {
                "input": {"messages": prompt},
                "preferred_output": [{"role": "assistant", "content": label}],
                "non_preferred_output": [{"role": "assistant", "content": wrong}],
            }
        )
    return out


def write_config(run_dir: Path, model: Path, training: Path, **overrides: Any) -> Path:
    """A config.json as the server writes it (every key present)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "job_id": "ftjob-test",
        "base_model": str(model),
        "method": "supervised",
        "training_file": str(training),
        "validation_file": None,
        "hyperparameters": dict(FAST),
        "from_adapter": None,
        "output_dir": str(run_dir),
        "resume_from": None,
        "keep_checkpoints": 3,
        "device": "cpu",
        "dtype": "auto",
        "num_threads": 1,
    }
    config.update(overrides)
    path = run_dir / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def run_in_process(config: Path) -> int:
    """The engine's entry point called directly (its signal handlers are put back after)."""
    from tuiftune.server.trainers.local_engine.run import main

    return main(["train", "--config", str(config)])


def start_engine(config: Path, *launcher: str) -> subprocess.Popen[bytes]:
    """The engine as the server starts it: its own process (group), output to files."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, *launcher, "-m", ENGINE, "train", "--config", str(config)]
    log = (config.parent / "stderr.log").open("wb")
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
    )


def events(run_dir: Path) -> list[dict[str, Any]]:
    """Every event written so far."""
    path = run_dir / "progress.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def of_type(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    """The events of one type."""
    return [e for e in events(run_dir) if e["type"] == kind]


def wait_for(check: Callable[[], Any], deadline_s: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``deadline_s``."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {deadline_s} s waiting for {what}")


def finish(proc: subprocess.Popen[bytes], deadline_s: float = 90) -> int:
    """Wait for the process (killing it on the deadline) and return its exit code."""
    try:
        return proc.wait(timeout=deadline_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        raise


def label_hits(generator: Any, adapter: str | None, records: list[dict[str, Any]]) -> float:
    """Share of records whose greedy answer is exactly the trained label."""
    from tuiftune.server.trainers.local_engine.generator import GenParams

    params = GenParams(temperature=0, max_tokens=8)
    hits = 0
    for record in records:
        if "messages" in record:
            *prompt, answer = record["messages"]
            pieces = generator.chat("tiny", adapter, prompt, params)
            want = answer["content"]
        else:
            pieces = generator.complete("tiny", adapter, record["prompt"], params)
            want = record["completion"]
        hits += "".join(p.text for p in pieces).strip() == want.strip()
    return hits / len(records)


def preferred_share(model_dir: Path, adapter: str | None, path: Path) -> float:
    """Share of a DPO file's pairs whose preferred answer the model (with ``adapter``, or the
    base) gives the higher summed log-probability."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuiftune.server.trainers.local_engine.data import IGNORE, Sequence, load_examples
    from tuiftune.server.trainers.local_engine.modeling import ignore_peft_checkpointing_probe

    def answer_logp(model: Any, seq: Sequence) -> float:
        ids = torch.tensor([seq.input_ids])
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
        labels = seq.labels[1:]
        return sum(float(logp[i, t]) for i, t in enumerate(labels) if t != IGNORE)

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir)
    if adapter:
        ignore_peft_checkpointing_probe()  # peft's own read of a deprecated name
        model = PeftModel.from_pretrained(model, adapter)
    model.eval()
    pairs, _ = load_examples(path, "dpo", tokenizer, 512)
    wins = sum(
        answer_logp(model, p.chosen) > answer_logp(model, p.rejected) for p in pairs if p.rejected
    )
    return wins / len(pairs)
