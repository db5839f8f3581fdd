"""OpenAI wire shapes <-> neutral types: the only place that reads the SDK's objects.

Servers that copy OpenAI's API differ in small ways (``"error": {}`` on healthy jobs, the
suffix echoed as ``user_provided_suffix``, hyperparameters at the top or under ``method``), so
fields are read defensively from the object's JSON form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tuiftune.service.lora import LoraOptions
from tuiftune.service.types import (
    BatchCounts,
    BatchInfo,
    Checkpoint,
    CompletionResult,
    FileRef,
    Job,
    JobError,
    JobEvent,
    JobSpec,
    ModelInfo,
    ProviderExtras,
    Usage,
    classify_model,
)


@dataclass(frozen=True)
class OpenAIExtraBody(ProviderExtras):
    """Fields of ``POST /fine_tuning/jobs`` the neutral spec has no slot for; sent as they are."""

    fields: dict[str, Any] = field(default_factory=dict)


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    dump = getattr(obj, "model_dump", None)
    data = dump(mode="json") if dump is not None else {}
    return data if isinstance(data, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def method_and_hyperparameters(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The method's type and its hyperparameters (under ``method`` or, older, at the top)."""
    method = data.get("method") or {}
    kind = str(method.get("type") or "supervised") if isinstance(method, dict) else "supervised"
    inner = method.get(kind) if isinstance(method, dict) else None
    params = (inner or {}).get("hyperparameters") if isinstance(inner, dict) else None
    params = params or data.get("hyperparameters") or {}
    if not isinstance(params, dict):
        params = {}
    return kind, {k: v for k, v in params.items() if v is not None}


def job_error(data: dict[str, Any]) -> JobError | None:
    """The job's error, or None when there is none (also for ``{}``)."""
    err = data.get("error")
    if not isinstance(err, dict):
        return None
    code, message = _str(err.get("code")), _str(err.get("message"))
    if not (code or message):
        return None
    return JobError(code, message, _str(err.get("param")))


def job_from_openai(obj: Any) -> Job:
    """A neutral ``Job`` from a ``FineTuningJob`` (or its JSON)."""
    data = _dump(obj)
    method, hyper = method_and_hyperparameters(data)
    metadata = data.get("metadata")
    integrations = data.get("integrations")
    return Job(
        id=str(data.get("id") or ""),
        status=str(data.get("status") or ""),
        model=str(data.get("model") or ""),
        created_at=_int(data.get("created_at")) or 0,
        fine_tuned_model=_str(data.get("fine_tuned_model")),
        finished_at=_int(data.get("finished_at")),
        estimated_finish=_int(data.get("estimated_finish")),
        trained_tokens=_int(data.get("trained_tokens")),
        method=method,
        hyperparameters=hyper,
        error=job_error(data),
        result_files=[str(f) for f in data.get("result_files") or []],
        training_file=str(data.get("training_file") or ""),
        validation_file=_str(data.get("validation_file")),
        suffix=_str(data.get("user_provided_suffix")) or _str(data.get("suffix")),
        seed=_int(data.get("seed")),
        metadata={str(k): str(v) for k, v in metadata.items()} if metadata else None,
        integrations=[i for i in integrations if isinstance(i, dict)] if integrations else [],
    )


def event_from_openai(obj: Any) -> JobEvent:
    """A neutral ``JobEvent`` from a ``FineTuningJobEvent``."""
    data = _dump(obj)
    payload = data.get("data")
    kind = data.get("type")
    return JobEvent(
        id=str(data.get("id") or ""),
        created_at=_int(data.get("created_at")) or 0,
        level=str(data.get("level") or "info"),
        message=str(data.get("message") or ""),
        type=str(kind) if kind is not None else None,
        data=payload if isinstance(payload, dict) else None,
    )


def checkpoint_from_openai(obj: Any) -> Checkpoint:
    """A neutral ``Checkpoint`` from a ``FineTuningJobCheckpoint``."""
    data = _dump(obj)
    raw = data.get("metrics") or {}
    metrics = {
        str(k): float(v)
        for k, v in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return Checkpoint(
        id=str(data.get("id") or ""),
        step_number=_int(data.get("step_number")) or 0,
        fine_tuned_model_checkpoint=str(data.get("fine_tuned_model_checkpoint") or ""),
        created_at=_int(data.get("created_at")) or 0,
        fine_tuning_job_id=str(data.get("fine_tuning_job_id") or ""),
        metrics=metrics,
    )


def file_from_openai(obj: Any) -> FileRef:
    """A neutral ``FileRef`` from a ``FileObject``."""
    data = _dump(obj)
    return FileRef(
        id=str(data.get("id") or ""),
        filename=str(data.get("filename") or ""),
        bytes=_int(data.get("bytes")) or 0,
        purpose=str(data.get("purpose") or ""),
        created_at=_int(data.get("created_at")) or 0,
        status=_str(data.get("status")),
    )


def batch_from_openai(obj: Any) -> BatchInfo:
    """A neutral ``BatchInfo`` from a ``Batch``."""
    data = _dump(obj)
    counts = data.get("request_counts")
    metadata = data.get("metadata")
    return BatchInfo(
        id=str(data.get("id") or ""),
        status=str(data.get("status") or ""),
        input_file_id=str(data.get("input_file_id") or ""),
        output_file_id=_str(data.get("output_file_id")),
        error_file_id=_str(data.get("error_file_id")),
        request_counts=BatchCounts(
            _int(counts.get("total")) or 0,
            _int(counts.get("completed")) or 0,
            _int(counts.get("failed")) or 0,
        )
        if isinstance(counts, dict)
        else None,
        metadata={str(k): str(v) for k, v in metadata.items()} if metadata else None,
    )


def _utc(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


OPENAI_RETIREMENTS: Mapping[str, int] = {
    # api.openai.com (../shared/OPENAI-FACTS.md, 2026-12-01): base models retire, and with
    # them the fine-tuned models built on them; the 2027 dates are third-party reports.
    "gpt-4o": _utc("2027-01-14"),
    "gpt-4o-mini": _utc("2027-01-14"),
    "gpt-4.1": _utc("2027-01-14"),
    "gpt-4.1-mini": _utc("2027-01-14"),
    "gpt-4.1-nano": _utc("2026-10-23"),
    "o4-mini": _utc("2026-10-23"),
}


def retirement(model_id: str, table: Mapping[str, int]) -> int | None:
    """When ``model_id`` (a base model, a dated snapshot of one, or a fine-tuned model or
    checkpoint of one) stops answering, from ``table``; None when it is not listed."""
    _, base = classify_model(model_id)
    name = base or model_id
    for family, when in table.items():
        if name == family or name.startswith(family + "-20"):
            return when
    return None


def model_from_openai(obj: Any, retirements: Mapping[str, int] | None = None) -> ModelInfo:
    """A neutral ``ModelInfo`` from a ``Model`` (kind and base model read from its id; the
    retirement date from ``retirements``, where the host has published one)."""
    data = _dump(obj)
    model_id = str(data.get("id") or "")
    kind, base = classify_model(model_id)
    retires = retirement(model_id, retirements) if retirements else None
    owned, created = _str(data.get("owned_by")), _int(data.get("created"))
    return ModelInfo(model_id, kind, base, owned, created, retires)


def usage_from_openai(obj: Any) -> Usage | None:
    """Neutral token counts from a ``CompletionUsage``."""
    return None if obj is None else Usage.from_mapping(_dump(obj))


def _text_or_none(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"{what} is {type(value).__name__}, not text")


def _label(value: Any) -> str | None:
    # An id, model or finish reason only labels the answer: a server that sends a number is
    # read, anything else is dropped; neither makes the answer unreadable.
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def completion_from_json(body: Any, *, chat: bool) -> CompletionResult:
    """A ``CompletionResult`` from the JSON of a chat or legacy completion (choice 0).

    Raises ``TypeError`` / ``KeyError`` for a body of another shape, as reading the SDK's
    objects did (``evals_replies.checked`` turns them into one sentence).
    """
    if not isinstance(body, Mapping):
        raise TypeError(f"the reply is {type(body).__name__}, not an object")
    choices = body.get("choices")
    if choices is not None and not isinstance(choices, list):
        raise TypeError(f"choices is {type(choices).__name__}, not a list")
    choice = choices[0] if choices else None
    text: str | None = None
    finish: str | None = None
    if choice is not None:
        if not isinstance(choice, Mapping):
            raise TypeError(f"a choice is {type(choice).__name__}, not an object")
        if chat:
            message = choice["message"]
            if not isinstance(message, Mapping):
                raise TypeError(f"message is {type(message).__name__}, not an object")
            text = _text_or_none(message.get("content"), "content")
        else:
            text = _text_or_none(choice.get("text"), "text")
        finish = _label(choice.get("finish_reason"))
    return CompletionResult(
        text or "",
        finish,
        Usage.from_mapping(body.get("usage")),
        _label(body.get("model")),
        _label(body.get("id")),
    )


def create_body(spec: JobSpec) -> dict[str, Any]:
    """The JSON body of ``POST /fine_tuning/jobs`` for a (range-checked) spec."""
    hp = spec.hyperparameters
    params: dict[str, Any] = {
        "n_epochs": hp.n_epochs,
        "batch_size": hp.batch_size,
        "learning_rate_multiplier": hp.learning_rate_multiplier,
    }
    if spec.method == "dpo":
        params["beta"] = hp.beta
    params = {k: v for k, v in params.items() if v is not None}
    lora = spec.extra(LoraOptions)
    if lora is not None:
        # A compatible server (``tuiftune serve --trainer local``) takes them as extra keys
        # beside OpenAI's; a provider that does not was refused before this (``lora``).
        params.update(lora.given())
    body: dict[str, Any] = {
        "model": spec.model,
        "training_file": spec.training_file,
        "method": {"type": spec.method, spec.method: {"hyperparameters": params}},
    }
    optional = {
        "validation_file": spec.validation_file,
        "suffix": spec.suffix,
        "seed": spec.seed,
        "metadata": spec.metadata,
        "integrations": spec.integrations,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    extra = spec.extra(OpenAIExtraBody)
    if extra is not None:
        body.update(extra.fields)
    return body


def build_create_body(spec: JobSpec) -> dict[str, Any]:
    """The body for ``spec`` after the range checks; raises ``InvalidJobRequestError`` first."""
    from tuiftune.service.jobs import InvalidJobRequestError, check_job_request

    problems = check_job_request(spec)
    if problems:
        raise InvalidJobRequestError(problems)
    return create_body(spec)
