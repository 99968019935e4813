package com.example.clouddc;

import com.example.clouddc.CloudDCLogs.CollectServerLogsInput;
import com.example.clouddc.CloudDCLogs.TrackLogExportInput;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.NexusOperationFailure;
import io.temporal.workflow.NexusOperationCancellationType;
import io.temporal.workflow.NexusOperationOptions;
import io.temporal.workflow.NexusServiceOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public class CheckServerLogsImpl implements CheckServerLogs {
  @Override
  public CheckResult check(CheckInput in) {
    CloudDCLogs logs =
        Workflow.newNexusServiceStub(
            CloudDCLogs.class,
            NexusServiceOptions.newBuilder()
                .setEndpoint(in.endpoint())
                .setOperationOptions(
                    NexusOperationOptions.newBuilder()
                        .setScheduleToCloseTimeout(Duration.ofHours(24))
                        // If this workflow is cancelled, it ends once the service has been told.
                        .setCancellationType(NexusOperationCancellationType.WAIT_REQUESTED)
                        .build())
                .build());

    Outcome collect;
    try {
      var collected =
          logs.collectServerLogs(
              new CollectServerLogsInput(in.projectId(), in.serverId(), in.policy(), null));
      var archive = collected.archive();
      collect = new Outcome(collected.exportId(), archive.sha256(), archive.bytes(), null, null);
    } catch (NexusOperationFailure e) {
      collect = Outcome.failure(toleratedOrRethrow(e));
    }

    Outcome track;
    try {
      var tracked =
          logs.trackLogExport(
              new TrackLogExportInput(
                  in.projectId(), in.exportServerId(), in.exportId(), in.policy()));
      track = new Outcome(tracked.exportId(), null, null, tracked.percentage(), null);
    } catch (NexusOperationFailure e) {
      track = Outcome.failure(toleratedOrRethrow(e));
    }
    return new CheckResult(collect, track);
  }

  /**
   * The failure type if it is one we can live with (the API reported the export as failed);
   * otherwise the operation failure is thrown again and fails this workflow. The service's
   * failure type is on the operation failure's cause.
   */
  private static String toleratedOrRethrow(NexusOperationFailure e) {
    if (e.getCause() instanceof ApplicationFailure failure
        && CloudDCLogs.LOG_EXPORT_FAILED.equals(failure.getType())) {
      return failure.getType();
    }
    throw e;
  }
}
