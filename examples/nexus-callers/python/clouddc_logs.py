"""The CloudDCLogs Nexus service, as its callers declare it.

The JSON shapes are those of src/contract in the tracker's repository. TypedDicts keep the
field names of the JSON and leave out the keys that are not set (the service rejects nulls).
Durations are strings such as "100ms" or "5m".
"""

from typing import NotRequired, TypedDict

import nexusrpc

ENDPOINT = "clouddc-logs"

# FailureType values the operations fail with, as the ApplicationError's type (a few of them).
LOG_EXPORT_FAILED = "LogExportFailed"
LOG_EXPORT_NOT_FOUND = "LogExportNotFound"
INVALID_INPUT = "InvalidInput"


class Policy(TypedDict, total=False):
    minInterval: str
    maxInterval: str
    timeout: str
    stallTimeout: str


class TrackLogExportInput(TypedDict):
    projectId: str
    serverId: str
    exportId: str
    policy: NotRequired[Policy]


class CollectServerLogsInput(TypedDict):
    projectId: str
    serverId: str
    policy: NotRequired[Policy]
    destination: NotRequired[str]


class LogExportResult(TypedDict):
    projectId: str
    serverId: str
    exportId: str
    outcome: str  # always "completed"
    status: str
    percentage: float
    createdAt: NotRequired[str]
    startedAt: str
    completedAt: str
    polls: int


class ArchiveInfo(TypedDict):
    url: str
    path: NotRequired[str]
    bytes: int
    sha256: str


class CollectServerLogsResult(LogExportResult):
    archive: ArchiveInfo


@nexusrpc.service(name="CloudDCLogs")
class CloudDCLogs:
    trackLogExport: nexusrpc.Operation[TrackLogExportInput, LogExportResult]
    collectServerLogs: nexusrpc.Operation[CollectServerLogsInput, CollectServerLogsResult]
