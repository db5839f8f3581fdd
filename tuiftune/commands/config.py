"""``tuiftune config``: show the resolved backend, print the config path, add a profile."""

from __future__ import annotations

import argparse
import sys
from typing import Any

KINDS = ("openai", "azure", "compatible")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``tuiftune config`` and its subcommands."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "config", help="show or edit backend profiles", description=__doc__
    )
    parser.set_defaults(func=run, config_command=None)
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION")

    show = sub.add_parser("show", help="the resolved profile, base URL, masked key and file path")
    # SUPPRESS keeps a global --profile/--sandbox given before the subcommand from being reset.
    show.add_argument("--profile", default=argparse.SUPPRESS, help="profile name to resolve")
    show.add_argument(
        "--sandbox", action="store_true", default=argparse.SUPPRESS, help="resolve the sandbox"
    )

    sub.add_parser("path", help="print the config file's path")

    setp = sub.add_parser("set-profile", help="add or replace a profile (file written 0600)")
    setp.add_argument("name", help="profile name")
    setp.add_argument(
        "--base-url",
        default="",
        help="API base URL (Azure: the endpoint); needed unless --provider",
    )
    setp.add_argument(
        "--provider", default=None, help="registered provider (together, fireworks, ...; openai)"
    )
    setp.add_argument("--api-key-env", help="environment variable that holds this profile's key")
    setp.add_argument("--kind", choices=KINDS, default=None, help="backend kind")
    setp.add_argument("--api-version", help="Azure OpenAI API version")
    setp.add_argument("--no-auth", action="store_true", help="the server needs no key")
    setp.add_argument(
        "--inference-base-url",
        help="separate endpoint for playground and eval (keyless unless the next option)",
    )
    setp.add_argument("--inference-api-key-env", help="environment variable with its key")
    setp.add_argument("--default", action="store_true", help="make it the default profile")
    return parser


def _show(args: argparse.Namespace) -> int:
    from tuiftune.config import (
        DEFAULT_PROVIDER,
        OPENAI_DEFAULT_BASE_URL,
        BackendKind,
        resolve_profile,
    )

    prof = resolve_profile(getattr(args, "profile", None), sandbox=getattr(args, "sandbox", False))
    if prof.kind is BackendKind.SANDBOX:
        base = "in-process sandbox (no network)"
    elif prof.provider != DEFAULT_PROVIDER and not prof.base_url:
        base = f"{prof.provider}'s default"
    else:
        base = prof.base_url or OPENAI_DEFAULT_BASE_URL
    rows = [
        ("profile", prof.name),
        ("kind", prof.kind.value + ("  [SANDBOX]" if prof.is_sandbox else "")),
        ("provider", prof.provider),
        ("chosen by", prof.source),
        ("base URL", base),
        ("API key", prof.masked() if not prof.is_sandbox else "(not needed)"),
    ]
    if prof.api_version:
        rows.append(("API version", prof.api_version))
    if prof.inference is not None:
        rows.append(("inference URL", prof.inference.base_url or ""))
        rows.append(("inference key", prof.inference.masked_key()))
    rows.append(("config file", str(prof.config_path)))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


def _set_profile(args: argparse.Namespace) -> int:
    from tuiftune.config import (
        DEFAULT_PROVIDER,
        BackendKind,
        ConfigError,
        EndpointConfig,
        ProfileConfig,
        set_profile,
    )

    kind = BackendKind(args.kind) if args.kind else BackendKind.COMPATIBLE
    inference = None
    if args.inference_base_url:
        inference = EndpointConfig(
            base_url=args.inference_base_url,
            api_key_env=args.inference_api_key_env,
            no_auth=args.inference_api_key_env is None,
        )
    if not args.base_url and args.provider in (None, DEFAULT_PROVIDER):
        raise ConfigError("set-profile needs --base-url (or --provider NAME with its own URL)")
    profile = ProfileConfig(
        kind=kind,
        provider=args.provider,
        base_url=args.base_url,
        api_key_env=args.api_key_env,
        no_auth=args.no_auth,
        api_version=args.api_version,
        inference=inference,
    )
    path = set_profile(args.name, profile, make_default=args.default)
    default = " (default)" if args.default else ""
    print(f"saved profile {args.name!r}{default} to {path}")
    if not (args.api_key_env or args.no_auth or kind is BackendKind.AZURE):
        print(
            "note: this profile has no key source; add --api-key-env VAR (or --no-auth)",
            file=sys.stderr,
        )
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``tuiftune config ...`` and return the exit code."""
    from tuiftune.config import ConfigError, config_path

    try:
        if args.config_command == "path":
            print(config_path())
            return 0
        if args.config_command == "set-profile":
            return _set_profile(args)
        return _show(args)
    except ConfigError as exc:
        print(f"config error: {exc}\n(config file: {config_path()})", file=sys.stderr)
        return 2
