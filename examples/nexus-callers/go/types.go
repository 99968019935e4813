package main

// The JSON of the CloudDCLogs Nexus service (src/contract in the tracker's repository).
// Durations are strings such as "100ms" or "5m"; empty fields are left out.

type Policy struct {
	MinInterval  string `json:"minInterval,omitempty"`
	MaxInterval  string `json:"maxInterval,omitempty"`
	Timeout      string `json:"timeout,omitempty"`
	StallTimeout string `json:"stallTimeout,omitempty"`
}

// TrackLogExportInput is the input of trackLogExport.
type TrackLogExportInput struct {
	ProjectID string  `json:"projectId"`
	ServerID  string  `json:"serverId"`
	ExportID  string  `json:"exportId"`
	Policy    *Policy `json:"policy,omitempty"`
}

// CollectServerLogsInput is the input of collectServerLogs.
type CollectServerLogsInput struct {
	ProjectID   string  `json:"projectId"`
	ServerID    string  `json:"serverId"`
	Policy      *Policy `json:"policy,omitempty"`
	Destination string  `json:"destination,omitempty"`
}

// LogExportResult is the output of trackLogExport.
type LogExportResult struct {
	ProjectID   string  `json:"projectId"`
	ServerID    string  `json:"serverId"`
	ExportID    string  `json:"exportId"`
	Outcome     string  `json:"outcome"` // always "completed"
	Status      string  `json:"status"`
	Percentage  float64 `json:"percentage"`
	CreatedAt   string  `json:"createdAt,omitempty"`
	StartedAt   string  `json:"startedAt"`
	CompletedAt string  `json:"completedAt"`
	Polls       int     `json:"polls"`
}

// ArchiveInfo is where collectServerLogs stored the archive.
type ArchiveInfo struct {
	URL    string `json:"url"`
	Path   string `json:"path,omitempty"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// CollectServerLogsResult is the output of collectServerLogs.
type CollectServerLogsResult struct {
	LogExportResult
	Archive ArchiveInfo `json:"archive"`
}
