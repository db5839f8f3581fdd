"""Resumable states (adapter + optimizer + scheduler + RNG + position) and per-epoch checkpoints.

Both are written to a temporary folder and renamed into place, so a kill mid-write leaves the
previous one intact; older ones are pruned after the new one exists.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from tuiftune.server.trainers.local_engine.config import RunError
from tuiftune.server.trainers.local_engine.distributed import World
from tuiftune.server.trainers.local_engine.hyperparams import KEYS

STATE_FILE = "state.pt"
# Settings that change how a step is computed, not what it computes: a state saved with another
# value resumes, and so does one saved before the setting existed (gradient_checkpointing came
# after the first paused jobs: their states lack it, commit 0980383).
RESULT_NEUTRAL = frozenset({"gradient_checkpointing"})


def state_mismatch(state: dict[str, Any], resolved: dict[str, Any], examples: int) -> str | None:
    """What differs between a saved state's run and this one (data or a setting), or None."""
    if state.get("examples") != examples:
        return f"{state.get('examples')} training examples then, {examples} now"
    saved: dict[str, Any] = state.get("resolved") or {}
    # The settings a user gives first, in their documented order; then the derived ones.
    rest = sorted((saved.keys() | resolved.keys()) - set(KEYS))
    for key in [k for k in (*KEYS, *rest) if k not in RESULT_NEUTRAL]:
        then, now = saved.get(key, "unset"), resolved.get(key, "unset")
        if then != now:
            return f"hyperparameters.{key} was {then!r}, now {now!r}"
    return None


def step_name(step: int) -> str:
    """Folder name of a step's state or checkpoint."""
    return f"step-{step:06d}"


def trainable(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The parameters the optimizer updates, by name."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def _rng(device: torch.device) -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def save_state(
    run_dir: Path,
    world: World,
    device: torch.device,
    payload: dict[str, Any],
    keep: int = 1,
) -> Path:
    """Write a state for ``payload['step']``; every rank adds its own RNG state."""
    root = run_dir / "state"
    final = root / step_name(payload["step"])
    tmp = root / f".{final.name}.tmp"
    if world.main:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
    world.barrier()
    torch.save(_rng(device), tmp / f"rng-{world.rank}.pt")
    if world.main:
        torch.save(payload, tmp / STATE_FILE)
    world.barrier()
    if world.main:
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
        older = sorted(p for p in root.glob("step-*") if p.name < final.name)
        for path in older[: max(0, len(older) - (keep - 1))]:
            shutil.rmtree(path, ignore_errors=True)
    world.barrier()
    return final


def load_state(path: Path, world: World, device: torch.device) -> dict[str, Any]:
    """Read a state written by :func:`save_state` and restore this rank's RNG."""
    file = path / STATE_FILE
    if not file.is_file():
        raise RunError(f"resume state not found: {file}")
    payload: dict[str, Any] = torch.load(file, map_location=device, weights_only=False)
    rng_file = path / f"rng-{world.rank}.pt"
    if not rng_file.is_file():
        raise RunError(
            f"{path}: no RNG state for rank {world.rank} (resumed with other processes?)"
        )
    rng = torch.load(rng_file, weights_only=False)
    payload["_rng"] = rng
    return payload


def restore_rng(rng: dict[str, Any], device: torch.device) -> None:
    """Put back the RNG streams saved with a state (dropout continues where it was)."""
    torch.set_rng_state(rng["torch"])
    random.setstate(rng["python"])
    if device.type == "cuda" and "cuda" in rng:
        torch.cuda.set_rng_state(rng["cuda"], device)


def load_trainable(model: torch.nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    """Copy saved adapter weights into the model's trainable parameters."""
    params = dict(model.named_parameters())
    missing = [n for n in tensors if n not in params]
    if missing:
        raise RunError(f"resume state does not match the model (no parameter {missing[0]})")
    with torch.no_grad():
        for name, value in tensors.items():
            params[name].copy_(value)


def save_checkpoint(
    run_dir: Path,
    peft_model: Any,
    step: int,
    keep: int,
    removed: Callable[[Path], None],
) -> Path:
    """Save the adapter as ``checkpoints/step-N`` (a PeftModel folder); keep the newest ``keep``."""
    root = run_dir / "checkpoints"
    final = root / step_name(step)
    tmp = root / f".{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    peft_model.save_pretrained(str(tmp))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    done = sorted(p for p in root.glob("step-*") if p.is_dir())
    for path in done[: max(0, len(done) - keep)]:
        shutil.rmtree(path, ignore_errors=True)
        removed(path)
    return final
