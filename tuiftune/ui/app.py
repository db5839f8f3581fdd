"""The tuiftune app: one mode per area (dataset, jobs, playground, eval)."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tuiftune.config_paths import plainly_sandbox
from tuiftune.service.services import Services
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.messages import (
    CompareJobs,
    DatasetFileChanged,
    JobsToCompare,
    ModelOpened,
    OpenModel,
    OpenRecord,
    RecordOpened,
)
from tuiftune.ui.theme import THEME

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from tuiftune.config import ResolvedProfile
    from tuiftune.dataset.lint_worker import LintWorker
    from tuiftune.dataset.session import EditorSession

__all__ = ["Services", "TuiftuneApp", "backend_label", "worker_error_line"]


def backend_label(profile: ResolvedProfile) -> str:
    """What the header shows: OPENAI, AZURE, the base URL of a compatible server, SANDBOX,
    or the provider's name in capitals."""
    from tuiftune.config import DEFAULT_PROVIDER, BackendKind

    if profile.provider != DEFAULT_PROVIDER:
        return profile.provider.upper()
    if profile.kind is BackendKind.SANDBOX:
        return "SANDBOX"
    if profile.kind is BackendKind.COMPATIBLE:
        return str(profile.base_url or "compatible")
    return str(profile.kind).upper()


# The other areas are imported on first use: their modules are not needed for the first paint.


def _playground() -> Screen[None]:
    from tuiftune.ui.playground.screen import PlaygroundScreen

    return PlaygroundScreen()


def _eval() -> Screen[None]:
    from tuiftune.ui.eval.screen import EvalScreen

    return EvalScreen()


def _jobs_screen() -> Screen[None]:
    from tuiftune.ui.jobs.screen import JobsScreen

    return JobsScreen()


class TuiftuneApp(App[None]):
    """The fine-tuning workbench."""

    # Absolute, so that subclasses (tests, benchmarks) defined elsewhere still find it. The
    # Dataset editor's file is read with the app's own: loaded with its screen instead, it made
    # Textual parse every style sheet again before the first frame.
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        Path(__file__).parent / "styles" / "app.tcss",
        DatasetScreen.CSS_PATH,
    ]
    TITLE = "tuiftune"
    # Made as the app composes: switched to in on_mount, it cost two more whole-CSS reparses.
    DEFAULT_MODE = "dataset"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help", tooltip="This area's help and keys"),
        Binding(
            "f2",
            "switch_mode('dataset')",
            "Dataset",
            id="app.mode_dataset",
            tooltip="Edit and lint a dataset",
        ),
        Binding(
            "f3", "switch_mode('jobs')", "Jobs", id="app.mode_jobs", tooltip="Watch and run jobs"
        ),
        Binding(
            "f4",
            "switch_mode('playground')",
            "Playground",
            id="app.mode_playground",
            tooltip="Prompt models side by side",
        ),
        Binding(
            "f5",
            "switch_mode('eval')",
            "Eval",
            id="app.mode_eval",
            tooltip="Score models on a test set",
        ),
        Binding(
            "f6",
            "profiles",
            "Profiles",
            show=False,
            id="app.profiles",
            tooltip="Switch the backend profile (every provider is listed)",
        ),
        Binding(
            "ctrl+q",
            "quit_guarded",
            "Quit",
            show=False,
            id="app.quit",
            priority=True,
            tooltip="Quit (asks first about unsaved edits)",
        ),
    ]

    def __init__(
        self,
        services: Services | None = None,
        path: Path | None = None,
        model: str | None = None,
        worker: LintWorker | None = None,
    ) -> None:
        self.services = services or Services()
        self.path = path
        self._worker = worker  # the first editor's: linting ``path`` since start-up
        self.model = model  # the dataset editor's target model (tuiftune FILE --model X)
        self.dataset_path: Path | None = path
        """The dataset editor's file (kept current by ``DatasetFileChanged``): the default
        training file of the create-job form."""
        self._dataset_screens: list[DatasetScreen] = []
        self._pending_compare: CompareJobs | None = None
        # Modes need the file and services, so they are built per instance.
        self.MODES = {  # type: ignore[misc]
            "dataset": self._dataset_screen,
            "jobs": _jobs_screen,
            "playground": _playground,
            "eval": _eval,
        }
        super().__init__()
        # Set before the first style sheet is parsed: set in on_mount, the new theme's
        # variables made Textual parse every style sheet again (four times) before the first frame.
        self.register_theme(THEME)  # warnings yellow, not red, on 16-colour terminals
        self.theme = THEME.name

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """Run the app (the process's whole life).

        What has been loaded by now (the modules, some 50,000 objects) lives as long: frozen,
        the collector stops walking it, and the full collection that fell on the first frame
        (30-40 ms of the cold start's 0.5 s; 84 of its 2,320 M instructions) is gone.
        """
        gc.freeze()
        try:
            # Whatever the app exits with (snapshot tests exit with the screenshot).
            return super().run(*args, **kwargs)
        finally:
            gc.unfreeze()  # a process that goes on (tests) collects its garbage again

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is data: never markup (a server's ``[link=...]`` or a typed ``[/]``
        would be parsed, or crash the toast), its control characters shown as escapes."""
        from tuiftune.dataset.preview import printable

        del markup  # whatever a caller asks: notifications carry user and server text
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _dataset_screen(self) -> DatasetScreen:
        # Kept so that quitting can ask each editor about unsaved edits.
        worker, self._worker = self._worker, None
        screen = DatasetScreen(self.path, self.model, worker)
        self._dataset_screens.append(screen)
        return screen

    def editor_record(self) -> tuple[EditorSession, int] | None:
        """The Dataset editor's open session and the position of the record under its cursor;
        None when no file is open there or no row is shown (what the Playground's ctrl+l loads)."""
        from tuiftune.ui.dataset.record_list import RecordList

        for screen in self._dataset_screens:
            session = screen.session
            if session is None:
                continue
            for records in screen.query(RecordList):
                return (session, records.pos_of_row(records.cursor)) if records.count() else None
        return None

    def on_mount(self) -> None:
        """Start in the dataset editor, then find out which backend is in use."""
        self.mode_change_signal.subscribe(self, self._mode_changed)
        services = self.services
        plain = services.profile_name is None and (services.sandbox or plainly_sandbox())
        if services.backend_label is None and plain:
            # First run, no config, no key: the sandbox, without the config machinery's 0.1 s
            # of imports competing with the file's first lint (the profile itself is resolved
            # when a provider is first opened).
            services.backend_label = "SANDBOX"
        if services.backend_label is not None:
            self.sub_title = services.backend_label
        else:
            self.sub_title = "…"
            # After the first frame: the profile's modules (pydantic) take the GIL for 0.1 s or
            # more, and started here they slowed the frame and the file's first read.
            self.call_after_refresh(self.resolve_backend)

    @work(thread=True, exit_on_error=False)
    def resolve_backend(self) -> None:
        """Resolve the profile (config file, environment) in a thread after the first paint."""
        from tuiftune.config import ConfigError

        try:
            profile = self.services.resolve()
        except ConfigError as exc:
            self.call_from_thread(self.exit, None, 2, f"tuiftune: config error: {exc}")
            return
        label = backend_label(profile)
        self.services.backend_label = label
        self.call_from_thread(setattr, self, "sub_title", label)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette lists every key of the current screen next to the built-in commands."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, DatasetScreen):
            from tuiftune.ui.dataset.loop_commands import loop_commands

            yield from loop_commands(screen, self.services)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"{binding.description} ({key})",
                lambda node=active.node, action=binding.action: self.call_later(
                    self.run_action, action, node
                ),
            )

    def action_help(self) -> None:
        """Show the current area's help and keys."""
        screen = self.screen
        text = getattr(screen, "help_text", None) or getattr(screen, "HELP", None) or "# tuiftune"
        keys = [
            (key, active.binding.description)
            for key, active in screen.active_bindings.items()
            if active.binding.description
        ]
        from tuiftune.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(str(text), keys))

    @work(exclusive=True, group="profiles", exit_on_error=False)
    async def action_profiles(self) -> None:
        """Pick a profile (or see how to add one for a provider) and reconnect to it."""
        from tuiftune.ui.profiles import pick_and_switch

        if await pick_and_switch(self, self.services):
            self.sub_title = "…"
            self.resolve_backend()

    @work(exit_on_error=False)
    async def action_quit_guarded(self) -> None:
        """Quit, asking first when the dataset has unsaved edits."""
        for screen in self._dataset_screens:
            if screen.is_attached and not await screen.confirm_discard():
                return
        self.exit()

    def action_help_quit(self) -> None:
        """ctrl+c (outside a text field, where it copies): say which key quits. Textual's own
        hint looks for an action named ``quit``, which this app's ctrl+q is not."""
        self.notify("Press ctrl+q to quit (unsaved edits are asked about first)", title="Quit?")

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: into the Downloads folder when there is one, else into the
        folder the app was started in (Textual's default fails when Downloads is missing)."""
        return super().deliver_screenshot(filename, path or str(screenshot_dir()), time_format)

    @on(events.DeliveryComplete)
    def _screenshot_saved(self, event: events.DeliveryComplete) -> None:
        if event.name == "screenshot":
            event.prevent_default()  # Textual's toast puts the path in markup
            self.notify(f"Saved screenshot to {event.path}", title="Screenshot")

    @on(events.DeliveryFailed)
    def _screenshot_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == "screenshot":
            event.prevent_default()  # Textual's says only "failed"
            exc = event.exception
            why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            where = getattr(exc, "filename", None)
            self.notify(
                f"Could not save the screenshot{f' to {where}' if where else ''}: {why}",
                title="Screenshot",
                severity="error",
            )

    # -- hand-offs between areas: requests bubble up here, the target gets its own message --

    @on(OpenModel)
    def _open_model(self, message: OpenModel) -> None:
        self.switch_mode("playground")
        self.screen.post_message(ModelOpened(message.model))

    @on(OpenRecord)
    def _open_record(self, message: OpenRecord) -> None:
        self.switch_mode("dataset")
        self.screen.post_message(RecordOpened(message.path, message.line))

    @on(CompareJobs)
    def _compare_jobs(self, message: CompareJobs) -> None:
        # Kept until Eval is shown: the new job is usually still training, and the user stays
        # in the editor meanwhile.
        self._pending_compare = message
        if self.current_mode == "eval":
            self._mode_changed("eval")

    def _mode_changed(self, mode: str) -> None:
        pending, self._pending_compare = self._pending_compare, None
        if mode == "eval" and pending is not None:
            self.screen.post_message(JobsToCompare(pending.old_job, pending.new_job))
        else:
            self._pending_compare = pending

    @on(DatasetFileChanged)
    def _dataset_file_changed(self, message: DatasetFileChanged) -> None:
        self.dataset_path = message.path

    # -- the one worker-error router: no failed worker closes the app ------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Every worker that fails (its error not handled where it ran) becomes one line."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.notify(
            worker_error_line(error),
            title=f"{event.worker.name or 'task'} failed",
            severity="error",
            timeout=15,
            markup=False,
        )


def screenshot_dir() -> Path:
    """The user's Downloads folder if it exists, else the current folder."""
    from platformdirs import user_downloads_path

    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else Path.cwd()


def worker_error_line(error: BaseException | None) -> str:
    """One readable line for a failed worker: a service error's sentence, else the exception's
    type and text, with control characters escaped (``clean``)."""
    from tuiftune.service.errors import ServiceError
    from tuiftune.textfmt import clean

    if isinstance(error, ServiceError):
        return clean(error.message)
    if error is None:
        return "failed without saying why"
    text = str(error).strip().splitlines()
    return clean(f"{type(error).__name__}: {text[0]}" if text else type(error).__name__)
