"""``serve --processes N --devices ...``: one run spans every device under torch's launcher, in the
form tests/train/test_ddp.py proves trains like one process; otherwise one job per device."""

from __future__ import annotations

import sys
from pathlib import Path

from tuiftune.cli import build_parser
from tuiftune.server import command
from tuiftune.server.trainers.local.options import ENGINE_MODULE, LocalOptions
from tuiftune.server.trainers.local.supervisor import Supervisor
from tuiftune.server.trainers.local.trainer import LocalTrainer


def _trainer(tmp_path: Path, *flags: str) -> LocalTrainer:
    folder = tmp_path / "tiny"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text("{}")
    args = build_parser().parse_args(
        ["serve", "--trainer", "local", "--base-model", str(folder), *flags]
    )
    trainer = command._local_trainer(args)
    assert isinstance(trainer, LocalTrainer)
    return trainer


def test_two_processes_run_under_the_distributed_launcher(tmp_path: Path) -> None:
    trainer = _trainer(tmp_path, "--processes", "2", "--devices", "cuda:0,cuda:1")
    assert trainer.options.command("RUN/config.json") == [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        ENGINE_MODULE,
        "train",
        "--config",
        "RUN/config.json",
    ]
    supervisor = Supervisor(trainer)
    assert list(supervisor.slots) == ["cuda:0,cuda:1"]  # one run at a time, on both GPUs
    assert supervisor._env("cuda:0,cuda:1")["CUDA_VISIBLE_DEVICES"] == "0,1"


def test_one_job_per_device_with_one_process(tmp_path: Path) -> None:
    trainer = _trainer(tmp_path, "--devices", "cuda:0, cuda:1", "--num-threads", "1")
    assert trainer.options.command("c.json") == [
        sys.executable,
        "-m",
        ENGINE_MODULE,
        "train",
        "--config",
        "c.json",
    ]
    supervisor = Supervisor(trainer)
    assert list(supervisor.slots) == ["cuda:0", "cuda:1"]
    assert supervisor._env("cuda:1") == {"PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    assert trainer.options == LocalOptions(
        base_models=trainer.options.base_models,
        devices=["cuda:0", "cuda:1"],
        num_threads=1,
    )
