import { z } from 'zod';

/**
 * How one simulated export behaves over time: a progress curve, an optional stall, the words it
 * reports and the format of its percentage.
 */
export const exportScenarioSchema = z.strictObject({
  /** Time from creation to 100 % (or to `failAtPercent`), not counting the stall. */
  durationMs: z.number().int().nonnegative().default(60_000),
  curve: z.enum(['linear', 'steps']).default('linear'),
  /** Number of equal jumps for the `steps` curve. */
  steps: z.number().int().min(1).default(4),
  /** Progress holds at `atPercent` for `forMs` before going on. */
  stall: z
    .strictObject({ atPercent: z.number().min(0).max(100), forMs: z.number().int().nonnegative() })
    .optional(),
  outcome: z.enum(['completed', 'failed']).default('completed'),
  /** Where a failing export stops and reports `finalStatus`. */
  failAtPercent: z.number().min(0).max(100).default(40),
  runningStatus: z.string().default('processing'),
  /** Defaults to `completed` or `failed` by outcome; `Running` models an API that never says done. */
  finalStatus: z.string().optional(),
  /** `"30%"`, `30`, `"30"`, or a garbled value the tracker must not read as 0. */
  percentageFormat: z
    .enum(['percent-string', 'number', 'numeric-string', 'garbage'])
    .default('percent-string'),
  /** How `created_at` is written: ISO 8601 (as documented), epoch seconds or milliseconds, or an HTTP date. */
  createdAtFormat: z.enum(['iso', 'epoch-seconds', 'epoch-ms', 'http-date']).default('iso'),
  /** Size of the random payload inside the archive DownloadServerLogs serves once complete. */
  archiveBytes: z
    .number()
    .int()
    .nonnegative()
    .default(64 * 1024),
});

export type ExportScenario = z.output<typeof exportScenarioSchema>;
export type ExportScenarioInput = z.input<typeof exportScenarioSchema>;

export interface ExportView {
  status: string;
  percentage: number;
  finished: boolean;
}

/** Milliseconds from creation until the export reaches its final state. */
export function finishAfterMs(scenario: ExportScenario): number {
  const target = scenario.outcome === 'failed' ? scenario.failAtPercent : 100;
  const stall = scenario.stall && scenario.stall.atPercent < target ? scenario.stall.forMs : 0;
  return Math.round((target / 100) * scenario.durationMs) + stall;
}

/** The export as the API shows it `elapsedMs` after creation. */
export function exportViewAt(scenario: ExportScenario, elapsedMs: number): ExportView {
  const finishedAfter = finishAfterMs(scenario);
  if (elapsedMs >= finishedAfter) {
    const failed = scenario.outcome === 'failed';
    return {
      status: scenario.finalStatus ?? (failed ? 'failed' : 'completed'),
      percentage: failed ? scenario.failAtPercent : 100,
      finished: true,
    };
  }
  let progressTime = elapsedMs;
  if (scenario.stall) {
    const stallStart = (scenario.stall.atPercent / 100) * scenario.durationMs;
    if (elapsedMs > stallStart) progressTime = Math.max(stallStart, elapsedMs - scenario.stall.forMs);
  }
  const linear = scenario.durationMs === 0 ? 100 : (progressTime / scenario.durationMs) * 100;
  const shaped =
    scenario.curve === 'steps'
      ? Math.floor(linear / (100 / scenario.steps)) * (100 / scenario.steps)
      : linear;
  return { status: scenario.runningStatus, percentage: Math.min(99, Math.floor(shaped)), finished: false };
}

/** The `percentage` field as this scenario's API version writes it. */
export function formatPercentage(scenario: ExportScenario, percentage: number): string | number {
  switch (scenario.percentageFormat) {
    case 'number':
      return percentage;
    case 'numeric-string':
      return String(percentage);
    case 'garbage':
      return 'n/a';
    default:
      return `${percentage}%`;
  }
}

/** The `created_at` field as this scenario's API version writes it. */
export function formatCreatedAt(scenario: ExportScenario, createdAt: number): string | number {
  switch (scenario.createdAtFormat) {
    case 'epoch-seconds':
      return Math.floor(createdAt / 1000);
    case 'epoch-ms':
      return createdAt;
    case 'http-date':
      return new Date(createdAt).toUTCString();
    default:
      return new Date(createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}
