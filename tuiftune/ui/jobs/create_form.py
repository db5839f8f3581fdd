"""The create-job form: files, method, base model, hyperparameters; lints before any upload."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Literal

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, Select, Static

from tuiftune.dataset import LintOptions, LintReport, ReportedFinding, lint_file
from tuiftune.service.errors import ServiceError
from tuiftune.service.held_out import with_test_file
from tuiftune.service.jobs import Hyperparameters, JobRequest, check_job_request
from tuiftune.service.leakage_check import overlap_between
from tuiftune.ui.jobs.create_lint import lint_summary
from tuiftune.ui.jobs.form_values import auto_float, auto_int, parse_metadata
from tuiftune.ui.jobs.lora_fields import LoraFields
from tuiftune.ui.overlap_note import overlap_lines
from tuiftune.ui.screens.modals import PickScreen
from tuiftune.ui.widgets.footer import Footer

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
PENDING = "file-pending-upload"  # stands in for a file id until the upload gives the real one


@dataclass(frozen=True)
class CreateSpec:
    """What the form returns: the request, and which files must be uploaded first."""

    request: JobRequest
    training_path: Path | None
    validation_path: Path | None
    force: bool = False


FileLister = Callable[[], Awaitable[list[tuple[str, str]]]]
"""Returns (file id, label) pairs of the files already uploaded for fine-tuning."""

ModelLister = Callable[[], Awaitable[list[str]]]
"""Returns the ids of the base models the backend serves."""

ModelNotes = Callable[[str], Awaitable[str]]
"""A model's retirement badge and the provider's wind-down of job creation ("" for none)."""

ProviderRules = Callable[[Path, str], Awaitable[list[ReportedFinding]]]
"""The provider's own dataset rules on a file for a model (none on OpenAI: the lint's are)."""

LoraSupport = Callable[[], Awaitable[frozenset[str]]]
"""The LoRA settings the provider takes (``Provider.lora_settings``)."""

TokenizerFinder = Callable[[str], Awaitable[Path | None]]
"""The folder of a model's own tokenizer on this machine (an open model), or None."""


class FilePicked(Message):
    """An uploaded file was chosen for the training (or validation) field."""

    def __init__(self, field: str, file_id: str) -> None:
        super().__init__()
        self.field, self.file_id = field, file_id


class LintDone(Message):
    """The form's lint finished (``report`` None and ``error`` set when it could not run)."""

    def __init__(
        self,
        key: tuple[str, str],
        report: LintReport | None,
        error: str = "",
        overlap: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.key, self.report, self.error = key, report, error
        self.overlap = overlap or []  # validation rows also in the training file


class CreateJobScreen(ModalScreen[CreateSpec | None]):
    """A modal form; ctrl+l lints, ctrl+s creates (after the lint was shown), escape cancels."""

    # The scroll container would take the focus first and swallow the first keys typed.
    AUTO_FOCUS = "#training"

    CSS_PATH = Path(__file__).parent.parent / "styles" / "jobs_create.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Create",
            id="create.submit",
            tooltip="Lint and show the cost first; press again to upload and create",
        ),
        Binding(
            "ctrl+l", "lint", "Lint", id="create.lint", tooltip="Lint the files, show the cost"
        ),
        Binding(
            "ctrl+u",
            "pick_uploaded",
            "Uploaded file",
            id="create.pick_uploaded",
            tooltip="Use a file uploaded earlier instead of a local one",
            priority=True,  # before the focused Input's own ctrl+u (delete to the start)
        ),
        Binding("escape", "cancel", "Cancel", id="create.cancel", tooltip="Close; nothing is sent"),
    ]

    def __init__(
        self,
        training: str = "",
        model: str = DEFAULT_MODEL,
        files: FileLister | None = None,
        models: ModelLister | None = None,
        notes: ModelNotes | None = None,
        rules: ProviderRules | None = None,
        lora: LoraSupport | None = None,
        tokenizer: TokenizerFinder | None = None,
    ) -> None:
        super().__init__()
        self.lora = lora
        self.tokenizer = tokenizer
        self.training = training
        self.files = files
        self.models = models
        self.notes = notes
        self.rules = rules
        self.model = model
        self.linted: tuple[str, str] | None = None
        self.report: LintReport | None = None

    def compose(self) -> ComposeResult:
        """One labelled input per field, the lint result; the footer holds the keys."""
        with VerticalScroll(classes="dialog", id="create-form"):
            yield Label(Text("New fine-tuning job"), classes="dialog-title")
            yield from self._field("training file (path or file id)", "training", self.training)
            yield from self._field("validation file (optional)", "validation", "")
            yield from self._field(
                "test set (optional)", "test_file", "", "held-out JSONL, kept here"
            )
            with Horizontal(classes="field"):
                yield Label("method", classes="field-label")
                yield Select(
                    [("supervised", "supervised"), ("dpo", "dpo")],
                    value="supervised",
                    allow_blank=False,
                    id="method",
                )
            yield from self._field("base model", "model", self.model)
            yield Static(id="model-hint")
            yield Static(id="model-retirement")
            yield from self._field("n_epochs", "n_epochs", "", "auto or 1-50")
            yield from self._field("batch_size", "batch_size", "", "auto or 1-256")
            yield from self._field("lr multiplier", "lr", "", "auto or > 0")
            yield from self._field("beta (dpo)", "beta", "", "auto or (0, 2]")
            yield from self._field("suffix", "suffix", "", "1-64 characters")
            yield from self._field("seed", "seed", "", "0-2147483647")
            yield from self._field("metadata", "metadata", "", "key=value, key=value")
            yield LoraFields()
            yield Checkbox("upload even if the lint finds errors", id="force")
            yield Static(
                Text("ctrl+l lints the file; ctrl+s lints, then creates", style="dim"),
                id="lint-result",
            )
        # The form scrolls at 80x24 (its fields are taller than the screen): the footer keeps
        # ctrl+s and the other keys in sight wherever the form is scrolled to.
        yield Footer(compact=True, show_command_palette=False)

    def _field(self, label: str, name: str, value: str, hint: str = "") -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(label, classes="field-label")
            yield Input(value, placeholder=hint, id=name)

    def on_mount(self) -> None:
        """Ask the backend for its base models (a local server has none of OpenAI's)."""
        self.query_one("#model-hint", Static).display = False
        self.query_one("#model-retirement", Static).display = False
        if self.models is not None:
            self._load_models(self.models)
        if self.notes is not None:
            self._load_notes(self.notes, self.model)
        if self.lora is not None:
            self._load_lora(self.lora)

    def on_input_changed(self, event: Input.Changed) -> None:
        """A new base model: its retirement date and the provider's wind-down, if any; new
        epochs: the lint's cost again for them."""
        if event.input.id == "model" and self.notes is not None:
            self._load_notes(self.notes, event.value.strip())
        if event.input.id == "n_epochs" and self.report is not None:
            self._show(self._summary(self.report))

    @work(group="create-lora", exit_on_error=False)
    async def _load_lora(self, lora: LoraSupport) -> None:
        try:
            supported = await lora()
        except ServiceError:
            return  # the section stays hidden: nothing the provider may refuse is offered
        self.query_one(LoraFields).show_only(supported)

    def _epochs(self) -> int | None:
        """The epochs typed (None for auto or a value the request check will name)."""
        try:
            value = auto_int(self._value("n_epochs"))
        except ValueError:
            return None
        return value if isinstance(value, int) else None

    def _summary(self, report: LintReport) -> Text:
        return lint_summary(report, self._epochs(), self.linted[1] if self.linted else "")

    @work(exclusive=True, group="create-notes", exit_on_error=False)
    async def _load_notes(self, notes: ModelNotes, model: str) -> None:
        try:
            text = await notes(model)
        except ServiceError:
            text = ""
        shown = self.query_one("#model-retirement", Static)
        shown.update(Text(text, style="bold yellow"))
        shown.display = bool(text)

    @work(group="create-models", exit_on_error=False)
    async def _load_models(self, models: ModelLister) -> None:
        try:
            names = await models()
        except ServiceError:
            return  # the field keeps its default; creating names the problem if there is one
        self.show_models(names)

    def show_models(self, names: list[str]) -> None:
        """Suggest the served base models; an untouched default the backend lacks becomes
        the first of them, and the form says which ones it has."""
        field = self.query_one("#model", Input)
        field.suggester = SuggestFromList(names, case_sensitive=False)
        if not names or self.model in names:
            return
        if field.value == self.model:
            field.value = names[0]
        shown = ", ".join(names[:4]) + (f" (+{len(names) - 4})" if len(names) > 4 else "")
        hint = self.query_one("#model-hint", Static)
        hint.update(Text(f"served base models: {shown}", style="dim"))
        hint.display = True

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def _local(self, name: str) -> Path | None:
        """The field as a local file, or None for an empty field or a server file id."""
        text = self._value(name)
        if not text or (text.startswith("file-") and not Path(text).exists()):
            return None
        return Path(text).expanduser()

    def build(self) -> CreateSpec:
        """The request from the fields; raises ValueError naming the bad field."""
        dpo = self.query_one("#method", Select).value == "dpo"
        method: Literal["supervised", "dpo"] = "dpo" if dpo else "supervised"
        try:
            hp = Hyperparameters(
                n_epochs=auto_int(self._value("n_epochs")),
                batch_size=auto_int(self._value("batch_size")),
                learning_rate_multiplier=auto_float(self._value("lr")),
                beta=auto_float(self._value("beta")),
            )
            seed = int(self._value("seed")) if self._value("seed") else None
        except ValueError as exc:
            raise ValueError(f"not a number: {exc}") from None
        lora = self.query_one(LoraFields).options()
        metadata = parse_metadata(self._value("metadata"))
        if self._value("test_file"):
            metadata = with_test_file(metadata, Path(self._value("test_file")))
        train, valid = self._local("training"), self._local("validation")
        request = JobRequest(
            model=self._value("model"),
            training_file=PENDING if train else self._value("training"),
            method=method,
            hyperparameters=hp,
            validation_file=(PENDING if valid else self._value("validation")) or None,
            suffix=self._value("suffix") or None,
            seed=seed,
            metadata=metadata,
            extras=(lora,) if lora is not None else (),
        )
        problems = check_job_request(request)
        for path in (train, valid):
            if path is not None and not path.is_file():
                problems.append(f"{path} is not a file")
        if problems:
            raise ValueError("; ".join(problems))
        return CreateSpec(request, train, valid, self.query_one("#force", Checkbox).value)

    def _show(self, text: Text) -> None:
        self.query_one("#lint-result", Static).update(text)

    def action_lint(self) -> None:
        """Lint the training file locally and show findings and cost (nothing is uploaded)."""
        path = self._local("training")
        if path is None:
            self._show(Text("a server file id is not linted here", style="dim"))
            return
        self._show(Text("linting…", style="dim"))
        self._lint(path, self._value("model"), self._local("validation"))

    @work(exclusive=True, group="create-lint", exit_on_error=False)
    async def _lint(self, path: Path, model: str, validation: Path | None = None) -> None:
        key = (str(path), model)
        # An open model counts with its own tokenizer where its files are on this machine.
        folder = await self.tokenizer(model) if self.tokenizer is not None and model else None
        try:
            report = await lint_file(
                path, LintOptions(model=str(folder) if folder else model or None)
            )
        except (OSError, ValueError) as exc:
            self.post_message(LintDone(key, None, f"cannot lint {path}: {exc}"))
            return
        if self.rules is not None:
            # The provider's rules come first (they decide whether it takes the file); without
            # them the lint stands.
            with contextlib.suppress(ServiceError, OSError):
                report.findings[:0] = await self.rules(path, model)
        # Validation rows that are also training rows make the validation loss meaningless.
        overlap = await overlap_between(path, validation) if validation else None
        self.post_message(LintDone(key, report, overlap=overlap_lines([overlap])))

    def on_lint_done(self, message: LintDone) -> None:
        """Show the findings and remember which file and model they are for."""
        if message.report is None:
            self._show(Text(message.error, style="bold red"))
            return
        self.linted, self.report = message.key, message.report
        shown = self._summary(message.report)
        for line in message.overlap:
            shown.append(f"\n{line}", style="yellow")
        self._show(shown)

    def action_submit(self) -> None:
        """Create: the lint (and cost) must have been shown for this file and model first."""
        try:
            spec = self.build()
        except ValueError as exc:
            self._show(Text(str(exc), style="bold red"))
            return
        path = spec.training_path
        if path is not None and self.linted != (str(path), spec.request.model):
            self.notify("review the lint and cost, then ctrl+s again", title="Lint first")
            self.action_lint()
            return
        if self.report is not None and self.report.errors and not spec.force:
            self._show(self._summary(self.report).append("\nfix the errors or tick upload anyway"))
            return
        self.dismiss(replace(spec))

    @work(group="create-pick", exit_on_error=False)
    async def action_pick_uploaded(self) -> None:
        """Choose a file already on the server for the focused file field (training by default)."""
        field = "validation" if getattr(self.focused, "id", None) == "validation" else "training"
        if self.files is None:
            return
        try:
            choices = await self.files()
        except ServiceError as exc:
            self.notify(exc.message, title="Cannot list files", severity="error", markup=False)
            return
        if not choices:
            self.notify("no uploaded fine-tune files", severity="warning")
            return
        chosen = await self.app.push_screen_wait(PickScreen(f"Uploaded {field} file", choices))
        if chosen:
            self.post_message(FilePicked(field, chosen))

    def on_file_picked(self, message: FilePicked) -> None:
        """Put the chosen file id in its field."""
        self.query_one(f"#{message.field}", Input).value = message.file_id

    def action_cancel(self) -> None:
        """Close without creating anything."""
        self.dismiss(None)
