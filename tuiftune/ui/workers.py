"""Getting every failed worker to the app's one error router.

``Worker.StateChanged`` goes only to the node that started the worker (it does not bubble), so
screens and widgets mix in ``ReportWorkerErrors``: a failure is handed on to the app, whose
``@on(Worker.StateChanged)`` turns it into one readable line. Workers are started with
``exit_on_error=False``, so no failure closes the app.
"""

from __future__ import annotations

from typing import cast

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState


class ReportWorkerErrors:
    """Mixin (first in the bases) for screens and widgets whose workers may fail.

    A plain class, not a ``DOMNode``: Textual merges CSS and component classes along the MRO.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Hand a failure to the app's router."""
        if event.state is WorkerState.ERROR:
            node = cast(DOMNode, self)
            node.app.post_message(Worker.StateChanged(event.worker, event.state))
