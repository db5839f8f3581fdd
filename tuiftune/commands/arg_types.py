"""Numeric option types for the commands (eval, jobs): one clear line for a bad value."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """A whole number above 0."""
    return int(positive_float(text, int))


MAX_CONCURRENCY = 1024  # more requests in flight than any provider's rate limit allows


def concurrency(text: str) -> int:
    """Requests at once: 1 to ``MAX_CONCURRENCY``."""
    value = positive_int(text)
    if value > MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"at most {MAX_CONCURRENCY} requests at once")
    return value


def positive_float(text: str, kind: type[float] | type[int] = float) -> float:
    """A finite number above 0 (or a whole one, with ``kind=int``)."""
    value = finite(text) if kind is float else kind(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def finite(text: str) -> float:
    """A number, not nan or inf."""
    # float() takes "nan" and "inf"; a request with them fails only once the run is paid for.
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def temperature(text: str) -> float:
    """A sampling temperature, 0 to 2."""
    value = finite(text)
    if not 0 <= value <= 2:
        raise argparse.ArgumentTypeError("must be between 0 and 2")
    return value
