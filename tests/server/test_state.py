"""``state_dir``: files, uploads, jobs and deleted models survive a new app on the same folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuiftune.server import ManualClock

from .conftest import MakeSandbox
from .helpers import chat_rows, jsonl, prompt_of

pytestmark = pytest.mark.usefixtures("dataset_core")


async def test_state_survives_a_restart(
    make_sandbox: MakeSandbox, clock: ManualClock, tmp_path: Path
) -> None:
    first = make_sandbox(state_dir=tmp_path)
    data = jsonl(chat_rows())
    file_id = await first.upload(data)
    done = await first.job(suffix="keep")
    running = await first.job(hyperparameters={"n_epochs": 1})
    clock.advance(8)
    await first.client.fine_tuning.jobs.pause(running.id)
    done = await first.finish(done.id)
    assert done.status == "succeeded" and done.fine_tuned_model
    upload = await first.client.uploads.create(
        filename="u.jsonl", purpose="fine-tune", bytes=4, mime_type="text/jsonl"
    )
    part = await first.client.uploads.parts.create(upload.id, data=b"{}\n\n")
    events_before = [e.id for e in await first.all_events(done.id)]

    second = make_sandbox(state_dir=tmp_path)
    assert (await second.client.files.content(file_id)).read() == data
    again = await second.client.fine_tuning.jobs.retrieve(done.id)
    assert again == done
    assert [e.id for e in await second.all_events(done.id)] == events_before
    result = await second.client.files.content(done.result_files[0])
    assert result.read() == (await first.client.files.content(done.result_files[0])).read()
    reply = await second.client.chat.completions.create(
        model=done.fine_tuned_model, messages=prompt_of(0), temperature=0
    )
    assert reply.choices[0].message.content == "The code word is apollo-000."

    completed = await second.client.uploads.complete(upload.id, part_ids=[part.id])
    assert completed.file is not None and completed.file.bytes == 4

    paused = await second.client.fine_tuning.jobs.retrieve(running.id)
    assert paused.status == "paused"  # type: ignore[comparison-overlap]
    await second.client.fine_tuning.jobs.resume(running.id)
    assert (await second.finish(running.id)).status == "succeeded"
    await second.client.models.delete(done.fine_tuned_model)

    third = make_sandbox(state_dir=tmp_path)
    ids = [m.id async for m in await third.client.models.list()]
    assert done.fine_tuned_model not in ids
    listed = [f.id async for f in await third.client.files.list()]
    assert file_id in listed and completed.file.id in listed
