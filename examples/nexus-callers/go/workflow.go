package main

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

const (
	service         = "CloudDCLogs"
	logExportFailed = "LogExportFailed" // a FailureType of the service
)

// CheckInput names a server to collect logs from and an export to wait for.
type CheckInput struct {
	Endpoint       string  `json:"endpoint"`
	ProjectID      string  `json:"projectId"`
	ServerID       string  `json:"serverId"`
	ExportServerID string  `json:"exportServerId"`
	ExportID       string  `json:"exportId"`
	Policy         *Policy `json:"policy,omitempty"`
}

// Outcome is what one operation gave: a value, or the failure type we tolerate.
type Outcome struct {
	ExportID   string  `json:"exportId,omitempty"`
	SHA256     string  `json:"sha256,omitempty"`
	Bytes      int64   `json:"bytes,omitempty"`
	Percentage float64 `json:"percentage,omitempty"`
	Failure    string  `json:"failure,omitempty"`
}

type CheckResult struct {
	Collect Outcome `json:"collect"`
	Track   Outcome `json:"track"`
}

// CheckServerLogs collects a server's logs and waits for an export, through the Nexus endpoint.
func CheckServerLogs(ctx workflow.Context, in CheckInput) (CheckResult, error) {
	logs := workflow.NewNexusClient(in.Endpoint, service)
	opts := workflow.NexusOperationOptions{
		ScheduleToCloseTimeout: 24 * time.Hour,
		// If this workflow is cancelled, it ends once the service has been told (see the docs).
		CancellationType: workflow.NexusOperationCancellationTypeWaitRequested,
	}
	var out CheckResult

	var collected CollectServerLogsResult
	err := logs.ExecuteOperation(ctx, "collectServerLogs", CollectServerLogsInput{
		ProjectID: in.ProjectID, ServerID: in.ServerID, Policy: in.Policy,
	}, opts).Get(ctx, &collected)
	if err == nil {
		a := collected.Archive
		out.Collect = Outcome{ExportID: collected.ExportID, SHA256: a.SHA256, Bytes: a.Bytes}
	} else if failure, ok := tolerated(err); ok {
		out.Collect = Outcome{Failure: failure}
	} else {
		return out, err
	}

	var tracked LogExportResult
	err = logs.ExecuteOperation(ctx, "trackLogExport", TrackLogExportInput{
		ProjectID: in.ProjectID, ServerID: in.ExportServerID, ExportID: in.ExportID, Policy: in.Policy,
	}, opts).Get(ctx, &tracked)
	if err == nil {
		out.Track = Outcome{ExportID: tracked.ExportID, Percentage: tracked.Percentage}
	} else if failure, ok := tolerated(err); ok {
		out.Track = Outcome{Failure: failure}
	} else {
		return out, err
	}
	return out, nil
}

// tolerated says whether err is an operation error whose cause is a failure we can live with:
// the API reported the export as failed. The service's failure types are on that cause.
func tolerated(err error) (string, bool) {
	var opErr *temporal.NexusOperationError
	var appErr *temporal.ApplicationError
	if errors.As(err, &opErr) && errors.As(opErr.Cause, &appErr) && appErr.Type() == logExportFailed {
		return appErr.Type(), true
	}
	return "", false
}
