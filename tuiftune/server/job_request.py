"""Parsing and checking the body of ``POST /v1/fine_tuning/jobs``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tuiftune.server import hyperparameters
from tuiftune.server.errors import invalid, missing
from tuiftune.server.hyperparameters import Hyper

METHODS = ("supervised", "dpo", "reinforcement")
MAX_SEED = 2_147_483_647


@dataclass(frozen=True)
class JobRequest:
    """A checked create-job request; the model and files are not yet looked up."""

    model: str
    training_file: str
    validation_file: str | None
    suffix: str | None
    seed: int | None
    metadata: dict[str, str] | None
    integrations: list[dict[str, Any]] | None
    method: str
    hyperparameters: Hyper


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise invalid(
            f"Invalid type for '{key}': expected a string.", param=key, code="invalid_type"
        )
    return value


def _required_str(body: dict[str, Any], key: str) -> str:
    value = _opt_str(body, key)
    if not value:
        raise missing(key)
    return value


def check_metadata(value: Any, param: str = "metadata") -> dict[str, str] | None:
    """At most 16 pairs; keys up to 64 characters, string values up to 512."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(
            f"Invalid type for '{param}': expected an object.", param=param, code="invalid_type"
        )
    if len(value) > 16:
        raise invalid(f"Invalid '{param}': at most 16 key-value pairs are allowed.", param=param)
    for key, item in value.items():
        if len(key) > 64:
            raise invalid(
                f"Invalid '{param}': keys are at most 64 characters.", param=f"{param}.{key}"
            )
        if not isinstance(item, str) or len(item) > 512:
            raise invalid(
                f"Invalid '{param}.{key}': values must be strings of at most 512 characters.",
                param=f"{param}.{key}",
            )
    return dict(value)


def _integrations(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 5:
        raise invalid(
            "Invalid 'integrations': expected a list of at most 5 items.", param="integrations"
        )
    for i, item in enumerate(value):
        param = f"integrations[{i}]"
        if not isinstance(item, dict) or item.get("type") != "wandb":
            raise invalid(
                f"Invalid '{param}.type': only 'wandb' is supported.", param=f"{param}.type"
            )
        wandb = item.get("wandb")
        if not isinstance(wandb, dict) or not isinstance(wandb.get("project"), str):
            raise missing(f"{param}.wandb.project")
    return list(value)


def _method(body: dict[str, Any], extras: Collection[str]) -> tuple[str, Hyper]:
    method = body.get("method")
    legacy = body.get("hyperparameters")
    if method is None:
        return "supervised", hyperparameters.parse(legacy, "supervised", "hyperparameters", extras)
    if not isinstance(method, dict):
        raise invalid(
            "Invalid type for 'method': expected an object.", param="method", code="invalid_type"
        )
    kind = method.get("type")
    if kind not in METHODS:
        raise invalid(
            f"Invalid 'method.type': expected one of {', '.join(METHODS)}, but got {kind!r}.",
            param="method.type",
            code="invalid_value",
        )
    config = method.get(kind) or {}
    if not isinstance(config, dict):
        raise invalid(
            f"Invalid type for 'method.{kind}': expected an object.", param=f"method.{kind}"
        )
    raw = config.get("hyperparameters")
    if legacy is not None:
        if kind != "supervised" or raw is not None:
            raise invalid(
                "The deprecated 'hyperparameters' parameter cannot be combined with "
                f"'method.{kind}.hyperparameters'; set them in 'method' only.",
                param="hyperparameters",
            )
        return kind, hyperparameters.parse(legacy, kind, "hyperparameters", extras)
    return kind, hyperparameters.parse(raw, kind, f"method.{kind}.hyperparameters", extras)


def parse_job_request(body: dict[str, Any], extras: Collection[str] = ()) -> JobRequest:
    """Check every field's type and range; raise ``APIError`` naming the bad ``param``.

    ``extras``: hyperparameters the trainer takes beyond OpenAI's.
    """
    model = _required_str(body, "model")
    training_file = _required_str(body, "training_file")
    suffix = _opt_str(body, "suffix")
    if suffix is not None and not 1 <= len(suffix) <= 64:
        raise invalid(
            "Invalid 'suffix': string must be between 1 and 64 characters long.",
            param="suffix",
            code="invalid_value",
        )
    seed = body.get("seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise invalid(
                "Invalid type for 'seed': expected an integer.", param="seed", code="invalid_type"
            )
        if not 0 <= seed <= MAX_SEED:
            raise invalid(
                f"Invalid 'seed': expected an integer between 0 and {MAX_SEED}, but got {seed}.",
                param="seed",
                code="invalid_value",
            )
    method, hyper = _method(body, extras)
    return JobRequest(
        model=model,
        training_file=training_file,
        validation_file=_opt_str(body, "validation_file"),
        suffix=suffix,
        seed=seed,
        metadata=check_metadata(body.get("metadata")),
        integrations=_integrations(body.get("integrations")),
        method=method,
        hyperparameters=hyper,
    )
