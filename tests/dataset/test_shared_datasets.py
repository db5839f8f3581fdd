"""Acceptance: the linter on the real datasets in ../shared/datasets reports their documented
flaws (see that folder's README) and nothing wrong on the valid files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tuiftune.dataset import LintOptions, LintReport, lint_file

Get = Callable[[str], Path]


async def lint(get: Get, name: str, model: str | None = None) -> LintReport:
    return await lint_file(get(name), LintOptions(model=model))


def counts(report: LintReport) -> Counter[str]:
    return Counter(f.rule for f in report.findings)


async def test_toy_chat(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "openai-cookbook-toy-chat.jsonl")
    assert report.format == "chat"
    assert [f.line for f in report.findings if f.rule == "chat.user.missing"] == [4]
    assert [f.line for f in report.findings if f.rule == "content.repetitive"] == [5]
    assert "dataset.too_few" in counts(report)


async def test_drone_tools_is_valid(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "openai-cookbook-drone-tools.jsonl")
    assert report.format == "chat"
    assert report.errors == 0
    assert report.warnings == 0
    assert report.stats.examples == 103


async def test_lens_raw_has_no_separator_space_or_stop(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "lens-qa-legacy-raw.jsonl")
    c = counts(report)
    assert report.format == "legacy"
    assert c["legacy.separator.missing"] == 52
    assert c["legacy.completion.leading_space"] == 52
    assert c["legacy.stop.missing"] == 52
    assert c["dataset.conflict"] == 6  # the two "what is lens protocol" pairs and more
    assert report.errors == 0


async def test_lens_prepared_is_clean_but_for_conflicting_prompts(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "lens-qa-legacy-prepared.jsonl")
    assert report.linter is not None
    assert report.linter.consensus.separator == " ->"
    assert report.linter.consensus.stop == " END"
    assert set(counts(report)) == {"dataset.conflict"}


async def test_mandarin_conflicting_labels(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "mandarin2cantonese-legacy.jsonl")
    assert report.linter is not None
    assert report.linter.consensus.separator == " ->"
    assert report.linter.consensus.stop == "\n"
    assert counts(report)["dataset.duplicate"] == 0  # no exact duplicates
    # 264 duplicate-prompt rows + the 232 prompts they repeat = 496 rows in conflict
    assert counts(report)["dataset.conflict"] == 496


async def test_tweet_replies_inconsistent_stop(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "tweet-replies-legacy.jsonl")
    assert report.linter is not None
    assert report.linter.consensus.separator == "\n\n###\n\n"
    assert counts(report)["legacy.stop.inconsistent"] == 46
    assert report.errors == 0


async def test_dpo_with_bom(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "salescall-dpo-bom.jsonl")
    assert report.format == "dpo"
    assert [(f.line, f.rule) for f in report.findings] == [(1, "encoding.bom")]
    assert report.stats.examples == 180


async def test_rft_with_bom(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "salescall-rft-bom.jsonl")
    c = counts(report)
    assert report.format == "reinforcement"
    assert c["encoding.bom"] == 1
    assert c["chat.role.developer"] == 180
    assert report.errors == 0


async def test_blogchat_system_key(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "blogchat-system-key.jsonl")
    assert counts(report)["chat.key.system"] == 2008
    assert all(f.fixable for f in report.findings if f.rule == "chat.key.system")


@pytest.mark.parametrize(("model", "over"), [("gpt-3.5-turbo-0125", 1), ("gpt-4o-mini", 0)])
async def test_blogchat_long_over_limit(shared_dataset: Get, model: str, over: int) -> None:
    report = await lint(shared_dataset, "blogchat-long-conversations.jsonl", model=model)
    assert report.stats.over_limit == over
    assert counts(report)["tokens.over_limit"] == over


async def test_blogchat_long_token_count_matches_readme(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "blogchat-long-conversations.jsonl", model="gpt-4o")
    # README: the largest example is 23,481 o200k_base tokens by the cookbook formula
    assert report.stats.tokens.max == 23_481


async def test_autograding_duplicates_crlf_and_spaces(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "autograding-duplicates.jsonl")
    c = counts(report)
    assert c["dataset.duplicate"] == 213
    assert c["chat.content.leading_space"] == 240


async def test_web3_sharegpt(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "web3-sharegpt-function-call.jsonl")
    c = counts(report)
    assert report.format == "sharegpt"
    assert c["format.sharegpt"] == 240
    assert c["chat.role.unknown"] == 240
    assert c["chat.tools.type"] == 240
    assert c["chat.key.system"] == 240
    message = next(f.message for f in report.findings if f.rule == "chat.role.unknown")
    assert "function_call" in message and "observation" in message


async def test_flaky_tests_large_duplicates(shared_dataset: Get) -> None:
    report = await lint(shared_dataset, "flaky-tests-chat-large.jsonl")
    assert report.stats.examples == 19_728
    assert counts(report)["dataset.duplicate"] == 18_184
    assert report.stats.tokens.total == 2_838_988
    assert report.stats.tokens.max == 2_120
    assert report.errors == 0
