"""Textual's footer, rebuilt once per frame however often the bindings change in it.

Textual's ``Footer`` queues a full recompose (every key a new widget) for each change of the
screen's bindings; start-up changes them three to five times in one frame (focus, the screen's
stack, the list mounting), and each rebuild took 10-18 ms: 40 ms of a bare start, 110 ms of
``tuiftune FILE``'s first second. The footer drawn is the same: it is composed from the
screen's bindings as they are when it is rebuilt.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter

__all__ = ["Footer"]


class Footer(TextualFooter):
    """A ``Footer`` whose rebuilds queued within one frame are one rebuild."""

    _rebuild_queued = False

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
        await self.recompose()
