import protos, { type temporal } from '@temporalio/proto';
import { dispatchRateForQuota, quotaForDispatchRate } from '../contract/index.js';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

/** Where the per-project limits live: the activity side of the worker's task queue. */
export interface ActivityQueue {
  service: WorkflowService;
  namespace: string;
  taskQueue: string;
}

/** The per-project limits as the task queue holds them. */
export interface QueueRateLimits {
  /** Requests per second each project may make by default, or null when the queue sets none. */
  defaultQuota: number | null;
  /** Fairness keys whose rate differs from the default, as a multiple of it. */
  weights: Record<string, number>;
}

/** The server cannot hold per-key limits: too old, or fairness is not enabled for the namespace. */
export class QueueRateLimitsUnsupported extends Error {
  constructor(cause: unknown) {
    super(
      `the Temporal server did not accept per-project rate limits on the task queue (${describe(cause)}): ` +
        'it needs Temporal Server 1.29 or newer with task queue fairness (on Temporal Cloud, enable fairness in the namespace settings)',
      { cause },
    );
    this.name = 'QueueRateLimitsUnsupported';
  }
}

// A CommonJS module: its enums are reached through the default export under ES modules.
const ACTIVITY = protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
const IDENTITY = 'clouddc-log-export-tracker';

export async function readQueueRateLimits({
  service,
  namespace,
  taskQueue,
}: ActivityQueue): Promise<QueueRateLimits> {
  const described = await service.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: ACTIVITY,
    reportConfig: true,
  });
  const perKey = described.config?.fairnessKeysRateLimitDefault?.rateLimit?.requestsPerSecond;
  return {
    defaultQuota: perKey ? round(quotaForDispatchRate(perKey)) : null,
    weights: { ...(described.config?.fairnessWeightOverrides ?? {}) },
  };
}

/**
 * How many partitions the activity task queue has. Each keeps its own bucket of every project's
 * limit, and they fill unevenly: only with one is a project's busiest second its quota.
 */
export async function readActivityPartitions({
  service,
  namespace,
  taskQueue,
}: ActivityQueue): Promise<number> {
  const listed = await service.listTaskQueuePartitions({ namespace, taskQueue: { name: taskQueue } });
  return listed.activityTaskQueuePartitions?.length ?? 0;
}

/**
 * Sets the default per-project quota on the task queue; idempotent, so every worker start, test
 * and set-up step can call it. Returns whether anything changed.
 */
export async function applyDefaultQuota(queue: ActivityQueue, quota: number): Promise<boolean> {
  try {
    const current = await readQueueRateLimits(queue);
    if (current.defaultQuota !== null && Math.abs(current.defaultQuota - quota) < 1e-6) return false;
    await update(queue, {
      updateFairnessKeyRateLimitDefault: {
        rateLimit: { requestsPerSecond: dispatchRateForQuota(quota) },
      },
    });
    return true;
  } catch (err) {
    if (isUnsupported(err)) throw new QueueRateLimitsUnsupported(err);
    throw err;
  }
}

/** Sets one project's weight (its rate as a multiple of the default); weight 1 removes the override. */
export async function setProjectWeight(
  queue: ActivityQueue,
  fairnessKey: string,
  weight: number,
): Promise<void> {
  await update(
    queue,
    Math.abs(weight - 1) < 1e-6
      ? { unsetFairnessWeightOverrides: [fairnessKey] }
      : { setFairnessWeightOverrides: { [fairnessKey]: weight } },
  );
}

async function update(
  { service, namespace, taskQueue }: ActivityQueue,
  change: Omit<temporal.api.workflowservice.v1.IUpdateTaskQueueConfigRequest, 'namespace' | 'taskQueue'>,
): Promise<void> {
  await service.updateTaskQueueConfig({
    namespace,
    taskQueue,
    taskQueueType: ACTIVITY,
    identity: IDENTITY,
    ...change,
  });
}

/** gRPC UNIMPLEMENTED, FAILED_PRECONDITION, PERMISSION_DENIED or INVALID_ARGUMENT on the config calls. */
function isUnsupported(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 12 || code === 9 || code === 7 || code === 3;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
