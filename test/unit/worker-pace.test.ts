import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKLOG_EVIDENCE_MS, type BacklogReport, PACE_WINDOW_MS } from '../../src/contract/index.js';
import { backlogReporter } from '../../src/request-budget/backlog-report.js';
import {
  afterHolderTurn,
  afterPaceReport,
  noWorkerPace,
  PACE_GRACE_MS,
  type WorkerPace,
  workerTurnsPerSecond,
} from '../../src/request-budget/worker-pace.js';

const PROJECT = 'proj-a';
const W = PACE_WINDOW_MS;

/** Calls of one project started by several workers, each told to its own reporter, in time order. */
function reportsOf(calls: Array<{ at: number; worker: number; waitMs: number }>): BacklogReport[] {
  const reports: BacklogReport[] = [];
  const reporters = new Map<number, ReturnType<typeof backlogReporter>>();
  for (const call of [...calls].sort((a, b) => a.at - b.at)) {
    let report = reporters.get(call.worker);
    if (!report) {
      report = backlogReporter((r) => reports.push(r), `worker-${call.worker}`);
      reporters.set(call.worker, report);
    }
    report({ projectId: PROJECT, queueWaitMs: call.waitMs, startedAt: call.at });
  }
  return reports;
}

const waitedCalls = fc.array(
  fc.record({
    at: fc.integer({ min: 100_000, max: 120_000 }),
    worker: fc.integer({ min: 0, max: 3 }),
    waitMs: fc.constant(BACKLOG_EVIDENCE_MS),
  }),
  { maxLength: 300 },
);

describe("the workers' turns, as the keeper adds them up", () => {
  it('counts every turn of a window once, whichever worker took it, when each worker that took one also took one in the next window; never more', () => {
    fc.assert(
      fc.property(waitedCalls, fc.boolean(), (calls, twice) => {
        const reports = reportsOf(calls);
        let pace: WorkerPace = noWorkerPace();
        for (const report of reports) {
          pace = afterPaceReport(pace, report);
          if (twice) pace = afterPaceReport(pace, report);
        }
        const windowOf = (at: number) => Math.floor(at / W) * W;
        for (const window of pace.keys()) {
          const counted = [...(pace.get(window)?.values() ?? [])].reduce((a, b) => a + b, 0);
          const inWindow = calls.filter((c) => windowOf(c.at) === window);
          expect(counted).toBeLessThanOrEqual(inWindow.length);
          const workers = new Set(inWindow.map((c) => c.worker));
          const allReported = [...workers].every((w) =>
            calls.some((c) => c.worker === w && windowOf(c.at) === window + W),
          );
          if (allReported) expect(counted).toBe(inWindow.length);
          // The keeper judges this window from PACE_GRACE_MS after it closed.
          expect(workerTurnsPerSecond(pace, window + W + PACE_GRACE_MS, 0)).toBe(counted / (W / 1000));
        }
      }),
    );
  });

  it('is sent once a window while calls wait, for ten seconds after the last that waited, and not before any did', () => {
    const sent: BacklogReport[] = [];
    const report = backlogReporter((r) => sent.push(r), 'w');
    const call = (at: number, waitMs = 0) =>
      report({ projectId: PROJECT, queueWaitMs: waitMs, startedAt: at });
    for (let at = 100_000; at < 104_000; at += 100) call(at);
    expect(sent).toEqual([]);
    call(104_000, 2_500);
    expect(sent).toEqual([
      {
        projectId: PROJECT,
        queueWaitMs: 2_500,
        startedAt: 104_000,
        reporter: 'w',
        window: 102_000,
        turns: 20,
      },
    ]);
    call(104_100, 2_600);
    call(106_000);
    expect(sent.at(-1)).toEqual({
      projectId: PROJECT,
      queueWaitMs: 2_600,
      startedAt: 106_000,
      reporter: 'w',
      window: 104_000,
      turns: 2,
    });
    call(106_500);
    expect(sent).toHaveLength(2);
    call(114_000);
    expect(sent.at(-1)).toMatchObject({ window: 112_000, turns: 0 });
    call(116_200);
    expect(sent).toHaveLength(3);
  });

  it('tells a backlog at once when no window has closed yet, without a count, at most once a window', () => {
    const sent: BacklogReport[] = [];
    const report = backlogReporter((r) => sent.push(r), 'w');
    report({ projectId: PROJECT, queueWaitMs: 3_000, startedAt: 100_100 });
    report({ projectId: PROJECT, queueWaitMs: 3_000, startedAt: 101_000 });
    expect(sent).toEqual([{ projectId: PROJECT, queueWaitMs: 3_000, startedAt: 100_100, reporter: 'w' }]);
    report({ projectId: PROJECT, queueWaitMs: 3_000, startedAt: 102_000 });
    expect(sent.at(-1)).toMatchObject({ window: 100_000, turns: 2 });
  });

  it("adds the holders' turns to the window they were taken in, and judges only windows begun since the rate was set", () => {
    let pace = noWorkerPace();
    pace = afterPaceReport(pace, {
      projectId: PROJECT,
      queueWaitMs: 3_000,
      startedAt: 12_100,
      reporter: 'w',
      window: 10_000,
      turns: 12,
    });
    pace = afterHolderTurn(afterHolderTurn(pace, 10_500), 11_999);
    expect(workerTurnsPerSecond(pace, 13_000, 0)).toBe(7);
    expect(workerTurnsPerSecond(pace, 12_999, 0)).toBeUndefined();
    expect(workerTurnsPerSecond(pace, 13_000, 10_001)).toBeUndefined();
    expect(workerTurnsPerSecond(pace, 15_000, 0)).toBeUndefined();
    const older = afterPaceReport(pace, { projectId: PROJECT, queueWaitMs: 0, startedAt: 1 });
    expect(older).toBe(pace);
  });
});
