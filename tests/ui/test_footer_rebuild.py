"""tuiftune's Footer: binding changes within one frame rebuild it once, to their end state."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from tuiftune.ui.widgets.footer import Footer


class CountingFooter(Footer):
    rebuilds = 0

    async def recompose(self) -> None:
        CountingFooter.rebuilds += 1
        await super().recompose()


class KeysApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "noop", "Alpha", tooltip="a"),
        Binding("b", "other", "Beta", tooltip="b"),
    ]
    shown = True

    def compose(self) -> ComposeResult:
        yield CountingFooter(show_command_palette=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if self.shown else None

    def action_noop(self) -> None:
        """Nothing: the keys are only shown."""

    def action_other(self) -> None:
        """Nothing either."""


async def test_three_changes_in_one_frame_are_one_rebuild_showing_the_last() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        await pilot.pause()
        footer = app.query_one(TextualFooter)  # still a Textual Footer for queries and CSS
        assert [k.description for k in footer.query(FooterKey)] == ["Alpha", "Beta"]
        before = CountingFooter.rebuilds
        for shown in (False, True, False):
            app.shown = shown
            app.screen.refresh_bindings()
        for _ in range(3):
            await pilot.pause()
        assert CountingFooter.rebuilds == before + 1
        assert [k.key for k in footer.query(FooterKey)] == ["a", "b"]  # rebuilt, still whole


async def test_a_change_that_leaves_the_bindings_as_shown_rebuilds_nothing() -> None:
    app = KeysApp()
    async with app.run_test(size=(100, 5)) as pilot:
        await pilot.pause()
        await pilot.pause()
        footer = app.query_one(TextualFooter)
        keys = list(footer.query(FooterKey))
        before = CountingFooter.rebuilds
        app.screen.refresh_bindings()  # nothing changed: the same keys, in the same state
        for _ in range(3):
            await pilot.pause()
        assert CountingFooter.rebuilds == before
        assert list(footer.query(FooterKey)) == keys  # the very widgets: nothing remade
        app.shown = False  # now they change: disabled
        app.screen.refresh_bindings()
        for _ in range(3):
            await pilot.pause()
        assert CountingFooter.rebuilds == before + 1
        assert all(key.has_class("-disabled") for key in footer.query(FooterKey))
