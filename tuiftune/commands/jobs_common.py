"""Shared pieces of ``tuiftune jobs``: the client, error handling, exit codes, JSON shapes and
safe text.

Everything a server sends (job errors, event messages, model names) is data: text output goes
through ``clean`` and ``rich.text.Text``; JSON output escapes control characters.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openai
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
    from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint
    from rich.console import Console

    from tuiftune.config import ResolvedProfile
    from tuiftune.service.jobs import JobsService
    from tuiftune.service.metrics import MetricPoint

EXIT_OK = 0
EXIT_JOB_FAILED = 1
"""The job failed or was cancelled (watch), the file was refused (create), no results."""
EXIT_USAGE = 2
EXIT_SERVICE = 3
"""The API could not be reached or refused the request."""
EXIT_INTERRUPTED = 130

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_JSON_C1 = re.compile(r"[\x7f-\x9f]")
HYPERPARAMETER_KEYS = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta")


def clean(text: object) -> str:
    """``text`` on one line with control characters shown as escapes (``\\x1b``, ``\\n``), so
    a server's text cannot move the cursor, clear the screen or fake extra lines."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """JSON for stdout: UTF-8 kept readable, but C1 control characters escaped too."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent)
    # Outside strings JSON is ASCII, so these can only sit inside strings: escaping is safe.
    return _JSON_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(obj: Any, *, indent: int | None = 2) -> None:
    """Print one JSON document (or one ndjson line with ``indent=None``) and flush."""
    sys.stdout.write(dumps(obj, indent=indent) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """One line on stderr, prefixed with the command's name."""
    print(f"tuiftune jobs: {clean(message)}", file=sys.stderr, flush=True)


def console() -> Console:
    """A console on stdout that never wraps lines or guesses highlights."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def when(epoch: float | None, *, date: bool = True) -> str:
    """A Unix time as local ``YYYY-MM-DD HH:MM:SS`` (or only the time); ``-`` when unknown."""
    from datetime import datetime

    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")


def backend_flags(args: argparse.Namespace) -> str:
    """`` --sandbox`` or `` --profile P`` as given, to repeat in a suggested command."""
    if getattr(args, "sandbox", False):
        return " --sandbox"
    profile = getattr(args, "profile", None)
    return f" --profile {clean(profile)}" if profile else ""


# -- JSON shapes ------------------------------------------------------------------------------


def _hyperparameters(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    method = data.get("method") or {}
    kind = str(method.get("type") or "supervised")
    params = ((method.get(kind) or {}).get("hyperparameters")) or data.get("hyperparameters") or {}
    return kind, {k: params[k] for k in HYPERPARAMETER_KEYS if params.get(k) is not None}


def job_error(job: FineTuningJob) -> dict[str, Any] | None:
    """The job's ``error`` as ``{code, message, param}``, or None (also for ``{}``)."""
    err = job.error
    code = getattr(err, "code", None) if err is not None else None
    message = getattr(err, "message", None) if err is not None else None
    if not (code or message):
        return None
    return {"code": code, "message": message, "param": getattr(err, "param", None)}


def job_to_dict(job: FineTuningJob) -> dict[str, Any]:
    """The stable ``--json`` shape of a job (documented in the README)."""
    data = job.model_dump(mode="json")
    method, hyper = _hyperparameters(data)
    return {
        "id": job.id,
        "status": str(job.status),
        "model": job.model,
        "fine_tuned_model": job.fine_tuned_model,
        "method": method,
        "hyperparameters": hyper,
        "training_file": job.training_file,
        "validation_file": job.validation_file,
        "result_files": list(job.result_files or []),
        "suffix": data.get("user_provided_suffix") or data.get("suffix"),
        "seed": job.seed,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "estimated_finish": job.estimated_finish,
        "trained_tokens": job.trained_tokens,
        "error": job_error(job),
        "metadata": dict(job.metadata) if job.metadata else None,
        "integrations": data.get("integrations") or [],
    }


def event_to_dict(event: FineTuningJobEvent) -> dict[str, Any]:
    """An event as an ndjson ``event`` line."""
    return {
        "type": "event",
        "id": event.id,
        "created_at": event.created_at,
        "level": str(event.level),
        "message": event.message,
        "event_type": str(event.type) if event.type is not None else None,
        "data": event.data if isinstance(event.data, dict) else None,
    }


def metric_to_dict(point: MetricPoint, event: FineTuningJobEvent | None = None) -> dict[str, Any]:
    """A metric point as an ndjson ``metrics`` line."""
    return {
        "type": "metrics",
        "id": event.id if event is not None else None,
        "created_at": event.created_at if event is not None else None,
        "step": point.step,
        "total_steps": point.total_steps,
        "values": dict(point.values),
    }


def checkpoint_to_dict(ckpt: FineTuningJobCheckpoint) -> dict[str, Any]:
    """A checkpoint as shown by ``jobs show --json``."""
    metrics = ckpt.metrics.model_dump(mode="json", exclude_none=True) if ckpt.metrics else {}
    return {
        "id": ckpt.id,
        "step": ckpt.step_number,
        "fine_tuned_model_checkpoint": ckpt.fine_tuned_model_checkpoint,
        "created_at": ckpt.created_at,
        "metrics": metrics,
    }


def describe_hyperparameters(job: FineTuningJob) -> str:
    """``supervised (n_epochs 3, batch_size 1, ...)`` for text output."""
    method, hyper = _hyperparameters(job.model_dump(mode="json"))
    inner = ", ".join(f"{k} {v}" for k, v in hyper.items())
    return f"{method} ({inner})" if inner else method


# -- running ----------------------------------------------------------------------------------


class Session:
    """Per-invocation state; ``on_interrupt`` is what Ctrl-C prints at this point of the run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.on_interrupt = "interrupted"
        self.profile: ResolvedProfile | None = None

    @property
    def json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))

    @asynccontextmanager
    async def client(self) -> AsyncIterator[openai.AsyncOpenAI]:
        """The SDK client for ``--profile`` / ``--sandbox`` (closed on exit)."""
        from tuiftune.config import resolve_profile
        from tuiftune.service.client import build_client, sandbox_dir

        profile = resolve_profile(
            getattr(self.args, "profile", None), sandbox=getattr(self.args, "sandbox", False)
        )
        self.profile = profile
        if profile.is_sandbox and profile.source != "--sandbox":
            print(
                f"note: using the local sandbox ({profile.source}); training is simulated, "
                f"state in {sandbox_dir()}",
                file=sys.stderr,
            )
        client = build_client(profile)
        try:
            yield client
        finally:
            await client.close()

    @asynccontextmanager
    async def jobs(self) -> AsyncIterator[tuple[openai.AsyncOpenAI, JobsService]]:
        """The client and a ``JobsService`` over it."""
        from tuiftune.service.backends import OpenAIJobsBackend
        from tuiftune.service.jobs import JobsService

        async with self.client() as client:
            yield client, JobsService(OpenAIJobsBackend(client))


def execute(session: Session, coro: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine; turn Ctrl-C and typed errors into one line and an exit code."""
    import asyncio

    import openai

    from tuiftune.config import ConfigError
    from tuiftune.service.errors import ServiceError, map_error
    from tuiftune.service.files import DatasetRejectedError
    from tuiftune.service.jobs import InvalidJobRequestError

    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        print(f"\n{session.on_interrupt}", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        error(f"config error: {exc}")
        return EXIT_USAGE
    except InvalidJobRequestError as exc:
        error(str(exc))
        return EXIT_USAGE
    except DatasetRejectedError as exc:
        # Several lines on purpose: the first errors, each with its line and rule.
        lines = "\n".join(clean(line) for line in str(exc).splitlines())
        print(f"tuiftune jobs: refused: {lines}", file=sys.stderr, flush=True)
        return EXIT_JOB_FAILED
    except ServiceError as exc:
        error(str(exc))
        return EXIT_SERVICE
    except openai.OpenAIError as exc:
        error(str(map_error(exc)))
        return EXIT_SERVICE
