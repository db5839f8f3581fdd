"""Launch a job from local files: check the request, lint every file (refusing errors unless
forced) before uploading any, upload each with progress (reusing identical uploads), create.

The one copy of this flow: ``tuiftune jobs create`` and the Jobs screen's create form both
call ``launch`` and only show what its observer hears.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from tuiftune.dataset import ReportedFinding
from tuiftune.evaluation.leakage import PairReport
from tuiftune.service.files import UploadResult, lint_before_upload, upload_file
from tuiftune.service.jobs import InvalidJobRequestError, JobsService, check_job_request
from tuiftune.service.leakage_check import overlap_between
from tuiftune.service.lora import check_lora_support
from tuiftune.service.providers.base import ProgressCallback, Provider
from tuiftune.service.types import Job, JobSpec
from tuiftune.service.upload_cache import UploadCache

PENDING_FILE = "file-pending-upload"
"""Stands in for a file id while the request's ranges are checked before any upload."""


class LaunchObserver(Protocol):
    """What the caller shows while a launch goes on."""

    def uploading(
        self, path: Path, findings: list[ReportedFinding]
    ) -> AbstractContextManager[ProgressCallback | None]:
        """One file is about to be uploaded (with what its lint found): a context that gives
        the byte-progress callback (or None) and ends when the upload does."""
        ...

    def uploaded(self, path: Path, result: UploadResult) -> None:
        """One file is on the provider (or an identical earlier upload was reused)."""
        ...


class QuietObserver:
    """An observer that shows nothing."""

    @contextlib.contextmanager
    def _none(self) -> Iterator[ProgressCallback | None]:
        yield None

    def uploading(
        self, path: Path, findings: list[ReportedFinding]
    ) -> AbstractContextManager[ProgressCallback | None]:
        """No progress."""
        return self._none()

    def uploaded(self, path: Path, result: UploadResult) -> None:
        """Nothing to show."""


@dataclass(frozen=True)
class LaunchResult:
    """The created job and the uploads it uses."""

    job: Job
    uploads: list[UploadResult]
    overlap: PairReport | None = None  # validation rows also in the training file


def check_before_upload(spec: JobSpec, *, validation: bool) -> None:
    """Raise ``InvalidJobRequestError`` if the request breaks a limit, before any upload."""
    pending = replace(
        spec, training_file=PENDING_FILE, validation_file=PENDING_FILE if validation else None
    )
    problems = check_job_request(pending)
    if problems:
        raise InvalidJobRequestError(problems)


async def launch(
    provider: Provider,
    spec: JobSpec,
    training: Path | None,
    validation: Path | None = None,
    *,
    force: bool = False,
    observer: LaunchObserver | None = None,
    cache: UploadCache | None = None,
) -> LaunchResult:
    """Lint, upload and create; the file ids of ``spec`` are replaced by the uploads' (a path
    left None keeps the id already in the spec: a file uploaded earlier).

    Raises ``InvalidJobRequestError`` (nothing was read), ``DatasetRejectedError`` (a file has
    lint errors and ``force`` is off; nothing was uploaded), ``OSError`` (a file cannot be
    read) and the provider's ``ServiceError``s.
    """
    observer = observer or QuietObserver()
    check_before_upload(spec, validation=validation is not None or bool(spec.validation_file))
    check_lora_support(provider, spec)
    local = [(f, p) for f, p in (("training_file", training), ("validation_file", validation)) if p]
    # Lint every file before uploading any: a bad validation file must not waste an upload.
    findings = [await lint_before_upload(path, spec.model, force) for _, path in local]
    overlap = await overlap_between(training, validation) if training and validation else None
    uploads: list[UploadResult] = []
    final = spec
    for (field, path), found in zip(local, findings, strict=True):
        with observer.uploading(path, found) as report:
            result = await upload_file(
                provider.files, path, validate=False, on_progress=report, cache=cache
            )
        uploads.append(UploadResult(result.file, result.reused, result.sha256, found))
        observer.uploaded(path, uploads[-1])
        if field == "training_file":
            final = replace(final, training_file=result.file.id)
        else:
            final = replace(final, validation_file=result.file.id)
    job = await JobsService(provider.jobs).create(final)
    return LaunchResult(job, uploads, overlap)
