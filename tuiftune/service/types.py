"""Provider-neutral types: what screens, commands and services see of any provider.

Every provider converts its own objects into these at its edge (``service/providers/``), so no
module above ``service/`` needs a provider SDK. Attribute names follow OpenAI's fine-tuning
objects, which most providers copy, so the call sites read the same as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound="ProviderExtras")
Auto = Literal["auto"]
Method = Literal["supervised", "dpo"]
HYPERPARAMETER_KEYS = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta")


@dataclass(frozen=True)
class ProviderExtras:
    """Base of a provider's typed extras (Together's price estimate, Fireworks' percent
    progress); subclass it in the provider's module and read it back with ``extra(cls)``."""

    def describe(self) -> str:
        """One line for the Jobs detail and ``jobs show``: by default every field that has a
        value (``queue depth 3, note ...``); a provider says it better by overriding this."""
        parts = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or value == {} or value == [] or value == "":
                continue
            parts.append(f"{item.name.replace('_', ' ')} {value}")
        return ", ".join(parts)


def _find_extra(extras: tuple[ProviderExtras, ...], kind: type[E]) -> E | None:
    for item in extras:
        if isinstance(item, kind):
            return item
    return None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated list; pass ``next_after`` as ``after`` for the next page."""

    data: list[T]
    has_more: bool

    @property
    def next_after(self) -> str | None:
        """The cursor for the next page (the last item's id), or None at the end."""
        if not self.has_more or not self.data:
            return None
        return str(getattr(self.data[-1], "id", "")) or None


@dataclass(frozen=True)
class Hyperparameters:
    """Method hyperparameters; None means "leave it to the server" (``auto``)."""

    n_epochs: int | Auto | None = None
    batch_size: int | Auto | None = None
    learning_rate_multiplier: float | Auto | None = None
    beta: float | Auto | None = None
    """DPO only."""


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to create a fine-tuning job, on any provider."""

    model: str
    training_file: str
    method: Method = "supervised"
    hyperparameters: Hyperparameters = field(default_factory=Hyperparameters)
    validation_file: str | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] | None = None
    integrations: list[dict[str, Any]] | None = None
    extras: tuple[ProviderExtras, ...] = ()
    """Settings only one provider knows (typed; a provider ignores the kinds it does not)."""

    def extra(self, kind: type[E]) -> E | None:
        """The extras of one kind, or None."""
        return _find_extra(self.extras, kind)


@dataclass(frozen=True)
class JobError:
    """Why a job failed, as the provider said it."""

    code: str | None = None
    message: str | None = None
    param: str | None = None


@dataclass(frozen=True)
class Job:
    """A fine-tuning job. ``status`` is one of OpenAI's words (validating_files, queued,
    running, paused, succeeded, failed, cancelled); providers map theirs onto them."""

    id: str
    status: str
    model: str
    created_at: int
    fine_tuned_model: str | None = None
    finished_at: int | None = None
    estimated_finish: int | None = None
    trained_tokens: int | None = None
    method: str = "supervised"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    """The method's hyperparameters as the provider reports them (resolved or ``auto``)."""
    error: JobError | None = None
    result_files: list[str] = field(default_factory=list)
    training_file: str = ""
    validation_file: str | None = None
    suffix: str | None = None
    seed: int | None = None
    metadata: dict[str, str] | None = None
    integrations: list[dict[str, Any]] = field(default_factory=list)
    extras: tuple[ProviderExtras, ...] = ()

    def extra(self, kind: type[E]) -> E | None:
        """The provider extras of one kind, or None."""
        return _find_extra(self.extras, kind)


@dataclass(frozen=True)
class JobEvent:
    """One event of a job: a message, or (``type == "metrics"``) a metrics sample in ``data``."""

    id: str
    created_at: int
    level: str
    message: str
    type: str | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class MetricPoint:
    """Metrics at one training step; ``values`` holds every numeric metric (None when empty)."""

    step: int
    values: dict[str, float | None]
    total_steps: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
    """Cells that are not numbers, kept verbatim."""

    def get(self, name: str) -> float | None:
        """One metric, or None when absent or empty."""
        return self.values.get(name)

    @property
    def train_loss(self) -> float | None:
        """Training loss at this step."""
        return self.values.get("train_loss")

    @property
    def valid_loss(self) -> float | None:
        """Validation loss at this step, when computed."""
        return self.values.get("valid_loss")


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint a job kept; ``fine_tuned_model_checkpoint`` is a model that answers."""

    id: str
    step_number: int
    fine_tuned_model_checkpoint: str
    created_at: int = 0
    fine_tuning_job_id: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    """train_loss, valid_loss, full_valid_loss, train_mean_token_accuracy, ... where known."""


class ModelKind(StrEnum):
    """Where a model comes from."""

    BASE = "base"
    FINE_TUNED = "fine-tuned"
    CHECKPOINT = "checkpoint"


def classify_model(model_id: str) -> tuple[ModelKind, str | None]:
    """Kind and base model of a model id (``ft:BASE:org:suffix:id[:ckpt-step-N]``); the one
    parser of OpenAI-style fine-tuned model names."""
    if not model_id.startswith("ft:"):
        return ModelKind.BASE, None
    parts = model_id.split(":")
    base = parts[1] if len(parts) > 1 and parts[1] else None
    if any(p.startswith("ckpt-step-") for p in parts[2:]):
        return ModelKind.CHECKPOINT, base
    return ModelKind.FINE_TUNED, base


@dataclass(frozen=True)
class ModelInfo:
    """One model a provider serves."""

    id: str
    kind: ModelKind
    base_model: str | None
    owned_by: str | None = None
    created: int | None = None
    retires_at: int | None = None
    """Unix time after which the provider stops serving it, where known."""


@dataclass(frozen=True)
class FileRef:
    """An uploaded file."""

    id: str
    filename: str
    bytes: int
    purpose: str
    created_at: int = 0
    status: str | None = None


@dataclass(frozen=True)
class Usage:
    """Token counts of one generation (names as OpenAI's ``usage``)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> Usage | None:
        """From a JSON ``usage`` object; None when absent or unreadable."""
        if not isinstance(data, Mapping):
            return None
        try:
            prompt = int(data.get("prompt_tokens") or 0)
            completion = int(data.get("completion_tokens") or 0)
            total = int(data.get("total_tokens") or prompt + completion)
        except (TypeError, ValueError):
            return None
        return cls(prompt, completion, total)


@dataclass(frozen=True)
class BatchCounts:
    """How many requests of a batch are done."""

    total: int = 0
    completed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class BatchInfo:
    """A batch of requests run offline (OpenAI's Batch API and its copies)."""

    id: str
    status: str
    input_file_id: str = ""
    output_file_id: str | None = None
    error_file_id: str | None = None
    request_counts: BatchCounts | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class Deployment:
    """A model made ready to answer where a provider needs that first (Azure, Together
    endpoints, Fireworks deployments)."""

    id: str
    model: str
    status: str
    """OpenAI-like words: creating, succeeded (ready), failed, deleting."""
    name: str | None = None


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings; None leaves a setting to the server."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    max_tokens_field: str = "max_tokens"
    """``max_completion_tokens`` for reasoning models; most compatible servers know max_tokens."""

    def kwargs(self, *, chat: bool) -> dict[str, Any]:
        """Request fields in OpenAI's names, without the unset ones."""
        name = self.max_tokens_field if chat else "max_tokens"
        out = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            name: self.max_tokens,
            "stop": self.stop,
            "seed": self.seed,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class TextDelta:
    """A piece of generated text."""

    text: str


@dataclass(frozen=True)
class CompletionResult:
    """The end of a generation."""

    text: str
    finish_reason: str | None
    usage: Usage | None
    model: str | None = None
    id: str | None = None


StreamItem = TextDelta | CompletionResult
