"""The local trainer's engine against plain transformers + peft, side by side in one run.

* Training: steps per CPU second of the engine's run (``local_engine.loop.Run``, in process: the
  subprocess start-up is not a per-step cost) against a plain loop — ``model(**batch, labels=...)
  .loss.backward()``, AdamW, the same LoRA, the same tokenized examples in the same batches. The
  engine's time runs from its first to its last step and so includes everything it does between
  steps (control checks, progress lines, results.csv, the per-epoch checkpoint and state).
* Generation: generated tokens per CPU second of ``Generator.chat`` (streaming, greedy) against
  ``model.generate`` on the same prompts, with the base model and with the trained adapter; both
  produce the same tokens (checked), so the ratio compares equal work.

Goals (issue): both ratios >= 0.9. Default model: the tests' tiny Llama (built in a temp folder);
``--model PATH`` takes any Hugging Face folder (e.g. the one ``../shared/tools/smollm2.sh`` prints).

Run: ``python bench/train_bench.py [--model PATH] [--steps-per-epoch 20] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DATA = REPO / "sample_data" / "ticket-triage-chat.jsonl"


def engine_run(model: Path, training: Path, out: Path, hyper: dict[str, Any]) -> tuple[float, int]:
    """CPU seconds from the engine's first to its last step, and the number of steps timed."""
    from tuiftune.server.trainers.local_engine.progress import Progress
    from tuiftune.server.trainers.local_engine.run import main

    stamps: list[float] = []
    emit = Progress.emit

    def stamped(self: Progress, kind: str, **fields: Any) -> None:
        # The instrument: CPU time when each step's metrics line is written (other agents' load
        # on this shared machine moves wall time by +-30% between runs, CPU time far less).
        if kind == "metrics":
            stamps.append(time.process_time())
        emit(self, kind, **fields)

    config = {
        "job_id": "ftjob-bench",
        "base_model": str(model),
        "method": "supervised",
        "training_file": str(training),
        "validation_file": None,
        "hyperparameters": hyper,
        "from_adapter": None,
        "output_dir": str(out),
        "resume_from": None,
        "keep_checkpoints": 3,
        "device": "cpu",
        "dtype": "float32",
        "num_threads": None,
    }
    (out / "config.json").write_text(json.dumps(config))
    Progress.emit = stamped  # type: ignore[method-assign]
    try:
        code = main(["train", "--config", str(out / "config.json")])
    finally:
        Progress.emit = emit  # type: ignore[method-assign]
    if code != 0:
        raise SystemExit((out / "progress.jsonl").read_text())
    # From the end of step 1 to the end of the last: steps 2..N, warm-up excluded.
    return stamps[-1] - stamps[0], len(stamps) - 1


def plain_run(model_dir: Path, training: Path, hyper: dict[str, Any]) -> tuple[float, int]:
    """The same steps as a plain transformers + peft loop (CPU seconds, steps timed)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tuiftune.server.trainers.local_engine.data import IGNORE, load_examples
    from tuiftune.server.trainers.local_engine.hyperparams import resolve
    from tuiftune.server.trainers.local_engine.loop import order

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    examples, _ = load_examples(training, "supervised", tokenizer, 2048)
    hp = resolve("supervised", hyper, len(examples))
    torch.manual_seed(hp["seed"])
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    lora = LoraConfig(
        r=hp["lora_r"],
        lora_alpha=hp["lora_alpha"],
        lora_dropout=hp["lora_dropout"],
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(base, lora)
    model.train()
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=hp["learning_rate"]
    )
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    batch_size, per_epoch = hp["batch_size"], hp["steps_per_epoch"]
    times = []
    for step in range(hp["total_steps"]):
        epoch, position = divmod(step, per_epoch)
        ids = order(len(examples), hp["seed"], epoch)[
            position * batch_size : (position + 1) * batch_size
        ]
        seqs = [examples[i].chosen for i in ids]
        width = max(len(s.input_ids) for s in seqs)
        input_ids = torch.tensor([s.input_ids + [pad] * (width - len(s.input_ids)) for s in seqs])
        labels = torch.tensor([s.labels + [IGNORE] * (width - len(s.labels)) for s in seqs])
        mask = torch.tensor(
            [[1] * len(s.input_ids) + [0] * (width - len(s.input_ids)) for s in seqs]
        )
        out = model(input_ids=input_ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.append(time.process_time())
    return times[-1] - times[0], len(times) - 1


def generation(
    model_dir: Path, adapter: Path | None, prompts: list[list[dict[str, Any]]], tokens: int
) -> tuple[float, float, int]:
    """(Generator, model.generate) tokens per CPU second, and the tokens, for the same work."""
    import torch
    from transformers import AutoModelForCausalLM

    from tuiftune.server.trainers.local_engine.generator import Generator, GenParams

    gen = Generator({"m": str(model_dir)}, device="cpu", dtype="float32")
    params = GenParams(temperature=0, max_tokens=tokens)
    adapter_arg = str(adapter) if adapter else None
    ids = [gen.chat_prompt_ids("m", p, None) for p in prompts]
    list(gen.chat("m", adapter_arg, prompts[0], params))  # load and warm up
    start = time.process_time()
    ours = [list(gen.chat("m", adapter_arg, p, params)) for p in prompts]
    our_time = time.process_time() - start
    our_tokens = sum(p[-1].usage.completion_tokens for p in ours if p[-1].usage)

    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    eos = sorted(gen._base("m").eos)
    with torch.inference_mode():
        model.generate(torch.tensor([ids[0]]), max_new_tokens=2, do_sample=False, eos_token_id=eos)
        start = time.process_time()
        theirs = 0
        for prompt in ids:
            out = model.generate(
                torch.tensor([prompt]),
                max_new_tokens=tokens,
                do_sample=False,
                eos_token_id=eos,
                pad_token_id=eos[0],
            )
            theirs += out.shape[1] - len(prompt)
        their_time = time.process_time() - start
    if theirs != our_tokens:
        print(f"  note: token counts differ (Generator {our_tokens}, generate {theirs})")
    return our_tokens / our_time, theirs / their_time, our_tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a Hugging Face model folder (default: tiny)")
    parser.add_argument("--examples", type=int, default=80)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gen-tokens", type=int, default=48)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="train-bench-"))
    model = args.model
    if model is None:
        from tests.trainkit import build_tiny_model

        model = build_tiny_model(work / "tiny")
    records = [json.loads(line) for line in DATA.read_text().splitlines()][: args.examples]
    training = work / "train.jsonl"
    training.write_text("".join(json.dumps(r) + "\n" for r in records))
    hyper = {
        "n_epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate_multiplier": 10,
        "lora_r": 16,
        "lora_alpha": 32,
        "lora_dropout": 0.0,
    }
    print(
        f"model {model}, {len(records)} examples, batch {args.batch_size}, {args.threads} thread(s)"
    )

    # Alternated, best of each: the machine's load moves between the runs more than they differ.
    plain_rate = engine_rate = 0.0
    for attempt in range(args.repeats):
        plain_s, plain_n = plain_run(model, training, hyper)
        out = work / f"run{attempt}"
        out.mkdir()
        engine_s, engine_n = engine_run(model, training, out, hyper)
        plain_rate = max(plain_rate, plain_n / plain_s)
        engine_rate = max(engine_rate, engine_n / engine_s)
    print(
        f"training steps per CPU second: engine {engine_rate:.2f} ({engine_n} steps, a checkpoint "
        "and a state included), "
        f"plain loop {plain_rate:.2f} ({plain_n} steps)"
    )
    print(f"  ratio engine/plain = {engine_rate / plain_rate:.2f} (goal >= 0.9)")

    prompts = [r["messages"][:-1] for r in records[: args.prompts]]
    for label, adapter in (("base", None), ("adapter", out / "final")):
        ours, theirs, count = generation(model, adapter, prompts, args.gen_tokens)
        print(
            f"generation tokens per CPU second ({label}, {count} tokens): Generator {ours:.1f}, "
            f"model.generate {theirs:.1f}"
        )
        print(f"  ratio Generator/generate = {ours / theirs:.2f} (goal >= 0.9)")


if __name__ == "__main__":
    main()
