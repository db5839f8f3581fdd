"""Text formatting shared by the screens and the headless commands (which never import each
other): safe one-line text, times, status colours, a job's method and error.

Everything a server sends is data: ``clean`` shows control characters as escapes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tuiftune.dataset.preview import UNSAFE_CHARS

if TYPE_CHECKING:
    from tuiftune.service.types import Job

# The lint's and the editor's class (C0/C1, DEL, bidi controls, line separators, lone
# surrogates) plus the line feed: one line, and nothing that reorders or hides what it says.
_CONTROL = re.compile(f"[\n{UNSAFE_CHARS}]")
HYPERPARAMETER_KEYS = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta")
LORA_KEYS = ("lora_r", "lora_rank", "lora_alpha", "lora_dropout", "target_modules", "max_seq_len")
"""The LoRA settings a server echoes (the local trainer resolves them all; Fireworks says
``lora_rank``): shown after OpenAI's own."""
STATUS_STYLE = {
    "succeeded": "green",
    "failed": "bold red",
    "cancelled": "yellow",
    "running": "cyan",
    "paused": "magenta",
}


def clean(text: object) -> str:
    """``text`` on one line with control characters shown as escapes (``\\x1b``, ``\\n``), so
    a server's text cannot move the cursor, clear the screen or fake extra lines."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def when(epoch: float | None, *, date: bool = True) -> str:
    """A Unix time as local ``YYYY-MM-DD HH:MM:SS`` (or only the time); ``-`` when unknown."""
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


def hyperparameters(job: Job) -> dict[str, Any]:
    """The job's known hyperparameters that have a value, in a fixed order (OpenAI's, then
    the LoRA settings)."""
    hp = job.hyperparameters
    return {k: hp[k] for k in HYPERPARAMETER_KEYS + LORA_KEYS if hp.get(k) is not None}


def _setting(key: str, value: Any) -> str:
    if key not in LORA_KEYS:
        return str(value)
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # the server's 16.0 is the 16 the user typed
    return str(value)


def describe_hyperparameters(job: Job) -> str:
    """``supervised (n_epochs 3, batch_size 1, ..., lora_r 8, max_seq_len 2048)``."""
    inner = ", ".join(f"{k} {_setting(k, v)}" for k, v in hyperparameters(job).items())
    return f"{job.method} ({inner})" if inner else job.method


def job_error(job: Job) -> dict[str, Any] | None:
    """The job's ``error`` as ``{code, message, param}``, or None when there is none."""
    err = job.error
    if err is None or not (err.code or err.message):
        return None
    return {"code": err.code, "message": err.message, "param": err.param}
