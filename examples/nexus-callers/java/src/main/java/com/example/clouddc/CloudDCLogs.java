package com.example.clouddc;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nexusrpc.Operation;
import io.nexusrpc.Service;

/**
 * The CloudDCLogs Nexus service, as its callers declare it. The JSON shapes are those of
 * src/contract in the tracker's repository. Fields that are not set are left out (the service
 * rejects nulls); durations are strings such as "100ms" or "5m".
 */
@Service(name = "CloudDCLogs")
public interface CloudDCLogs {
  String ENDPOINT = "clouddc-logs";

  /** FailureType values the operations fail with, as the ApplicationFailure's type (a few of them). */
  String LOG_EXPORT_FAILED = "LogExportFailed";
  String LOG_EXPORT_NOT_FOUND = "LogExportNotFound";
  String INVALID_INPUT = "InvalidInput";

  @Operation(name = "trackLogExport")
  LogExportResult trackLogExport(TrackLogExportInput input);

  @Operation(name = "collectServerLogs")
  CollectServerLogsResult collectServerLogs(CollectServerLogsInput input);

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Policy(String minInterval, String maxInterval, String timeout, String stallTimeout) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record TrackLogExportInput(String projectId, String serverId, String exportId, Policy policy) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record CollectServerLogsInput(String projectId, String serverId, Policy policy, String destination) {}

  /** outcome is always "completed"; createdAt may be missing. */
  record LogExportResult(
      String projectId,
      String serverId,
      String exportId,
      String outcome,
      String status,
      double percentage,
      String createdAt,
      String startedAt,
      String completedAt,
      int polls) {}

  /** path is set for the worker's archive directory only. */
  record ArchiveInfo(String url, String path, long bytes, String sha256) {}

  record CollectServerLogsResult(
      String projectId,
      String serverId,
      String exportId,
      String outcome,
      String status,
      double percentage,
      String createdAt,
      String startedAt,
      String completedAt,
      int polls,
      ArchiveInfo archive) {}
}
