"""The work of ``tuiftune jobs deployments`` (imported only when it runs)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tuiftune.commands.jobs_common import (
    EXIT_JOB_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Session,
    clean,
    console,
    error,
    execute,
    print_json,
)
from tuiftune.service import deployments as deps
from tuiftune.service.errors import BadRequestError
from tuiftune.service.providers.base import DeploymentsProvider, Provider
from tuiftune.service.services import Services
from tuiftune.service.types import Deployment


def run(args: argparse.Namespace, services: Services) -> int:
    """Run ``tuiftune jobs deployments ACTION`` and return the exit code."""
    session = Session(args, services)
    action = args.deployments_command or "list"
    if action == "create" and bool(args.model) == bool(args.job):
        error("deployments create: give a MODEL or --job ID (one of them)")
        return EXIT_USAGE
    if action in ("stop", "delete") and not args.yes:
        if not sys.stdin.isatty():
            error(f"deployments {action}: add --yes to {action} {args.deployment_id} unasked")
            return EXIT_USAGE
        reply = input(f"{action} deployment {clean(args.deployment_id)}? [y/N] ")
        if reply.strip().lower() not in ("y", "yes"):
            print("nothing done", file=sys.stderr)
            return EXIT_JOB_FAILED
    return execute(session, _run(session, action))


def _deployments(provider: Provider) -> DeploymentsProvider | None:
    if provider.deployments is None:
        error(f"{provider.label} serves fine-tuned models without deployments; prompt them as is")
    return provider.deployments


async def _run(session: Session, action: str) -> int:
    args = session.args
    async with session.provider() as provider:
        found = _deployments(provider)
        if found is None:
            return EXIT_USAGE
        if action == "list":
            _print(await found.list(), session.json, now=session.services.clock())
            return EXIT_OK
        if action == "create":
            return await _create(session, provider, found)
        if action == "stop":
            if not deps.can_stop(found):
                error(f"{provider.label} cannot stop a deployment; delete it instead")
                return EXIT_USAGE
            got = await deps.stop(found, args.deployment_id)
            _print([got], session.json, now=session.services.clock())
            return EXIT_OK
        await found.delete(args.deployment_id)
        if session.json:
            print_json({"deleted": args.deployment_id})
        else:
            print(f"deleted {clean(args.deployment_id)}")
        return EXIT_OK


async def _create(session: Session, provider: Provider, found: DeploymentsProvider) -> int:
    args = session.args
    model = args.model
    if args.job:
        job = await provider.jobs.retrieve(args.job)
        if not job.fine_tuned_model:
            error(f"job {args.job} has no fine-tuned model yet ({job.status})")
            return EXIT_JOB_FAILED
        model = job.fine_tuned_model
    plan = await deps.deploy_plan(found, model)
    given = {"sku": args.sku, "capacity": args.capacity, "config": args.hardware}
    answers = {q.key: str(given[q.key]) for q in plan.questions if given.get(q.key) is not None}
    try:
        checked = {q.key: q.check(answers.get(q.key, "")) for q in plan.questions}
    except BadRequestError as exc:
        error(f"deployments create: {exc}")
        return EXIT_USAGE
    # The cost first, on stderr, so that --json output stays one document.
    print(f"note: {plan.note}", file=sys.stderr, flush=True)
    for q in plan.questions:
        print(f"{q.prompt}: {_label(q, checked[q.key])}", file=sys.stderr, flush=True)
    made = await deps.deploy(found, model, checked, plan, name=args.name)
    if args.wait:
        session.on_interrupt = f"interrupted: {made.id} is still being deployed"

        def progress(got: Deployment, elapsed: float) -> None:
            print(f"{clean(got.status)} after {elapsed:.0f} s", file=sys.stderr, flush=True)

        made = await deps.wait_ready(
            found, made.id, progress=progress, sleep=session.services.sleep
        )
    _print([made], session.json, one=True, now=session.services.clock())
    return EXIT_OK


def _label(question: deps.DeployQuestion, value: str) -> str:
    return next((c.label for c in question.choices if c.value == value), value)


def _print(found: list[Deployment], as_json: bool, *, now: float, one: bool = False) -> None:
    if as_json:
        rows: Any = [deps.deployment_to_dict(d, now) for d in found]
        print_json(rows[0] if one else {"deployments": rows})
        return
    out = console()
    if not found:
        out.print("no deployments")
        return
    for d in found:
        line = f"{clean(d.id)}  {clean(d.status)}  {clean(d.model)}"
        if deps.inference_name(d) != d.id:
            line += f"  (prompt as {clean(deps.inference_name(d))})"
        out.print(line, markup=False)
        for extra in deps.describe(d, now):
            out.print(f"  {clean(extra)}", markup=False)
