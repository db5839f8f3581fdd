"""The editor's palette commands that close the loop with a job: its per-example training
losses over the open file, and training again with the edits (app.get_system_commands adds
them on the Dataset screen)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

if TYPE_CHECKING:
    from tuiftune.service.services import Services


def loop_commands(screen: Screen[Any], services: Services) -> Iterator[SystemCommand]:
    """ "Load training losses from job..." and "Train again with these edits..."."""

    def losses() -> None:
        from tuiftune.ui.dataset.losses import load_and_show

        screen.run_worker(
            load_and_show(screen, services), group="loop", exclusive=True, exit_on_error=False
        )

    def again() -> None:
        from tuiftune.ui.dataset.retrain import train_again

        screen.run_worker(
            train_again(screen, services), group="loop", exclusive=True, exit_on_error=False
        )

    yield SystemCommand(
        "Load training losses from job...",
        "Each row's loss under a job's final model; the rows whose loss stayed high marked",
        losses,
    )
    yield SystemCommand(
        "Train again with these edits...",
        "A new job with a chosen job's settings on the edited file (saved as a new version)",
        again,
    )
