package com.example.clouddc;

import com.example.clouddc.CheckServerLogs.CheckInput;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a worker in our own namespace and starts CheckServerLogs on it.
 *
 * <pre>mvn -q compile exec:java -Dexec.args="PROJECT SERVER EXPORT_SERVER EXPORT_ID"</pre>
 *
 * Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (callers), TASK_QUEUE,
 * NEXUS_ENDPOINT (clouddc-logs), POLICY_MIN_INTERVAL and POLICY_MAX_INTERVAL (e.g. 100ms, 5m).
 * Prints one JSON line; exits 1 when the workflow failed.
 */
public class Main {
  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: Main PROJECT SERVER EXPORT_SERVER EXPORT_ID");
      System.exit(2);
    }
    String minInterval = System.getenv("POLICY_MIN_INTERVAL");
    String maxInterval = System.getenv("POLICY_MAX_INTERVAL");
    var policy =
        minInterval == null && maxInterval == null
            ? null
            : new CloudDCLogs.Policy(minInterval, maxInterval, null, null);
    var input =
        new CheckInput(
            env("NEXUS_ENDPOINT", CloudDCLogs.ENDPOINT), args[0], args[1], args[2], args[3], policy);

    var service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(env("TEMPORAL_ADDRESS", "localhost:7233"))
                .build());
    var client =
        WorkflowClient.newInstance(
            service,
            WorkflowClientOptions.newBuilder()
                .setNamespace(env("TEMPORAL_NAMESPACE", "callers"))
                .build());
    String taskQueue = env("TASK_QUEUE", "clouddc-nexus-callers-java");
    var factory = WorkerFactory.newInstance(client);
    factory.newWorker(taskQueue).registerWorkflowImplementationTypes(CheckServerLogsImpl.class);
    factory.start();

    String workflowId = "check-logs-" + input.serverId() + "-" + System.currentTimeMillis();
    var workflow =
        client.newWorkflowStub(
            CheckServerLogs.class,
            WorkflowOptions.newBuilder().setWorkflowId(workflowId).setTaskQueue(taskQueue).build());
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("language", "java");
    line.put("workflowId", workflowId);
    try {
      var result = workflow.check(input);
      line.put("collect", result.collect());
      line.put("track", result.track());
    } catch (WorkflowFailedException e) {
      // The workflow rethrew the operation failure: its cause carries the failure type.
      Throwable cause = e.getCause();
      while (cause != null && !(cause instanceof ApplicationFailure)) cause = cause.getCause();
      if (!(cause instanceof ApplicationFailure failure)) throw e;
      line.put("failed", Map.of("type", failure.getType(), "message", failure.getOriginalMessage()));
    }
    System.out.println(new ObjectMapper().writeValueAsString(line));
    factory.shutdown();
    service.shutdown();
    System.exit(line.containsKey("failed") ? 1 : 0);
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isEmpty() ? fallback : value;
  }
}
