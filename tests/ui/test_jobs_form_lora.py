"""The create form's "Advanced (LoRA)" section shows only what the provider takes, and the form
fits the screen: as tall as the screen at 120x40 (it was cut at 22 rows), scrolling at 80x24."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Input

from tests.ui.jobs_helpers import wait_for
from tuiftune.service.lora import ALL_SETTINGS, LoraOptions
from tuiftune.ui.jobs.create_form import CreateJobScreen
from tuiftune.ui.jobs.lora_fields import LoraFields


def support(names: frozenset[str]) -> Callable[[], Awaitable[frozenset[str]]]:
    async def lora() -> frozenset[str]:
        return names

    return lora


class FormApp(App[None]):
    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names

    def on_mount(self) -> None:
        self.push_screen(CreateJobScreen(training="file-abc", lora=support(self.names)))


async def _form(app: FormApp, pilot: object) -> CreateJobScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")  # type: ignore[arg-type]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    form = app.screen
    assert isinstance(form, CreateJobScreen)
    return form


async def test_a_provider_without_lora_gets_no_section() -> None:
    app = FormApp(frozenset())
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _form(app, pilot)
        assert not form.query_one(LoraFields).display
        assert form.build().request.extras == ()


async def test_only_the_settings_a_provider_takes_are_shown_and_sent() -> None:
    app = FormApp(frozenset({"lora_r", "max_seq_len"}))  # Fireworks' pair
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _form(app, pilot)
        lora = form.query_one(LoraFields)
        assert lora.display
        lora.collapsed = False
        await pilot.pause()
        shown = {n for n in ALL_SETTINGS if form.query_one(f"#field-{n}").display}
        assert shown == {"lora_r", "max_seq_len"}
        form.query_one("#lora_r", Input).value = "16"
        form.query_one("#max_seq_len", Input).value = "4096"
        form.query_one("#lora_alpha", Input).value = "32"  # hidden: never read
        assert form.build().request.extra(LoraOptions) == LoraOptions(lora_r=16, max_seq_len=4096)
        form.query_one("#lora_r", Input).value = "four"
        try:
            form.build()
        except ValueError as exc:
            assert str(exc) == "lora_r: expected an integer, got 'four'"
        else:
            raise AssertionError("a bad rank was accepted")


def above_the_footer(box: VerticalScroll, height: int) -> Callable[[], bool]:
    return lambda: box.outer_size.height == height


def in_view(box: VerticalScroll, field: Input) -> Callable[[], bool]:
    return lambda: box.region.contains_region(field.region)


async def test_the_form_fills_a_tall_screen_and_scrolls_on_a_small_one() -> None:
    for size in ((120, 40), (80, 24)):
        app = FormApp(ALL_SETTINGS)
        async with app.run_test(size=size) as pilot:
            form = await _form(app, pilot)
            box = form.query_one("#create-form", VerticalScroll)
            # Every field is taller than either screen: the form takes the whole height
            # above the footer's row (not a fixed 22 rows) and scrolls to reach the rest.
            # The footer's keys are laid out a frame or two after the form (under load later).
            await wait_for(pilot, above_the_footer(box, size[1] - 1), "the form's height")
            assert box.outer_size.width <= size[0]
            assert box.max_scroll_y > 0
            field = form.query_one("#metadata", Input)
            field.focus()
            # Scrolled into view: a frame or two after the focus (under load, more than one).
            await wait_for(pilot, in_view(box, field), "the field in view")


def test_a_rerun_keeps_the_lora_settings_the_job_reports() -> None:
    from tuiftune.service.types import Job
    from tuiftune.ui.jobs.format import rerun_request

    echoed = {
        "n_epochs": 2,
        "lora_r": 4,
        "lora_alpha": 8.0,
        "lora_dropout": 0.1,
        "target_modules": ["q_proj", "v_proj"],
        "max_seq_len": 128,
        "eval_every_steps": 1,
    }
    job = Job("ftjob-1", "succeeded", "tiny-base", 0, hyperparameters=echoed, training_file="f")
    spec = rerun_request(job)
    assert spec.extra(LoraOptions) == LoraOptions(4, 8.0, 0.1, ("q_proj", "v_proj"), 128)
    fireworks = Job("j", "succeeded", "m", 0, hyperparameters={"lora_rank": 16})
    assert rerun_request(fireworks).extra(LoraOptions) == LoraOptions(lora_r=16)
    assert (
        rerun_request(Job("j", "succeeded", "m", 0, hyperparameters={"n_epochs": 3})).extras == ()
    )
