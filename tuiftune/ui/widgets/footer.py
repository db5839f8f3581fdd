"""Textual's footer, rebuilt once per frame however often the bindings change in it.

Textual's ``Footer`` queues a full recompose (every key a new widget) for each change of the
screen's bindings; start-up changes them three to five times in one frame (focus, the screen's
stack, the list mounting), and each rebuild took 10-18 ms: 40 ms of a bare start, 110 ms of
``tuiftune FILE``'s first second. The footer drawn is the same: it is composed from the
screen's bindings as they are when it is rebuilt, and not rebuilt when they are the ones it
shows (at start-up the second rebuild made the same nine keys again: 18 restyled widgets).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

__all__ = ["Footer"]


class Footer(TextualFooter):
    """A ``Footer`` whose rebuilds queued within one frame are one rebuild."""

    _rebuild_queued = False
    _composed: tuple[object, ...] | None = None  # the bindings the keys shown were made from

    def _key_state(self) -> tuple[object, ...] | None:
        """What the footer is composed from: every active binding with its state."""
        if not self._bindings_ready:
            return None
        return tuple(
            (binding, enabled, tooltip)
            for _, binding, enabled, tooltip in self.screen.active_bindings.values()
        )

    def compose(self) -> ComposeResult:
        """Textual's keys, noting the bindings they show."""
        self._composed = self._key_state()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Queue one rebuild after the next refresh (Textual queues one per change)."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        if not self.is_attached:  # its screen was closed before the frame
            return
        if self._composed is None or self._key_state() != self._composed:
            await self.recompose()
