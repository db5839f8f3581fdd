"""The refusal to upload a file with lint errors names the flag that overrides it."""

from __future__ import annotations

from pathlib import Path

from tuiftune.dataset.findings import ReportedFinding, Severity
from tuiftune.service.files import DatasetRejectedError


def test_refusal_names_the_force_flag_and_the_form_checkbox() -> None:
    finding = ReportedFinding(
        line=3,
        rule="chat.roles",
        severity=Severity.ERROR,
        message="no assistant",
        field=None,
        fixable=False,
    )
    text = str(DatasetRejectedError(Path("train.jsonl"), 1, [finding]))
    assert "--force" in text and "with force" not in text
    assert "upload even if the lint finds errors" in text
    assert "line 3 [chat.roles]: no assistant" in text
