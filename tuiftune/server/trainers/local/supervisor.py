"""Running the queue: an engine subprocess per job and device, tailed until it exits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from tuiftune.server.catalog import base_of
from tuiftune.server.records import JobRecord
from tuiftune.server.trainers.local import runs
from tuiftune.server.trainers.local.journal import PROGRESS, read_progress
from tuiftune.server.trainers.local.ports import LocalTrainerPort
from tuiftune.server.trainers.local.process import kill_leftover, last_log_line, launch
from tuiftune.server.trainers.local.runs import Names

log = logging.getLogger(__name__)


class Supervisor:
    """Hands free devices to queued jobs and watches each engine process to its end."""

    def __init__(self, trainer: LocalTrainerPort) -> None:
        self.trainer = trainer
        options = trainer.options
        # With several processes per run, one run takes every device.
        devices = options.devices or ["auto"]
        self.slots: dict[str, str | None] = (
            {",".join(devices): None} if options.processes > 1 else dict.fromkeys(devices)
        )
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.closing = False

    # -- the queue -------------------------------------------------------------------------

    def queued(self) -> list[JobRecord]:
        """Queued jobs in the order they will start."""
        jobs = self.trainer.host.store.jobs.values()
        waiting = [j for j in jobs if runs.phase(j) == runs.QUEUED]
        return sorted(waiting, key=lambda j: j.trainer_state.get("queued_seq", 0))

    def pump(self) -> None:
        """Start queued jobs on free devices; the jobs still waiting hear their new place."""
        if self.closing:
            return
        started = False
        for slot, holder in self.slots.items():
            if holder is not None:
                continue
            job = next((j for j in self.queued() if j.id not in self.tasks), None)
            if job is None:
                break
            self.slots[slot] = job.id
            job.trainer_state["phase"] = runs.RUNNING
            self.trainer.host.store.save_job(job)
            task = self.trainer.host.background.spawn(self._run(job, slot), f"train {job.id}")
            self.tasks[job.id] = task
            started = True
        if started:
            self.announce_positions()

    def announce_positions(self) -> None:
        """An event on each queued job with its place now (the queue moved)."""
        waiting = self.queued()
        host = self.trainer.host
        for position, job in enumerate(waiting, 1):
            journal = self.trainer.journal(job)
            journal.note(
                host.clock(),
                f"Job queued: position {position} of {len(waiting)}, waiting for a free device",
            )
            host.background.spawn(journal.flush(), f"queue event {job.id}")

    # -- one run ---------------------------------------------------------------------------

    def _config(self, job: JobRecord, device: str) -> dict[str, Any]:
        st, options = job.trainer_state, self.trainer.options
        folder = runs.run_dir(job)
        hyper = dict(job.hyperparameters)
        hyper.setdefault("seed", job.seed)
        validation = folder / "validation.jsonl" if job.validation_file else None
        return {
            "job_id": job.id,
            "base_model": str(self.trainer.base_folder(job)),
            "method": job.method,
            "training_file": str(folder / "training.jsonl"),
            "validation_file": str(validation) if validation else None,
            "hyperparameters": hyper,
            "from_adapter": st.get("from_adapter"),
            "output_dir": str(folder),
            "resume_from": st.get("resume_from"),
            "keep_checkpoints": options.keep_checkpoints,
            "device": "auto" if "," in device else device,
            "dtype": options.dtype,
            "num_threads": options.num_threads,
        }

    def _env(self, device: str) -> dict[str, str]:
        env = {"PYTHONUNBUFFERED": "1"}
        if self.trainer.options.num_threads:
            env["OMP_NUM_THREADS"] = str(self.trainer.options.num_threads)
        gpus = [d.split(":", 1)[1] for d in device.split(",") if d.startswith("cuda:")]
        if self.trainer.options.processes > 1 and gpus:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
        return env

    async def _run(self, job: JobRecord, slot: str) -> None:
        trainer, host = self.trainer, self.trainer.host
        journal, folder = trainer.journal(job), runs.run_dir(job)
        st = job.trainer_state
        try:
            try:
                config = await asyncio.to_thread(runs.write_config, folder, self._config(job, slot))
                resumed = st.get("resume_from")
                text = "Fine-tuning job started"
                if resumed:
                    text = f"Fine-tuning job started again from {resumed}"
                journal.launch(host.clock(), text)
                await journal.flush()
                process = await launch(
                    trainer.options.command(str(config)), folder, self._env(slot)
                )
            except Exception as exc:  # a missing model folder, a full disk: fail this job only
                log.exception("starting %s failed", job.id)
                message = f"The training process could not start: {exc}"
                runs.fail(job, message, host.clock())
                journal.note(host.clock(), f"The job failed: {message}", "error")
                host.store.save_job(job)
                return
            trainer.processes[job.id] = process
            st["pgid"] = process.pid
            host.store.save_job(job)
            waiter = asyncio.ensure_future(process.wait())
            try:
                while not waiter.done():
                    await asyncio.wait([waiter], timeout=trainer.options.poll_seconds)
                    await self.drain(job)
            except asyncio.CancelledError:
                waiter.cancel()
                raise
            finally:
                trainer.processes.pop(job.id, None)
            await self.drain(job)
            if not self.closing:
                await self._settle(job, waiter.result())
        finally:
            self.tasks.pop(job.id, None)
            if self.slots.get(slot) == job.id:
                self.slots[slot] = None
            await journal.flush()
            self.pump()

    async def drain(self, job: JobRecord) -> None:
        """Take in whatever the engine wrote since the last look."""
        journal = self.trainer.journal(job)
        path = runs.run_dir(job) / PROGRESS
        lines, _ = await asyncio.to_thread(read_progress, path, journal.offset)
        if lines:
            journal.ingest(lines)
            await journal.flush()

    async def _settle(self, job: JobRecord, code: int) -> None:
        """The process exited: decide what that means for the job."""
        host, journal = self.trainer.host, self.trainer.journal(job)
        st, now = job.trainer_state, host.clock()
        outcome = journal.outcome or {}
        kind = outcome.get("type")
        if runs.phase(job) == runs.CANCELLED:
            pass
        elif kind == "done":
            name = Names.of(job).model
            st.update(
                phase=runs.SUCCEEDED,
                fine_tuned_model=name,
                adapter=outcome.get("adapter"),
                finished_at=int(now),
            )
            journal.note(now, f"New fine-tuned model created: {name}")
            journal.note(now, "The job has successfully completed")
        elif kind == "paused":
            st["resume_from"] = outcome.get("state") or journal.last_state
            if runs.phase(job) != runs.QUEUED:  # not resumed while it was pausing
                st["phase"] = runs.PAUSED
        elif kind == "cancelled":
            st.update(phase=runs.CANCELLED, finished_at=int(now))
        else:
            if kind == "error":
                message = str(outcome.get("message") or "the engine reported an error")
            else:
                message = await self._crash_message(job, code)
            runs.fail(job, message, now)
            if kind != "error":
                journal.note(now, f"The job failed: {message}", "error")
        host.store.save_job(job)

    async def _crash_message(self, job: JobRecord, code: int) -> str:
        tail = await asyncio.to_thread(last_log_line, runs.run_dir(job))
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"The training process was killed by {signal.Signals(-code).name}" + (
                    f": {tail}" if tail else ""
                )
        return f"The training process exited with code {code}" + (f": {tail}" if tail else "")

    # -- restarts --------------------------------------------------------------------------

    async def recover(self, job: JobRecord) -> None:
        """A job that was unfinished when the last server stopped: resume, keep or fail it."""
        host, journal = self.trainer.host, self.trainer.journal(job)
        folder, st, now = runs.run_dir(job), job.trainer_state, host.clock()
        if await asyncio.to_thread(kill_leftover, st.get("pgid"), folder):
            log.warning("killed a training process left running by an earlier server")
        await self.drain(job)
        outcome = journal.outcome or {}
        kind, was = outcome.get("type"), runs.phase(job)
        base = base_of(job.model)
        if base not in self.trainer.options.base_models:
            message = f"The server restarted without the base model {base} (give --base-model)"
            runs.fail(job, message, now)
            journal.note(now, f"The job failed: {message}", "error")
        elif was == runs.QUEUED:
            pass
        elif kind in ("done", "error", "cancelled"):
            await self._settle(job, 0)  # it ended while the server was going down
        elif kind == "paused":
            st["resume_from"] = outcome.get("state") or journal.last_state
            if st.get("pause_requested"):
                st["phase"] = runs.PAUSED
            else:  # the last server paused it on its way down
                self._requeue(job, st["resume_from"], now)
        elif not (folder / "training.jsonl").is_file():
            message = "The server restarted and this job's run folder is incomplete"
            runs.fail(job, message, now)
            journal.note(now, f"The job failed: {message}", "error")
        else:
            # Died mid-run (a killed server): go again from the last resumable state, or from
            # the start if the run never saved one. A pause that was never confirmed stays.
            st["resume_from"] = journal.last_state
            if was != runs.PAUSED:
                self._requeue(job, journal.last_state, now)
        host.store.save_job(job)
        await journal.flush()

    def _requeue(self, job: JobRecord, state: str | None, now: float) -> None:
        where = f"from its state at {state}" if state else "from the beginning"
        self.trainer.journal(job).note(now, f"The server restarted; the job continues {where}")
        self.trainer.enqueue(job)

    async def shutdown(self) -> None:
        """Save a state in every running engine (pause request), stop them; phases stay."""
        self.closing = True
        processes = list(self.trainer.processes.items())
        grace = self.trainer.options.cancel_grace_seconds
        for job_id, _ in processes:
            job = self.trainer.host.store.jobs.get(job_id)
            if job is not None:
                await asyncio.to_thread(runs.request_pause, runs.run_dir(job), True)

        async def stop(process: Any) -> None:
            try:
                await asyncio.wait_for(asyncio.shield(process.wait()), grace)
            except TimeoutError:
                process.signal(signal.SIGKILL)
                await process.wait()

        await asyncio.gather(*(stop(p) for _, p in processes), return_exceptions=True)
        for job_id, _ in processes:
            job = self.trainer.host.store.jobs.get(job_id)
            if job is not None:
                await self.drain(job)
                self.trainer.host.store.save_job(job)
