"""Hyperparameters: range checks with OpenAI's error shape, and the ``auto`` rules."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from tuiftune.server.errors import APIError, invalid

# One copy of OpenAI's auto rules: the engine's module is pure Python, so both trainers share it.
from tuiftune.server.trainers.local_engine.hyperparams import auto_batch_size as auto_batch_size
from tuiftune.server.trainers.local_engine.hyperparams import auto_epochs as auto_epochs
from tuiftune.server.trainers.local_engine.hyperparams import auto_multiplier

Hyper = dict[str, Any]

SUPERVISED_KEYS = ("n_epochs", "batch_size", "learning_rate_multiplier")
DPO_KEYS = ("beta", *SUPERVISED_KEYS)


def _range_error(param: str, kind: str, below: bool, bound: float, got: object) -> APIError:
    word = "below minimum" if below else "above maximum"
    sign = ">=" if below else "<="
    code = f"{kind}_{'below_min' if below else 'above_max'}_value"
    return invalid(
        f"Invalid '{param}': {kind} {word} value. Expected a value {sign} {bound:g}, "
        f"but got {got} instead.",
        param=param,
        code=code,
    )


def _check_int(param: str, value: object, low: int, high: int) -> int | str:
    if value == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise invalid(
            f"Invalid type for '{param}': expected 'auto' or an integer, but got {value!r}.",
            param=param,
            code="invalid_type",
        )
    if value < low:
        raise _range_error(param, "integer", True, low, value)
    if value > high:
        raise _range_error(param, "integer", False, high, value)
    return int(value)


def _check_positive(param: str, value: object, high: float | None = None) -> float | str:
    if value == "auto":
        return "auto"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(
            f"Invalid type for '{param}': expected 'auto' or a number, but got {value!r}.",
            param=param,
            code="invalid_type",
        )
    if value <= 0:
        raise invalid(
            f"Invalid '{param}': decimal below minimum value. Expected a value > 0, "
            f"but got {value} instead.",
            param=param,
            code="decimal_below_min_value",
        )
    if high is not None and value > high:
        raise _range_error(param, "decimal", False, high, value)
    return float(value)


def parse(raw: Any, method: str, prefix: str, extras: Collection[str] = ()) -> Hyper:
    """Check a ``hyperparameters`` object; ``prefix`` names it in errors (``method.dpo...``).

    ``extras`` are keys a trainer accepts beyond OpenAI's (LoRA rank, say): passed through
    as given, for the trainer to check.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise invalid(f"Invalid type for '{prefix}': expected an object.", param=prefix)
    keys = DPO_KEYS if method == "dpo" else SUPERVISED_KEYS
    unknown = sorted(set(raw) - set(keys) - set(extras))
    if unknown:
        param = f"{prefix}.{unknown[0]}"
        raise invalid(
            f"Unrecognized hyperparameter for {method} fine-tuning: '{unknown[0]}'.",
            param=param,
            code="unknown_parameter",
        )
    out: Hyper = {}
    out["n_epochs"] = _check_int(f"{prefix}.n_epochs", raw.get("n_epochs", "auto"), 1, 50)
    out["batch_size"] = _check_int(f"{prefix}.batch_size", raw.get("batch_size", "auto"), 1, 256)
    out["learning_rate_multiplier"] = _check_positive(
        f"{prefix}.learning_rate_multiplier", raw.get("learning_rate_multiplier", "auto")
    )
    if method == "dpo":
        out["beta"] = _check_positive(f"{prefix}.beta", raw.get("beta", "auto"), high=2.0)
    out.update({key: raw[key] for key in extras if key in raw and key not in out})
    return out


def resolve(requested: Hyper, examples: int) -> tuple[int, int, float, float | None]:
    """Turn ``auto`` into numbers: (n_epochs, batch_size, learning_rate_multiplier, beta)."""
    n_epochs = requested.get("n_epochs", "auto")
    batch = requested.get("batch_size", "auto")
    lr = requested.get("learning_rate_multiplier", "auto")
    epochs = auto_epochs(examples) if n_epochs == "auto" else int(n_epochs)
    batch_size = auto_batch_size(examples) if batch == "auto" else int(batch)
    multiplier = auto_multiplier(batch_size) if lr == "auto" else float(lr)
    beta: float | None = None
    if "beta" in requested:
        beta = 0.1 if requested["beta"] == "auto" else float(requested["beta"])
    return epochs, batch_size, multiplier, beta
