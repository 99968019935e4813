/** Names every caller needs: the workflow types and the task queue they run on. */

/** Task queue the worker polls unless `TEMPORAL_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'clouddc-log-exports';

/** Workflow type names, for callers that start workflows by name (Web UI, CLI, other SDKs). */
export const WorkflowType = {
  TrackLogExport: 'trackLogExport',
  CollectServerLogs: 'collectServerLogs',
  CollectFleetLogs: 'collectFleetLogs',
  CollectProjectsLogs: 'collectProjectsLogs',
  /** A project of `collectProjectsLogs`: runs its fleet and returns the summary. */
  SummarizeProjectFleet: 'summarizeProjectFleet',
} as const;
