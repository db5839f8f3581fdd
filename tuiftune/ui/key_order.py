"""A screen's keys taken in the order they were typed, a dialog's keys included.

Textual runs a screen's bindings once the key has bubbled up to the app, after the keys
typed next have already been handed to the focused widget; and a dialog opened by a key
appears a few frames later. Typed at once (over SSH, from tmux, a fast typist), the
editor's "/vacuum" opened the search, then the filter picker ('v'), added a record ('a'),
and so on. Here the screen runs its own bindings as each key reaches it; after a key whose
action asks in a dialog (``ASKING_ACTIONS``), the keys that follow are held until the
dialog has drawn, then handed to it (or back to the screen when no dialog came).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on
from textual.actions import parse
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

HOLD_AT_MOST = 3.0  # seconds: a dialog that never came lets the keys through
# Textual's own screen keys (focus, copy): left to Textual's chain, which may skip them on.
TEXTUAL_ACTIONS = frozenset(b.action for b in Screen.BINDINGS if isinstance(b, Binding))


class InOrderKeys(Screen[None]):
    """Runs the screen's bindings in key order and holds typeahead for its dialogs."""

    #: Actions whose worker asks something in a dialog: the keys after them are the answer.
    ASKING_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    _held: list[events.Key] | None = None
    _held_for: Worker[object] | None = None
    _hold_timer: Timer | None = None

    def take_key(self, event: events.Key) -> bool:
        """A key for the screen's own prompt, before any binding (True: it was taken)."""
        return False

    @on(events.Key)
    async def _key_in_order(self, event: events.Key) -> None:
        if self._held is not None:
            self._held.append(events.Key(event.key, event.character))
        elif not self.is_current:
            # Still on its way here when a dialog (or another area) came up: it is theirs.
            self.app.post_message(events.Key(event.key, event.character))
        elif not self.take_key(event):
            active = self.active_bindings.get(event.key)
            # Only this screen's own bindings: the focused widget's and the app's keep theirs,
            # and so do Textual's (ctrl+c copies a selection, else skips on to the app's).
            if (
                active is None
                or active.node is not self
                or not active.enabled
                or active.binding.action in TEXTUAL_ACTIONS
                or not self._runs_here(active.binding.action)
            ):
                return
            event.stop()
            event.prevent_default()
            before = {id(w) for w in self.app.workers}
            await self.run_action(active.binding.action)
            if active.binding.action.split("(")[0] in self.ASKING_ACTIONS:
                started = [w for w in self.app.workers if id(w) not in before and w.node is self]
                if started and not started[0].is_finished:
                    self._hold(started[0])
            return
        event.stop()
        event.prevent_default()

    def _runs_here(self, action: str) -> bool:
        """Whether this screen (or the namespace it names) has the action: one it lacks is
        the app's to run, further down Textual's chain (the editor's tab: focus_next)."""
        namespace, name, _ = parse(action)
        return bool(namespace) or hasattr(self, f"action_{name}")

    def _hold(self, worker: Worker[object]) -> None:
        self._held = []
        self._held_for = worker
        self._hold_timer = self.set_timer(HOLD_AT_MOST, self._release)

    def _release(self) -> None:
        """Hand the held keys on: to the dialog now shown, or back to this screen."""
        held, self._held, self._held_for = self._held, None, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for key in held or []:
            self.app.post_message(key)

    @on(events.ScreenSuspend)
    def _dialog_shown(self) -> None:
        if self._held is not None:
            # Once the dialog has drawn, its input has the focus (the first key went to the
            # dialog's screen itself before that, and was lost).
            self.app.screen.call_after_refresh(self._release)

    @on(Worker.StateChanged)
    def _asked_nothing(self, event: Worker.StateChanged) -> None:
        if event.worker is self._held_for and event.worker.is_finished:
            self._release()
