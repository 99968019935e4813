/**
 * `npm run bench:swinging-queue -- --waits 5000,30000`: a fleet's trackers behind a project queue
 * whose routine wait swings, in virtual time through the workflow's own functions
 * (`trackInVirtualTime`). Exports of `--min-duration` to `--max-duration` seconds at a steady pace,
 * each tracked as a collection starts it (its request's answer the first reading), at the policy
 * a fleet run uses; each routine poll waits a time drawn from `--waits`, each urgent one 500 ms.
 * Prints detection latency p50 / p95, calls per export, and how many ends a routine poll saw.
 */
import { Command } from 'commander';
import type { PollStanding } from '../src/request-budget/contract.js';
import { seeded } from '../src/simulator/seeded-random.js';
import { drawDurationMs, positive, withExportDurations } from './cli-options.js';
import { trackInVirtualTime } from './policy-lab.js';
import { quantile } from './stats.js';

const options = withExportDurations(new Command('bench:swinging-queue'), { minS: 20, maxS: 90 })
  .option(
    '--waits <lo,hi>',
    'routine waits drawn from lo to hi ms',
    (v) => v.split(',').map(Number),
    [5_000, 30_000],
  )
  .option(
    '--ahead-waits <lo,hi>',
    'waits of the polls that go ahead of the routine ones (but behind urgent ones) drawn from lo to hi ms',
    (v) => v.split(',').map(Number),
    [500, 3_000],
  )
  .option('--exports <n>', 'exports per seed', positive('--exports'), 2_000)
  .option('--seeds <list>', 'comma-separated seeds', (v) => v.split(',').map(Number), [1, 2, 3])
  .parse()
  .opts<{
    waits: number[];
    aheadWaits: number[];
    exports: number;
    seeds: number[];
    minDuration: number;
    maxDuration: number;
  }>();

const [lo = 0, hi = lo] = options.waits;
const [aheadLo = 0, aheadHi = aheadLo] = options.aheadWaits;
/** A wait at the standing's key, drawn from its range by `draw` (from 0 to 1). */
function waitOf(standing: PollStanding, draw: number): number {
  if (standing === 'urgent') return 500;
  if (standing === 'routine') return lo + draw * (hi - lo);
  return aheadLo + draw * (aheadHi - aheadLo);
}

for (const seed of options.seeds) {
  const random = seeded(seed);
  const waits = seeded(seed + 1_000);
  const tracked = Array.from({ length: options.exports }, () => {
    const durationMs = drawDurationMs(random, options);
    const { latencyMs, calls, polls } = trackInVirtualTime(
      { scenario: { durationMs }, minIntervalMs: 2_000, maxIntervalMs: 20_000 },
      random,
      true,
      { waitMs: (standing) => waitOf(standing, waits()), urgency: true },
    );
    return {
      latencyS: latencyMs / 1000,
      calls,
      seenUrgently: polls[polls.length - 1]?.urgentFor !== undefined,
    };
  });
  const latencies = tracked.map((t) => t.latencyS);
  const routine = tracked.filter((t) => !t.seenUrgently).map((t) => t.latencyS);
  console.log(
    `seed ${seed}: detection p50 ${quantile(latencies, 0.5).toFixed(1)} s, p95 ${quantile(latencies, 0.95).toFixed(1)} s; ` +
      `${(tracked.reduce((sum, t) => sum + t.calls, 0) / tracked.length).toFixed(2)} calls an export; ` +
      `ends seen by a routine poll ${routine.length} (p95 ${quantile(routine, 0.95).toFixed(1)} s)`,
  );
}
