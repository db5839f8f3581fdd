"""Train again with these edits: the edited file is a new version (the open file kept), the
new job has the chosen job's settings, and the Eval area sets the two models as A and B."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.ui.sandbox_support import Sandbox, make_sandbox, until
from tuiftune.server import ManualClock
from tuiftune.ui.dataset.loop_commands import loop_commands
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.eval.screen import EvalScreen
from tuiftune.ui.messages import CompareJobs
from tuiftune.ui.screens.modals import ConfirmScreen, PickScreen


@pytest.fixture
async def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return await make_sandbox(tmp_path)


async def test_train_again_then_the_eval_area_compares_old_and_new(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "train.jsonl"
    shutil.copyfile(SAMPLES / "ticket-triage-chat.jsonl", path)
    before = path.read_bytes()
    app = sandbox.app(path)
    posted: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, DatasetScreen) and screen.session is not None
        screen.session.delete(0)  # an edit: the first row goes
        (_losses, again) = loop_commands(screen, app.services)
        again.callback()
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the job picker")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        await pilot.press("y")
        await until(pilot, lambda: any(isinstance(m, CompareJobs) for m in posted), "the new job")
        # the hook sees the one message at each step of its bubbling (screen, then app)
        requests = {(m.old_job, m.new_job) for m in posted if isinstance(m, CompareJobs)}
        assert len(requests) == 1
        ((old_id, new_id),) = requests
        version = tmp_path / "train.v2.jsonl"
        assert path.read_bytes() == before  # the open file is kept
        assert version.read_bytes() == before.split(b"\n", 1)[1]
        async with sandbox.client() as client:
            old = await client.fine_tuning.jobs.retrieve(old_id)
            new = await client.fine_tuning.jobs.retrieve(new_id)
            assert new.model == old.model and new.id != old.id
            assert new.hyperparameters.n_epochs == old.hyperparameters.n_epochs
            clock = sandbox.options.clock
            assert isinstance(clock, ManualClock)
            clock.advance(1_000_000)
            new = await client.fine_tuning.jobs.retrieve(new_id)
        assert new.status == "succeeded" and new.fine_tuned_model
        await pilot.press("f5")
        eval_screen = app.screen
        assert isinstance(eval_screen, EvalScreen)
        await until(
            pilot,
            lambda: eval_screen.models == [old.fine_tuned_model, new.fine_tuned_model],
            "the A/B",
        )
        assert eval_screen.compare_pair is None  # taken once both models exist
