"""Together AI: fine-tuning jobs (SFT and DPO, LoRA or full) and files behind the seam.

Requests are the ones the official ``together`` SDK sends (``create_finetune_request``,
``AsyncUploadManager``), sent with ``httpx2`` (see ``http_api`` for why not the SDK itself).
Inference is OpenAI-compatible (``/v1/chat/completions``) and goes through the OpenAI provider;
serving a fine-tuned model needs a dedicated endpoint (``together_endpoints``).
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tuiftune.service.errors import BadRequestError, NotFoundError, ServiceError
from tuiftune.service.lora import LoraOptions, check_support, merged, whole, without_lora
from tuiftune.service.providers.base import JobsProvider
from tuiftune.service.providers.http_api import HttpApi
from tuiftune.service.providers.together_mapping import (
    DEFAULT_LEARNING_RATE,
    TogetherJobOptions,
    TogetherModelLimits,
    TogetherPriceEstimate,
    checkpoints_from,
    estimate_from,
    events_from,
    job_from,
    limits_from,
    metric_events,
)
from tuiftune.service.types import Checkpoint, Job, JobEvent, JobSpec, Page

if TYPE_CHECKING:
    from tuiftune.config import ResolvedProfile
    from tuiftune.service.providers.base import Provider
    from tuiftune.service.providers.registry import ProviderOptions

DEFAULT_BASE_URL = "https://api.together.ai"
SUFFIX_MAX = 40


def _refuse(message: str, param: str) -> BadRequestError:
    return BadRequestError(message, param=param, status=None)


def check_limits(spec: JobSpec, limits: TogetherModelLimits) -> None:
    """Refuse, before anything is spent, what the model's limits do not allow (names the field)."""
    opts = spec.extra(TogetherJobOptions) or TogetherJobOptions()
    hp = spec.hyperparameters
    dpo = spec.method == "dpo"
    full = opts.lora is False
    if full and not limits.supports_full_training:
        raise _refuse(f"{spec.model} supports only LoRA fine-tuning on Together.", "lora")
    if isinstance(hp.batch_size, int) and opts.lora is not None:
        low = (limits.full_min_batch_size if full else limits.lora_min_batch_size) or 1
        high = limits.full_max_batch_size if full else limits.lora_max_batch_size
        if dpo and not full:
            high = limits.lora_max_batch_size_dpo
        if high and not low <= hp.batch_size <= high:
            raise _refuse(f"batch_size must be {low}-{high} for {spec.model}.", "batch_size")
    if isinstance(hp.n_epochs, int) and not 1 <= hp.n_epochs <= limits.max_epochs:
        raise _refuse(f"n_epochs must be 1-{limits.max_epochs} for {spec.model}.", "n_epochs")
    if opts.max_seq_length is not None:
        high = limits.max_seq_length_dpo if dpo else limits.max_seq_length_sft
        if not limits.min_max_seq_length <= opts.max_seq_length <= high:
            raise _refuse(
                f"max_seq_length must be {limits.min_max_seq_length}-{high} for {spec.model}.",
                "max_seq_length",
            )
    if opts.n_checkpoints is not None and opts.n_checkpoints > limits.max_checkpoints:
        raise _refuse(f"at most {limits.max_checkpoints} checkpoints.", "n_checkpoints")
    if opts.n_evals is not None and opts.n_evals > limits.max_evals:
        raise _refuse(f"at most {limits.max_evals} evaluations.", "n_evals")
    if (
        opts.lora_rank is not None
        and limits.lora_max_rank
        and opts.lora_rank > limits.lora_max_rank
    ):
        raise _refuse(f"lora_rank must be at most {limits.lora_max_rank}.", "lora_rank")
    lr = learning_rate(spec)
    if not limits.min_learning_rate <= lr <= limits.max_learning_rate:
        raise _refuse(
            f"learning rate {lr:g} is outside {limits.min_learning_rate:g}-"
            f"{limits.max_learning_rate:g} for {spec.model}.",
            "learning_rate",
        )


def learning_rate(spec: JobSpec) -> float:
    """The absolute learning rate: the option, else the multiplier times Together's default."""
    opts = spec.extra(TogetherJobOptions) or TogetherJobOptions()
    if opts.learning_rate is not None:
        return opts.learning_rate
    mult = spec.hyperparameters.learning_rate_multiplier
    return DEFAULT_LEARNING_RATE * (mult if isinstance(mult, int | float) else 1.0)


# The neutral LoRA settings -> Together's names (``lora_r`` is the SDK's ``lora_rank``).
LORA_NAMES = {
    "lora_r": "lora_rank",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "target_modules": "lora_trainable_modules",
    "max_seq_len": "max_seq_length",
}
LORA_SETTINGS = frozenset(LORA_NAMES)


def together_spec(spec: JobSpec) -> JobSpec:
    """The spec with the neutral LoRA settings moved into Together's own options (refused
    where both say something different)."""
    lora = spec.extra(LoraOptions)
    if lora is None:
        return spec
    check_support(spec, LORA_SETTINGS, "Together")
    opts = spec.extra(TogetherJobOptions) or TogetherJobOptions()
    given = lora.given()
    if "lora_alpha" in given:
        given["lora_alpha"] = whole(given["lora_alpha"], "lora_alpha", "Together")
    if isinstance(given.get("target_modules"), list):
        given["target_modules"] = ",".join(given["target_modules"])
    own = {
        LORA_NAMES[k]: merged(getattr(opts, LORA_NAMES[k]), v, LORA_NAMES[k], "Together")
        for k, v in given.items()
    }
    # A LoRA setting means a LoRA job (else Together's default would drop it).
    if opts.lora is None and any(k != "max_seq_len" for k in given):
        own["lora"] = True
    rest = tuple(e for e in without_lora(spec).extras if not isinstance(e, TogetherJobOptions))
    return replace(spec, extras=(*rest, replace(opts, **own)))


def _training_type(opts: TogetherJobOptions, limits: TogetherModelLimits | None) -> Any:
    lora = opts.lora if opts.lora is not None else (True if opts.lora_rank else None)
    if lora is None:
        return None  # Together's default: LoRA, or the parent job's type with from_checkpoint
    if not lora:
        return {"type": "Full"}
    rank = opts.lora_rank or (limits.lora_default_rank if limits else None) or 8
    return {
        "lora_r": rank,
        "lora_alpha": opts.lora_alpha or rank * 2,
        "lora_dropout": opts.lora_dropout or 0.0,
        "lora_trainable_modules": opts.lora_trainable_modules or "all-linear",
        "type": "Lora",
    }


def _method(spec: JobSpec, opts: TogetherJobOptions) -> dict[str, Any]:
    if spec.method != "dpo":
        return {"method": "sft", "train_on_inputs": opts.train_on_inputs or "auto"}
    out: dict[str, Any] = {"method": "dpo"}
    beta = spec.hyperparameters.beta
    if isinstance(beta, int | float):
        out["dpo_beta"] = float(beta)
    out.update(dpo_normalize_logratios_by_length=False, dpo_reference_free=False)
    return out


def create_body(spec: JobSpec, limits: TogetherModelLimits | None) -> dict[str, Any]:
    """``POST /v1/fine-tunes``'s body, as the SDK's ``create_finetune_request`` builds it."""
    opts = spec.extra(TogetherJobOptions) or TogetherJobOptions()
    hp = spec.hyperparameters
    if spec.suffix and len(spec.suffix) > SUFFIX_MAX:
        raise _refuse(f"suffix is at most {SUFFIX_MAX} characters on Together.", "suffix")
    args = {"min_lr_ratio": 0.0}
    if opts.lr_scheduler == "cosine":
        args["num_cycles"] = 0.5
    body: dict[str, Any] = {
        "training_file": spec.training_file,
        "validation_file": spec.validation_file,
        "packing": True,
        # The SDK refuses a model together with from_checkpoint: the checkpoint names it.
        "model": None if opts.from_checkpoint else spec.model,
        "n_epochs": hp.n_epochs if isinstance(hp.n_epochs, int) else 1,
        "learning_rate": learning_rate(spec),
        "lr_scheduler": {"lr_scheduler_type": opts.lr_scheduler, "lr_scheduler_args": args},
        "warmup_ratio": opts.warmup_ratio or 0.0,
        "max_grad_norm": 1.0,
        "weight_decay": 0.0,
        "n_checkpoints": 1 if opts.n_checkpoints is None else opts.n_checkpoints,
        "n_evals": opts.n_evals or 0,
        "max_seq_length": opts.max_seq_length,
        "batch_size": hp.batch_size if isinstance(hp.batch_size, int) else "max",
        "suffix": spec.suffix,
        "random_seed": spec.seed,
        "early_stopping_enabled": False,
        "training_type": _training_type(opts, limits),
        "training_method": _method(spec, opts),
        "multimodal_params": {"train_vision": False} if limits and limits.supports_vision else None,
        "from_checkpoint": opts.from_checkpoint,
    }
    return {k: v for k, v in body.items() if v is not None}


class TogetherJobs(JobsProvider):
    """Fine-tuning jobs on Together (``/v1/fine-tunes``)."""

    def __init__(self, api: HttpApi, order: dict[str, list[str]] | None = None) -> None:
        self.api = api
        # Event ids per job in the order first seen, so newer events always sort first.
        self._order: dict[str, list[str]] = {} if order is None else order

    def for_watching(self, request_timeout: float) -> TogetherJobs:
        """No retries of our own and a short timeout: the watcher backs off itself."""
        return TogetherJobs(self.api.without_retries(request_timeout), self._order)

    async def model_limits(self, model: str) -> TogetherModelLimits:
        """What ``model`` accepts for fine-tuning (sequence length, batch sizes, LoRA rank)."""
        data = await self.api.json(
            "GET", "/v1/fine-tunes/models/limits", params={"model_name": model}
        )
        return limits_from(data)

    async def estimate_price(
        self, spec: JobSpec, limits: TogetherModelLimits | None = None
    ) -> TogetherPriceEstimate:
        """What the job will cost, before creating it (the body the SDK's ``create`` sends)."""
        body = create_body(spec, limits)
        request: dict[str, Any] = {
            "training_file": spec.training_file,
            "model": body.get("model") or "",
            "n_epochs": body["n_epochs"],
            "n_evals": body["n_evals"],
            "training_type": body.get("training_type"),
            "training_method": body["training_method"],
        }
        for key in ("from_checkpoint", "validation_file"):
            if body.get(key):
                request[key] = body[key]
        data = await self.api.json("POST", "/v1/fine-tunes/estimate-price", json=request)
        return estimate_from(data)

    async def create(self, spec: JobSpec) -> Job:
        """Check the model's limits, estimate the price, then create the job."""
        spec = together_spec(spec)
        opts = spec.extra(TogetherJobOptions) or TogetherJobOptions()
        base = opts.from_checkpoint.split(":")[0] if opts.from_checkpoint else spec.model
        limits = await self.model_limits(base)
        check_limits(spec, limits)
        try:
            estimate: TogetherPriceEstimate | None = await self.estimate_price(spec, limits)
        except ServiceError:
            estimate = None  # an estimate is a courtesy; the job itself decides
        data = await self.api.json("POST", "/v1/fine-tunes", json=create_body(spec, limits))
        job = job_from(data)
        extras = (*job.extras, limits) + ((estimate,) if estimate else ())
        return replace(job, extras=extras)

    async def list(
        self, *, after: str | None = None, limit: int = 20, metadata: dict[str, str] | None = None
    ) -> Page[Job]:
        """Jobs newest first (Together returns them all; pages are cut here)."""
        if metadata:
            return Page([], False)  # Together jobs carry no metadata, so none matches
        data = await self.api.json("GET", "/v1/fine-tunes")
        jobs = sorted(
            (job_from(row) for row in data.get("data") or [] if isinstance(row, dict)),
            key=lambda j: j.created_at,
            reverse=True,
        )
        return _cut(jobs, after, limit)

    async def retrieve(self, job_id: str) -> Job:
        """One job."""
        return job_from(await self.api.json("GET", f"/v1/fine-tunes/{job_id}"))

    async def cancel(self, job_id: str) -> Job:
        """Ask Together to cancel (the status goes through ``cancel_requested``)."""
        return job_from(await self.api.json("POST", f"/v1/fine-tunes/{job_id}/cancel"))

    async def list_events(
        self, job_id: str, *, after: str | None = None, limit: int = 100
    ) -> Page[JobEvent]:
        """Message events and metric samples (``type == "metrics"``), newest first."""
        rows = (await self.api.json("GET", f"/v1/fine-tunes/{job_id}/events")).get("data") or []
        messages = events_from(job_id, rows)
        steps = [r.get("total_steps") for r in rows if isinstance(r, dict)]
        total = max((s for s in steps if isinstance(s, int)), default=None)
        metrics = metric_events(job_id, await self.metric_rows(job_id), total)
        latest = max((e.created_at for e in messages), default=0)
        metrics = [m if m.created_at else _at(m, latest) for m in metrics]
        merged = sorted(messages + metrics, key=lambda e: e.created_at)
        order = self._order.setdefault(job_id, [])
        known = set(order)
        order.extend(e.id for e in merged if e.id not in known)
        rank = {event_id: i for i, event_id in enumerate(order)}
        newest = sorted(merged, key=lambda e: rank[e.id], reverse=True)
        return _cut(newest, after, limit)

    async def metric_rows(self, job_id: str) -> builtins.list[Any]:
        """The raw rows of ``/v1/fine-tunes/{id}/metrics`` (none for jobs that predate it)."""
        try:
            data = await self.api.json("GET", f"/v1/fine-tunes/{job_id}/metrics")
        except NotFoundError:
            return []
        return list(data.get("metrics") or [])

    async def list_checkpoints(
        self, job_id: str, *, after: str | None = None, limit: int = 10
    ) -> Page[Checkpoint]:
        """Checkpoints, newest step first."""
        data = await self.api.json("GET", f"/v1/fine-tunes/{job_id}/checkpoints")
        return _cut(checkpoints_from(job_id, data.get("data") or []), after, limit)

    async def file_content(self, file_id: str) -> bytes:
        """A file's bytes."""
        return (await self.api.send("GET", f"/v1/files/{file_id}/content")).content


def _at(event: JobEvent, when: int) -> JobEvent:
    return JobEvent(event.id, when, event.level, event.message, event.type, event.data)


def _cut(items: list[Any], after: str | None, limit: int) -> Page[Any]:
    start = 0
    if after is not None:
        ids = [getattr(item, "id", None) for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = items[start : start + limit]
    return Page(chunk, start + limit < len(items))


def create_provider(profile: ResolvedProfile, options: ProviderOptions) -> Provider:
    """The Together provider for a profile (``provider = "together"``; ``options.project_id``
    enables dedicated endpoints)."""
    from tuiftune.service.providers.hosted import build_hosted
    from tuiftune.service.providers.together_endpoints import TogetherEndpoints
    from tuiftune.service.providers.together_files import TogetherFiles

    # Dedicated endpoints live in a project (``options.project_id``, as TOGETHER_PROJECT_ID).
    project = profile.options.get("project_id")

    provider = build_hosted(
        profile,
        options,
        name="together",
        default_base_url=DEFAULT_BASE_URL,
        inference_path="/v1",
        parts=lambda api: (
            TogetherJobs(api),
            TogetherFiles(api),
            TogetherEndpoints(api, project) if project else None,
        ),
    )
    provider.lora_settings = LORA_SETTINGS
    return provider
