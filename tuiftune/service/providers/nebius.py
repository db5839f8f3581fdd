"""Nebius Token Factory: OpenAI's fine-tuning protocol, so a preset on the OpenAI provider.

What differs is only the defaults (the base URL, its own key, never ``OPENAI_API_KEY``) and
Nebius' hyperparameters in ``method.supervised.hyperparameters``: an absolute learning rate,
LoRA settings, context length, packing. Any other OpenAI-compatible fine-tuning service is the
same kind of preset: a profile with ``provider = "openai"`` and its ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from tuiftune.config import BackendKind, ConfigError
from tuiftune.service.lora import LoraOptions, check_support, merged, whole, without_lora
from tuiftune.service.providers.openai_convert import OpenAIExtraBody, create_body
from tuiftune.service.providers.rewriting_jobs import RewritingJobs
from tuiftune.service.types import JobSpec, ProviderExtras

if TYPE_CHECKING:
    from tuiftune.config import ResolvedProfile
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.providers.registry import ProviderOptions

DEFAULT_BASE_URL = "https://api.tokenfactory.nebius.com/v1"
DEFAULT_LEARNING_RATE = 1e-5
"""Nebius' documented default; the neutral learning-rate multiplier scales it."""


@dataclass(frozen=True)
class NebiusJobOptions(ProviderExtras):
    """Nebius' own hyperparameters, for ``JobSpec.extras``; None leaves Nebius' default."""

    lora: bool | None = None
    lora_r: int | None = None
    lora_alpha: int | None = None
    lora_dropout: float | None = None
    learning_rate: float | None = None
    context_length: int | None = None
    packing: bool | None = None
    warmup_ratio: float | None = None
    weight_decay: float | None = None
    max_grad_norm: float | None = None


LORA_SETTINGS = frozenset({"lora_r", "lora_alpha", "lora_dropout", "max_seq_len"})
"""Nebius takes these (``max_seq_len`` as ``context_length``); not the modules adapted."""


def _with_lora(spec: JobSpec, opts: NebiusJobOptions) -> NebiusJobOptions:
    """Nebius' options with the neutral LoRA settings in its names (refused if they clash)."""
    lora = spec.extra(LoraOptions)
    if lora is None:
        return opts
    check_support(spec, LORA_SETTINGS, "Nebius")
    alpha = None if lora.lora_alpha is None else whole(lora.lora_alpha, "lora_alpha", "Nebius")
    settings = {
        "lora_r": merged(opts.lora_r, lora.lora_r, "lora_r", "Nebius"),
        "lora_alpha": merged(opts.lora_alpha, alpha, "lora_alpha", "Nebius"),
        "lora_dropout": merged(opts.lora_dropout, lora.lora_dropout, "lora_dropout", "Nebius"),
    }
    context = merged(opts.context_length, lora.max_seq_len, "context_length", "Nebius")
    # LoRA settings mean a LoRA job, unless the user said otherwise in Nebius' own options.
    wants_lora = (
        opts.lora
        if opts.lora is not None
        else (True if any(v is not None for v in settings.values()) else None)
    )
    return replace(opts, **settings, context_length=context, lora=wants_lora)


def nebius_spec(spec: JobSpec) -> JobSpec:
    """The spec with its hyperparameters in Nebius' names (OpenAI's method shape)."""
    opts = _with_lora(spec, spec.extra(NebiusJobOptions) or NebiusJobOptions())
    spec = without_lora(spec)
    method = create_body(spec)["method"]
    params: dict[str, Any] = dict(method[spec.method]["hyperparameters"])
    mult = params.pop("learning_rate_multiplier", None)
    learning_rate = opts.learning_rate
    if learning_rate is None and isinstance(mult, int | float):
        learning_rate = DEFAULT_LEARNING_RATE * mult
    own = {
        "learning_rate": learning_rate,
        "lora": opts.lora,
        "lora_r": opts.lora_r,
        "lora_alpha": opts.lora_alpha,
        "lora_dropout": opts.lora_dropout,
        "context_length": opts.context_length,
        "packing": opts.packing,
        "warmup_ratio": opts.warmup_ratio,
        "weight_decay": opts.weight_decay,
        "max_grad_norm": opts.max_grad_norm,
    }
    params.update({k: v for k, v in own.items() if v is not None})
    body = {"method": {"type": spec.method, spec.method: {"hyperparameters": params}}}
    return replace(spec, extras=(*spec.extras, OpenAIExtraBody(fields=body)))


def create_provider(profile: ResolvedProfile, options: ProviderOptions) -> Provider:
    """The registry's factory for ``provider = "nebius"`` (key from ``api_key_env``)."""
    from tuiftune.service.providers import openai as openai_provider

    if profile.api_key is None:
        raise ConfigError(f"profile {profile.name!r} (nebius) needs an API key (api_key_env)")
    preset = replace(
        profile, kind=BackendKind.COMPATIBLE, base_url=profile.base_url or DEFAULT_BASE_URL
    )
    provider = openai_provider.create_provider(
        preset, replace(options, label=options.label or "NEBIUS")
    )
    provider.name = "nebius"
    provider.jobs = RewritingJobs(provider.jobs, nebius_spec)
    provider.lora_settings = LORA_SETTINGS
    return provider
