import { describe, expect, it } from 'vitest';
import { trackInVirtualTime } from '../../bench/policy-lab.js';
import { maxStatusCalls, parseTrackLogExportInput, pollBudgetIntervalMs } from '../../src/contract/index.js';
import type { ExportScenarioInput } from '../../src/simulator/scenario.js';
import { seeded } from '../../src/simulator/seeded-random.js';
import { spend } from '../../src/workflows/tracker/poll-budget.js';
import { nextPollAt, type PollingObservation, planPoll } from '../../src/workflows/tracker/polling-policy.js';
import { initialState, recordSnapshot } from '../../src/workflows/tracker/state.js';
import { budgetOverrun } from '../helpers/poll-times.js';

const S = 1_000;
const bounds = { minIntervalMs: S, maxIntervalMs: 60 * S };
/** 5 s: the budget interval of these bounds. */
const B = pollBudgetIntervalMs(bounds);

/** An observation with a full budget and readings that have moved, overridden by `o`. */
const seen = (o: Partial<PollingObservation>): PollingObservation => ({
  msSinceChange: 0,
  moved: true,
  pollsInBudget: 3,
  budgetIntervalMs: B,
  ...o,
});

describe('planPoll', () => {
  it('never waits longer than a third of maxInterval, whatever the readings foretell', () => {
    expect(planPoll(bounds, seen({ moved: false, msSinceChange: 3_600 * S })).delayMs).toBe(20 * S);
    const farWindow = { msToSoonest: 900 * S, msToLatest: 950 * S, msSincePace: 1_000 * S };
    expect(planPoll(bounds, seen({ window: farWindow })).delayMs).toBe(20 * S);
  });

  it('before the readings move, waits as long as they have held still: doubling from minInterval', () => {
    const delays = [0, 1, 3, 7, 15].map(
      (held) => planPoll(bounds, seen({ moved: false, msSinceChange: held * S })).delayMs,
    );
    expect(delays).toEqual([S, S, 3 * S, 7 * S, 15 * S]);
  });

  it('once they have moved, polls a hold at least every two budget intervals', () => {
    expect(planPoll(bounds, seen({ msSinceChange: 3 * S })).delayMs).toBe(3 * S);
    expect(planPoll(bounds, seen({ msSinceChange: 300 * S })).delayMs).toBe(2 * B);
  });

  it('polls a hold before the fastest pace it has shown could finish, but no faster than the budget earns', () => {
    expect(planPoll(bounds, seen({ msSinceChange: 300 * S, msToEndAtPaceShown: 16 * S })).delayMs).toBe(
      8 * S,
    );
    expect(planPoll(bounds, seen({ msSinceChange: 300 * S, msToEndAtPaceShown: 2 * S })).delayMs).toBe(B);
  });

  it('aims a window no wider than minInterval at its far edge, as a poll for the end', () => {
    const window = { msToSoonest: 2 * S, msToLatest: 2.5 * S, msSincePace: 40 * S };
    expect(planPoll(bounds, seen({ window }))).toEqual({ delayMs: 2.5 * S, forTheEnd: true });
  });

  it('spreads polls across a window, as many as the budget affords by its far edge', () => {
    const window = { msToSoonest: 0, msToLatest: 12 * S, msSincePace: 40 * S };
    // Three polls in hand and two more earned by the far edge: five polls, 2.4 s apart.
    expect(planPoll(bounds, seen({ window })).delayMs).toBe(2.4 * S);
    // One in hand, two earned: three, 4 s apart.
    expect(planPoll(bounds, seen({ window, pollsInBudget: 1 })).delayMs).toBe(4 * S);
    // Nothing in hand, none earned before the edge: the one poll goes to the edge.
    const narrow = { msToSoonest: 0, msToLatest: 4 * S, msSincePace: 40 * S };
    expect(planPoll(bounds, seen({ window: narrow, pollsInBudget: 0 })).delayMs).toBe(4 * S);
  });

  it('looks once halfway between the first reading at the current pace and its soonest end', () => {
    // Seen at this pace for 10 s, the soonest end 40 s away: a look in 15 s, not a watch's 20 s.
    const window = { msToSoonest: 40 * S, msToLatest: 42 * S, msSincePace: 10 * S };
    expect(planPoll(bounds, seen({ window }))).toEqual({ delayMs: 15 * S, forTheEnd: false });
    // Seen for as long as is left: no look until the window.
    const trusted = { msToSoonest: 12 * S, msToLatest: 13 * S, msSincePace: 40 * S };
    expect(planPoll(bounds, seen({ window: trusted })).delayMs).toBe(13 * S);
  });

  it('treats a window the export has passed (it slowed down) as readings that foretell nothing', () => {
    const passed = { msToSoonest: -30 * S, msToLatest: -10 * S, msSincePace: 60 * S };
    expect(planPoll(bounds, seen({ window: passed, msSinceChange: 4 * S })).delayMs).toBe(4 * S);
  });
});

describe('nextPollAt', () => {
  const request = parseTrackLogExportInput({
    projectId: 'p',
    serverId: 's',
    exportId: 'e',
    policy: { minInterval: '1s', maxInterval: '60s' },
  });
  /** A tracker that polled at each time, reading the percentages given. */
  const polled = (readings: [number, number][]) => {
    const state = initialState(request, 0, false);
    for (const [at, percentage] of readings) {
      state.pollBudget = spend(state.pollBudget, request.policy, at);
      recordSnapshot(state, { status: 'running', percentage }, at);
    }
    return state;
  };

  it('stays within [minInterval, maxInterval] and only lowers a delay with jitter', () => {
    const state = polled([[0, 0]]);
    for (const r of [0, 0.5, 0.999]) {
      const at = nextPollAt(request.policy, state, 0, () => r);
      expect(at).toBeGreaterThanOrEqual(S);
      expect(at).toBeLessThanOrEqual(60 * S);
    }
    const held = () =>
      polled([
        [0, 0],
        [7_000, 0],
      ]);
    expect(nextPollAt(request.policy, held(), 7_000, () => 0.999)).toBeLessThan(
      nextPollAt(request.policy, held(), 7_000, () => 0),
    );
  });

  it('waits for the budget: three polls at once, then one per budget interval', () => {
    // Readings that change at every poll keep the policy asking for minInterval.
    const state = polled([
      [0, 0],
      [1_000, 9],
      [2_000, 1],
    ]);
    expect(nextPollAt(request.policy, state, 2_000, () => 0)).toBeGreaterThanOrEqual(5_000);
  });
});

describe('tracking exports of every shape in virtual time', () => {
  const MIN = 60_000;
  const HOUR = 60 * MIN;
  const policy = { minIntervalMs: 10_000, maxIntervalMs: 5 * MIN };
  const track = (scenario: ExportScenarioInput) => trackInVirtualTime({ scenario, ...policy }, seeded(11));
  /** Fixed polling at maxInterval makes 12 calls an hour; at the budget interval (50 s), 72. */
  const WATCH_ALONE = HOUR / (policy.maxIntervalMs / 3);

  it('polls a steady hour-long export about as often as the watch, noticing the end within minInterval', () => {
    const { calls, latencyMs } = track({ durationMs: HOUR });
    expect(calls).toBeLessThanOrEqual(WATCH_ALONE + 6);
    expect(latencyMs).toBeLessThanOrEqual(policy.minIntervalMs);
  });

  it('notices the last of a few big jumps within a small share of a step', () => {
    const { latencyMs } = track({ durationMs: HOUR, curve: 'steps', steps: 4 });
    expect(latencyMs).toBeLessThanOrEqual(2 * policy.minIntervalMs);
  });

  it('picks the pace up after a stall, or a burst several times faster', () => {
    expect(
      track({ durationMs: HOUR, stall: { atPercent: 40, forMs: 30 * MIN } }).latencyMs,
    ).toBeLessThanOrEqual(2 * policy.minIntervalMs);
    const burst = track({
      durationMs: HOUR,
      path: [
        [0.3, 40],
        [0.85, 40],
      ],
    });
    expect(burst.latencyMs).toBeLessThanOrEqual(2 * policy.minIntervalMs);
  });

  it('keeps a crawl to the end within the budget: the case that once cost 82 calls an hour', () => {
    const crawl = { durationMs: HOUR, path: [[0.1, 95]] } satisfies ExportScenarioInput;
    const { calls } = track(crawl);
    expect(calls).toBeLessThanOrEqual(maxStatusCalls(policy, HOUR));
    expect(calls).toBeLessThan(60);
  });

  it('notices an export that shows nothing until done, or speeds up unannounced, within a third of maxInterval', () => {
    for (const scenario of [
      { durationMs: HOUR, curve: 'steps', steps: 1 },
      { durationMs: HOUR, path: [[0.7, 15]] },
      { durationMs: HOUR, percentageFormat: 'garbage' },
    ] satisfies ExportScenarioInput[]) {
      const { calls, latencyMs } = track(scenario);
      expect(calls).toBeLessThanOrEqual(maxStatusCalls(policy, HOUR));
      expect(latencyMs).toBeLessThanOrEqual(policy.maxIntervalMs / 3);
    }
  });
});

describe('regressions the property tests found with the budget taken out', () => {
  it.each([
    // Noise of a point around a smooth export: every reading moved, and without a budget each
    // one restarted polling at minInterval.
    {
      scenario: { durationMs: 978_570, path: [], noise: { amplitude: 1, everyMs: 500, seed: 1 } },
      max: 9_786,
    },
    // A second-long export at 100 ms / 126 ms: window polls at minInterval, end to end.
    { scenario: { durationMs: 1_000, path: [] }, max: 126 },
  ] satisfies { scenario: ExportScenarioInput; max: number }[])(
    'stays within its budget: $scenario',
    ({ scenario, max }) => {
      const shaped = { scenario, minIntervalMs: 100, maxIntervalMs: max };
      const tracked = trackInVirtualTime(shaped, seeded(1));
      expect(tracked.phase).toBe('completed');
      expect(tracked.calls).toBeLessThanOrEqual(maxStatusCalls(shaped, tracked.durationMs));
      expect(budgetOverrun(tracked.pollTimes, pollBudgetIntervalMs(shaped))).toBeLessThanOrEqual(1e-9);
    },
  );
});
