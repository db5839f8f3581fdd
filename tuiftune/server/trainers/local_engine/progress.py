"""progress.jsonl (one JSON object a line, flushed per line) and results.csv, as in the contract."""

from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path
from typing import Any

CSV_COLUMNS = ("step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy")


def counted(n: int, word: str) -> str:
    """``1 epoch``, ``2 epochs``: a count and its noun in the right number."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _clean(value: Any) -> Any:
    """NaN and infinities are not JSON: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


class Progress:
    """Appends events to ``RUN_DIR/progress.jsonl``; a no-op on ranks other than 0."""

    def __init__(self, run_dir: Path, enabled: bool = True) -> None:
        self.path = run_dir / "progress.jsonl"
        self._fd: int | None = None
        if enabled:
            run_dir.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def emit(self, kind: str, **fields: Any) -> None:
        """Write one event; one ``os.write`` per line so a reader never sees half a line."""
        if self._fd is None:
            return
        event = {"type": kind, **_clean(fields), "t": time.time()}
        os.write(self._fd, (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"))

    def message(self, text: str, level: str = "info") -> None:
        """A human-readable phase message."""
        self.emit("message", level=level, message=text)

    def close(self) -> None:
        """Close the file (further events are dropped)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Results:
    """``results.csv`` with OpenAI's columns; on resume, rows past the resumed step are dropped."""

    def __init__(self, path: Path, resume_step: int | None, enabled: bool = True) -> None:
        self.path = path
        self.enabled = enabled
        if not enabled:
            return
        kept: list[list[str]] = []
        if resume_step is not None and path.is_file():
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))[1:]
            kept = [row for row in rows if row and row[0].isdigit() and int(row[0]) <= resume_step]
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(CSV_COLUMNS)
        self._writer.writerows(kept)
        self._handle.flush()

    def add(self, step: int, metrics: dict[str, Any]) -> None:
        """Append one step's row (empty cells where a value was not computed)."""
        if not self.enabled:
            return
        names = (
            "train_loss",
            "train_mean_token_accuracy",
            "valid_loss",
            "valid_mean_token_accuracy",
        )
        self._writer.writerow([str(step)] + [_cell(metrics.get(name)) for name in names])
        self._handle.flush()

    def close(self) -> None:
        """Close the file."""
        if self.enabled:
            self._handle.close()


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)
