"""Base models (Hugging Face folders, or ids already in the local cache) and the ``ft:`` names."""

from __future__ import annotations

import os
from pathlib import Path

from tuiftune.server.catalog import BaseModel, fine_tuned_name
from tuiftune.server.ids import stable_id

ORG = "local"


class ModelError(Exception):
    """A base model that cannot be used, as one line."""


def _cached(model_id: str) -> Path | None:
    """The snapshot folder of ``model_id`` in the local Hugging Face cache, if any (no download)."""
    if model_id.count("/") != 1:
        return None
    home = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    hub = Path(os.environ.get("HF_HUB_CACHE", home / "hub"))
    repo = hub / ("models--" + model_id.replace("/", "--"))
    ref = repo / "refs" / "main"
    if ref.is_file():
        snapshot = repo / "snapshots" / ref.read_text().strip()
        if (snapshot / "config.json").is_file():
            return snapshot
    snapshots = sorted((repo / "snapshots").glob("*/config.json")) if repo.is_dir() else []
    return snapshots[-1].parent if snapshots else None


def find_base_model(spec: str) -> tuple[str, Path]:
    """``(name, folder)`` for a folder or a cached id, named by its last part."""
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"{spec}: not a Hugging Face model folder (no config.json)")
        return path.resolve().name, path.resolve()
    cached = _cached(spec)
    if cached is not None:
        return spec.rsplit("/", 1)[-1], cached
    raise ModelError(
        f"{spec}: no such model folder, and not in the local Hugging Face cache "
        "(nothing is downloaded)"
    )


def base_model_info(name: str, folder: Path) -> BaseModel:
    """The ``/v1/models`` entry of a local base model."""
    try:
        created = int(folder.stat().st_mtime)
    except OSError:
        created = 0
    return BaseModel(name, created, "o200k_base", legacy=False, dpo=True, owned_by=ORG)


def model_short_id(job_id: str) -> str:
    """The 8-character tail of a job's fine-tuned model name."""
    return stable_id("", job_id, "model", length=8)


def fine_tuned_model_name(base: str, suffix: str | None, job_id: str) -> str:
    """``ft:<base>:local:<suffix>:<id>``."""
    return fine_tuned_name(base, ORG, suffix, model_short_id(job_id))


def checkpoint_model_name(base: str, suffix: str | None, job_id: str, step: int) -> str:
    """``ft:<base>:local:<suffix>:<id>:ckpt-step-N``."""
    return f"{fine_tuned_model_name(base, suffix, job_id)}:ckpt-step-{step}"
