import type { Priority } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { idSchema, parseInput } from '../contract/input.js';

/**
 * The gateway throttles per project. Every activity that calls CloudDC carries its project as
 * Temporal's fairness key, and the activity task queue limits each key's dispatches per second:
 * one budget per project for the whole deployment, however many workers there are.
 *
 * The project ID alone names the budget: Huawei Cloud gives every region's project its own ID, so
 * it already says which region it is in. A key may be at most 64 bytes; longer IDs keep a prefix
 * and a hash of the whole ID.
 */
export function projectFairnessKey(projectId: string): string {
  if (projectId.length <= FAIRNESS_KEY_MAX_BYTES) return projectId;
  return `${projectId.slice(0, FAIRNESS_KEY_MAX_BYTES - 15)}~${hash53(projectId).toString(16).padStart(14, '0')}`;
}

/** IDs are printable ASCII (checked on input), so characters are bytes. */
const FAIRNESS_KEY_MAX_BYTES = 64;

/**
 * cyrb53, a small well-spread 53-bit string hash. Hand-written because workflow code, which
 * computes keys, cannot use `node:crypto`.
 */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Priority keys within a project's queue; a lower key goes first, and the rest have Temporal's
 * default, 3. The matching service skips a key whose budget is spent, so these order a project's
 * own calls and never hold back another project's.
 */
export const PRIORITY_KEY = {
  /** A call the API refused with a 429, retried when it said. */
  refusedRetry: 1,
  /** A status poll due at its export's predicted end (`urgency.ts` in the tracker). */
  urgentPoll: 2,
} as const;

/**
 * Where an activity stands in its project's queue. A call the API refused with a 429 comes back
 * ahead of the calls queued since, so waiting out the API's `Retry-After` never also sends it to
 * the back of the queue.
 */
export function projectPriority(projectId: string, retryOfRefusedCall = false): Priority {
  return {
    fairnessKey: projectFairnessKey(projectId),
    ...(retryOfRefusedCall ? { priorityKey: PRIORITY_KEY.refusedRetry } : {}),
  };
}

/**
 * A status poll's place: the retry of a refused one first, then a poll due at its export's
 * predicted end, ahead of the routine polls that would make the end seen late.
 */
export function statusPollPriority(projectId: string, poll: { refused: boolean; urgent: boolean }): Priority {
  if (poll.refused || !poll.urgent) return projectPriority(projectId, poll.refused);
  return { fairnessKey: projectFairnessKey(projectId), priorityKey: PRIORITY_KEY.urgentPoll };
}

/**
 * Options of every activity that calls CloudDC, beside its `projectPriority`. An activity
 * dispatched eagerly (handed by the worker to itself with the workflow task's completion, which
 * happens on a shared task queue) never passes through the matching service, and so skips the
 * project's limit: eager dispatch is off for them.
 */
export const PACED_ACTIVITY = { allowEagerDispatch: false } as const;

/**
 * The per-key dispatch rate set on the task queue for a project quota (requests a second).
 * Temporal's per-key limiter lets a key that was idle send one second's worth of requests at once
 * and then keeps the rate, so a one-second window can hold 2 × rate + 1 dispatches; the time from
 * dispatch to the request reaching the gateway varies by some milliseconds, which can move one
 * more into the window. (quota − 1) / 2 keeps the busiest second at the quota with one request of
 * room for that, whatever the gateway counts with (fixed windows, sliding windows, buckets).
 * Below a quota of 2 that formula would starve the project, so a quarter of it is used there.
 */
export function dispatchRateForQuota(quota: number): number {
  return Math.max(quota / 4, (quota - 1) / 2);
}

/**
 * The pace of the worker's own limiter (the fallback where the server cannot limit per project) for
 * a project quota. It spaces requests evenly, so a one-second window holds rate + 1 sends, and
 * their arrival at the gateway varies by some milliseconds: one request a second less than the
 * quota keeps the same room as `dispatchRateForQuota`. Below a quota of 2, half of it.
 */
export function workerPaceForQuota(quota: number): number {
  return Math.max(quota / 2, quota - 1);
}

/** The quota a dispatch rate on the task queue was set for: the inverse of `dispatchRateForQuota`. */
export function quotaForDispatchRate(rate: number): number {
  return rate >= 0.5 ? 2 * rate + 1 : 4 * rate;
}

/** Workflow type of the per-project budget keeper. */
export const PROJECT_RATE_LIMIT_WORKFLOW = 'projectRateLimit';

/** One budget keeper per project: the single truth about its rate for all workers. */
export function projectRateLimitWorkflowId(projectId: string): string {
  return `clouddc-rate-limit:${projectId}`;
}

/** A 429 from the gateway saying the project is over its quota. */
export interface ThrottleReport {
  projectId: string;
  region: string;
  /** When the refused request was sent and refused (epoch ms). */
  sentAt: number;
  refusedAt: number;
  requestId?: string;
  errorCode?: string;
}

/** The budget keeper's input; also what continue-as-new carries. */
export interface ProjectRateLimitInput {
  projectId: string;
  /** Requests per second this project may make, when it differs from the deployment's default. */
  quota?: number | null;
  /** Share of the quota in use (AIMD), 1 unless the gateway refused requests lately. */
  share?: number;
  lastThrottle?: ThrottleReport;
  /** When the last decrease took effect (epoch ms); refusals of requests sent before it are the same overload. */
  loweredAt?: number;
  throttles?: number;
  decreases?: number;
}

/** What operators see: the CLI's `rate-limit show` and the budget keeper's query. */
export interface ProjectRateLimitStatus {
  projectId: string;
  fairnessKey: string;
  /** The project's own quota, or null for the deployment's default. */
  quota: number | null;
  /** The default per-project quota the task queue is configured with, when known. */
  defaultQuota: number | null;
  /** Share of the quota in use now: 1, or less after the gateway refused requests. */
  share: number;
  /** Requests per second the project may make now (quota × share), when the quota is known. */
  rate: number | null;
  /** Weight of the project's fairness key on the task queue (its rate relative to the default). */
  weight: number;
  throttles: number;
  decreases: number;
  lastThrottle?: ThrottleReport & { refusedAtIso: string };
}

export const throttledSignal = defineSignal<[ThrottleReport]>('throttled');
export const getRateLimitQuery = defineQuery<ProjectRateLimitStatus>('getRateLimit');
/** Sets the project's own quota (requests per second), or with null returns it to the default. */
export const setQuotaUpdate = defineUpdate<ProjectRateLimitStatus, [{ quota: number | null }]>('setQuota');

/** What a worker applies to the activity task queue and reports back. */
export interface ProjectWeightChange {
  fairnessKey: string;
  /** The project's rate relative to the default: quota/default × share. 1 removes the override. */
  quota: number | null;
  share: number;
}

/** Fairness key of our own bookkeeping activities (task queue settings), apart from every project. */
export const CONTROL_FAIRNESS_KEY = '~clouddc-control';

/** Requests per second: what a gateway quota can be. */
export const quotaSchema = z
  .number({ error: 'expected a number of requests per second' })
  .positive({ error: 'must be more than 0 requests per second' })
  .max(10_000, { error: 'must be at most 10000 requests per second' });

const throttleReportSchema = z.strictObject({
  projectId: idSchema,
  region: z.string(),
  sentAt: z.number(),
  refusedAt: z.number(),
  requestId: z.string().optional(),
  errorCode: z.string().optional(),
});

export const projectRateLimitInputSchema = z.strictObject({
  projectId: idSchema,
  quota: quotaSchema.nullish(),
  share: z.number().min(0).max(1).optional(),
  lastThrottle: throttleReportSchema.optional(),
  loweredAt: z.number().optional(),
  throttles: z.number().int().nonnegative().optional(),
  decreases: z.number().int().nonnegative().optional(),
});

/** A `throttled` signal's report, or undefined when it is not one (anyone may signal a workflow). */
export function readThrottleReport(raw: unknown): ThrottleReport | undefined {
  const parsed = throttleReportSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Checks the budget keeper's input; `InvalidInput` naming each bad field otherwise. */
export function parseProjectRateLimitInput(raw: unknown): ProjectRateLimitInput {
  return parseInput(projectRateLimitInputSchema, raw, () => undefined);
}

/** Checks a `setQuota` request; `InvalidInput` naming the field otherwise. */
export function parseQuotaChange(raw: unknown): { quota: number | null } {
  return parseInput(z.strictObject({ quota: quotaSchema.nullable() }), raw, () => 'setQuota');
}
