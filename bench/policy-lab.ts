/**
 * `npm run bench:policy`: the tracker's polling policy against every shape family, in virtual time
 * and in seconds, through the same pure functions the workflow runs (state, estimate, delay). Each
 * family is also polled by a fixed-interval poller at the interval that makes as many calls, so the
 * table says at a glance where ours wins at equal cost. The real-server bench (`npm run bench --
 * --shapes`) measures the same families end to end; this one is for trying policy ideas on
 * thousands of exports and many seeds.
 */
import { Command } from 'commander';
import {
  type ExportStatusSnapshot,
  maxStatusCalls,
  type TrackLogExportRequest,
} from '../src/contract/index.js';
import type { PollStanding } from '../src/request-budget/contract.js';
import {
  exportScenarioSchema,
  exportViewAt,
  finishAfterMs,
  formatPercentage,
} from '../src/simulator/scenario.js';
import { seeded } from '../src/simulator/seeded-random.js';
import { spend } from '../src/workflows/tracker/poll-budget.js';
import { nextPollAt } from '../src/workflows/tracker/polling-policy.js';
import { initialState, recordReading, recordSnapshot } from '../src/workflows/tracker/state.js';
import { type PlacedPoll, placePoll, predictedEnd } from '../src/workflows/tracker/urgency.js';
import { positive } from './cli-options.js';
import {
  compareAtEqualCost,
  fixedCallsForP95,
  fixedPollOutcome,
  type LatencyFigures,
  latencyFigures,
  type PollOutcome,
} from './equal-cost.js';
import { endForetold, generatedExports } from './generated-exports.js';
import { benchExports } from './scenarios.js';
import { goalVerdict, SHAPE_FAMILIES, type ShapedExport, type ShapeFamily, shapedExports } from './shapes.js';
import { slowestLines } from './slowest.js';
import { FIXED_INTERVAL_MS, OURS_POLICY_MS } from './strategies.js';
import { renderRows } from './table.js';

/** How the lab's tracker ended an export, and when it polled. */
export interface VirtualTracking extends PollOutcome {
  phase: 'completed' | 'failed';
  /** The status polls' times, from the tracker's start. */
  pollTimes: number[];
  /** Each poll: when it was sent and answered, and the predicted end it was urgent for. */
  polls: VirtualPoll[];
}

export interface VirtualPoll {
  sentAt: number;
  answeredAt: number;
  /** The percentage the tracker knows after it. */
  percentage: number | null;
  /** Its place in the project's queue, as `placePoll` decided it. */
  standing: PollStanding;
  urgentFor?: number;
  /** The predicted end (the far edge of the completion window) when it was sent, if there was one. */
  foretold?: number;
  /**
   * A poll still queued when it was overtaken (at the predicted end, or as the window opened),
   * cancelled for the poll sent then (`answeredAt` is then).
   */
  overtaken?: true;
}

/**
 * The project's queue in the lab: how long a poll waits for its turn at its standing (a saturated
 * budget holds routine polls behind the whole backlog). Without one, polls are answered when sent.
 * `urgency: false` sends every poll routine, as before urgent polls.
 */
export interface QueueModel {
  waitMs: (standing: PollStanding) => number;
  urgency: boolean;
}

const NO_QUEUE: QueueModel = { waitMs: () => 0, urgency: true };

/**
 * Polls one export the way `trackLogExport` does, with no network in between: the same state,
 * budget and policy functions, in virtual time. `collected`: the tracker starts as a collection
 * starts it, with the export request's answer as its first reading.
 */
export function trackInVirtualTime(
  shaped: ShapedExport,
  random: () => number,
  collected = false,
  queue: QueueModel = NO_QUEUE,
): VirtualTracking {
  const scenario = exportScenarioSchema.parse(shaped.scenario);
  const request: TrackLogExportRequest = {
    projectId: 'lab',
    serverId: 'srv',
    exportId: 'exp',
    policy: {
      minIntervalMs: shaped.minIntervalMs,
      maxIntervalMs: shaped.maxIntervalMs,
      timeoutMs: 30 * 86_400_000,
      stallTimeoutMs: 30 * 86_400_000,
    },
  };
  const finishesAt = finishAfterMs(scenario);
  const state = initialState(request, 0, false);
  const readingAt = (now: number): ExportStatusSnapshot => {
    const view = exportViewAt(scenario, now);
    return { status: view.status, percentage: formatPercentage(scenario, view.percentage, now) };
  };
  const pollTimes: number[] = [];
  const polls: VirtualPoll[] = [];
  const nextAt = (now: number) => nextPollAt(request.policy, state, now, random);
  let now = 0;
  if (collected) {
    recordReading(state, readingAt(0), 0);
    now = nextAt(0);
  }
  for (;;) {
    state.pollBudget = spend(state.pollBudget, request.policy, now);
    pollTimes.push(now);
    const foretold = predictedEnd(state);
    const { standing, overtakenAt }: PlacedPoll = queue.urgency
      ? placePoll(state, request.policy, now)
      : { standing: 'routine', overtakenAt: null };
    const urgent = standing === 'urgent';
    const answeredAt = now + queue.waitMs(standing);
    if (overtakenAt !== null && answeredAt > overtakenAt) {
      polls.push({
        sentAt: now,
        answeredAt: overtakenAt,
        percentage: state.percentage,
        standing,
        overtaken: true,
      });
      now = overtakenAt;
      continue;
    }
    const { phase } = recordSnapshot(state, readingAt(answeredAt), answeredAt);
    polls.push({
      sentAt: now,
      answeredAt,
      percentage: state.percentage,
      standing,
      ...(urgent && { urgentFor: state.urgentPoll?.end }),
      ...(foretold !== null && { foretold }),
    });
    if (phase !== 'running') {
      const latencyMs = answeredAt - finishesAt;
      return { calls: state.polls, latencyMs, durationMs: finishesAt, phase, pollTimes, polls };
    }
    now = nextAt(answeredAt);
  }
}

function main(): void {
  const options = new Command('bench:policy')
    .option('--exports <n>', 'exports per family and seed', positive('--exports'), 300)
    .option('--seeds <list>', 'comma-separated seeds', (v) => v.split(',').map(Number), [1, 2, 3])
    .option('--family <name>', "only this family ('random' for the generated population, 'mix' for the mix)")
    .option('--worst <n>', 'list the n slowest detections of each family and seed', positive('--worst'))
    .option(
      '--collected',
      "the mix's trackers start as a collection starts them, with the export request's answer as their first reading (fixed-5s still polls at creation)",
    )
    .option(
      '--queue-wait <ms>',
      'instead, the mix behind a saturated project budget: routine polls answered this long after they are sent, urgent ones after 300 ms, the others ahead of the routine ones after 1 s (see docs/polling.md, urgent polls)',
      positive('--queue-wait'),
    )
    .option('--scale <n>', "with --queue-wait: the mix's durations times this", positive('--scale'), 1)
    .parse()
    .opts<{
      exports: number;
      seeds: number[];
      family?: string;
      worst?: number;
      collected?: boolean;
      queueWait?: number;
      scale: number;
    }>();
  if (options.queueWait) {
    console.log(renderRows(saturatedRows(options.exports, options.seeds, options.queueWait, options.scale)));
    return;
  }
  const wanted = (name: string) => !options.family || options.family === name;
  const rows = [
    [
      'family',
      'seed',
      'calls',
      'over bound',
      'ours p50/p95/max s',
      'fixed at equal calls p95/max s',
      'fixed calls for ours p95',
      'goal met',
    ],
  ];
  const measure = (
    name: string,
    seed: number,
    exports: ShapedExport[],
    goal: Pick<ShapeFamily, 'p95RatioAllowed'>,
  ) => {
    const random = seeded(seed);
    const ours = exports.map((e) => trackInVirtualTime(e, random));
    if (options.worst) printSlowest(ours, exports, options.worst);
    const row = (label: string, part: VirtualTracking[], partExports: ShapedExport[]) => {
      const c = compareAtEqualCost(part);
      rows.push([
        label,
        String(seed),
        c.ours.callsPerExport.toFixed(1),
        String(
          part.filter((o, i) => o.calls > maxStatusCalls(partExports[i] as ShapedExport, o.durationMs))
            .length,
        ),
        `${s(c.ours.p50)} / ${s(c.ours.p95)} / ${s(c.ours.max)}`,
        `${s(c.fixed.p95)} / ${s(c.fixed.max)} (every ${s(c.fixedIntervalMs)} s)`,
        c.fixedCallsForOursP95.toFixed(1),
        goalVerdict(goal, c.ours.p95, c.fixed.p95),
      ]);
    };
    row(name, ours, exports);
    if (name !== 'random') return;
    for (const foretold of [true, false]) {
      const picked = exports
        .map((e, i) => [e, ours[i]] as const)
        .filter(([e]) => endForetold(e.scenario) === foretold);
      row(
        `random: ends ${foretold ? '' : 'not '}foretold`,
        picked.map(([, o]) => o as VirtualTracking),
        picked.map(([e]) => e),
      );
    }
  };
  for (const family of SHAPE_FAMILIES.filter((f) => wanted(f.name))) {
    for (const seed of options.seeds)
      measure(family.name, seed, shapedExports(family, options.exports, seed), family);
  }
  if (wanted('random')) {
    for (const seed of options.seeds) measure('random', seed, generatedExports(options.exports, seed), {});
  }
  if (wanted('mix')) {
    for (const seed of options.seeds)
      rows.push(mixRow(options.exports, seed, options.collected ?? false, options.worst));
  }
  console.log(renderRows(rows));
}

/**
 * The bench's mix, tracked with the bench's policy for ours, against fixed polling every 5 s:
 * the goal is a third of its calls at a p95 no worse.
 */
function mixRow(count: number, seed: number, collected: boolean, worst?: number): string[] {
  const mix = benchExports(count, 1, seed).map((m) => ({
    scenario: m.scenario,
    minIntervalMs: OURS_POLICY_MS.min,
    maxIntervalMs: OURS_POLICY_MS.max,
  }));
  const random = seeded(seed);
  const outcomes = mix.map((e) => trackInVirtualTime(e, random, collected));
  if (worst) printSlowest(outcomes, mix, worst);
  const ours = latencyFigures(outcomes);
  const fixed = latencyFigures(outcomes.map((o) => fixedPollOutcome(o.durationMs, FIXED_INTERVAL_MS)));
  return [
    'mix vs fixed 5 s',
    String(seed),
    `${ours.callsPerExport.toFixed(1)} (${(ours.callsPerExport / fixed.callsPerExport).toFixed(2)})`,
    String(outcomes.filter((o, i) => o.calls > maxStatusCalls(mix[i] as ShapedExport, o.durationMs)).length),
    `${s(ours.p50)} / ${s(ours.p95)} / ${s(ours.max)}`,
    `${s(fixed.p95)} / ${s(fixed.max)} (fixed 5 s)`,
    fixedCallsForP95(
      outcomes.map((o) => o.durationMs),
      ours.p95,
    ).toFixed(1),
    ours.callsPerExport <= fixed.callsPerExport / 3 && ours.p95 <= fixed.p95 ? 'yes' : 'NO',
  ];
}

/** Waits in a saturated project's queue of the polls that go ahead of the routine ones. */
const SATURATED_WAITS_MS: Partial<Record<PollStanding, number>> = {
  urgent: 300,
  window: 1_000,
  unforetold: 1_000,
};

/**
 * The bench's mix (durations times `scale`) at 1 s / 10 s (as `npm run bench:urgent` tracks it)
 * with an idle budget, and behind a queue that answers routine polls `waitMs` after they are sent
 * (the others after `SATURATED_WAITS_MS`), with urgent polls and without: detection latency p50 /
 * p95 (s), and the p95 against the idle budget's.
 */
function saturatedRows(count: number, seeds: number[], waitMs: number, scale: number): string[][] {
  const rows = [
    ['seed', 'exports', 'idle', 'saturated, urgent polls', 'saturated, none', 'urgent polls a tracker'],
  ];
  for (const seed of seeds) {
    const mix = benchExports(count, scale, seed);
    const track = (queue: QueueModel) => {
      const random = seeded(seed);
      return mix.map((m) => ({
        kind: m.kind,
        ...trackInVirtualTime(
          { scenario: m.scenario, minIntervalMs: 1_000, maxIntervalMs: 10_000 },
          random,
          false,
          queue,
        ),
      }));
    };
    const idle = track({ waitMs: () => 0, urgency: true });
    const urgent = track({ waitMs: (standing) => SATURATED_WAITS_MS[standing] ?? waitMs, urgency: true });
    const none = track({ waitMs: () => waitMs, urgency: false });
    for (const kind of ['all', 'linear', 'steps', 'stall', 'failed']) {
      const of = (run: typeof idle) => latencyFigures(run.filter((t) => kind === 'all' || t.kind === kind));
      const base = of(idle);
      const cell = (f: LatencyFigures) => `${s(f.p50)} / ${s(f.p95)} (${(f.p95 / base.p95).toFixed(2)}x)`;
      const picked = urgent.filter((t) => kind === 'all' || t.kind === kind);
      const urgentPolls = picked.reduce(
        (n, t) => n + t.polls.filter((p) => p.urgentFor !== undefined).length,
        0,
      );
      rows.push([
        String(seed),
        kind,
        `${s(base.p50)} / ${s(base.p95)}`,
        cell(of(urgent)),
        cell(of(none)),
        (urgentPolls / Math.max(1, picked.length)).toFixed(2),
      ]);
    }
  }
  return rows;
}

function printSlowest(outcomes: PollOutcome[], exports: ShapedExport[], count: number): void {
  const described = outcomes.map((o, i) => ({ ...o, scenario: (exports[i] as ShapedExport).scenario }));
  for (const line of slowestLines(described, count)) console.log(line);
}

const s = (ms: number) => (ms / 1000).toFixed(1);

if (import.meta.url === `file://${process.argv[1]}`) main();
