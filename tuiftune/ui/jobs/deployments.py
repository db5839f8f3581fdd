"""The deployments view of the Jobs area: where a provider serves a fine-tuned model only from
a deployment (Azure, Together endpoints, Fireworks), list them with what each costs and when
the provider deletes it, deploy a job's model or checkpoint, wait for it, stop or delete it.

What to ask before deploying comes from ``service.deployments.deploy_plan``; this screen knows
no provider by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker

from tuiftune.service import deployments as deps
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import DeploymentsProvider, Provider
from tuiftune.service.types import Deployment
from tuiftune.textfmt import clean
from tuiftune.ui.key_order import InOrderKeys
from tuiftune.ui.messages import OpenModel
from tuiftune.ui.screens.modals import AskScreen, ConfirmScreen, PickScreen
from tuiftune.ui.widgets.footer import Footer
from tuiftune.ui.workers import ReportWorkerErrors


def _key(key: str, action: str, name: str, tip: str, id: str, show: bool = True) -> Binding:
    return Binding(key, action, name, show=show, id=f"deployments.{id}", tooltip=tip)


class DeploymentsScreen(ReportWorkerErrors, InOrderKeys):
    """The provider's deployments; ``models`` are what ``n`` offers to deploy (the selected
    job's fine-tuned model and checkpoints)."""

    # Their keys go to the dialog they open, typed ahead or not (ui/key_order.py).
    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "delete",
            "deploy",
            "stop",
        }
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        _key("n", "deploy", "Deploy", "Deploy the job's model or a checkpoint (asks first)", "new"),
        # The footer fits 80 columns with the app's F-keys: the rest are in F1 and the palette.
        _key("x", "stop", "Stop", "Stop its billing, keep it (asks first)", "stop", False),
        _key("delete,D", "delete", "Delete", "Delete the deployment (asks first)", "delete", False),
        _key("o", "playground", "Playground", "Prompt the deployment", "playground", False),
        _key(
            "c",
            "stop_waiting",
            "Stop waiting",
            "Stop waiting (it keeps deploying)",
            "unwait",
            False,
        ),
        _key("ctrl+r", "refresh", "Refresh", "Read the deployments again", "refresh", False),
        _key("escape", "back", "Back", "Back to the jobs", "back"),
        Binding(
            "ctrl+q",
            "app.quit_guarded",
            "Quit",
            id="deployments.quit",
            tooltip="Quit tuiftune",
            priority=True,
        ),
    ]
    HELP = """\
## Deployments

Where a provider serves a fine-tuned model only from a deployment (Azure OpenAI, Together
endpoints, Fireworks). Each row's extras say what it costs while it exists and when the provider
deletes it by itself (Azure: developer tier after 24 h, any deployment after 15 idle days).

- **n**: deploy the job's model or a checkpoint (the cost first, its questions, a confirm)
- **c**: stop waiting for it to be ready (it keeps deploying)
- **x**: stop it (scale to zero, where the provider can); **D** / delete: delete it (both ask first)
- **o**: prompt it in the Playground by its deployment name; **ctrl+r**: read again; **esc**: back
- **ctrl+p**: every key in the command palette; **ctrl+q**: quit
"""
    DEFAULT_CSS = """
    DeploymentsScreen #deployments-table { height: 1fr; border: round $primary; }
    DeploymentsScreen #deployment-detail { height: auto; max-height: 6; padding: 0 1; }
    DeploymentsScreen #deployment-status { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(
        self,
        provider: Callable[[], Awaitable[Provider]],
        models: list[str] | None = None,
        *,
        interval: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__()
        self._provider = provider
        self.models = [m for m in models or [] if m]
        self.interval = interval
        self._sleep = sleep
        self.deployments: dict[str, Deployment] = {}
        self.status_line = ""
        self._waiting: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        """Header, the deployments, the selected one's extras, a status line, the footer."""
        yield Header()
        table: DataTable[str] = DataTable(id="deployments-table", cursor_type="row")
        table.add_columns("deployment", "status", "model")
        table.border_title = "Deployments"
        yield table
        yield Static(id="deployment-detail")
        yield Static(id="deployment-status")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Read the deployments."""
        self.action_refresh()

    async def _deployments(self) -> DeploymentsProvider | None:
        found = (await self._provider()).deployments
        if found is None:
            self._say("this provider answers with fine-tuned models as they are: no deployments")
        return found

    def _say(self, text: str) -> None:
        self.status_line = text
        self.query_one("#deployment-status", Static).update(Text(clean(text)))

    def _selected(self) -> Deployment | None:
        table = self.query_one("#deployments-table", DataTable)
        if table.row_count == 0:
            self.notify("no deployment selected", severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.deployments.get(key or "")

    def _show(self, found: list[Deployment]) -> None:
        self.deployments = {d.id: d for d in found}
        table = self.query_one("#deployments-table", DataTable)
        table.clear()
        for d in found:
            table.add_row(Text(clean(d.id)), Text(clean(d.status)), Text(clean(d.model)), key=d.id)
        if not found:
            self.query_one("#deployment-detail", Static).update(
                Text("No deployments: press n to deploy the job's model.", style="dim")
            )

    def _update(self, got: Deployment) -> None:
        if got.id not in self.deployments:
            self._show([*self.deployments.values(), got])
        self.deployments[got.id] = got
        table = self.query_one("#deployments-table", DataTable)
        table.update_cell(got.id, table.ordered_columns[1].key, Text(clean(got.status)))
        self._detail(got)

    def _detail(self, got: Deployment) -> None:
        text = Text(f"prompt as {clean(deps.inference_name(got))}", style="bold")
        services = getattr(self.app, "services", None)  # the app's clock, where it has one
        now: float | None = services.clock() if services is not None else None
        for line in deps.describe(got, now):
            text.append("\n" + clean(line))
        self.query_one("#deployment-detail", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        got = self.deployments.get(event.row_key.value or "")
        if got is not None:
            self._detail(got)

    @work(group="deployments", exit_on_error=False)
    async def action_refresh(self) -> None:
        """Read every deployment again."""
        found = await self._deployments()
        if found is None:
            return
        try:
            self._show(await found.list())
        except ServiceError as exc:
            self._say(f"deployments: {exc}")

    async def _ask(self, question: deps.DeployQuestion) -> str | None:
        if question.choices:
            choices = [(c.value, c.label) for c in question.choices]
            default = [c for c in choices if c[0] == question.default]
            others = [c for c in choices if c[0] != question.default]
            return await self.app.push_screen_wait(PickScreen(question.prompt, default + others))
        return await self.app.push_screen_wait(AskScreen(question.prompt, question.default))

    @work(group="deployments", exclusive=True, exit_on_error=False)
    async def action_deploy(self) -> None:
        """Pick the model, answer the plan's questions, confirm with the cost, deploy, wait."""
        found = await self._deployments()
        if found is None:
            return
        if not self.models:
            self.notify("the selected job has no model or checkpoint yet", severity="warning")
            return
        model: str | None = self.models[0]
        if len(self.models) > 1:
            model = await self.app.push_screen_wait(
                PickScreen("Deploy which model?", [(m, m) for m in self.models])
            )
        if model is None:
            return
        try:
            plan = await deps.deploy_plan(found, model)
            self._say(plan.note)  # the cost first, before any question
            answers: dict[str, str] = {}
            for question in plan.questions:
                answer = await self._ask(question)
                if answer is None:
                    self._say("nothing deployed")
                    return
                answers[question.key] = question.check(answer)
            chosen = ", ".join(f"{q.prompt} {answers[q.key]}" for q in plan.questions)
            detail = f"{plan.note}" + (f"; {chosen}" if chosen else "")
            if not await self.app.push_screen_wait(ConfirmScreen(f"Deploy {model}?", detail)):
                self._say("nothing deployed")
                return
            made = await deps.deploy(found, model, answers, plan)
        except ServiceError as exc:
            self._say(f"not deployed: {exc}")
            return
        self._update(made)
        self._wait(found, made.id)

    def _wait(self, found: DeploymentsProvider, deployment_id: str) -> None:
        self._waiting = self.run_worker(
            self._wait_ready(found, deployment_id),
            group="deployment-wait",
            exclusive=True,
            exit_on_error=False,
        )

    async def _wait_ready(self, found: DeploymentsProvider, deployment_id: str) -> None:
        def progress(got: Deployment, elapsed: float) -> None:
            self._update(got)
            self._say(f"{got.id}: {got.status} after {elapsed:.0f} s (c: stop waiting)")

        try:
            ready = await deps.wait_ready(
                found, deployment_id, interval=self.interval, progress=progress, sleep=self._sleep
            )
        except ServiceError as exc:
            self._say(str(exc))
            return
        self._say(f"{ready.id} is ready: prompt it as {deps.inference_name(ready)} (o)")
        self.notify(f"{ready.id} is ready", title="Deployed", markup=False)

    def action_stop_waiting(self) -> None:
        """Stop following the deployment; the provider keeps deploying it."""
        if self._waiting is not None and self._waiting.is_running:
            self._waiting.cancel()
            self._say("stopped waiting; the provider keeps deploying (ctrl+r to read again)")

    @work(group="deployments", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        """Delete the selected deployment after a confirm."""
        got = self._selected()
        found = await self._deployments()
        if got is None or found is None:
            return
        detail = "the fine-tuned model stays and can be deployed again"
        if not await self.app.push_screen_wait(ConfirmScreen(f"Delete {got.id}?", detail)):
            return
        try:
            await found.delete(got.id)
            self._say(f"deleted {got.id}")
            self._show(await found.list())
        except ServiceError as exc:
            self._say(f"not deleted: {exc}")

    @work(group="deployments", exclusive=True, exit_on_error=False)
    async def action_stop(self) -> None:
        """Stop the selected deployment (scale to zero) after a confirm, where possible."""
        got = self._selected()
        found = await self._deployments()
        if got is None or found is None:
            return
        if not deps.can_stop(found):
            self.notify("this provider cannot stop a deployment: delete it", severity="warning")
            return
        if not await self.app.push_screen_wait(
            ConfirmScreen(f"Stop {got.id}?", "no replica runs (nor bills) until it is started")
        ):
            return
        try:
            self._update(await deps.stop(found, got.id))
            self._say(f"stopped {got.id}")
        except ServiceError as exc:
            self._say(f"not stopped: {exc}")

    def action_playground(self) -> None:
        """Prompt the selected deployment in the Playground (by the name inference uses)."""
        got = self._selected()
        if got is None:
            return
        if got.status != deps.READY:
            self.notify(f"{got.id} is {got.status}, not ready", severity="warning", markup=False)
            return
        self.dismiss(None)
        self.app.post_message(OpenModel(deps.inference_name(got)))

    def action_back(self) -> None:
        """Back to the Jobs screen."""
        self.dismiss(None)
