import type { Priority } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { idSchema, parseInput } from '../contract/input.js';
import type { Grant } from './send-shares.js';

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
 * Priority keys within a project's queue; a lower key goes first. The matching service skips a key
 * whose budget is spent, so these order a project's own calls and never hold back another
 * project's. Every call sets its key: an activity whose key is unset takes its workflow's, and a
 * workflow may be started at any key (a fleet starts its collections at `deferrable`).
 */
export const PRIORITY_KEY = {
  /** A call the API refused with a 429, retried when it said. */
  refusedRetry: 1,
  /** A status poll due at its export's predicted end (`urgency.ts` in the tracker). */
  urgentPoll: 2,
  /**
   * Temporal's default: the calls nothing would overtake and that the people waiting see (a poll
   * whose answer could foretell the end, downloads, listings, an on-demand collection's request).
   */
  standard: 3,
  /**
   * The calls that can wait, in the order they came: a fleet's request for a new export, and a
   * routine status poll while the readings foretell its export's end (if the end comes first, the
   * urgent poll overtakes it). So a project whose calls outnumber its turns reads its exports
   * under way before it starts more, and its backlog is new exports and polls of ends already
   * foretold. A collection started at this key (as a fleet starts its members) requests its
   * export here; one someone waits on, started at any other, requests it at `standard`.
   */
  deferrable: 4,
} as const;

/** A place in the project's queue at one of `PRIORITY_KEY`. */
function keyed(projectId: string, priorityKey: number): Priority {
  return { fairnessKey: projectFairnessKey(projectId), priorityKey };
}

/**
 * Where a call nothing would overtake (a download, a listing) stands in its project's queue: at
 * the standard key. A call the API refused with a 429 comes back ahead of the calls queued since,
 * so waiting out the API's `Retry-After` never also sends it to the back of the queue.
 */
export function projectPriority(projectId: string, retryOfRefusedCall = false): Priority {
  return keyed(projectId, retryOfRefusedCall ? PRIORITY_KEY.refusedRetry : PRIORITY_KEY.standard);
}

/**
 * Where a request for a new export stands, given the priority key its collection was started at
 * (none for Temporal's default): a fleet's member, started at `deferrable`, among the calls that
 * can wait; a collection someone waits on (an operator's, another team's child) with the calls
 * nothing would overtake, so an incident's collection never queues behind a nightly fleet's
 * requests. A refused request comes back first either way.
 */
export function exportRequestPriority(
  projectId: string,
  retryOfRefusedCall: boolean,
  collectionPriorityKey: number | undefined,
): Priority {
  if (retryOfRefusedCall) return projectPriority(projectId, true);
  return keyed(
    projectId,
    (collectionPriorityKey ?? PRIORITY_KEY.standard) >= PRIORITY_KEY.deferrable
      ? PRIORITY_KEY.deferrable
      : PRIORITY_KEY.standard,
  );
}

/**
 * Why a status poll is sent: the retry of a refused one, the poll due at the export's predicted
 * end, one the policy placed (`routine`: the urgent poll overtakes it if the end comes first;
 * `unforetold`: one of an export's first polls while nothing foretells its end, see
 * `unforetoldStanding`; `window`: one of the first inside the window where the end can fall, see
 * `placePoll`), or one an operator asked for (`pollNow`).
 */
export type PollStanding = 'refused' | 'urgent' | 'routine' | 'unforetold' | 'window' | 'asked';

/**
 * A status poll's place: the retry of a refused one first, then a poll due at its export's
 * predicted end, then the project's calls nothing would overtake (an operator's poll, an export's
 * first polls while nothing foretells its end, its first polls once it may have ended), and last,
 * with requests for new exports, routine polls.
 */
export function statusPollPriority(projectId: string, standing: PollStanding): Priority {
  if (standing === 'urgent') return keyed(projectId, PRIORITY_KEY.urgentPoll);
  if (standing === 'routine') return keyed(projectId, PRIORITY_KEY.deferrable);
  return projectPriority(projectId, standing === 'refused');
}

/**
 * Options of every activity that calls CloudDC, beside its `projectPriority`. An activity
 * dispatched eagerly (handed by the worker to itself with the workflow task's completion, which
 * happens on a shared task queue) never passes through the matching service, and so skips the
 * project's limit: eager dispatch is off for them.
 */
export const PACED_ACTIVITY = { allowEagerDispatch: false } as const;

/**
 * Room at the gateway for the time from dispatch to arrival to vary, in seconds: a busy worker
 * sends some requests late and then together (measured in the production-like run: with room for
 * none, a loaded machine put 21 and 23 into a second of a quota of 20).
 */
export const ARRIVAL_JITTER_ROOM_S = 1 / 9;

/**
 * The calls a second a project is paced at for its quota, by Temporal's per-key limit on the task
 * queue or by the worker's own limiter (the fallback where the server cannot limit per project):
 * evenly spaced, with arrivals varying by up to J, a one-second window holds rate × (1 + J) + 1 of
 * them, and (quota − 1) / (1 + J) keeps that at the quota (17.1 at a quota of 20). Below a quota of
 * about 2 that would starve the project, so half the quota is used there.
 *
 * Temporal's limiter also lets a key that fell behind catch up by a second's worth at once, which
 * would double that window: the send gates (`send-gate.ts`) are what hold the bound then, and
 * whenever a stalled worker sends late and together. The rate only has to keep the gates from
 * holding back what they need not.
 */
export function dispatchRateForQuota(quota: number, roomS = ARRIVAL_JITTER_ROOM_S): number {
  return Math.max(quota / 2, (quota - 1) / (1 + roomS));
}

/** The quota a rate was set for: the inverse of `dispatchRateForQuota`. */
export function quotaForDispatchRate(rate: number): number {
  const crossing = 2 / (1 - ARRIVAL_JITTER_ROOM_S);
  return rate >= (crossing - 1) / (1 + ARRIVAL_JITTER_ROOM_S)
    ? rate * (1 + ARRIVAL_JITTER_ROOM_S) + 1
    : 2 * rate;
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
  /** The room for arrivals that vary, while widened by a lag report (`arrival-room.ts`). */
  room?: { ms: number; until: number };
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
  /**
   * Calls a second the task queue dispatches for the project now (`dispatchRateForQuota` of
   * `rate`), when the default quota is known.
   */
  dispatchRate?: number | null;
  /** Weight of the project's fairness key on the task queue (its rate relative to the default). */
  weight: number;
  throttles: number;
  decreases: number;
  /** The room the rates leave for arrivals that vary (ms): the base, or wider for workers that lag. */
  arrivalRoomMs?: number;
  lastThrottle?: ThrottleReport & { refusedAtIso: string };
}

export const throttledSignal = defineSignal<[ThrottleReport]>('throttled');
export const laggedSignal = defineSignal<[LagReport]>('lagged');
export const getRateLimitQuery = defineQuery<ProjectRateLimitStatus>('getRateLimit');
/** Sets the project's own quota (requests per second), or with null returns it to the default. */
export const setQuotaUpdate = defineUpdate<ProjectRateLimitStatus, [{ quota: number | null }]>('setQuota');

/** What a worker applies to the activity task queue and reports back. */
export interface ProjectWeightChange {
  fairnessKey: string;
  /** The project's rate relative to the default: quota/default × share. 1 removes the override. */
  quota: number | null;
  share: number;
  /** The room for arrivals that vary, in seconds, when wider than `ARRIVAL_JITTER_ROOM_S`. */
  roomS?: number;
}

/** A worker whose event loop fell behind by `lagMs` while it called the project (`lag-report.ts`). */
export interface LagReport {
  projectId: string;
  lagMs: number;
  /** When the worker saw it (epoch ms). */
  at: number;
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
  room: z.strictObject({ ms: z.number().positive(), until: z.number() }).optional(),
});

const lagReportSchema = z.strictObject({
  projectId: idSchema,
  lagMs: z.number().nonnegative(),
  at: z.number(),
});

/**
 * A signal's report, or undefined when it is not one: anyone may signal a workflow, and the keeper
 * ignores what it cannot read rather than fail.
 */
function readReport<T>(schema: z.ZodType<T>, raw: unknown): T | undefined {
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

export const readLagReport = (raw: unknown): LagReport | undefined => readReport(lagReportSchema, raw);
export const readThrottleReport = (raw: unknown): ThrottleReport | undefined =>
  readReport(throttleReportSchema, raw);

/** Checks the budget keeper's input; `InvalidInput` naming each bad field otherwise. */
export function parseProjectRateLimitInput(raw: unknown): ProjectRateLimitInput {
  return parseInput(projectRateLimitInputSchema, raw, () => undefined);
}

/** Checks a `setQuota` request; `InvalidInput` naming the field otherwise. */
export function parseQuotaChange(raw: unknown): { quota: number | null } {
  return parseInput(z.strictObject({ quota: quotaSchema.nullable() }), raw, () => 'setQuota');
}

/** Workflow type of the registry of send shares (`send-shares.ts`), one per activity task queue. */
export const SEND_SHARES_WORKFLOW = 'sendShares';

export function sendSharesWorkflowId(taskQueue: string): string {
  return `clouddc-send-shares:${taskQueue}`;
}

/** A worker process renews its share: it gets back the grant it sends with until its lease ends. */
export const renewShareUpdate = defineUpdate<Grant, [{ member: string }]>('renewShare');

/** A project's own quota (null: the default again), for the workers' send gates. */
export const setSendQuotaUpdate = defineUpdate<void, [{ projectId: string; quota: number | null }]>(
  'setSendQuota',
);
