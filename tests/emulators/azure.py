# mypy: disable-error-code="import-not-found"
"""A local emulator of Azure's control plane for Azure OpenAI deployments, and of the data-plane
calls that need one (chat with a deployment name, checkpoint copy), built from
``azure-mgmt-cognitiveservices``' models.

Every PUT body and every ARM reply is checked against the SDK's msrest models (no key they do
not declare). A deployment is ``Creating`` for ``ready_after`` reads, then ``Succeeded``; a
model answers chat only through a deployment that succeeded, as on Azure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators.base import FaultLayer, error
from tests.emulators.contract import strict_msrest

ARM_URL = "https://management.azure.test"
DATA_URL = "https://res.openai.azure.test"
SUB, RG, ACCOUNT = "0000-sub", "rg-ft", "res"
PREFIX = (
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
    f"Microsoft.CognitiveServices/accounts/{ACCOUNT}/deployments"
)
ARM_TOKEN = "arm-token-abcdef"
DATA_TOKEN = "data-token-abcdef"


def _models() -> Any:
    from azure.mgmt.cognitiveservices import models

    return models


@dataclass
class EmuDeployment:
    """One deployment's state."""

    name: str
    body: dict[str, Any]
    reads: int = 0
    state: str = "Creating"


class AzureEmulator:
    """ARM deployments plus the data plane's chat and checkpoint copy."""

    def __init__(self, *, ready_after: int = 2) -> None:
        self.deployments: dict[str, EmuDeployment] = {}
        self.ready_after = ready_after
        self.fail_next = False
        self.copies: dict[str, dict[str, Any]] = {}
        self.page_size = 2
        routes = [
            Route(PREFIX, self.list, methods=["GET"]),
            Route(PREFIX + "/{name}", self.put, methods=["PUT"]),
            Route(PREFIX + "/{name}", self.get, methods=["GET"]),
            Route(PREFIX + "/{name}", self.delete, methods=["DELETE"]),
            Route("/openai/v1/chat/completions", self.chat, methods=["POST"]),
            Route(
                "/openai/v1/fine_tuning/jobs/{job}/checkpoints/{ckpt}/copy",
                self.copy,
                methods=["POST", "GET"],
            ),
        ]
        self.faults = FaultLayer(Starlette(routes=routes))
        self.app = self.faults

    @staticmethod
    def _arm_refusal(request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {ARM_TOKEN}":
            return error(401, "InvalidAuthenticationToken", code="InvalidAuthenticationToken")
        if request.query_params.get("api-version") != "2024-10-01":
            return error(400, "unsupported api-version", code="InvalidApiVersionParameter")
        return None

    def _json(self, dep: EmuDeployment) -> dict[str, Any]:
        data = {
            "id": f"{PREFIX}/{dep.name}",
            "name": dep.name,
            "type": "Microsoft.CognitiveServices/accounts/deployments",
            "sku": dep.body["sku"],
            "systemData": {"createdAt": "2026-12-01T12:00:00Z", "createdByType": "User"},
            "properties": {**dep.body["properties"], "provisioningState": dep.state},
        }
        strict_msrest(_models().Deployment, data, _models())
        return data

    async def put(self, request: Request) -> Response:
        refusal = self._arm_refusal(request)
        if refusal:
            return refusal
        body = await request.json()
        strict_msrest(_models().Deployment, body, _models())
        name = request.path_params["name"]
        if body["sku"]["name"] not in ("standard", "globalstandard", "developertier"):
            return error(400, "InvalidResourceProperties: sku")
        dep = EmuDeployment(name, body)
        if self.fail_next:
            self.fail_next, dep.state = False, "Failed"
        self.deployments[name] = dep
        return JSONResponse(self._json(dep), status_code=201)

    async def get(self, request: Request) -> Response:
        refusal = self._arm_refusal(request)
        if refusal:
            return refusal
        dep = self.deployments.get(request.path_params["name"])
        if dep is None:
            return error(404, "DeploymentNotFound", code="DeploymentNotFound")
        dep.reads += 1
        if dep.state == "Creating" and dep.reads >= self.ready_after:
            dep.state = "Succeeded"
        return JSONResponse(self._json(dep))

    async def list(self, request: Request) -> Response:
        refusal = self._arm_refusal(request)
        if refusal:
            return refusal
        names = sorted(self.deployments)
        start = int(request.query_params.get("skip", "0"))
        chunk = names[start : start + self.page_size]
        data: dict[str, Any] = {"value": [self._json(self.deployments[n]) for n in chunk]}
        if start + self.page_size < len(names):
            data["nextLink"] = (
                f"{ARM_URL}{PREFIX}?api-version=2024-10-01&skip={start + self.page_size}"
            )
        strict_msrest(_models().DeploymentListResult, data, _models())
        return JSONResponse(data)

    async def delete(self, request: Request) -> Response:
        refusal = self._arm_refusal(request)
        if refusal:
            return refusal
        if self.deployments.pop(request.path_params["name"], None) is None:
            return Response(status_code=204)
        return Response(status_code=200)

    async def chat(self, request: Request) -> Response:
        from openai.types.chat import ChatCompletion

        from tests.emulators.base import reply

        if request.headers.get("authorization") not in (
            f"Bearer {DATA_TOKEN}",
        ) and not request.headers.get("api-key"):
            return error(401, "Access denied due to invalid subscription key or token")
        body = await request.json()
        dep = self.deployments.get(body["model"])
        if dep is None or dep.state != "Succeeded":
            return error(
                404,
                "The API deployment for this resource does not exist.",
                code="DeploymentNotFound",
            )
        model = dep.body["properties"]["model"]["name"]
        data = {
            "id": "chatcmpl-az",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": f"{dep.name} says hi"},
                }
            ],
        }
        return reply(ChatCompletion, data)

    async def copy(self, request: Request) -> Response:
        if request.headers.get("aoai-copy-ft-checkpoints") != "preview":
            return error(400, "the aoai-copy-ft-checkpoints: preview header is required")
        key = f"{request.path_params['job']}/{request.path_params['ckpt']}"
        if request.method == "POST":
            body = json.loads(await request.body())
            if set(body) != {"destinationResourceId", "region"}:
                return error(400, f"unexpected fields {sorted(body)}")
            self.copies[key] = {
                "checkpointedModelName": f"{request.path_params['ckpt']}-copy",
                "fineTuningJobId": request.path_params["job"],
                "copiedAccountDetails": [{**body, "status": "InProgress"}],
            }
        elif key in self.copies:
            for row in self.copies[key]["copiedAccountDetails"]:
                row["status"] = "Completed"
        else:
            return error(404, "no copy of this checkpoint")
        return JSONResponse(self.copies[key])
