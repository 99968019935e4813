"""Runs a worker in our own namespace and starts CheckServerLogs on it.

    python main.py PROJECT SERVER EXPORT_SERVER EXPORT_ID

Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (callers), TASK_QUEUE,
NEXUS_ENDPOINT (clouddc-logs), POLICY_MIN_INTERVAL and POLICY_MAX_INTERVAL (e.g. 100ms, 5m).
Prints one JSON line; exits 1 when the workflow failed.
"""

import asyncio
import json
import os
import sys
import time

from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from caller_workflow import CheckInput, CheckServerLogs
from clouddc_logs import ENDPOINT, Policy


def check_input(project: str, server: str, export_server: str, export_id: str) -> CheckInput:
    check: CheckInput = {
        "projectId": project,
        "serverId": server,
        "exportServerId": export_server,
        "exportId": export_id,
        "endpoint": os.environ.get("NEXUS_ENDPOINT", ENDPOINT),
    }
    policy: Policy = {}
    if interval := os.environ.get("POLICY_MIN_INTERVAL"):
        policy["minInterval"] = interval
    if interval := os.environ.get("POLICY_MAX_INTERVAL"):
        policy["maxInterval"] = interval
    if policy:
        check["policy"] = policy
    return check


async def main(args: list[str]) -> int:
    if len(args) != 4:
        sys.exit("usage: main.py PROJECT SERVER EXPORT_SERVER EXPORT_ID")
    check = check_input(*args)
    client = await Client.connect(
        os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"),
        namespace=os.environ.get("TEMPORAL_NAMESPACE", "callers"),
    )
    task_queue = os.environ.get("TASK_QUEUE", "clouddc-nexus-callers-python")
    workflow_id = f"check-logs-{check['serverId']}-{int(time.time() * 1000)}"
    line: dict = {"language": "python", "workflowId": workflow_id}
    async with Worker(client, task_queue=task_queue, workflows=[CheckServerLogs]):
        try:
            line.update(
                await client.execute_workflow(
                    CheckServerLogs.run, check, id=workflow_id, task_queue=task_queue
                )
            )
        except WorkflowFailureError as err:
            # The workflow re-raised the operation error: its cause carries the failure type.
            failure = err.cause
            while failure is not None and not isinstance(failure, ApplicationError):
                failure = failure.cause
            if failure is None:
                raise
            line["failed"] = {"type": failure.type, "message": failure.message}
    print(json.dumps(line), flush=True)
    return 1 if "failed" in line else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
