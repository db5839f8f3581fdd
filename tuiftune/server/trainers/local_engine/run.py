"""The training subprocess's entry: signals first, then torch; every failure is one line."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from tuiftune.server.trainers.local_engine.config import RunConfig, RunError, load_config
from tuiftune.server.trainers.local_engine.control import Control
from tuiftune.server.trainers.local_engine.progress import Progress


def _rank() -> int:
    return int(os.environ.get("RANK", "0"))


def _oom_line(exc: BaseException, step: int, hyper: dict[str, object]) -> str | None:
    text = str(exc)
    if "out of memory" not in text.lower() and "can't allocate memory" not in text:
        return None
    where = f" at step {step}" if step else ""
    batch, limit = hyper.get("batch_size", "auto"), hyper.get("max_seq_len", "auto")
    sizes = f"batch_size {batch}, max_seq_len {limit}"
    return f"out of memory{where} ({sizes}): lower batch_size or max_seq_len"


def main(argv: list[str]) -> int:
    """Run ``train --config FILE``; the exit code is 0 (done, paused, cancelled), 1 (error)
    or 3 (the server went away)."""
    parser = argparse.ArgumentParser(prog="python -m tuiftune.server.trainers.local_engine")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="run one training job from its config.json")
    train.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)

    run_dir = args.config.parent
    try:
        cfg = load_config(args.config)
        run_dir = cfg.output_dir
    except RunError as exc:
        Progress(run_dir, _rank() == 0).emit("error", message=str(exc))
        return 1
    progress = Progress(run_dir, _rank() == 0)

    def early(reason: str) -> None:
        if reason == "cancelled":
            progress.emit("cancelled", step=0)
        else:
            progress.message("The server went away before training started: stopping", "warn")

    control = Control(run_dir, early)  # before importing torch: a cancel during imports is quick
    try:
        return _train(cfg, control, progress)
    finally:
        control.close()
        progress.close()


def _train(cfg: RunConfig, control: Control, progress: Progress) -> int:
    run = None
    try:
        from tuiftune.server.trainers.local_engine.distributed import launched_world, stop
        from tuiftune.server.trainers.local_engine.loop import Run

        world = launched_world()
        run = Run(cfg, world, progress, control)
        code = run.execute()
        stop(world)
        return code
    except RunError as exc:
        progress.emit("error", message=str(exc))
        return 1
    except (RuntimeError, MemoryError) as exc:
        line = _oom_line(exc, run.step if run else 0, cfg.hyperparameters)
        progress.emit("error", message=line or f"{type(exc).__name__}: {_first(exc)}")
        traceback.print_exc(file=sys.stderr)
        return 1
    except Exception as exc:  # anything else still ends as one readable line, details on stderr
        progress.emit("error", message=f"{type(exc).__name__}: {_first(exc)}")
        traceback.print_exc(file=sys.stderr)
        return 1


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "no details"
