"""D on the Jobs screen opens the deployments view with the selected job's model and its
checkpoints; a provider without deployments says it serves fine-tuned models as they are."""

from __future__ import annotations

from tests.ui.jobs_helpers import (
    MODEL,
    StepSleep,
    in_process,
    make_app,
    open_jobs,
    start_job,
    wait_for,
)
from tuiftune.server import ManualClock
from tuiftune.ui.jobs.deployments import DeploymentsScreen
from tuiftune.ui.jobs.job_detail import JobDetail

DATA = b"".join(
    b'{"messages": [{"role": "user", "content": "q%d"}, {"role": "assistant", "content": "a"}]}\n'
    % i
    for i in range(12)
)


async def test_d_opens_the_view_with_the_jobs_models() -> None:
    clock = ManualClock()
    sandbox = in_process(clock)
    job_id = await start_job(sandbox, DATA, model=MODEL)
    app = make_app(sandbox.factory, clock, StepSleep(clock))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await wait_for(pilot, lambda: screen.selected == job_id, "the job selected")
        detail = screen.query_one(JobDetail)
        # The job's end at once, and every checkpoint it made, asked of the server: the list
        # may see the end before the watcher fetches the last checkpoints, so waiting for "some
        # checkpoints" once let D take a partial set that the watcher then completed (a failure
        # seen under load).
        clock.advance(1_000_000)
        client = sandbox.client()
        try:
            page = await client.fine_tuning.jobs.checkpoints.list(job_id, limit=100)
        finally:
            await client.close()
        every = {c.fine_tuned_model_checkpoint for c in page.data}
        assert every

        def ended_with_checkpoints() -> bool:
            job = screen.jobs.get(job_id)
            done = job is not None and job.status == "succeeded"
            return done and set(detail.ckpt_models) == every

        await wait_for(pilot, ended_with_checkpoints, "the job's end and its checkpoints")
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DeploymentsScreen), "the view")
        view = app.screen
        assert isinstance(view, DeploymentsScreen)
        job = screen.jobs[job_id]
        assert job.fine_tuned_model is not None
        assert view.models == [job.fine_tuned_model, *detail.ckpt_models]
        await wait_for(pilot, lambda: "no deployments" in view.status_line, "the provider's answer")
        assert view.status_line.startswith(
            "this provider answers with fine-tuned models as they are"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the jobs")
