"""``tuiftune jobs deployments list | create | stop | delete``: deploy a fine-tuned model where a
provider serves one only from a deployment (Azure, Together endpoints, Fireworks)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuiftune.service.services import Services


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _backend(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a value given before the subcommand is not reset here.
    parser.add_argument("--profile", metavar="P", default=argparse.SUPPRESS, help="profile")
    parser.add_argument(
        "--sandbox", action="store_true", default=argparse.SUPPRESS, help="the local sandbox"
    )


def _json(parser: argparse.ArgumentParser, what: str) -> None:
    # SUPPRESS keeps ``deployments --json list`` as given.
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help=f"print {what} as JSON"
    )


def add_deployments_parser(parser: argparse.ArgumentParser) -> None:
    """Give ``tuiftune jobs deployments`` its actions (list when none is named)."""
    parser.set_defaults(deployments_command="list", json=False)
    parser.add_argument("--json", action="store_true", help="print the deployments as JSON")
    sub = parser.add_subparsers(dest="deployments_command", metavar="ACTION")

    ls = sub.add_parser("list", help="every deployment, its status and what it costs")
    _backend(ls)
    _json(ls, "the deployments")

    create = sub.add_parser("create", help="deploy a fine-tuned model or checkpoint")
    _backend(create)
    create.add_argument("model", nargs="?", metavar="MODEL", help="model or checkpoint to deploy")
    create.add_argument("--job", metavar="ID", help="deploy this job's fine-tuned model")
    create.add_argument("--name", metavar="N", help="deployment name (default: from the model)")
    create.add_argument(
        "--sku", metavar="S", help="Azure tier: standard, globalstandard or developertier"
    )
    create.add_argument("--capacity", type=_whole, metavar="N", help="Azure capacity units")
    create.add_argument("--hardware", metavar="CONFIG", help="Together config (default cheapest)")
    create.add_argument("--wait", action="store_true", help="then wait until it is ready")
    _json(create, "the deployment")

    for action, what in (
        ("stop", "stop a deployment's billing and keep it (Together)"),
        ("delete", "delete a deployment (the fine-tuned model stays)"),
    ):
        p = sub.add_parser(action, help=what)
        _backend(p)
        p.add_argument("deployment_id", metavar="ID")
        p.add_argument("--yes", action="store_true", help="do not ask first")
        _json(p, "the result")


def run_deployments(args: argparse.Namespace, services: Services) -> int:
    """Run ``tuiftune jobs deployments ACTION`` and return the exit code."""
    from tuiftune.commands.jobs_deployments_run import run

    return run(args, services)
