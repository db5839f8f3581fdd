"""LoRA settings and the longest sequence, carried on a ``JobSpec`` for any provider.

``LoraOptions`` is the neutral form (the local trainer's names: ``lora_r``, ``lora_alpha``,
``lora_dropout``, ``target_modules``, ``max_seq_len``). Each provider declares which of them it
takes (``Provider.lora_settings``) and maps them to its own names; one it does not take is
refused before anything is uploaded (``check_lora_support``), never dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from tuiftune.service.errors import BadRequestError
from tuiftune.service.types import JobSpec, ProviderExtras

if TYPE_CHECKING:
    from tuiftune.service.providers.base import Provider

ALL_LINEAR = "all-linear"
LORA_SETTINGS = ("lora_r", "lora_alpha", "lora_dropout", "target_modules", "max_seq_len")
ALL_SETTINGS = frozenset(LORA_SETTINGS)
FLAGS = {
    "lora_r": "--lora-r",
    "lora_alpha": "--lora-alpha",
    "lora_dropout": "--lora-dropout",
    "target_modules": "--target-modules",
    "max_seq_len": "--max-seq-len",
}
# The local trainer's own bounds (server/trainers/local_engine/hyperparams.py), so a bad value
# is refused here before an upload rather than by the server after it.
MAX_RANK = 1024
MIN_SEQ, MAX_SEQ = 8, 1_048_576
_MODULE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_TITLES = {
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "together": "Together",
    "nebius": "Nebius",
    "fireworks": "Fireworks",
}


@dataclass(frozen=True)
class LoraOptions(ProviderExtras):
    """LoRA rank, alpha, dropout, the modules adapted, the longest sequence; None leaves the
    provider's default."""

    lora_r: int | None = None
    lora_alpha: float | None = None
    lora_dropout: float | None = None
    target_modules: str | tuple[str, ...] | None = None
    """``all-linear`` or module names (``q_proj``, ``v_proj``)."""
    max_seq_len: int | None = None

    def given(self) -> dict[str, Any]:
        """The settings with a value, in the local trainer's names (module names as a list)."""
        out: dict[str, Any] = {}
        for name in LORA_SETTINGS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def describe(self) -> str:
        """``lora_r 4, max_seq_len 256`` (module names joined with commas)."""
        return ", ".join(f"{k} {show_value(v)}" for k, v in self.given().items())


def show_value(value: object) -> str:
    """A setting as a user types it: ``16`` for 16.0, module names joined with commas."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_target_modules(text: str) -> str | tuple[str, ...] | None:
    """``all-linear`` or a comma list of module names; None for empty or ``auto``; raises
    ValueError naming a bad name."""
    text = text.strip()
    if not text or text == "auto":
        return None
    if text == ALL_LINEAR:
        return ALL_LINEAR
    names = tuple(part.strip() for part in text.split(","))
    for name in names:
        if not _MODULE.match(name):
            raise ValueError(
                f"target_modules: {name!r} is not a module name (use all-linear or q_proj,v_proj)"
            )
    return names


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_lora(opts: LoraOptions | None) -> list[str]:
    """Every range problem of the settings, one line each (empty when they may be sent)."""
    if opts is None:
        return []
    problems: list[str] = []
    r, alpha, dropout, seq = opts.lora_r, opts.lora_alpha, opts.lora_dropout, opts.max_seq_len
    if r is not None and not (
        isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= MAX_RANK
    ):
        problems.append(f"lora_r must be an integer from 1 to {MAX_RANK} (got {r!r})")
    if alpha is not None and not (_number(alpha) and alpha > 0):
        problems.append(f"lora_alpha must be a number > 0 (got {alpha!r})")
    if dropout is not None and not (_number(dropout) and 0 <= dropout < 1):
        problems.append(f"lora_dropout must be >= 0 and < 1 (got {dropout!r})")
    if seq is not None and not (
        isinstance(seq, int) and not isinstance(seq, bool) and MIN_SEQ <= seq <= MAX_SEQ
    ):
        problems.append(f"max_seq_len must be an integer from {MIN_SEQ} to {MAX_SEQ} (got {seq!r})")
    modules = opts.target_modules
    if modules is not None and modules != ALL_LINEAR:
        if isinstance(modules, str) or not modules:
            problems.append(f"target_modules must be all-linear or module names (got {modules!r})")
        else:
            bad = [m for m in modules if not (isinstance(m, str) and _MODULE.match(m))]
            if bad:
                problems.append(f"target_modules: {bad[0]!r} is not a module name")
    return problems


def provider_title(provider: Provider) -> str:
    """How a refusal names the provider: OpenAI, Azure OpenAI, Together, ... or its label."""
    return _TITLES.get(provider.name, provider.label)


def refusal(who: str, setting: str) -> BadRequestError:
    """``OpenAI does not take lora_r; ...``: one line naming the setting and its flag."""
    text = (
        f"{who} does not take {setting}; leave {FLAGS.get(setting, setting)} unset there "
        "(a `tuiftune serve --trainer local` server takes every LoRA setting)"
    )
    return BadRequestError(text[0].upper() + text[1:], param=setting, status=None)


def unsupported(spec: JobSpec, supported: Iterable[str]) -> str | None:
    """The first LoRA setting of ``spec`` outside ``supported``, or None."""
    opts = spec.extra(LoraOptions)
    if opts is None:
        return None
    allowed = set(supported)
    return next((k for k in opts.given() if k not in allowed), None)


def check_support(spec: JobSpec, supported: Iterable[str], who: str) -> JobSpec:
    """``spec`` unchanged, or a refusal naming the first setting ``who`` does not take."""
    setting = unsupported(spec, supported)
    if setting is not None:
        raise refusal(who, setting)
    return spec


def check_lora_support(provider: Provider, spec: JobSpec) -> None:
    """Refuse, before any upload, a LoRA setting the provider does not take."""
    check_support(spec, provider.lora_settings, provider_title(provider))


def whole(value: float, name: str, who: str) -> int:
    """``value`` as an integer for a provider that takes only whole numbers (else refused)."""
    if float(value).is_integer():
        return int(value)
    raise BadRequestError(
        f"{who} takes a whole number for {name} (got {value:g})", param=name, status=None
    )


def merged(own: Any, neutral: Any, name: str, who: str) -> Any:
    """A provider option from its own extras or the neutral one; refused when both are set
    and disagree (neither may silently win)."""
    if own is not None and neutral is not None and own != neutral:
        raise BadRequestError(
            f"{name} is set twice for {who} ({own!r} and {neutral!r})", param=name, status=None
        )
    return own if own is not None else neutral


def without_lora(spec: JobSpec) -> JobSpec:
    """``spec`` with its ``LoraOptions`` taken out (once a provider has mapped them)."""
    return replace(spec, extras=tuple(e for e in spec.extras if not isinstance(e, LoraOptions)))


def lora_from_hyperparameters(params: Mapping[str, Any]) -> LoraOptions | None:
    """The LoRA settings a job reports (a rerun keeps them), or None when it reports none;
    Fireworks' ``lora_rank`` counts as ``lora_r``."""
    rank = params.get("lora_r", params.get("lora_rank"))
    modules = params.get("target_modules")
    if isinstance(modules, list):
        modules = tuple(str(m) for m in modules)
    elif not isinstance(modules, str):
        modules = None
    opts = LoraOptions(
        lora_r=rank if isinstance(rank, int) and not isinstance(rank, bool) else None,
        lora_alpha=params["lora_alpha"] if _number(params.get("lora_alpha")) else None,
        lora_dropout=params["lora_dropout"] if _number(params.get("lora_dropout")) else None,
        target_modules=modules,
        max_seq_len=params["max_seq_len"] if isinstance(params.get("max_seq_len"), int) else None,
    )
    return opts if opts.given() else None
