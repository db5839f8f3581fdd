"""The palette's Screenshot saves somewhere when ~/Downloads is missing (the folder the app was
started in) and names the path as data, a ``[`` included; a failure says where and why.
ctrl+c outside a text field says which key quits, in every area."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from tests.ui.jobs_helpers import wait_for
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp


def notes(messages: list[Message], title: str) -> list[Notify]:
    return [m for m in messages if isinstance(m, Notify) and m.notification.title == title]


@pytest.fixture
def no_downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home without a Downloads folder; the app starts in a folder whose name has ``[``."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    start = tmp_path / "shots [bold]x[link=y]"
    start.mkdir()
    monkeypatch.chdir(start)
    return start


async def palette_screenshot(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Screenshot")
    await pilot.pause(0.3)
    await pilot.press("enter")


async def test_screenshot_without_downloads_goes_to_the_start_folder(no_downloads: Path) -> None:
    app = TuiftuneApp(Services("TEST"))
    messages: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await pilot.pause()
        await palette_screenshot(pilot)
        await wait_for(pilot, lambda: bool(notes(messages, "Screenshot")), "the screenshot toast")
        (note,) = notes(messages, "Screenshot")
        assert note.notification.severity == "information"
        assert note.notification.markup is False
        (saved,) = no_downloads.glob("*.svg")
        assert note.notification.message == f"Saved screenshot to {saved}"
        assert app.is_running


async def test_screenshot_uses_downloads_when_it_exists(no_downloads: Path) -> None:
    downloads = Path.home() / "Downloads"
    downloads.mkdir()
    app = TuiftuneApp(Services("TEST"))
    messages: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await pilot.pause()
        await palette_screenshot(pilot)
        await wait_for(pilot, lambda: bool(notes(messages, "Screenshot")), "the screenshot toast")
    assert len(list(downloads.glob("*.svg"))) == 1
    assert not list(no_downloads.glob("*.svg"))


async def test_a_failed_screenshot_says_where_and_why(tmp_path: Path) -> None:
    app = TuiftuneApp(Services("TEST"))
    messages: list[Message] = []
    missing = tmp_path / "gone [x]"
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await pilot.pause()
        app.deliver_screenshot("a.svg", str(missing))
        await wait_for(pilot, lambda: bool(notes(messages, "Screenshot")), "the failure toast")
        (note,) = notes(messages, "Screenshot")
        assert note.notification.severity == "error"
        assert note.notification.message == (
            f"Could not save the screenshot to {missing / 'a.svg'}: No such file or directory"
        )
        assert app.is_running


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5"])
async def test_ctrl_c_says_how_to_quit_in_every_area(key: str) -> None:
    app = TuiftuneApp(Services("TEST"))
    messages: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await pilot.press(key)
        await pilot.pause()
        app.set_focus(None)  # in a text field ctrl+c copies
        await pilot.press("ctrl+c")

        def hint() -> bool:
            return any(
                isinstance(m, Notify) and "ctrl+q" in m.notification.message for m in messages
            )

        await wait_for(pilot, hint, "the quit hint")
        assert app.is_running
