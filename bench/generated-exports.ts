/**
 * Exports of any shape, drawn by fast-check: the population the policy's property tests check
 * and `npm run bench -- --random` measures. Nothing here names or imitates a shape family: a curve
 * is any number of segments of any kind, with steps, noise, unreadable answers or a failure on top,
 * lasting seconds to hours.
 */
import fc from 'fast-check';
import type { ExportScenarioInput } from '../src/simulator/scenario.js';
import type { ShapedExport } from './shapes.js';

/** How a stretch of the export moves: its share of the time, and its rise before scaling to 100 %. */
type Segment = { time: number; rise: number };

const share = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const SEGMENTS = {
  slope: fc.record({ time: share(0.05, 1), rise: share(5, 100) }),
  crawl: fc.record({ time: share(0.3, 1.5), rise: share(0.5, 4) }),
  hold: fc.record({ time: share(0.05, 1), rise: fc.constant(0) }),
  jump: fc.record({ time: fc.constant(0), rise: share(5, 100) }),
};

/** Any stretch; the odds say how often each kind comes up. */
const segment = (odds: Record<keyof typeof SEGMENTS, number>): fc.Arbitrary<Segment> =>
  fc.oneof(
    ...Object.entries(SEGMENTS).map(([kind, arbitrary]) => ({
      arbitrary,
      weight: odds[kind as keyof typeof SEGMENTS],
    })),
  );

/** Waypoints `[share of time, percent]` through the segments, scaled to end at (1, 100). */
function waypoints(segments: readonly Segment[]): [number, number][] {
  const time = segments.reduce((sum, s) => sum + s.time, 0);
  const rise = segments.reduce((sum, s) => sum + s.rise, 0);
  const points: [number, number][] = [];
  let t = 0;
  let p = 0;
  for (const s of segments.slice(0, -1)) {
    t += s.time / time;
    p += (100 * s.rise) / rise;
    points.push([Math.min(1, t), Math.min(100, p)]);
  }
  return points;
}

/**
 * The stretches before the last are of any kind; the last decides how the end looks, and most
 * exports move up to their end: one in five holds or jumps there, an end no reading foretells.
 */
const innerSegment = segment({ slope: 2, crawl: 1, hold: 1, jump: 1 });
const lastSegment = segment({ slope: 6, crawl: 2, hold: 1, jump: 1 });

const segments = fc
  .tuple(fc.array(innerSegment, { maxLength: 5 }), lastSegment)
  .map(([inner, last]) => [...inner, last])
  .filter((list) => list.some((s) => s.time > 0) && list.some((s) => s.rise > 0));

/** `arbitrary` in about `percent` % of draws, undefined in the rest. */
const sometimes = <T>(percent: number, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 100 - percent }, { arbitrary, weight: percent });

const scenario = (durationMs: fc.Arbitrary<number>): fc.Arbitrary<ExportScenarioInput> =>
  fc
    .record({
      durationMs,
      path: segments.map(waypoints),
      steps: sometimes(30, fc.integer({ min: 1, max: 50 })),
      noise: sometimes(
        25,
        fc.record({
          amplitude: fc.integer({ min: 1, max: 20 }),
          everyMs: fc.integer({ min: 500, max: 10_000 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
      ),
      failAtPercent: sometimes(8, fc.integer({ min: 1, max: 99 })),
      unreadable: sometimes(
        10,
        fc.record({
          share: fc.constantFrom(0.1, 0.3, 0.6, 1),
          everyMs: fc.integer({ min: 500, max: 10_000 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
      ),
    })
    .map(({ steps, noise, failAtPercent, unreadable, ...rest }) => ({
      ...rest,
      ...(steps ? { curve: 'steps' as const, steps } : {}),
      ...(noise ? { noise } : {}),
      ...(failAtPercent ? { outcome: 'failed' as const, failAtPercent } : {}),
      ...(unreadable ? { unreadable } : {}),
    }));

/** Log-uniform between the bounds, in whole milliseconds: seconds are as likely as hours. */
export const logUniform = (lowMs: number, highMs: number): fc.Arbitrary<number> =>
  fc.double({ min: Math.log(lowMs), max: Math.log(highMs), noNaN: true }).map((x) => Math.round(Math.exp(x)));

export interface GeneratedExportsOptions {
  durationMs: fc.Arbitrary<number>;
  /** The tracker's bounds, given how long the export lasts. */
  policy: (durationMs: number) => fc.Arbitrary<{ minIntervalMs: number; maxIntervalMs: number }>;
}

/** One export of any shape, with the policy bounds its tracker is given. */
export function generatedExport({ durationMs, policy }: GeneratedExportsOptions): fc.Arbitrary<ShapedExport> {
  return durationMs.chain((duration) =>
    fc
      .record({ scenario: scenario(fc.constant(duration)), bounds: policy(duration) })
      .map(({ scenario, bounds }) => ({ scenario, ...bounds })),
  );
}

/**
 * Any export and any policy: seconds to hours, minInterval from 100 ms to a minute, maxInterval
 * up to 600 times that. Only the pairs that would watch an export more than 300 times (an hour at
 * a few seconds) are left out, so a thousand curves take a couple of seconds to track.
 */
export const ANY_EXPORT: GeneratedExportsOptions = {
  durationMs: logUniform(1_000, 6 * 3_600_000),
  policy: (duration) =>
    fc
      .record({ min: logUniform(100, 60_000), ratio: fc.double({ min: 1, max: 600, noNaN: true }) })
      .map(({ min, ratio }) => {
        const maxIntervalMs = Math.max(Math.round(min * ratio), Math.round((3 * duration) / 300));
        return { minIntervalMs: Math.min(min, maxIntervalMs), maxIntervalMs };
      }),
};

/**
 * The `--random` population: exports of 30 s to 20 min at the bounds a new user tries on such
 * exports (`minInterval` 1 s, `maxInterval` 60 s), none shorter than half of `maxInterval`, as the
 * documentation advises (docs/workflow-contract.md, choosing the bounds).
 */
export const RANDOM_POPULATION: GeneratedExportsOptions = {
  durationMs: logUniform(30_000, 1_200_000),
  policy: () => fc.constant({ minIntervalMs: 1_000, maxIntervalMs: 60_000 }),
};

/** `count` generated exports, the same for a seed. */
export function generatedExports(count: number, seed: number, options = RANDOM_POPULATION): ShapedExport[] {
  // Unbiased: a measured population, not a hunt for edge cases.
  return fc.sample(fc.noBias(generatedExport(options)), { seed, numRuns: count });
}

/**
 * Whether the export's readings can foretell its end: it does not fail, its percentage is
 * readable, and it moves up to its end rather than holding or jumping there (nor jumps there in
 * one of three steps or fewer). Otherwise no poller sees the end sooner than by watching evenly.
 */
export function endForetold(scenario: ExportScenarioInput): boolean {
  const last = scenario.path?.[scenario.path.length - 1];
  const movesToTheEnd = !last || (last[0] < 0.99 && last[1] < 99);
  return (
    scenario.outcome !== 'failed' &&
    scenario.percentageFormat !== 'garbage' &&
    (scenario.unreadable?.share ?? 0) < 1 &&
    !(scenario.curve === 'steps' && (scenario.steps ?? 4) <= 3) &&
    movesToTheEnd
  );
}
