import { z } from 'zod';
import type { ExportStatusSnapshot, LogExportProgress, TrackLogExportRequest } from '../../contract/index.js';
import { estimateCompletion, type ProgressSample, withSample } from './eta.js';
import { type ExportPhase, exportPhase, isKnownStatus, parsePercentage } from './export-progress.js';
import { fullBudget } from './poll-budget.js';

/**
 * What a tracker knows, carried across continue-as-new. Times are epoch milliseconds of the
 * workflow clock. Checked when carried in, since anyone can start a run with a second argument.
 */
export const trackerStateSchema = z.strictObject({
  startedAt: z.number(),
  deadline: z.number(),
  polls: z.number().int().nonnegative(),
  status: z.string().nullable(),
  percentage: z.number().min(0).max(100).nullable(),
  createdAt: z.string().optional(),
  lastPolledAt: z.number().nullable(),
  /** When the percentage last changed (or tracking started): the stall clock. */
  lastProgressAt: z.number(),
  /** Carried by runs started before the call budget, whose policy counted polls that read no rise; not read. */
  unchangedPolls: z.number().int().nonnegative().optional(),
  lastError: z.string().optional(),
  /** Failed API attempts since the last good answer; the activity's backoff continues from here. */
  failedAttempts: z.number().int().nonnegative(),
  /** The API asked (Retry-After), or backoff requires, that it is not called before this time. */
  retryNotBefore: z.number().nullable(),
  /** The last poll was refused with a 429: the next one is due at `retryNotBefore`, ahead of the project's queue. */
  refused: z.boolean().default(false),
  pollRequested: z.boolean(),
  /** Unknown status words already logged, so each is logged once. */
  unknownStatuses: z.array(z.string()),
  /** The call budget (see `poll-budget.ts`); 0, a full one, for a state carried from before it. */
  pollBudget: z.number().default(0),
  /** Recent readings of the percentage, for the completion estimate. */
  samples: z
    .array(z.object({ at: z.number(), percentage: z.number(), after: z.number().optional() }))
    .default([]),
  /**
   * The last urgent poll (see `urgency.ts`): when it was due, the predicted end it was for, and
   * how many polls had been answered before it (absent in states carried from runs before it was
   * kept). Absent until one is spent, and in states carried from runs before urgent polls.
   */
  urgentPoll: z
    .strictObject({ at: z.number(), end: z.number(), polls: z.number().int().nonnegative().optional() })
    .optional(),
  /**
   * Polls sent ahead of the routine ones inside the completion window since the last urgent poll
   * (or the start); see `placePoll` in `urgency.ts`. Absent until one is sent, and in states carried from
   * runs before it was kept.
   */
  windowPolls: z.number().int().nonnegative().optional(),
  /** Nexus callers that cancelled their operation on this tracker (see `releaseCallerUpdate`). */
  nexusCallersReleased: z.number().int().nonnegative().default(0),
  /** Whether search attributes are kept, and what they were last set to. */
  index: z.strictObject({
    enabled: z.boolean(),
    ids: z.boolean(),
    status: z.string().optional(),
    percent: z.number().optional(),
  }),
});

export type TrackerState = z.infer<typeof trackerStateSchema>;

export function initialState(request: TrackLogExportRequest, now: number, indexed: boolean): TrackerState {
  return {
    startedAt: now,
    deadline: now + request.policy.timeoutMs,
    polls: 0,
    status: null,
    percentage: null,
    lastPolledAt: null,
    lastProgressAt: now,
    failedAttempts: 0,
    retryNotBefore: null,
    refused: false,
    pollRequested: false,
    unknownStatuses: [],
    pollBudget: fullBudget(now),
    samples: [],
    nexusCallersReleased: 0,
    index: { enabled: indexed, ids: false },
  };
}

/** What one answer of the API did to the state, for the workflow to act on and log. */
export interface SnapshotEffect {
  phase: ExportPhase;
  /** A status word seen for the first time that we do not know. */
  newUnknownStatus?: string;
  /** A percentage that could not be read (the last known value is kept). */
  unreadablePercentage?: string | number;
}

/** Folds one successful poll into the state. */
export function recordSnapshot(
  state: TrackerState,
  snapshot: ExportStatusSnapshot,
  now: number,
): SnapshotEffect {
  state.polls += 1;
  return recordReading(state, snapshot, now);
}

/**
 * The time a poll's reading is of: when its answer arrived, where the activity says, else when the
 * workflow reads it. Kept within the poll's life (from when the workflow sent it to when it reads
 * the answer), as the worker's clock may disagree with the workflow's a little. Why it matters: a
 * busy worker runs the workflow task seconds after the answer, by a different delay each poll,
 * and readings stamped that late show changes of pace that never happened (the pace between two
 * readings looks faster when the first was stamped later), which set the urgent poll too early.
 */
export function readingTime(snapshot: ExportStatusSnapshot, sentAt: number, now: number): number {
  return snapshot.answeredAt === undefined ? now : Math.min(now, Math.max(sentAt, snapshot.answeredAt));
}

/** Folds what the API said at `now` (a poll's answer, or the export request's) into the state. */
export function recordReading(
  state: TrackerState,
  snapshot: ExportStatusSnapshot,
  now: number,
): SnapshotEffect {
  const percentage = parsePercentage(snapshot.percentage);
  const effect: SnapshotEffect = { phase: exportPhase(snapshot.status, percentage) };
  if (snapshot.percentage !== null && percentage === null) effect.unreadablePercentage = snapshot.percentage;
  if (
    snapshot.status !== null &&
    !isKnownStatus(snapshot.status) &&
    !state.unknownStatuses.includes(snapshot.status)
  ) {
    state.unknownStatuses.push(snapshot.status);
    effect.newUnknownStatus = snapshot.status;
  }
  const firstReading = state.percentage === null;
  const previousReadingAt = state.lastPolledAt;
  state.lastPolledAt = now;
  if (snapshot.status !== null) state.status = snapshot.status;
  if (snapshot.createdAt) state.createdAt = snapshot.createdAt;
  delete state.lastError;
  state.failedAttempts = 0;
  state.retryNotBefore = null;
  state.refused = false;
  if (percentage !== null) {
    state.samples = withSample(state.samples, {
      at: now,
      percentage,
      ...(previousReadingAt === null ? {} : { after: previousReadingAt }),
    });
  }
  if (percentage !== null && (firstReading || percentage !== state.percentage)) {
    state.percentage = percentage;
    state.lastProgressAt = now;
  }
  return effect;
}

/** Folds a poll that gave up after transient errors into the state. */
export function recordFailedPoll(
  state: TrackerState,
  failure: { message: string; attempt?: number; retryInMs?: number | null; refused?: boolean },
  now: number,
): void {
  state.lastError = failure.message;
  state.failedAttempts = failure.attempt ?? state.failedAttempts + 1;
  state.retryNotBefore = failure.retryInMs ? now + failure.retryInMs : null;
  state.refused = failure.refused ?? false;
}

/** The `getProgress` answer; before the input is even parsed, an empty one. */
export function progressOf(
  state: TrackerState | undefined,
  nextPollAt: number | null,
  runStartedAt: number,
): LogExportProgress {
  if (!state) {
    return {
      status: null,
      percentage: null,
      polls: 0,
      lastPolledAt: null,
      nextPollAt: null,
      startedAt: new Date(runStartedAt).toISOString(),
    };
  }
  return {
    status: state.status,
    percentage: state.percentage,
    polls: state.polls,
    lastPolledAt: isoOrNull(state.lastPolledAt),
    nextPollAt: isoOrNull(nextPollAt),
    startedAt: new Date(state.startedAt).toISOString(),
    deadline: new Date(state.deadline).toISOString(),
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...etaField(state),
  };
}

/** The newest poll's reading, which the samples leave out when it did not move. */
export function latestReading(state: TrackerState): ProgressSample | undefined {
  return state.lastPolledAt !== null && state.percentage !== null
    ? { at: state.lastPolledAt, percentage: state.percentage }
    : undefined;
}

/** The estimated completion, when the readings give one. */
function etaField(state: TrackerState): { eta?: string } {
  const eta = estimateCompletion(state.samples, latestReading(state));
  return eta === null ? {} : { eta: new Date(eta).toISOString() };
}

function isoOrNull(millis: number | null): string | null {
  return millis === null ? null : new Date(millis).toISOString();
}

/**
 * What the Web UI shows on the workflow's page (current details, Markdown), so an operator sees
 * how far the export is without running a query.
 */
export function currentDetails(state: TrackerState, nextPollAt: number | null): string {
  const lines = [
    `**Status:** ${state.status ?? 'no answer yet'} · **Progress:** ${state.percentage === null ? 'unknown' : `${state.percentage}%`}`,
    `**Polls:** ${state.polls}${nextPollAt === null ? '' : ` · **Next poll:** ${new Date(nextPollAt).toISOString()}`}`,
    `**Gives up at:** ${new Date(state.deadline).toISOString()}`,
  ];
  const { eta } = etaField(state);
  if (eta) lines.splice(1, 0, `**Estimated completion:** ${eta}`);
  if (state.lastError) lines.push(`**Last error:** ${state.lastError}`);
  return lines.join('\n\n');
}
