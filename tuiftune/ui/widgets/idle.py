"""Keep an idle app idle: no timer ticks for what nobody can see.

On the Dataset area after visiting the others, the app woke five times a second: each
ProgressBar refreshed its ETA once a second (none of ours shows an ETA), and the
Playground's prompt kept blinking its cursor on a screen that was not shown. Idle CPU sat
at 0.30-0.40% of a core (goal 0.3%, 2-core machine).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.timer import Timer, TimerCallback
from textual.widgets import Input, ProgressBar


class StillProgressBar(ProgressBar):
    """A ProgressBar whose once-a-second refresh (for its ETA) only runs if it shows one."""

    def set_interval(
        self,
        interval: float,
        callback: TimerCallback | None = None,
        *,
        name: str | None = None,
        repeat: int = 0,
        pause: bool = False,
    ) -> Timer:
        """As Widget.set_interval; ProgressBar's ETA refresh starts paused without an ETA."""
        eta_refresh = callback == self.update and not self.show_eta
        return super().set_interval(
            interval, callback, name=name, repeat=repeat, pause=pause or eta_refresh
        )


class BlinkOnlyWhenShown(Screen[None]):
    """A screen whose focused input stops blinking while another screen is shown."""

    _stilled: Input | None = None

    def on_screen_suspend(self) -> None:
        """Stop the focused input's cursor blink (its timer)."""
        focused = self.focused
        if isinstance(focused, Input) and focused.cursor_blink:
            focused.cursor_blink = False
            self._stilled = focused

    def on_screen_resume(self) -> None:
        """Blink again where it blinked."""
        if self._stilled is not None:
            self._stilled.cursor_blink = True
            self._stilled = None
