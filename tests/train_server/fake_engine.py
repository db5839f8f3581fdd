"""A stand-in for the training engine that speaks the contract's files and signals.

``python fake_engine.py train --config RUN_DIR/config.json``: counts the training lines,
"trains" FAKE_STEP_SECONDS per step with a loss that halves each epoch, honours the pause file,
SIGTERM and resume_from, saves checkpoints and states, and dies with its parent. A training
file containing ``FAIL_AT_STEP_<n>`` reports an error at that step.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from tuiftune.server.trainers.local_engine.hyperparams import resolve


class Run:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.out = Path(config["output_dir"])
        self.fd = os.open(self.out / "progress.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self.parent = os.getppid()
        self.stop = False
        signal.signal(signal.SIGTERM, self._term)

    def _term(self, signum: int, frame: object) -> None:
        self.stop = True

    def emit(self, kind: str, **fields: Any) -> None:
        line = json.dumps({"type": kind, **fields, "t": time.time()}) + "\n"
        os.write(self.fd, line.encode())

    def save_state(self, step: int, tokens: int) -> str:
        path = self.out / "state" / f"step-{step:06d}"
        path.mkdir(parents=True, exist_ok=True)
        (path / "state.json").write_text(json.dumps({"step": step, "tokens": tokens}))
        self.emit("state", step=step, path=str(path))
        return str(path)

    def main(self) -> int:
        lines = Path(self.config["training_file"]).read_text().splitlines()
        text = "\n".join(lines)
        fail = re.search(r"FAIL_AT_STEP_(\d+)", text)
        hyper = resolve(self.config["method"], self.config["hyperparameters"], len(lines))
        total, per_epoch = hyper["total_steps"], hyper["steps_per_epoch"]
        pause = self.out / "control" / "pause"
        start, tokens = 0, 0
        if self.config.get("resume_from"):
            saved = json.loads((Path(self.config["resume_from"]) / "state.json").read_text())
            start, tokens = saved["step"], saved["tokens"]
            self.emit("message", level="info", message=f"Resuming from step {start}")
        else:
            self.emit("message", level="info", message="Loading model fake")
            n = len(lines)
            self.emit("message", level="info", message=f"Tokenized {n} training examples")
            self.emit("tokenized", examples=n, tokens=10 * n, truncated=0, skipped=0)
        self.emit(
            "plan",
            total_steps=total,
            steps_per_epoch=per_epoch,
            n_epochs=hyper["n_epochs"],
            resolved=hyper,
        )
        pace = float(os.environ.get("FAKE_STEP_SECONDS", "0.02"))
        kept: list[str] = []
        for step in range(start + 1, total + 1):
            if os.getppid() != self.parent:
                return 3  # the server died
            if self.stop:
                self.emit("cancelled", step=step - 1)
                return 0
            if pause.exists():
                state = self.save_state(step - 1, tokens)
                self.emit("paused", step=step - 1, state=state)
                return 0
            time.sleep(pace)
            if fail and int(fail.group(1)) == step:
                self.emit("error", message=f"fake failure at step {step}")
                return 1
            epoch = (step - 1) // per_epoch + 1
            tokens += 10 * hyper["batch_size"]
            loss = 2.0 * 0.5 ** (step / per_epoch)
            self.emit(
                "metrics",
                step=step,
                total_steps=total,
                epoch=epoch,
                train_loss=loss,
                train_mean_token_accuracy=1 - loss / 2,
                trained_tokens=tokens,
                step_seconds=pace,
            )
            if step % per_epoch == 0:
                ckpt = self.out / "checkpoints" / f"step-{step:06d}"
                ckpt.mkdir(parents=True, exist_ok=True)
                (ckpt / "adapter_config.json").write_text("{}")
                self.emit(
                    "checkpoint",
                    step=step,
                    epoch=epoch,
                    path=str(ckpt),
                    metrics={"train_loss": loss, "train_mean_token_accuracy": 1 - loss / 2},
                )
                kept.append(str(ckpt))
                while len(kept) > self.config["keep_checkpoints"]:
                    old = kept.pop(0)
                    shutil.rmtree(old, ignore_errors=True)
                    self.emit("checkpoint_removed", path=old)
                self.save_state(step, tokens)
        final = self.out / "final"
        final.mkdir(exist_ok=True)
        (final / "adapter_config.json").write_text("{}")
        self.emit(
            "done",
            status="succeeded",
            adapter=str(final),
            trained_tokens=tokens,
            result_csv=str(self.out / "results.csv"),
        )
        return 0


if __name__ == "__main__":
    assert sys.argv[1:2] == ["train"] and sys.argv[2] == "--config"
    config = json.loads(Path(sys.argv[3]).read_text())
    sys.exit(Run(config).main())
