"""A run's config.json (written by the server; see the contract), read into a typed object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuiftune.server.trainers.local_engine.hyperparams import validate


class RunError(ValueError):
    """A problem to report as one readable line (bad data, missing model, out of memory)."""


class RequestError(RunError):
    """A generation request that cannot be answered as asked (the prompt, its messages or its
    sampling settings): the client's to fix, so the server answers 400, not 500."""


@dataclass(frozen=True)
class RunConfig:
    """What one training run does and where it writes."""

    job_id: str
    base_model: str
    method: str
    training_file: Path
    validation_file: Path | None
    hyperparameters: dict[str, Any]
    from_adapter: Path | None
    output_dir: Path
    resume_from: Path | None
    keep_checkpoints: int = 3
    device: str = "auto"
    dtype: str = "auto"
    num_threads: int | None = None


def _path(value: Any, key: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RunError(f"config.json: '{key}' must be a path or null")
    return Path(value)


def load_config(path: Path) -> RunConfig:
    """Read and check ``path``; raise :class:`RunError` with one line naming the bad key."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RunError(f"{path}: cannot read the run config ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(raw, dict):
        raise RunError(f"{path}: expected a JSON object")
    for key in ("job_id", "base_model", "method", "training_file", "output_dir"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise RunError(f"{path}: '{key}' is missing or not a string")
    method = raw["method"]
    if method not in ("supervised", "dpo"):
        raise RunError(f"{path}: 'method' must be 'supervised' or 'dpo', got {method!r}")
    hyper = raw.get("hyperparameters") or {}
    problems = validate(hyper, method)
    if problems:
        raise RunError(f"{path}: {problems[0]}")
    threads = raw.get("num_threads")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise RunError(f"{path}: 'num_threads' must be a positive integer or null")
    keep = raw.get("keep_checkpoints", 3)
    if not isinstance(keep, int) or keep < 1:
        raise RunError(f"{path}: 'keep_checkpoints' must be a positive integer")
    training = _path(raw["training_file"], "training_file")
    output = _path(raw["output_dir"], "output_dir")
    assert training is not None and output is not None
    return RunConfig(
        job_id=raw["job_id"],
        base_model=raw["base_model"],
        method=method,
        training_file=training,
        validation_file=_path(raw.get("validation_file"), "validation_file"),
        hyperparameters=dict(hyper),
        from_adapter=_path(raw.get("from_adapter"), "from_adapter"),
        output_dir=output,
        resume_from=_path(raw.get("resume_from"), "resume_from"),
        keep_checkpoints=keep,
        device=str(raw.get("device") or "auto"),
        dtype=str(raw.get("dtype") or "auto"),
        num_threads=threads,
    )
