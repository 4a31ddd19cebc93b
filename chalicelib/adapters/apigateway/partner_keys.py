"""Partner keys mirrored in API Gateway's partner usage plan (implements ``KeyGateway``).

The gateway key holds the same value the partner sends in ``x-api-key`` (API Gateway compares
the header with the values of its keys), is named after the key's public id so an operator can
find it (``<stage prefix>-partner-<id>``), and is attached to the stage's partner usage plan,
whose throttle and daily quota API Gateway applies before the request reaches the function.
The plan's id is read from an SSM parameter the stack writes (infra/api.py): the plan is
created after the API's function, so the function's environment cannot hold it.
API Gateway keeps key values itself (encrypted, readable by whoever may call
``apigateway:GET`` on them); Repère's own table still keeps only the hash.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Unavailable

_GONE = "NotFoundException"


class ApiGatewayKeys:
    def __init__(self, client: Any, ssm: Any, plan_parameter: str, name_prefix: str) -> None:
        # ``client``, ``ssm``: boto3 API Gateway and SSM clients (typed Any: boto3 ships no
        # type hints here).
        self._client = client
        self._ssm = ssm
        self._plan_parameter = plan_parameter
        self._name_prefix = name_prefix
        self._usage_plan_id: str | None = None

    def _plan_id(self) -> str:
        # Read once per container: a stage's usage plan lives as long as its stack.
        if self._usage_plan_id is None:
            answer = self._ssm.get_parameter(Name=self._plan_parameter)
            self._usage_plan_id = str(answer["Parameter"]["Value"])
        return self._usage_plan_id

    def register(self, key_id: str, value: str) -> str | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            usage_plan_id = self._plan_id()
        except (BotoCoreError, ClientError) as error:
            raise Unavailable("the API gateway did not register the key; try again") from error
        try:
            created = self._client.create_api_key(
                name=f"{self._name_prefix}-partner-{key_id}",
                description="Repère partner key (issued through /admin/api-keys)",
                enabled=True,
                value=value,
            )
            gateway_key_id = str(created["id"])
        except (BotoCoreError, ClientError) as error:
            raise Unavailable("the API gateway did not register the key; try again") from error
        try:
            self._client.create_usage_plan_key(
                usagePlanId=usage_plan_id, keyId=gateway_key_id, keyType="API_KEY"
            )
        except (BotoCoreError, ClientError) as error:
            # Not in the plan, so the gateway would refuse it: take it away again.
            self.disable(gateway_key_id)
            raise Unavailable("the API gateway did not register the key; try again") from error
        return gateway_key_id

    def disable(self, gateway_key_id: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.update_api_key(
                apiKey=gateway_key_id,
                patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _GONE:
                return  # deleted by hand: nothing left to disable
            raise Unavailable("the API gateway did not disable the key; try again") from error
        except BotoCoreError as error:
            raise Unavailable("the API gateway did not disable the key; try again") from error
