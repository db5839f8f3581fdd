"""``tuiftune jobs create``'s LoRA and test-set flags, and what they add to the request.

Kept apart from ``jobs_create`` (which imports the launch flow) so building the parser stays
cheap; the ranges are checked with the rest of the request (``service.lora.check_lora``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuiftune.service.lora import LoraOptions


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _modules(text: str) -> str | tuple[str, ...]:
    from tuiftune.service.lora import ALL_LINEAR, parse_target_modules

    try:
        modules = parse_target_modules(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return ALL_LINEAR if modules is None else modules


def add_lora_flags(parser: argparse.ArgumentParser) -> None:
    """``--lora-r`` ... ``--max-seq-len`` and ``--test-file`` on ``jobs create``."""
    group = parser.add_argument_group(
        "LoRA",
        "where the provider takes them: a `tuiftune serve --trainer local` server and Together "
        "all; Nebius all but --target-modules; Fireworks --lora-r and --max-seq-len; OpenAI, "
        "Azure and the sandbox none (refused before any upload)",
    )
    group.add_argument("--lora-r", type=_int, metavar="N", help="LoRA rank (1-1024)")
    group.add_argument("--lora-alpha", type=_float, metavar="X", help="LoRA alpha (> 0)")
    group.add_argument("--lora-dropout", type=_float, metavar="X", help="LoRA dropout (0 to <1)")
    group.add_argument(
        "--target-modules",
        type=_modules,
        metavar="M",
        help="modules to adapt: all-linear or a comma list (q_proj,v_proj)",
    )
    group.add_argument(
        "--max-seq-len",
        type=_int,
        metavar="N",
        help="longest training sequence in tokens (8 or more)",
    )
    parser.add_argument(
        "--test-file",
        type=Path,
        metavar="F",
        help="a held-out test set (JSONL) on this machine; its absolute path is recorded in the "
        "job's metadata as tuiftune_test_file, so checkpoints can be scored on it as they land",
    )


def lora_options(args: argparse.Namespace) -> LoraOptions | None:
    """The LoRA settings given on the command line, or None when none was."""
    from tuiftune.service.lora import LoraOptions

    opts = LoraOptions(
        lora_r=getattr(args, "lora_r", None),
        lora_alpha=getattr(args, "lora_alpha", None),
        lora_dropout=getattr(args, "lora_dropout", None),
        target_modules=getattr(args, "target_modules", None),
        max_seq_len=getattr(args, "max_seq_len", None),
    )
    return opts if opts.given() else None
