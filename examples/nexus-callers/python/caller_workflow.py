"""A workflow of another team that calls the CloudDCLogs service through its Nexus endpoint."""

from datetime import timedelta
from typing import NotRequired, TypedDict

from temporalio import workflow
from temporalio.exceptions import ApplicationError, NexusOperationError

with workflow.unsafe.imports_passed_through():
    from clouddc_logs import ENDPOINT, LOG_EXPORT_FAILED, CloudDCLogs, Policy

WAIT_REQUESTED = workflow.NexusOperationCancellationType.WAIT_REQUESTED


class CheckInput(TypedDict):
    projectId: str
    serverId: str
    exportServerId: str
    exportId: str
    policy: NotRequired[Policy]
    endpoint: NotRequired[str]


def tolerated(err: NexusOperationError) -> str | None:
    """The failure type if it is one we can live with: the API reported the export as failed."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type == LOG_EXPORT_FAILED:
        return cause.type
    return None


@workflow.defn
class CheckServerLogs:
    @workflow.run
    async def run(self, check: CheckInput) -> dict:
        logs = workflow.create_nexus_client(
            service=CloudDCLogs, endpoint=check.get("endpoint", ENDPOINT)
        )
        policy = {"policy": check["policy"]} if "policy" in check else {}
        result: dict = {}

        try:
            collected = await logs.execute_operation(
                CloudDCLogs.collectServerLogs,
                {"projectId": check["projectId"], "serverId": check["serverId"], **policy},
                schedule_to_close_timeout=timedelta(hours=24),
                # If this workflow is cancelled, it ends once the service has been told.
                cancellation_type=WAIT_REQUESTED,
            )
            archive = collected["archive"]
            result["collect"] = {
                "exportId": collected["exportId"],
                "sha256": archive["sha256"],
                "bytes": archive["bytes"],
            }
        except NexusOperationError as err:
            if not (failure := tolerated(err)):
                raise
            result["collect"] = {"failure": failure}

        try:
            tracked = await logs.execute_operation(
                CloudDCLogs.trackLogExport,
                {
                    "projectId": check["projectId"],
                    "serverId": check["exportServerId"],
                    "exportId": check["exportId"],
                    **policy,
                },
                schedule_to_close_timeout=timedelta(hours=24),
                cancellation_type=WAIT_REQUESTED,
            )
            result["track"] = {"exportId": tracked["exportId"], "percentage": tracked["percentage"]}
        except NexusOperationError as err:
            if not (failure := tolerated(err)):
                raise
            result["track"] = {"failure": failure}
        return result
