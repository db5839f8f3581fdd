"""Retirement dates in ``jobs list`` and the wind-down notice of ``jobs create``, read on the
command's clock (``Services.clock``)."""

from __future__ import annotations

import asyncio
import sys

from tuiftune.commands.jobs_common import Session, clean
from tuiftune.service.providers.base import Provider
from tuiftune.service.retirement import (
    Retirements,
    badge,
    calendar_for,
    creation_notice,
    load_retirements,
    retirement_text,
)
from tuiftune.service.types import Job


async def _table(session: Session) -> Retirements:
    config = session.profile.config_path if session.profile is not None else None
    return await asyncio.to_thread(load_retirements, config)


async def job_retirements(
    session: Session, provider: Provider, jobs: list[Job]
) -> dict[str, tuple[int | None, str]]:
    """Per job id: when its model retires (where the provider states it) and the badge."""
    calendar = calendar_for(provider.name, provider.label)
    if calendar is None:
        return {}
    table = await _table(session)
    now = session.services.clock()
    out: dict[str, tuple[int | None, str]] = {}
    for job in jobs:
        when = table.retires_at(calendar, job.fine_tuned_model or job.model)
        out[job.id] = (when, badge(when, now))
    return out


async def warn_before_create(session: Session, provider: Provider) -> None:
    """On stderr: the provider's wind-down of job creation and where to go instead."""
    calendar = calendar_for(provider.name, provider.label)
    if calendar is None:
        return
    notice = creation_notice(await _table(session), calendar, session.services.clock())
    if notice:
        print(f"note: {clean(notice)}", file=sys.stderr, flush=True)


def retirement_line(session: Session, when: int | None) -> str:
    """``retires 2027-01-14 (in 44 d)`` for ``jobs show`` ("" where nothing is stated)."""
    return retirement_text(when, session.services.clock())
