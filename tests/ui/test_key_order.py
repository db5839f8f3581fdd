"""ui/key_order.py: a screen's bindings run in key order; keys typed ahead of a dialog go
into the dialog, not to the screen's bindings."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.widgets import Static

from tuiftune.ui.key_order import InOrderKeys
from tuiftune.ui.screens.modals import AskScreen


class Asking(InOrderKeys):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "ask", "Ask"),
        Binding("x", "mark('x')", "Mark"),
        Binding("n", "nothing", "Nothing"),
    ]
    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset({"ask", "nothing"})

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[str | None] = []
        self.marks: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("screen")

    @work
    async def action_ask(self) -> None:
        self.answers.append(await self.app.push_screen_wait(AskScreen("Say")))

    @work
    async def action_nothing(self) -> None:
        """Asks nothing after all (a refusal): the held keys come back to the screen."""

    def action_mark(self, what: str) -> None:
        self.marks.append(what)


class KeysApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Asking())


def send(app: App[None], keys: str) -> None:
    for char in keys:
        key = {"\r": "enter"}.get(char, char)
        app.post_message(events.Key(key, char))  # all at once, as a paste or SSH sends


async def wait(pilot: Pilot[None], check: Callable[[], bool]) -> None:
    for _ in range(300):  # 3 s at most
        if check():
            return
        await pilot.pause(0.01)
    raise AssertionError("timed out")


async def started(app: KeysApp, pilot: Pilot[None]) -> Asking:
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, Asking)
    return screen


async def test_keys_typed_ahead_go_into_the_dialog() -> None:
    app = KeysApp()
    async with app.run_test() as pilot:
        screen = await started(app, pilot)
        send(app, "axx\r")
        await wait(pilot, lambda: screen.answers == ["xx"])
        assert screen.marks == []  # the x's were the answer, not the screen's key
        send(app, "x")
        await wait(pilot, lambda: screen.marks == ["x"])  # after the dialog: the screen's


async def test_held_keys_come_back_when_no_dialog_comes() -> None:
    app = KeysApp()
    async with app.run_test() as pilot:
        screen = await started(app, pilot)
        send(app, "nxx")
        await wait(pilot, lambda: screen.marks == ["x", "x"])
        assert app.screen is screen
