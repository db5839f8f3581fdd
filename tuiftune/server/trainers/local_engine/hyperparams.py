"""Hyperparameters of a local LoRA run: OpenAI's names, the LoRA extras, and what ``auto`` means.

Pure Python (no torch), so the server can validate a job at POST time and show resolved values.

``auto`` resolves to:
- ``n_epochs``: OpenAI's rule, 3 raised so examples x epochs >= 100 (at most 25), lowered so
  examples x epochs <= 25,000 (at least 1);
- ``batch_size``: OpenAI's, about 0.2% of the examples, between 1 and 256;
- ``learning_rate_multiplier``: 2 for batches up to 4, 1 up to 32, else 0.5, times
  ``BASE_LEARNING_RATE`` (1e-4; the effective 2e-4 at small batches is the usual LoRA rate);
- ``beta`` (DPO): 0.1; ``seed``: 42;
- LoRA: rank 8, alpha 16, dropout 0.05, every linear layer of the blocks (peft's ``all-linear``);
- ``max_seq_len``: 2048, capped by the model's context length;
- ``eval_every_steps``: a tenth of the total steps (at least 1);
- ``gradient_checkpointing``: on only for CUDA runs of models with at least 1B parameters, where
  activations are what runs out of memory; it recomputes them in the backward pass, which makes
  a step slower (on CPU it only costs time: RAM is rarely the limit). ``true``/``false`` force it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

BASE_LEARNING_RATE = 1e-4
DEFAULT_SEED = 42
DEFAULT_MAX_SEQ_LEN = 2048
DEFAULTS: dict[str, Any] = {
    "beta": 0.1,
    "lora_r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.05,
    "target_modules": "all-linear",
}
OPENAI_KEYS = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta", "seed")
EXTRA_KEYS = (
    "lora_r",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "max_seq_len",
    "eval_every_steps",
    "gradient_checkpointing",
)
KEYS = OPENAI_KEYS + EXTRA_KEYS
CHECKPOINTING_PARAMETERS = 1_000_000_000  # ``auto`` turns it on from this size, on CUDA only

# key -> (kind, low, high): "int" inclusive bounds; "pos" > low and <= high; "frac" in [low, high).
_RANGES: dict[str, tuple[str, float, float]] = {
    "n_epochs": ("int", 1, 50),
    "batch_size": ("int", 1, 256),
    "learning_rate_multiplier": ("pos", 0, math.inf),
    "beta": ("pos", 0, 2),
    "seed": ("int", 0, 2_147_483_647),
    "lora_r": ("int", 1, 1024),
    "lora_alpha": ("pos", 0, math.inf),
    "lora_dropout": ("frac", 0, 1),
    "max_seq_len": ("int", 8, 1_048_576),
    "eval_every_steps": ("int", 1, 1_000_000),
}


def _number_error(key: str, value: object) -> str | None:
    kind, low, high = _RANGES[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        want = "an integer" if kind == "int" else "a number"
        return f"hyperparameters.{key}: expected 'auto' or {want}, got {value!r}"
    if kind == "int":
        if value != int(value):
            return f"hyperparameters.{key}: expected an integer, got {value!r}"
        if not low <= value <= high:
            return f"hyperparameters.{key}: expected {low:g} to {high:g}, got {value!r}"
    elif kind == "pos" and not low < value <= high:
        bound = "" if math.isinf(high) else f" and <= {high:g}"
        return f"hyperparameters.{key}: expected a value > {low:g}{bound}, got {value!r}"
    elif kind == "frac" and not low <= value < high:
        return f"hyperparameters.{key}: expected a value >= {low:g} and < {high:g}, got {value!r}"
    return None


def _targets_error(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return None
    return (
        "hyperparameters.target_modules: expected 'auto', 'all-linear' or a list of module "
        f"names, got {value!r}"
    )


def validate(raw: Mapping[str, Any] | None, method: str = "supervised") -> list[str]:
    """One readable line per problem in ``raw`` (empty when it is fine)."""
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        return [f"hyperparameters: expected an object, got {type(raw).__name__}"]
    errors: list[str] = []
    for key, value in raw.items():
        if key not in KEYS:
            errors.append(f"hyperparameters.{key}: unknown hyperparameter")
        elif key == "beta" and method != "dpo":
            errors.append("hyperparameters.beta: only DPO jobs take beta")
        elif value is None or value == "auto":
            continue
        elif key == "target_modules":
            errors.extend(e for e in [_targets_error(value)] if e)
        elif key == "gradient_checkpointing":
            if not isinstance(value, bool):
                errors.append(
                    f"hyperparameters.{key}: expected 'auto', true or false, got {value!r}"
                )
        else:
            errors.extend(e for e in [_number_error(key, value)] if e)
    return errors


def auto_epochs(examples: int) -> int:
    """OpenAI's rule: 3, raised so examples x epochs >= 100 (max 25), lowered to <= 25,000."""
    if examples <= 0:
        return 3
    if examples * 3 < 100:
        return min(25, math.ceil(100 / examples))
    if examples * 3 > 25_000:
        return max(1, 25_000 // examples)
    return 3


def auto_batch_size(examples: int) -> int:
    """About 0.2% of the examples, between 1 and 256."""
    return max(1, min(256, round(examples * 0.002)))


def auto_multiplier(batch_size: int) -> float:
    """Larger batches average more gradients, so they take a smaller multiplier."""
    if batch_size <= 4:
        return 2.0
    if batch_size <= 32:
        return 1.0
    return 0.5


def _given(raw: Mapping[str, Any], key: str) -> Any:
    value = raw.get(key)
    return None if value == "auto" else value


def resolve(
    method: str,
    raw: Mapping[str, Any] | None,
    n_examples: int,
    context_length: int | None = None,
) -> dict[str, Any]:
    """Every hyperparameter as a number (or list), ``auto`` and absent keys resolved."""
    raw = raw or {}
    epochs = _given(raw, "n_epochs")
    batch = _given(raw, "batch_size")
    n_epochs = auto_epochs(n_examples) if epochs is None else int(epochs)
    batch_size = auto_batch_size(n_examples) if batch is None else int(batch)
    multiplier = _given(raw, "learning_rate_multiplier")
    multiplier = auto_multiplier(batch_size) if multiplier is None else float(multiplier)
    max_seq_len = _given(raw, "max_seq_len")
    max_seq_len = DEFAULT_MAX_SEQ_LEN if max_seq_len is None else int(max_seq_len)
    if context_length:
        max_seq_len = min(max_seq_len, context_length)
    steps_per_epoch = max(1, math.ceil(n_examples / batch_size))
    every = _given(raw, "eval_every_steps")
    every = max(1, (steps_per_epoch * n_epochs) // 10) if every is None else int(every)
    seed = _given(raw, "seed")
    out: dict[str, Any] = {
        "n_epochs": n_epochs,
        "batch_size": batch_size,
        "learning_rate_multiplier": multiplier,
        "learning_rate": BASE_LEARNING_RATE * multiplier,
        "seed": DEFAULT_SEED if seed is None else int(seed),
        "max_seq_len": max_seq_len,
        "eval_every_steps": every,
        "steps_per_epoch": steps_per_epoch,
        "total_steps": steps_per_epoch * n_epochs,
    }
    for key in ("lora_r", "lora_alpha", "lora_dropout", "target_modules"):
        value = _given(raw, key)
        out[key] = DEFAULTS[key] if value is None else value
    out["lora_r"] = int(out["lora_r"])
    out["lora_alpha"] = float(out["lora_alpha"])
    out["lora_dropout"] = float(out["lora_dropout"])
    checkpointing = _given(raw, "gradient_checkpointing")
    out["gradient_checkpointing"] = "auto" if checkpointing is None else bool(checkpointing)
    if method == "dpo":
        beta = _given(raw, "beta")
        out["beta"] = DEFAULTS["beta"] if beta is None else float(beta)
    return out


def checkpointing_wanted(value: object, device_type: str, parameters: int) -> bool:
    """Whether a run uses gradient checkpointing: as asked, or ``auto``'s rule (CUDA, >= 1B)."""
    if isinstance(value, bool):
        return value
    return device_type == "cuda" and parameters >= CHECKPOINTING_PARAMETERS
