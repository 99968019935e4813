import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  type CollectServerLogsInput,
  collectServerLogsWorkflowId,
  DEFAULT_TASK_QUEUE,
  describeCollection,
  parseCollectServerLogsInput,
  WorkflowType,
} from '../contract/index.js';
import type { collectServerLogs } from '../workflows/index.js';

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
