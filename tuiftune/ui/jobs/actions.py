"""What the keys of the Jobs screen do: cancel/pause/resume, rerun, results, copy, Playground,
filter, sort, and the create flow (form, then ``service.launch`` with an upload bar).

Each action runs in a worker that calls the service layer and posts a message; the screen's
handlers update the widgets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.screen import Screen

from tuiftune.dataset import ReportedFinding
from tuiftune.service.errors import ServiceError
from tuiftune.service.files import UploadResult
from tuiftune.service.jobs import JobsService, is_terminal
from tuiftune.service.launch import launch
from tuiftune.service.metrics import decode_result_content
from tuiftune.service.providers.base import JobsProvider, ProgressCallback, Provider
from tuiftune.service.types import Job, ModelKind
from tuiftune.ui.jobs.create_form import CreateJobScreen, CreateSpec
from tuiftune.ui.jobs.format import rerun_request
from tuiftune.ui.jobs.job_detail import JobDetail
from tuiftune.ui.jobs.jobs_list import STATUSES, JobsList
from tuiftune.ui.jobs.messages import JobChanged, UploadProgress
from tuiftune.ui.key_order import InOrderKeys
from tuiftune.ui.messages import OpenModel
from tuiftune.ui.overlap_note import overlap_lines
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen, PickScreen


class JobActions(InOrderKeys):
    """The Jobs screen's actions; the screen supplies the provider and the two widgets."""

    # Their keys go to the dialog they open, typed ahead or not (ui/key_order.py).
    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "cancel_job",
            "checkpoint_matrix",
            "download_results",
            "filter_status",
            "new_job",
            "open_error_record",
            "pause_job",
            "rerun_job",
            "resume_job",
        }
    )

    _backend: JobsProvider | None

    async def provider(self) -> Provider:
        """The provider (the screen opens it once)."""
        raise NotImplementedError

    async def jobs_provider(self) -> JobsProvider:
        """The jobs part of the provider (or the injected one)."""
        raise NotImplementedError

    async def service(self) -> JobsService:
        """The jobs service over ``jobs_provider``."""
        return JobsService(await self.jobs_provider())

    def _job(self) -> Job | None:
        jobs = self.query_one(JobsList)
        job = jobs.jobs.get(jobs.selected or "")
        if job is None:
            self.notify("no job selected", severity="warning")
        return job

    @work(group="jobs-action", exit_on_error=False)
    async def _act(self, verb: str) -> None:
        job = self._job()
        if job is None:
            return
        if is_terminal(job.status):
            self.notify(f"{job.id} has already {job.status}", severity="warning", markup=False)
            return
        if not await self.app.push_screen_wait(ConfirmScreen(f"{verb.title()} {job.id}?")):
            return
        try:
            svc = await self.service()
            changed = await getattr(svc, verb)(job.id)
        except ServiceError as exc:
            self.notify(exc.message, title=f"{verb} failed", severity="error", markup=False)
            return
        self.post_message(JobChanged(changed))

    def action_cancel_job(self) -> None:
        """Cancel the selected job (asks first)."""
        self._act("cancel")

    def action_pause_job(self) -> None:
        """Pause the selected job (asks first)."""
        self._act("pause")

    def action_resume_job(self) -> None:
        """Resume the selected job (asks first)."""
        self._act("resume")

    @work(group="jobs-action", exit_on_error=False)
    async def action_rerun_job(self) -> None:
        """Create a job with the same settings (asks first)."""
        job = self._job()
        if job is None or not await self.app.push_screen_wait(
            ConfirmScreen(f"Rerun {job.id} with the same settings?", f"base model {job.model}")
        ):
            return
        try:
            created = await (await self.service()).create(rerun_request(job))
        except ServiceError as exc:
            self.notify(exc.message, title="Rerun failed", severity="error", markup=False)
            return
        self.post_message(JobChanged(created, select=True))

    @work(group="jobs-action", exit_on_error=False)
    async def action_download_results(self) -> None:
        """Download and decode the result file to a CSV file."""
        job = self._job()
        if job is None:
            return
        if not job.result_files:
            self.notify("this job has no result file yet", severity="warning")
            return
        name = await self.app.push_screen_wait(AskScreen("Save results as", f"{job.id}.csv"))
        if not name:
            return
        try:
            content = await (await self.service()).file_content(job.result_files[0])
            text = decode_result_content(content)
            await asyncio.to_thread(_write, name, text)
        except (ServiceError, OSError) as exc:
            self.notify(str(exc), title="Download failed", severity="error", markup=False)
            return
        self.notify(f"saved {name}", title="Results", markup=False)

    def action_copy_model(self) -> None:
        """Copy the fine-tuned model name to the clipboard."""
        job = self._job()
        if job is not None and job.fine_tuned_model:
            self.app.copy_to_clipboard(job.fine_tuned_model)
            self.notify(job.fine_tuned_model, title="Copied", markup=False)
        elif job is not None:
            self.notify("no fine-tuned model yet", severity="warning")

    def action_open_playground(self) -> None:
        """Open the highlighted checkpoint (checkpoints tab) or the final model in Playground."""
        job = self._job()
        if job is None:
            return
        model = self.query_one(JobDetail).highlighted_checkpoint() or job.fine_tuned_model
        if not model:
            self.notify("no model or checkpoint yet", severity="warning")
            return
        self.post_message(OpenModel(model))

    @work(group="jobs-action", exit_on_error=False)
    async def action_filter_status(self) -> None:
        """Show only jobs in one status (or all)."""
        jobs = self.query_one(JobsList)
        known = sorted({str(j.status) for j in jobs.jobs.values()} | set(STATUSES))
        choice = await self.app.push_screen_wait(
            PickScreen("Show jobs", [("*", "all"), *[(s, s) for s in known]])
        )
        if choice is not None:
            jobs.show_status(None if choice == "*" else choice)

    def action_cycle_sort(self) -> None:
        """Sort by the next key: created, status, model, tokens."""
        self.query_one(JobsList).cycle_sort()

    def action_refresh_now(self) -> None:
        """Refresh the list now."""
        self.query_one(JobsList).nudge()

    def action_load_older(self) -> None:
        """Fetch the next page of older jobs."""
        self.query_one(JobsList).load_older()

    # -- create ------------------------------------------------------------------------------

    def _dataset_path(self) -> str:
        """The Dataset editor's open file, if any (the app keeps it current)."""
        path = getattr(self.app, "dataset_path", None)
        return str(path) if path is not None else ""

    @work(group="jobs-create-form", exit_on_error=False)
    async def action_new_job(self) -> None:
        """The create form, then upload (with progress; esc stops it) and create."""
        form = CreateJobScreen(
            self._dataset_path(),
            files=self.uploaded_files,
            models=self.base_models,
            notes=self.model_notes,
            rules=self.provider_rules,
            lora=self.lora_support,
            tokenizer=self.model_tokenizer,
        )
        spec = await self.app.push_screen_wait(form)
        if spec is not None:
            self.create_job(spec)

    async def base_models(self) -> list[str]:
        """The ids of the base models the backend lists, for the form's model field."""
        provider = await self.provider()
        models = await provider.inference.list_models()
        return [m.id for m in models if m.kind == ModelKind.BASE]

    async def lora_support(self) -> frozenset[str]:
        """The LoRA settings the provider's jobs take (the form shows only those)."""
        return (await self.provider()).lora_settings

    async def model_tokenizer(self, model: str) -> Path | None:
        """The folder of ``model``'s own tokenizer on this machine (a served open model found
        by name, in the profile's ``options.model_folders`` or the Hugging Face cache), or
        None: OpenAI's models count with tiktoken, and an open model without its files here
        is counted as a tiktoken estimate (the lint line says so)."""
        from tuiftune.dataset.models import model_info
        from tuiftune.dataset.options import is_open_model
        from tuiftune.dataset.served_models import folders_option, local_tokenizer

        # (model_info loads an open model's tokenizer: only OpenAI names are asked here.)
        if not is_open_model(model) and model_info(model).known:
            return None
        profile = getattr(self.app, "services").profile  # noqa: B009
        folders = folders_option(profile.options.get("model_folders") if profile else None)
        try:
            return await asyncio.to_thread(local_tokenizer, model, folders)
        except OSError:
            return None

    async def model_notes(self, model: str) -> str:
        """The model's retirement badge and the provider's wind-down of job creation, on the
        services' clock ("" where the provider states neither)."""
        from tuiftune.config import ConfigError
        from tuiftune.service.retirement import (
            calendar_for,
            creation_notice,
            load_retirements,
            retirement_text,
        )

        provider = await self.provider()
        calendar = calendar_for(provider.name, provider.label)
        if calendar is None:
            return ""
        try:
            table = await asyncio.to_thread(load_retirements)
        except ConfigError as exc:
            return f"retirement dates: {exc}"
        now: float = getattr(self.app, "services").clock()  # noqa: B009
        lines = [retirement_text(table.retires_at(calendar, model), now)]
        lines.append(creation_notice(table, calendar, now) or "")
        return "\n".join(line for line in lines if line)

    async def provider_rules(self, path: Path, model: str) -> list[ReportedFinding]:
        """The provider's dataset rules on the form's file (its own model limits where it has
        them); none on OpenAI, whose rules the lint already is."""
        from tuiftune.service.provider_lint import lint_for_provider

        rules, found = await lint_for_provider(await self.provider(), path, model)
        return [] if rules in (None, "openai") else found

    async def uploaded_files(self) -> list[tuple[str, str]]:
        """(id, label) of the files uploaded for fine-tuning, newest first."""
        provider = await self.provider()
        files = sorted(await provider.files.list(purpose="fine-tune"), key=lambda f: -f.created_at)
        return [(f.id, f"{f.id}  {f.filename}  {f.bytes:,} B") for f in files[:50]]

    def action_cancel_upload(self) -> None:
        """Stop an upload in progress."""
        if any(w.group == "jobs-create" and w.is_running for w in self.workers):
            self.workers.cancel_group(self, "jobs-create")
            self.post_message(UploadProgress(0, 0))
            self.notify("upload stopped; no job was created", severity="warning")

    @work(exclusive=True, group="jobs-create", exit_on_error=False)
    async def create_job(self, spec: CreateSpec) -> None:
        """Upload the local files, then create the job and select it (``service.launch``)."""
        try:
            provider = await self.provider()
            if self._backend is not None:
                provider = replace(provider, jobs=self._backend)
            launched = await launch(
                provider,
                spec.request,
                spec.training_path,
                spec.validation_path,
                force=spec.force,
                observer=_UploadBar(self),
            )
        except (ServiceError, OSError) as exc:
            message = exc.message if isinstance(exc, ServiceError) else str(exc)
            self.notify(message, title="Create failed", severity="error", timeout=15, markup=False)
            return
        finally:
            self.post_message(UploadProgress(0, 0))
        self.notify(launched.job.id, title="Job created", markup=False)
        overlap = overlap_lines([launched.overlap])
        if overlap:
            self.notify(
                "\n".join(overlap), title="Validation overlap", severity="warning", markup=False
            )
        self.post_message(JobChanged(launched.job, select=True))


class _UploadBar:
    """Turns a launch's upload progress into ``UploadProgress`` messages."""

    def __init__(self, screen: Screen[None]) -> None:
        self.screen = screen

    @contextlib.contextmanager
    def _bar(self, name: str) -> Iterator[ProgressCallback | None]:
        def report(sent: int, total: int) -> None:
            self.screen.post_message(UploadProgress(sent, total, name))

        yield report

    def uploading(
        self, path: Path, findings: list[ReportedFinding]
    ) -> AbstractContextManager[ProgressCallback | None]:
        """A progress callback labelled with the file's name."""
        return self._bar(path.name)

    def uploaded(self, path: Path, result: UploadResult) -> None:
        """The bar is hidden at the end of the launch."""


def _write(name: str, text: str) -> None:
    Path(name).expanduser().write_text(text, "utf-8")
