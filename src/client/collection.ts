import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  type CollectFleetLogsInput,
  type CollectServerLogsInput,
  collectServerLogsWorkflowId,
  DEFAULT_TASK_QUEUE,
  describeCollection,
  parseCollectFleetLogsInput,
  parseCollectServerLogsInput,
  WorkflowType,
} from '../contract/index.js';
import type { collectFleetLogs, collectServerLogs } from '../workflows/index.js';

export type CollectionHandle = WorkflowHandle<typeof collectServerLogs>;

/**
 * Starts collecting a server's logs, or attaches to the collection already running for it. The
 * input is checked here first, with the workflow's own rules and messages.
 */
export async function startCollection(
  client: Client,
  input: CollectServerLogsInput,
  options: { taskQueue?: string; workflowId?: string } = {},
): Promise<CollectionHandle> {
  const request = parseCollectServerLogsInput(input);
  return client.workflow.start<typeof collectServerLogs>(WorkflowType.CollectServerLogs, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? collectServerLogsWorkflowId(request),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: describeCollection(request),
  });
}

export type FleetCollectionHandle = WorkflowHandle<typeof collectFleetLogs>;

/** Starts a fleet collection; its ID defaults to one per project and start time. */
export async function startFleetCollection(
  client: Client,
  input: CollectFleetLogsInput,
  options: { taskQueue?: string; workflowId?: string } = {},
): Promise<FleetCollectionHandle> {
  const request = parseCollectFleetLogsInput(input);
  return client.workflow.start<typeof collectFleetLogs>(WorkflowType.CollectFleetLogs, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId:
      options.workflowId ?? `clouddc-collect-fleet:${request.projectId}:${new Date().toISOString()}`,
    args: [input],
    staticSummary: `Fleet log collection for project ${request.projectId}`,
  });
}
