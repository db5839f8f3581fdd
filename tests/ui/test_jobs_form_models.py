"""The create-job form against a backend with its own base models (a local training server):
the first keys typed land in the training field, and the model field offers what is served."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Static

from tests.ui.jobs_helpers import wait_for
from tuiftune.service.errors import NetworkError
from tuiftune.ui.jobs.create_form import DEFAULT_MODEL, CreateJobScreen, ModelLister


def lister(names: list[str]) -> ModelLister:
    async def models() -> list[str]:
        return names

    return models


async def failing() -> list[str]:
    raise NetworkError("cannot reach the server")


class FormApp(App[None]):
    def __init__(self, models: ModelLister | None) -> None:
        super().__init__()
        self.models = models

    def on_mount(self) -> None:
        self.push_screen(CreateJobScreen(models=self.models))


def hint(form: CreateJobScreen) -> str:
    widget = form.query_one("#model-hint", Static)
    return str(widget.render()) if widget.display else ""


async def test_first_keys_typed_go_to_the_training_field() -> None:
    app = FormApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        await pilot.press("a", ".", "j", "s")
        assert app.screen.query_one("#training", Input).value == "a.js"


async def test_a_server_without_the_default_model_gets_its_own_base_model() -> None:
    app = FormApp(lister(["smollm2-135m", "qwen2.5-0.5b"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        field = form.query_one("#model", Input)
        await wait_for(pilot, lambda: field.value == "smollm2-135m", "the served model")
        assert hint(form) == "served base models: smollm2-135m, qwen2.5-0.5b"
        # the served names are suggested as the user types
        field.value = ""
        field.focus()
        await pilot.press("q", "w")
        await wait_for(pilot, lambda: field._suggestion == "qwen2.5-0.5b", "the suggestion")


async def test_a_typed_model_is_kept_and_openai_backends_keep_the_default() -> None:
    app = FormApp(lister([DEFAULT_MODEL, "gpt-4.1-2025-04-14"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert form.query_one("#model", Input).value == DEFAULT_MODEL
        assert hint(form) == ""
        form.query_one("#model", Input).value = "mine"
        form.show_models(["smollm2-135m"])
        assert form.query_one("#model", Input).value == "mine"


async def test_a_failed_model_list_leaves_the_default() -> None:
    app = FormApp(failing)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#model", Input).value == DEFAULT_MODEL
        assert hint(app.screen) == ""  # type: ignore[arg-type]
