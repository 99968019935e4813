package com.example.clouddc;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** A workflow of another team that collects a server's logs and waits for an export. */
@WorkflowInterface
public interface CheckServerLogs {
  @WorkflowMethod
  CheckResult check(CheckInput input);

  record CheckInput(
      String endpoint,
      String projectId,
      String serverId,
      String exportServerId,
      String exportId,
      CloudDCLogs.Policy policy) {}

  /** What one operation gave: a value, or the failure type we tolerate. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Outcome(String exportId, String sha256, Long bytes, Double percentage, String failure) {
    static Outcome failure(String type) {
      return new Outcome(null, null, null, null, type);
    }
  }

  record CheckResult(Outcome collect, Outcome track) {}
}
