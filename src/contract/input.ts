import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { FailureType } from './failures.js';
import { describeExport } from './tracking.js';

/** Defaults of the tracking policy, as users would write them. */
export const DEFAULT_POLICY = {
  minInterval: '10s',
  maxInterval: '5m',
  timeout: '6h',
  stallTimeout: '1h',
} as const;

/**
 * Below this the tracker would hammer the API rather than track an export that takes minutes.
 * Tests run with intervals just above it.
 */
export const MIN_POLL_INTERVAL_MS = 100;

const MAX_ID_LENGTH = 256;

/** Poll intervals above a day, or trackers set to run over 30 days, are mistakes, not policies. */
const MAX_INTERVAL_MS = 86_400_000;
const MAX_TRACKING_MS = 30 * 86_400_000;

/**
 * IDs go into URL path segments and the `X-Project-Id` header. Besides what the contract forbids
 * (`/`, `?`, `#`, `..`, white space), `%` and `\` are refused too (a gateway could decode `%2F` or
 * fold `\` into a separator), `:` (it separates the IDs inside the workflow ID), a lone `.` (URL
 * parsing drops it from the path) and anything outside printable ASCII (it cannot go in a header).
 */
const FORBIDDEN_IN_ID: ReadonlyArray<[RegExp, string]> = [
  [/:/, '":"'],
  [/\//, '"/"'],
  [/\?/, '"?"'],
  [/#/, '"#"'],
  [/\.\./, '".."'],
  [/\s/, 'white space'],
  [/%/, '"%"'],
  [/\\/, '"\\"'],
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
  [/[\u0000-\u001f\u007f]/, 'control characters'],
  [/[^\p{ASCII}]/u, 'characters outside ASCII'],
  [/^\.$/, 'only "."'],
];

export const idSchema = z
  .string({ error: 'expected a non-empty string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` })
  .superRefine((value, ctx) => {
    for (const [pattern, what] of FORBIDDEN_IN_ID) {
      if (pattern.test(value)) ctx.addIssue({ code: 'custom', message: `must not contain ${what}` });
    }
  });

/** Huawei Cloud region names such as `cn-east-3` or `ap-southeast-3`: a name, never a host or URL. */
export const REGION_PATTERN = /^[a-z]{2}-[a-z]+-\d{1,2}$/;

export const regionSchema = z
  .string({ error: 'expected a region name such as "cn-east-3"' })
  .regex(REGION_PATTERN, { error: 'expected a region name such as "cn-east-3"' });

const intervalSchema = durationSchema
  .refine((millis) => millis >= MIN_POLL_INTERVAL_MS, { error: `must be at least ${MIN_POLL_INTERVAL_MS}ms` })
  .refine((millis) => millis <= MAX_INTERVAL_MS, { error: 'must be at most 1 day' });

const trackingDurationSchema = durationSchema.refine((millis) => millis <= MAX_TRACKING_MS, {
  error: 'must be at most 30 days',
});

export const policyInputSchema = z
  .strictObject({
    minInterval: intervalSchema.optional(),
    maxInterval: intervalSchema.optional(),
    timeout: trackingDurationSchema.optional(),
    stallTimeout: trackingDurationSchema.optional(),
  })
  .superRefine(({ minInterval, maxInterval }, ctx) => {
    if (minInterval !== undefined && maxInterval !== undefined && maxInterval < minInterval) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInterval'],
        message: 'must not be shorter than policy.minInterval',
      });
    }
  })
  .optional();

/**
 * ExportServerLogs's answer, for a tracker started right after the request (as a collection
 * starts one): it is the export's first reading, so the tracker does not spend a call on an
 * export that has only just begun. Taken as read when the tracker starts.
 */
const acceptedSchema = z.strictObject({
  status: z.string().max(200).nullable(),
  percentage: z.union([z.string().max(200), z.number()]).nullable(),
  createdAt: z.string().max(200).optional(),
});

/** The three IDs alone, to name the export in messages about the rest of a bad input. */
const exportIdsSchema = z.object({ projectId: idSchema, serverId: idSchema, exportId: idSchema });

export const trackLogExportInputSchema = z.strictObject(
  {
    projectId: idSchema,
    serverId: idSchema,
    exportId: idSchema,
    region: regionSchema.optional(),
    policy: policyInputSchema,
    accepted: acceptedSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a JSON object' : undefined) },
);

/** The input of `trackLogExport` as callers send it (durations as strings or milliseconds). */
export type TrackLogExportInput = z.input<typeof trackLogExportInputSchema>;

/** The tracking policy with every duration resolved to milliseconds. */
export interface PollingPolicy {
  minIntervalMs: number;
  maxIntervalMs: number;
  timeoutMs: number;
  stallTimeoutMs: number;
}

/** A validated `trackLogExport` input with its policy resolved. */
export interface TrackLogExportRequest {
  projectId: string;
  serverId: string;
  exportId: string;
  region?: string;
  policy: PollingPolicy;
  /** The API's answer to the export request, as the first reading (see `acceptedSchema`). */
  accepted?: z.output<typeof acceptedSchema>;
}

/**
 * Each tracker's budget of status calls, whatever the export's readings: a bucket of `burst` polls
 * that earns one poll per budget interval, `perMinInterval` times `minInterval` (or `maxInterval`,
 * when a caller asks for polls closer than that). The polling policy decides only when to spend it.
 */
export const POLL_BUDGET = {
  /** Five times `minInterval`: the tracker may poll at `minInterval` around an end, not for long. */
  perMinInterval: 5,
  /** Enough for the first look and two more before the budget interval has passed. */
  burst: 3,
} as const;

/** How long a tracker earns one status call in. */
export function pollBudgetIntervalMs({
  minIntervalMs,
  maxIntervalMs,
}: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>): number {
  return Math.min(POLL_BUDGET.perMinInterval * minIntervalMs, maxIntervalMs);
}

/**
 * The most status calls a tracker makes on an export that ends `durationMs` after it starts:
 * ceil(D / I) + burst, where I is the budget interval. A fixed poller at I, polling at the start
 * and every I after, makes ceil(D / I) + 1, so this is two more. Calls an operator asks for with
 * `pollNow`, and retries of calls the API refused or failed, are not counted.
 */
export function maxStatusCalls(
  policy: Pick<PollingPolicy, 'minIntervalMs' | 'maxIntervalMs'>,
  durationMs: number,
) {
  return Math.ceil(Math.max(0, durationMs) / pollBudgetIntervalMs(policy)) + POLL_BUDGET.burst;
}

export const DEFAULT_POLICY_MS: PollingPolicy = {
  minIntervalMs: durationSchema.parse(DEFAULT_POLICY.minInterval),
  maxIntervalMs: durationSchema.parse(DEFAULT_POLICY.maxInterval),
  timeoutMs: durationSchema.parse(DEFAULT_POLICY.timeout),
  stallTimeoutMs: durationSchema.parse(DEFAULT_POLICY.stallTimeout),
};

/**
 * Validates a `trackLogExport` input. Every caller (workflow, CLI, helpers) goes through here, so
 * the Web UI, the CLI and child-workflow callers all see the same messages.
 *
 * @throws ApplicationFailure of type `InvalidInput`, non-retryable, naming each bad field.
 */
export function parseTrackLogExportInput(raw: unknown): TrackLogExportRequest {
  const { policy, ...ids } = parseInput(trackLogExportInputSchema, raw, (valid) => {
    const ids = exportIdsSchema.safeParse(valid);
    return ids.success ? describeExport(ids.data) : undefined;
  });
  return { ...ids, policy: resolvePolicy(policy) };
}

/** A validated policy input with the defaults filled in. */
export function resolvePolicy(given: z.output<typeof policyInputSchema> = {}): PollingPolicy {
  // A lone bound moves the other default out of its way: `{ maxInterval: "5s" }` means polling
  // at most every 5 s, not an error about the 10 s default minimum.
  const minIntervalMs =
    given.minInterval ??
    Math.min(DEFAULT_POLICY_MS.minIntervalMs, given.maxInterval ?? Number.POSITIVE_INFINITY);
  const maxIntervalMs = given.maxInterval ?? Math.max(DEFAULT_POLICY_MS.maxIntervalMs, minIntervalMs);
  return {
    minIntervalMs,
    maxIntervalMs,
    timeoutMs: given.timeout ?? DEFAULT_POLICY_MS.timeoutMs,
    stallTimeoutMs: given.stallTimeout ?? DEFAULT_POLICY_MS.stallTimeoutMs,
  };
}

/** One rejected field: its dotted path and what is wrong with it. */
export interface InputProblem {
  path: string;
  message: string;
}

function toProblems(issue: z.core.$ZodIssue): InputProblem[] {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'unknown field' }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined && at.length > 0) {
    return [{ path: at.join('.'), message: 'is required' }];
  }
  return [{ path: at.join('.') || '(input)', message: issue.message }];
}

/**
 * Parses a workflow input with `schema`, or throws the non-retryable `InvalidInput` failure that
 * names every bad field (and, through `subject`, what the input was about, when that much is valid).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  subject: (raw: unknown) => string | undefined,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap(toProblems);
  const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  const about = subject(raw);
  throw ApplicationFailure.create({
    type: FailureType.InvalidInput,
    message: `${about ? `${about}: invalid input` : 'Invalid input'}: ${summary}`,
    nonRetryable: true,
    details: [{ problems }],
  });
}

const extendTimeoutInputSchema = z
  .strictObject({
    by: durationSchema.optional(),
    until: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 time such as "2026-11-27T18:00:00Z"' })
      .optional(),
  })
  .refine((input) => (input.by === undefined) !== (input.until === undefined), {
    error: 'give exactly one of "by" (a duration) or "until" (a time)',
  });

/**
 * The new deadline an `extendTimeout` asks for, checked against the current one: it must move
 * the deadline later, and no further than 30 days ahead.
 */
export function extendedDeadline(raw: unknown, current: number, now: number): number {
  const input = parseInput(extendTimeoutInputSchema, raw, () => 'extendTimeout');
  const deadline = input.by !== undefined ? current + input.by : Date.parse(input.until as string);
  const problem =
    deadline <= current
      ? `the new deadline ${new Date(deadline).toISOString()} is not later than the current one, ${new Date(current).toISOString()}`
      : deadline - now > MAX_TRACKING_MS
        ? 'the new deadline is more than 30 days away'
        : undefined;
  if (problem) {
    throw ApplicationFailure.create({
      type: FailureType.InvalidInput,
      message: `extendTimeout: invalid input: ${problem}`,
      nonRetryable: true,
    });
  }
  return deadline;
}
