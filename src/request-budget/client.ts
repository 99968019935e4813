import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import {
  getRateLimitQuery,
  PROJECT_RATE_LIMIT_WORKFLOW,
  type ProjectRateLimitStatus,
  parseQuotaChange,
  projectFairnessKey,
  projectRateLimitWorkflowId,
  SEND_SHARES_WORKFLOW,
  sendSharesWorkflowId,
  setQuotaUpdate,
  setSendQuotaUpdate,
} from '../contract/index.js';
import type { sendShares } from './shares-workflow.js';
import { type QueueRateLimits, readQueueRateLimits } from './task-queue-config.js';

/** The per-project limits of a task queue, and what each project's budget keeper says. */
export interface RateLimitsView extends QueueRateLimits {
  taskQueue: string;
  projects: ProjectRateLimitStatus[];
}

/**
 * Gives a project a quota of its own (requests per second), or with null returns it to the
 * default, through its budget keeper (started if none runs), which writes it to the task queue.
 */
export async function setProjectQuota(
  client: Client,
  { projectId, quota, taskQueue }: { projectId: string; quota: number | null; taskQueue: string },
): Promise<ProjectRateLimitStatus> {
  // Checked here too, so a bad quota starts nothing; the keeper's validator checks it again.
  parseQuotaChange({ quota });
  const status = await client.workflow.executeUpdateWithStart(setQuotaUpdate, {
    args: [{ quota }],
    startWorkflowOperation: new WithStartWorkflowOperation(PROJECT_RATE_LIMIT_WORKFLOW, {
      workflowId: projectRateLimitWorkflowId(projectId),
      taskQueue,
      args: [{ projectId }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `Request budget of CloudDC project ${projectId}`,
    }),
  });
  // The workers' send gates learn it from the registry of their shares, with their next grant.
  await client.workflow.executeUpdateWithStart(setSendQuotaUpdate, {
    args: [{ projectId, quota }],
    startWorkflowOperation: sendSharesStart(taskQueue),
  });
  return status;
}

/** Starts the registry of a task queue's send shares, or finds the one running. */
export function sendSharesStart(taskQueue: string): WithStartWorkflowOperation<typeof sendShares> {
  return new WithStartWorkflowOperation(SEND_SHARES_WORKFLOW, {
    workflowId: sendSharesWorkflowId(taskQueue),
    taskQueue,
    args: [],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    // Its tasks go ahead of the fleets' on a busy task queue: a renewal answered late lapses.
    priority: { priorityKey: 1 },
    staticSummary: `Send shares of the workers of ${taskQueue}`,
  });
}

/**
 * The task queue's limits and every running budget keeper's view (or only `projectId`'s). A
 * project without a keeper runs at the default quota, at full share.
 */
export async function describeRateLimits(
  client: Client,
  { taskQueue, projectId }: { taskQueue: string; projectId?: string },
): Promise<RateLimitsView> {
  const queue = await readQueueRateLimits({
    service: client.workflowService,
    namespace: client.options.namespace,
    taskQueue,
  });
  const ids: string[] = [];
  if (projectId) {
    ids.push(projectRateLimitWorkflowId(projectId));
  } else {
    const query = `WorkflowType = '${PROJECT_RATE_LIMIT_WORKFLOW}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
  }
  const projects: ProjectRateLimitStatus[] = [];
  for (const workflowId of ids.sort()) {
    const status = await client.workflow
      .getHandle(workflowId)
      .query(getRateLimitQuery)
      .catch(() => undefined);
    if (status) projects.push(status);
  }
  if (projectId && projects.length === 0) {
    const weight = queue.weights[projectFairnessKey(projectId)] ?? 1;
    projects.push({
      projectId,
      fairnessKey: projectFairnessKey(projectId),
      quota: null,
      defaultQuota: queue.defaultQuota,
      share: 1,
      rate: queue.defaultQuota === null ? null : queue.defaultQuota * weight,
      weight,
      throttles: 0,
      decreases: 0,
    });
  }
  return { taskQueue, ...queue, projects };
}
