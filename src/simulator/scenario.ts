import { z } from 'zod';
import { seeded } from './seeded-random.js';

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
  /**
   * The pace over the duration, as waypoints `[share of durationMs, percent]` joined by straight
   * lines from (0, 0) to (1, 100): `[[0.7, 20]]` starts slowly and finishes fast. Steps apply on top.
   */
  path: z
    .array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(100)]))
    .optional()
    .refine(
      (points = []) => points.every((p, i) => i === 0 || (points[i - 1] as [number, number])[0] <= p[0]),
      {
        message: 'waypoints must be in time order',
      },
    ),
  /**
   * The percentage as a noisy API reports it: off by up to `amplitude` points either way, a new
   * error every `everyMs`, so it can go backwards. Seeded: the same scenario reads the same.
   */
  noise: z
    .strictObject({
      amplitude: z.number().min(0).max(50),
      everyMs: z.number().int().positive().default(1_000),
      seed: z.number().int().default(1),
    })
    .optional(),
  /**
   * Some answers carry a percentage the tracker cannot read: a `share` of the time, in stretches
   * of `everyMs`, chosen by `seed`. `percentageFormat: 'garbage'` garbles every answer instead.
   */
  unreadable: z
    .strictObject({
      share: z.number().min(0).max(1),
      everyMs: z.number().int().positive().default(1_000),
      seed: z.number().int().default(1),
    })
    .optional(),
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
  const paced = alongPath(
    scenario.path ?? [],
    scenario.durationMs === 0 ? 1 : progressTime / scenario.durationMs,
  );
  const shaped =
    scenario.curve === 'steps' ? Math.floor(paced / (100 / scenario.steps)) * (100 / scenario.steps) : paced;
  const noisy = scenario.noise ? shaped + noiseAt(scenario.noise, elapsedMs) : shaped;
  return {
    status: scenario.runningStatus,
    percentage: Math.max(0, Math.min(99, Math.floor(noisy))),
    finished: false,
  };
}

/** The percentage at `share` of the duration along the waypoints, from (0, 0) to (1, 100). */
function alongPath(path: ReadonlyArray<readonly [number, number]>, share: number): number {
  const points: ReadonlyArray<readonly [number, number]> = [[0, 0], ...path, [1, 100]];
  for (let i = 1; i < points.length; i++) {
    const [t1, p1] = points[i] as readonly [number, number];
    if (share > t1) continue;
    const [t0, p0] = points[i - 1] as readonly [number, number];
    return t1 === t0 ? p1 : p0 + ((share - t0) / (t1 - t0)) * (p1 - p0);
  }
  return 100;
}

/** The reading error at `elapsedMs`: uniform in ±amplitude, fixed within each `everyMs`. */
function noiseAt(noise: NonNullable<ExportScenario['noise']>, elapsedMs: number): number {
  const bucket = Math.floor(elapsedMs / noise.everyMs);
  return (seeded(noise.seed * 1_000_003 + bucket)() * 2 - 1) * noise.amplitude;
}

/** The `percentage` field as this scenario's API version writes it `elapsedMs` after creation. */
export function formatPercentage(
  scenario: ExportScenario,
  percentage: number,
  elapsedMs = 0,
): string | number {
  if (scenario.unreadable && unreadableAt(scenario.unreadable, elapsedMs)) return 'n/a';
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

function unreadableAt(unreadable: NonNullable<ExportScenario['unreadable']>, elapsedMs: number): boolean {
  const bucket = Math.floor(elapsedMs / unreadable.everyMs);
  return seeded(unreadable.seed * 1_000_003 + bucket)() < unreadable.share;
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
