"""``tuiftune serve``: run the local OpenAI-compatible server on a TCP port."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tuiftune.server import serve_args

if TYPE_CHECKING:
    from tuiftune.server.trainers.base import Trainer


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve`` and its flags."""
    parser = subparsers.add_parser(
        "serve",
        help="run a local OpenAI-compatible server (simulated or real LoRA training)",
        description="Serve files, fine-tuning jobs, models and chat/completions locally, with "
        "a simulated trainer and optional fault injection, or with --trainer local real LoRA "
        "training of open-weight models (needs the 'train' extra: torch, transformers, peft). "
        "Point any OpenAI client at it with OPENAI_BASE_URL.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=serve_args.port, default=8765, help="port to bind (default 8765)"
    )
    parser.add_argument(
        "--step-seconds",
        type=serve_args.finite_non_negative,
        default=0.5,
        metavar="S",
        help="seconds per simulated training step (default 0.5)",
    )
    parser.add_argument(
        "--latency-ms",
        type=serve_args.non_negative_int,
        default=0,
        metavar="L",
        help="delay added to every request",
    )
    parser.add_argument(
        "--fail-rate",
        type=_fraction,
        default=0.0,
        metavar="R",
        help="fraction of requests that fail: 500, 503, 429, dropped or hung (default 0)",
    )
    parser.add_argument(
        "--rate-limit",
        type=serve_args.positive_int,
        default=None,
        metavar="RPM",
        help="requests per minute before 429 responses (default: no limit)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        metavar="D",
        help="keep files and jobs here so they survive a restart (default: in memory)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed for faults and sampling"
    )
    parser.add_argument(
        "--chunk-delay-ms",
        type=serve_args.non_negative_int,
        default=None,
        metavar="MS",
        help="pause between streamed chunks (default 20; 0 with --trainer local)",
    )
    parser.add_argument(
        "--max-upload-bytes",
        type=serve_args.byte_size,
        default=512 * 1024**2,
        metavar="N",
        help="largest file or upload part accepted, e.g. 100M (default 512M); larger bodies "
        "are refused before they are read",
    )
    local = parser.add_argument_group("real training (--trainer local)")
    local.add_argument(
        "--trainer",
        choices=("simulated", "local"),
        default="simulated",
        help="simulated (default) or local: LoRA fine-tuning in a subprocess",
    )
    local.add_argument(
        "--base-model",
        action="append",
        default=[],
        metavar="PATH_OR_ID",
        help="a Hugging Face model folder, or an id already in the local cache (repeatable); "
        "listed in /v1/models under its folder name",
    )
    local.add_argument(
        "--inference-url",
        metavar="URL",
        help="forward chat/completions to a vLLM server started with --enable-lora",
    )
    local.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="training processes per job (torch's distributed launcher when > 1)",
    )
    local.add_argument(
        "--devices",
        default="auto",
        metavar="LIST",
        help="comma-separated devices, one job at a time on each (auto, cpu, cuda:0,...)",
    )
    local.add_argument(
        "--num-threads", type=int, default=None, metavar="N", help="torch threads per process"
    )
    parser.set_defaults(func=run)


def _local_trainer(args: argparse.Namespace) -> Trainer:
    """The local trainer for ``--trainer local`` (torch is only imported by its engine)."""
    from tuiftune.server.trainers.local.models import ModelError, find_base_model
    from tuiftune.server.trainers.local.options import LocalOptions
    from tuiftune.server.trainers.local.trainer import LocalTrainer

    if not args.base_model:
        raise ModelError("--trainer local needs at least one --base-model PATH_OR_ID")
    if args.processes < 1:
        raise ModelError("--processes must be at least 1")
    bases: dict[str, str] = {}
    for spec in args.base_model:
        name, folder = find_base_model(spec)
        if name in bases:
            raise ModelError(f"{spec}: a base model named {name} is already given")
        bases[name] = str(folder)
    devices = [d.strip() for d in args.devices.split(",") if d.strip()] or ["auto"]
    options = LocalOptions(
        base_models=bases,
        devices=devices,
        processes=args.processes,
        inference_url=args.inference_url,
        num_threads=args.num_threads,
    )
    return LocalTrainer(options)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    import socket

    import uvicorn

    from tuiftune.server.app import create_app
    from tuiftune.server.options import ServerOptions

    options = ServerOptions(
        step_seconds=args.step_seconds,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        rate_limit_rpm=args.rate_limit,
        state_dir=args.state_dir,
        seed=args.seed,
        network_faults=True,
        chunk_delay_ms=20 if args.chunk_delay_ms is None else args.chunk_delay_ms,
        max_upload_bytes=args.max_upload_bytes,
    )
    if args.state_dir is not None and (problem := serve_args.state_dir_problem(args.state_dir)):
        print(f"tuiftune serve: {problem}", file=sys.stderr)
        return 1
    trainer: Trainer | None = None
    if args.trainer == "local":
        from tuiftune.server.trainers.local.models import ModelError

        try:
            trainer = _local_trainer(args)
        except ModelError as exc:
            print(f"tuiftune serve: {exc}", file=sys.stderr)
            return 2
        options.org = "local"
        if args.chunk_delay_ms is None:
            options.chunk_delay_ms = 0  # real generation streams at its own pace
    app = create_app(options, trainer)
    # Bind first, so a busy port is a one-line error before anything claims to be serving.
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only then, and without it every request
    # on a kept-alive connection waited ~40 ms for delayed ACKs (measured: 44 ms vs 0.8 ms).
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        print(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    base_url = f"http://{args.host}:{args.port}/v1"
    kind = "local training" if trainer is not None else "sandbox"
    print(f"tuiftune {kind} server at {base_url}")
    print(f"Use it with: OPENAI_BASE_URL={base_url} OPENAI_API_KEY=sandbox (any non-empty key)")
    sys.stdout.flush()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
