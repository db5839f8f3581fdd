"""Training-file validation through the project's dataset core, reported the way OpenAI does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tuiftune.server.catalog import resolve_base
from tuiftune.server.records import JobError
from tuiftune.server.trainers.base import TrainingFile

log = logging.getLogger(__name__)

MIN_EXAMPLES = 10
TOO_FEW_RULE = "dataset.too_few"


@dataclass(frozen=True)
class FileCheck:
    """What a clean file holds."""

    examples: int
    tokens: int
    format: str


def _lint(data: bytes, path: str, model: str | None) -> Any:
    # Imported here: the dataset core is heavy, and the server must start without it.
    from tuiftune.dataset import LintOptions, lint_document, load_bytes

    doc = load_bytes(data, path)
    return lint_document(doc, LintOptions(model=model))


def _summary(label: str, errors: list[Any], first: Any) -> str:
    """``Training file has 3 errors; line 4: messages[1].role: ...``"""
    plural = "error" if len(errors) == 1 else "errors"
    field = f"{first.field}: " if first.field else ""
    where = f"line {first.line}: " if first.line > 0 else ""
    return f"{label} file has {len(errors)} {plural}; {where}{field}{first.message}"


def expected_format(model: str, method: str) -> str:
    """The file format a method needs on a base model."""
    if method == "dpo":
        return "dpo"
    base = resolve_base(model)
    return "legacy" if base is not None and base.legacy else "chat"


async def check_file(
    file: TrainingFile,
    model: str,
    method: str,
    which: str,
    formats: Sequence[str] | None = None,
) -> FileCheck | JobError:
    """Lint one file; ``which`` is ``training`` or ``validation``.

    ``formats`` lists the formats a trainer accepts (a local model trains on chat and legacy
    data alike); without it, the catalog model's own format is required.
    """
    code, param, label = f"invalid_{which}_file", f"{which}_file", which.capitalize()
    lint_model = model if formats is None else None  # an open model has no OpenAI limits
    try:
        report = await asyncio.to_thread(_lint, file.data, file.filename, lint_model)
    except ImportError as exc:
        return JobError("internal_error", f"The dataset checker is not available: {exc}", None)
    except Exception as exc:  # a checker bug fails this job, not the whole request
        log.exception("linting %s failed", file.id)
        return JobError("internal_error", f"The training file could not be checked: {exc}", None)
    errors = [f for f in report.findings if str(f.severity) == "error"]
    if which == "validation":
        # The minimum of 10 examples applies to training files only.
        errors = [f for f in errors if f.rule != TOO_FEW_RULE]
    line_errors = [f for f in errors if f.line > 0]
    if line_errors:
        return JobError(code, _summary(label, errors, line_errors[0]), param)
    found = str(report.format)
    wanted = [expected_format(model, method)] if formats is None else list(formats)
    if found not in wanted:
        return JobError(
            code,
            f"{label} file is in {found} format, but {method} fine-tuning of {model} "
            f"needs {' or '.join(wanted)} format",
            param,
        )
    examples = int(report.stats.examples)
    if which == "training" and examples < MIN_EXAMPLES:
        return JobError(
            "invalid_n_examples",
            f"Training file has {examples} example(s), but must have at least "
            f"{MIN_EXAMPLES} examples",
            param,
        )
    errors = [f for f in errors if f.rule != TOO_FEW_RULE]
    if errors:
        return JobError(code, _summary(label, errors, errors[0]), param)
    return FileCheck(examples, int(report.stats.total_tokens), found)
