# mypy: disable-error-code="import-not-found"
"""Together's dedicated endpoints (v2), configs and hardware catalog, for ``TogetherEmulator``.

Replies validate strictly into ``together.types.Endpoint``, ``EndpointDeployment``,
``models.Config`` and ``endpoints.HardwareListResponse``. A deployment is provisioning until its
endpoint is read once, then ready; an endpoint with deployments cannot be deleted (409).
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators.base import error, reply

PROJECT = "proj_1"
MODEL_ID = "ml_ft1"
T = "2026-12-01T12:00:00Z"
P = f"/v2/projects/{PROJECT}"


def _config(cid: str, count: int) -> dict[str, Any]:
    return {
        "id": cid,
        "certifications": [],
        "projectId": "proj_public",
        "referenceModel": f"projects/{PROJECT}/models/{MODEL_ID}",
        "referenceModelId": MODEL_ID,
        "selectors": [
            {"key": "accelerator_type", "value": "nvidia-h100-80gb"},
            {"key": "accelerator_count", "value": str(count)},
        ],
    }


CONFIGS = [_config("cfg_2x", 2), _config("cfg_1x", 1)]
CATALOG = [
    {
        "id": f"it_{n}",
        "description": f"{n}x H100",
        "gpuCount": n,
        "gpuMemoryGib": 80 * n,
        "gpuType": "nvidia-h100-80gb",
        "name": f"{n}xnvidia-h100-80gb",
        "priceCentsPerHour": 499 * n,
        "regions": [{"name": "us-east-1"}],
    }
    for n in (1, 2)
]


class EndpointsState:
    """Endpoints and their deployments."""

    def __init__(self) -> None:
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def routes(self) -> list[Route]:
        """The v2 routes this state serves."""
        return [
            Route(f"{P}/configs", self.configs, methods=["GET"]),
            Route("/v2/public/inference-instance-types", self.catalog, methods=["GET"]),
            Route(f"{P}/endpoints", self.create_endpoint, methods=["POST"]),
            Route(f"{P}/endpoints", self.list_endpoints, methods=["GET"]),
            Route(f"{P}/endpoints/{{ep}}", self.get_endpoint, methods=["GET"]),
            Route(f"{P}/endpoints/{{ep}}", self.delete_endpoint, methods=["DELETE"]),
            Route(f"{P}/endpoints/{{ep}}/deployments", self.create_deployment, methods=["POST"]),
            Route(
                f"{P}/endpoints/{{ep}}/deployments/{{dep}}",
                self.patch_deployment,
                methods=["PATCH"],
            ),
            Route(
                f"{P}/endpoints/{{ep}}/deployments/{{dep}}",
                self.delete_deployment,
                methods=["DELETE"],
            ),
        ]

    async def configs(self, request: Request) -> Response:
        from together.pagination import AsyncCursorPagination
        from together.types.models.config import Config

        wanted = request.query_params.get("reference_model_id")
        rows = [c for c in CONFIGS if c["referenceModelId"] == wanted]
        return reply(AsyncCursorPagination[Config], {"data": rows})

    async def catalog(self, request: Request) -> Response:
        from together.types.endpoints.hardware_list_response import HardwareListResponse

        return reply(HardwareListResponse, {"object": "list", "data": CATALOG})

    def _summary(self, dep: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "id",
            "autoscaling",
            "createdAt",
            "model",
            "modelId",
            "name",
            "trafficMode",
            "hardware",
        )
        out = {k: dep[k] for k in keys}
        out.update(state=dep["status"]["state"], estimatedEffectiveTrafficShare=1.0)
        out["readyReplicas"] = dep["status"].get("readyReplicas", 0)
        return out

    def _endpoint(self, ep: dict[str, Any]) -> dict[str, Any]:
        deps = [self._summary(self.deployments[d]) for d in ep["_deps"]]
        return {**{k: v for k, v in ep.items() if not k.startswith("_")}, "deployments": deps}

    async def create_endpoint(self, request: Request) -> Response:
        from together.types import Endpoint

        body = await request.json()
        if set(body) - {"name", "visibility"}:
            return error(400, f"unexpected fields {sorted(body)}")
        ep_id = f"ep_{next(self._ids)}"
        self.endpoints[ep_id] = {
            "id": ep_id,
            "createdAt": T,
            "endpointType": "ENDPOINT_TYPE_DEDICATED",
            "etag": "e1",
            "name": body["name"],
            "projectId": PROJECT,
            "trafficSplit": [],
            "updatedAt": T,
            "visibility": body.get("visibility", "VISIBILITY_PRIVATE"),
            "_deps": [],
        }
        return reply(Endpoint, self._endpoint(self.endpoints[ep_id]))

    async def list_endpoints(self, request: Request) -> Response:
        from together.pagination import AsyncCursorPagination
        from together.types import Endpoint

        rows = [self._endpoint(e) for e in self.endpoints.values()]
        return reply(AsyncCursorPagination[Endpoint], {"data": rows})

    async def get_endpoint(self, request: Request) -> Response:
        from together.types import Endpoint

        ep = self.endpoints.get(request.path_params["ep"])
        if ep is None:
            return error(404, "endpoint not found")
        shown = self._endpoint(ep)
        for dep_id in ep["_deps"]:
            status = self.deployments[dep_id]["status"]
            if status["state"] == "DEPLOYMENT_STATE_PROVISIONING":
                status.update(state="DEPLOYMENT_STATE_READY", message="ready", readyReplicas=1)
        return reply(Endpoint, shown)

    async def delete_endpoint(self, request: Request) -> Response:
        ep = self.endpoints.get(request.path_params["ep"])
        if ep is None:
            return error(404, "endpoint not found")
        if ep["_deps"]:
            return error(409, "endpoint still has deployments")
        del self.endpoints[request.path_params["ep"]]
        return JSONResponse({})

    async def create_deployment(self, request: Request) -> Response:
        from together.types import EndpointDeployment

        ep = self.endpoints.get(request.path_params["ep"])
        if ep is None:
            return error(404, "endpoint not found")
        body = await request.json()
        allowed = {"name", "autoscaling", "model", "config", "inactiveTimeout"}
        if set(body) - allowed or not {"name", "autoscaling"} <= set(body):
            return error(400, f"unexpected fields {sorted(body)}")
        config = next((c for c in CONFIGS if body["config"].endswith("/" + c["id"])), None)
        if config is None:
            return error(400, f"unknown config {body['config']}")
        dep_id = f"dep_{next(self._ids)}"
        count = next(s["value"] for s in config["selectors"] if s["key"] == "accelerator_count")
        dep = {
            "id": dep_id,
            "autoscaling": body["autoscaling"],
            "config": body["config"],
            "configId": config["id"],
            "createdAt": T,
            "endpointId": ep["id"],
            "etag": "d1",
            "hardware": f"{count}xnvidia-h100-80gb",
            "model": body["model"],
            "modelId": body["model"].rsplit("/", 1)[-1],
            "modelRevisionId": "rv_1",
            "name": body["name"],
            "projectId": PROJECT,
            "status": {"message": "provisioning", "state": "DEPLOYMENT_STATE_PROVISIONING"},
            "trafficMode": "TRAFFIC_MODE_LIVE",
            "updatedAt": T,
        }
        if "inactiveTimeout" in body:
            dep["inactiveTimeout"] = body["inactiveTimeout"]
        self.deployments[dep_id] = dep
        ep["_deps"].append(dep_id)
        return reply(EndpointDeployment, dep)

    async def patch_deployment(self, request: Request) -> Response:
        from together.types import EndpointDeployment

        dep = self.deployments.get(request.path_params["dep"])
        if dep is None:
            return error(404, "deployment not found")
        body = await request.json()
        if request.query_params.get("updateMask") != "autoscaling" or set(body) != {"autoscaling"}:
            return error(400, "only autoscaling updates are emulated")
        dep["autoscaling"] = body["autoscaling"]
        if body["autoscaling"].get("maxReplicas") == 0:
            dep["status"] = {
                "message": "stopped",
                "state": "DEPLOYMENT_STATE_STOPPED",
                "readyReplicas": 0,
            }
        return reply(EndpointDeployment, dep)

    async def delete_deployment(self, request: Request) -> Response:
        ep = self.endpoints.get(request.path_params["ep"])
        dep_id = request.path_params["dep"]
        if ep is None or dep_id not in self.deployments:
            return error(404, "deployment not found")
        del self.deployments[dep_id]
        ep["_deps"].remove(dep_id)
        return JSONResponse({})
