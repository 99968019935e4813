import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  DEFAULT_TASK_QUEUE,
  describeExport,
  logExportWorkflowId,
  parseTrackLogExportInput,
  type TrackLogExportInput,
  WorkflowType,
} from '../contract/index.js';
import type { trackLogExport } from '../workflows/index.js';

export type TrackerHandle = WorkflowHandle<typeof trackLogExport>;

export interface StartTrackingOptions {
  taskQueue?: string;
  /** Defaults to the export's standard ID, which makes a second start attach to the first. */
  workflowId?: string;
}

/**
 * Starts tracking an export, or attaches to the tracker already running for it. The input is
 * checked here first, with the workflow's own rules and messages, so bad input never starts a run.
 */
export async function startTracking(
  client: Client,
  input: TrackLogExportInput,
  options: StartTrackingOptions = {},
): Promise<TrackerHandle> {
  const request = parseTrackLogExportInput(input);
  return client.workflow.start<typeof trackLogExport>(WorkflowType.TrackLogExport, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? logExportWorkflowId(request),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: describeExport(request),
  });
}
