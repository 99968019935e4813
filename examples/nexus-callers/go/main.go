// A caller of the CloudDCLogs Nexus service: a worker in our own namespace runs CheckServerLogs,
// which calls collectServerLogs and trackLogExport through the endpoint.
//
//	go run . PROJECT SERVER EXPORT_SERVER EXPORT_ID
//
// Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (callers), TASK_QUEUE,
// NEXUS_ENDPOINT (clouddc-logs), POLICY_MIN_INTERVAL and POLICY_MAX_INTERVAL (e.g. 100ms, 5m).
// Prints one JSON line; exits 1 when the workflow failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
)

func main() {
	if len(os.Args) != 5 {
		log.Fatal("usage: caller PROJECT SERVER EXPORT_SERVER EXPORT_ID")
	}
	in := CheckInput{
		Endpoint:  env("NEXUS_ENDPOINT", "clouddc-logs"),
		ProjectID: os.Args[1], ServerID: os.Args[2], ExportServerID: os.Args[3], ExportID: os.Args[4],
	}
	minInterval, maxInterval := os.Getenv("POLICY_MIN_INTERVAL"), os.Getenv("POLICY_MAX_INTERVAL")
	if minInterval != "" || maxInterval != "" {
		in.Policy = &Policy{MinInterval: minInterval, MaxInterval: maxInterval}
	}

	c, err := client.Dial(client.Options{
		HostPort:  env("TEMPORAL_ADDRESS", "localhost:7233"),
		Namespace: env("TEMPORAL_NAMESPACE", "callers"),
		// The SDK logs to stderr; stdout carries the JSON line only.
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr,
			&slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	taskQueue := env("TASK_QUEUE", "clouddc-nexus-callers-go")
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(CheckServerLogs)
	if err := w.Start(); err != nil {
		log.Fatal(err)
	}
	defer w.Stop()

	workflowID := fmt.Sprintf("check-logs-%s-%d", in.ServerID, time.Now().UnixMilli())
	run, err := c.ExecuteWorkflow(context.Background(),
		client.StartWorkflowOptions{ID: workflowID, TaskQueue: taskQueue}, CheckServerLogs, in)
	if err != nil {
		log.Fatal(err)
	}
	var result CheckResult
	err = run.Get(context.Background(), &result)
	line := map[string]any{"language": "go", "workflowId": workflowID}
	if err == nil {
		line["collect"], line["track"] = result.Collect, result.Track
	} else {
		// The workflow handed back an operation error: its cause carries the service's failure type.
		var appErr *temporal.ApplicationError
		if !errors.As(err, &appErr) {
			log.Fatal(err)
		}
		line["failed"] = map[string]string{"type": appErr.Type(), "message": appErr.Message()}
	}
	out, _ := json.Marshal(line)
	fmt.Println(string(out))
	if err != nil {
		w.Stop()
		os.Exit(1)
	}
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
