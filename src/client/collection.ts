import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  type CollectFleetLogsInput,
  type CollectProjectsLogsInput,
  type CollectServerLogsInput,
  collectServerLogsWorkflowId,
  DEFAULT_TASK_QUEUE,
  describeCollection,
  describeFleet,
  describeProjects,
  parseCollectFleetLogsInput,
  parseCollectProjectsLogsInput,
  parseCollectServerLogsInput,
  WorkflowType,
} from '../contract/index.js';
import type { collectFleetLogs, collectProjectsLogs, collectServerLogs } from '../workflows/index.js';

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
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof collectFleetLogs>> {
  const request = parseCollectFleetLogsInput(input);
  return client.workflow.start<typeof collectFleetLogs>(WorkflowType.CollectFleetLogs, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId:
      options.workflowId ?? `clouddc-collect-fleet:${request.projectId}:${new Date().toISOString()}`,
    args: [input],
    staticSummary: describeFleet(request.projectId),
  });
}

export type ProjectsCollectionHandle = WorkflowHandle<typeof collectProjectsLogs>;

/** Starts collecting several projects' fleets in one run; its ID defaults to one per start time. */
export async function startProjectsCollection(
  client: Client,
  input: CollectProjectsLogsInput,
  options: { taskQueue?: string; workflowId?: string } = {},
): Promise<ProjectsCollectionHandle> {
  const request = parseCollectProjectsLogsInput(input);
  return client.workflow.start<typeof collectProjectsLogs>(WorkflowType.CollectProjectsLogs, {
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? `clouddc-collect-projects:${new Date().toISOString()}`,
    args: [input],
    staticSummary: describeProjects(request.projects.map((p) => p.projectId)),
  });
}
