# mypy: disable-error-code="import-not-found"
"""Azure's own SDK client has the non-JSON guard too: a proxy's login page answered with 200 is
one ``ServiceError`` naming the endpoint and what came back, not a parser's ``AttributeError``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.emulators.azure import ACCOUNT, ARM_TOKEN, ARM_URL, DATA_URL, RG, SUB, AzureEmulator
from tuiftune.service.errors import ServiceError
from tuiftune.service.providers.base import Provider

HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("arm", [False, True], ids=["key-only", "with-deployments"])
async def test_a_login_page_with_200_is_one_clear_error(
    build: Callable[..., Provider], monkeypatch: pytest.MonkeyPatch, arm: bool
) -> None:
    emu = AzureEmulator()
    options: dict[str, str] = {}
    if arm:
        monkeypatch.setenv("TEST_ARM_TOKEN", ARM_TOKEN)
        options = {
            "azure_subscription_id": SUB,
            "azure_resource_group": RG,
            "azure_account": ACCOUNT,
            "arm_endpoint": ARM_URL,
            "azure_token_env": "TEST_ARM_TOKEN",
        }
    azure = build("azure", emu.app, DATA_URL, options=options)
    page = "<html><body>Sign in to continue</body></html>"
    emu.faults.fail(
        "POST", r"/chat/completions$", 200, page, headers={"content-type": "text/html"}, times=9
    )
    with pytest.raises(ServiceError) as caught:
        await azure.inference.chat("gpt-4.1-mini-2025-04-14", HI)
    message = str(caught.value)
    assert message.startswith(
        "res.openai.azure.test answered POST /openai/v1/chat/completions with 200 and a body "
        "that is not JSON (text/html: "
    )
    assert "Sign in to continue" in message and "proxy or a login page" in message
    if arm:
        return  # the models are then the deployments, read from ARM (HttpApi checks its own)
    # The list of models (what the Playground offers) goes through the same guard.
    emu.faults.fail("GET", r"/models$", 200, page, headers={"content-type": "text/html"})
    with pytest.raises(ServiceError, match="with 200 and a body that is not JSON"):
        await azure.inference.list_models()
