"""Pieces shared by the dataset subcommands: options, prices, progress on a TTY."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from tuiftune.dataset.escapes import unescape as decode_escapes


def add_lint_options(parser: argparse.ArgumentParser) -> None:
    """Options that change what the linter reports."""
    parser.add_argument(
        "--model",
        help="base model for token counts, limits and cost (default: gpt-4o-mini-2024-07-18 for "
        "chat and DPO data, babbage-002 for legacy data; ft: names map to their base)",
    )
    parser.add_argument("--separator", help="the prompt separator to require (legacy data)")
    parser.add_argument("--stop", help="the completion stop sequence to require (legacy data)")


def unescape(value: str | None) -> str | None:
    r"""Turn ``\n``-style escapes typed on a command line into the characters (``EscapeError``)."""
    if value is None:
        return None
    return decode_escapes(value)


def price_overrides() -> dict[str, float]:
    """User price overrides from the config file (empty when there are none or it is unreadable)."""
    from tuiftune.config_paths import plain_prices

    plain = plain_prices()  # no pydantic on a lint's start-up for a plain (or no) config file
    if plain is not None:
        return plain
    try:
        from tuiftune.config import load_price_overrides
    except ImportError:
        return {}
    try:
        return load_price_overrides()
    except Exception as exc:  # a broken config must not stop a lint
        print(f"warning: ignoring price overrides: {exc}", file=sys.stderr)
        return {}


def tty_progress(label: str, stream: TextIO | None = None) -> Callable[[int, int], None] | None:
    """A progress callback that redraws one line on a terminal (None when not a TTY)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None
    last = [-1]
    out = stream

    def report(done: int, total: int) -> None:
        pct = 100 if total == 0 else done * 100 // total
        if pct != last[0]:
            last[0] = pct
            end = "\n" if done >= total else ""
            out.write(f"\r{label}: {pct:3d}% ({done:,}/{total:,})" + end)
            out.flush()

    return report


def read_text_option(option: str, path: Path) -> str:
    """A UTF-8 file an option names; ValueError with one line (option, path, why) otherwise."""
    try:
        if path.exists() and not path.is_file():  # a FIFO's read would block forever
            raise ValueError(f"{option} {path}: not a regular file")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{option} {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"{option} {path}: not UTF-8 text (byte {exc.start})") from exc
