import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  completionWindow,
  endAtPaceShown,
  knownReadings,
  type Reading,
} from '../../src/workflows/tracker/completion-window.js';
import { withSample } from '../../src/workflows/tracker/eta.js';

const S = 1_000;

/** What a tracker remembers after polling `curve` (whole points) at `times`. */
function remembered(curve: (t: number) => number, times: number[]): Reading[] {
  let samples: ReturnType<typeof withSample> = [];
  let previous: number | undefined;
  for (const at of times) {
    samples = withSample(samples, {
      at,
      percentage: Math.floor(curve(at)),
      ...(previous === undefined ? {} : { after: previous }),
    });
    previous = at;
  }
  const last = times[times.length - 1] as number;
  return knownReadings(samples, { at: last, percentage: Math.floor(curve(last)) });
}

/** Readings given as [seconds, percentage] pairs. */
function inSeconds(pairs: [number, number][]): Reading[] {
  return pairs.map(([seconds, percentage]) => ({ at: seconds * S, percentage }));
}

/** Whether the window holds the end, in ms. */
function holds(window: ReturnType<typeof completionWindow>, end: number): boolean {
  return window !== null && window.soonest <= end && end <= window.latest;
}

describe('knownReadings', () => {
  it('keeps each moved reading, the poll before it, and the latest poll', () => {
    const readings = remembered((t) => (t < 30 * S ? 0 : 50), [0, 10 * S, 20 * S, 40 * S, 50 * S]);
    expect(readings).toEqual([
      { at: 0, percentage: 0 },
      { at: 20 * S, percentage: 0 },
      { at: 40 * S, percentage: 50 },
      { at: 50 * S, percentage: 50 },
    ]);
  });
});

describe('completionWindow', () => {
  it('is null until the readings move, and while they hold still', () => {
    expect(completionWindow([])).toBeNull();
    expect(completionWindow(remembered(() => 0, [0, 5 * S, 10 * S]))).toBeNull();
    const heldAt40 = (t: number) => Math.min(40, t / S);
    expect(completionWindow(remembered(heldAt40, [0, 10 * S, 20 * S, 40 * S, 70 * S, 100 * S]))).toBeNull();
  });

  it('holds the end of any steady export polled at any times, read in whole points', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 36_000 }).map((seconds) => seconds * S),
        fc.uniqueArray(fc.double({ min: 0, max: 0.99, noNaN: true }), { minLength: 2, maxLength: 14 }),
        (durationMs, shares) => {
          const times = [0, ...shares.map((x) => Math.round(x * durationMs))].sort((a, b) => a - b);
          const window = completionWindow(remembered((t) => (100 * t) / durationMs, [...new Set(times)]));
          return window === null || holds(window, durationMs);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('narrows as the readings span more time', () => {
    const curve = (t: number) => t / (1.2 * S); // 100 % at 120 s
    const early = completionWindow(remembered(curve, [0, 6 * S]));
    const later = completionWindow(remembered(curve, [0, 6 * S, 60 * S]));
    expect(holds(early, 120 * S) && holds(later, 120 * S)).toBe(true);
    const width = (w: typeof early) => (w ? w.latest - w.soonest : Number.NaN);
    expect(width(later)).toBeLessThan(width(early) / 4);
  });

  it('keeps the last of a few big jumps inside the window', () => {
    // Four jumps of 25 points, every 25 s; polls that do not land on the jumps.
    const curve = (t: number) => Math.floor(t / (25 * S)) * 25;
    const window = completionWindow(remembered(curve, [0, 7 * S, 19 * S, 31 * S, 44 * S, 56 * S, 77 * S]));
    expect(holds(window, 100 * S)).toBe(true);
    expect(window?.soonest).toBeGreaterThan(77 * S);
  });

  it('takes the size of the jumps from rises after held readings, a point larger than whole-point readings show', () => {
    // 21 jumps of 4.76 points, one every 4.76 s, polled every 2 s: held readings, then rises of 4 or 5.
    const jumps = (t: number) => Math.floor((t * 21) / (100 * S)) * (100 / 21);
    const times = Array.from({ length: 16 }, (_, i) => i * 2 * S);
    expect(holds(completionWindow(remembered(jumps, times)), 100 * S)).toBe(true);
  });

  it('allows for readings that go backwards by as much as they have', () => {
    // 1 point a second, read 4 points off either way, polled every 3 s: it goes backwards at times.
    const noise = [0, 4, -4, 3, -4, 4, -3, 2, -4, 4, -4, 3, 0, -4, 4, -2, 3, -4, 4, 0];
    const curve = (t: number) => Math.max(0, t / S + (noise[Math.round(t / (3 * S))] ?? 0));
    const times = Array.from({ length: 20 }, (_, i) => i * 3 * S);
    expect(holds(completionWindow(remembered(curve, times)), 100 * S)).toBe(true);
  });

  it('does not take rises within the reading error for the size of the jumps', () => {
    // Four jumps of 25 points, at 25, 50, 75 and 100 s, read up to 3 points off either way: a rise
    // of 3 is the error, not a jump, and the last jump must stay inside the window.
    const readings = inSeconds([
      [0, 2],
      [10, 0],
      [30, 27],
      [40, 23],
      [45, 26],
      [55, 52],
      [60, 50],
    ]);
    expect(holds(completionWindow(readings), 100 * S)).toBe(true);
  });

  it('after a speed-up, opens at once and closes by the end the pace between the last two readings brings', () => {
    // 1 point per 4 s, then 4 points a second from 60 s: 100 % at 81.25 s.
    const curve = (t: number) => (t < 60 * S ? t / (4 * S) : 15 + ((t - 60 * S) / S) * 4);
    const window = completionWindow(remembered(curve, [0, 20 * S, 40 * S, 60 * S, 65 * S]));
    expect(window?.soonest).toBe(65 * S);
    expect(holds(window, 81_250)).toBe(true);
    expect(window?.latest).toBeLessThan(90 * S);
  });

  it('bounds nothing right after a slowdown, which may be a hold beginning', () => {
    // 1 point a second, then 1 per 10 s from 40 s.
    const curve = (t: number) => (t < 40 * S ? t / S : 40 + (t - 40 * S) / (10 * S));
    expect(completionWindow(remembered(curve, [0, 10 * S, 20 * S, 40 * S, 70 * S]))).toBeNull();
  });

  it('after a long hold, reads a rise as either a burst or a jump: open from now, unbounded', () => {
    // 0 % for 165 s, then 74 % five seconds later: the rest may come in seconds or after another hold.
    const window = completionWindow(
      inSeconds([
        [0, 0],
        [165, 0],
        [170, 74],
      ]),
    );
    expect(window).toMatchObject({ soonest: 170 * S, latest: Number.POSITIVE_INFINITY });
  });

  it('follows the pace a crawl keeps, not the one before it', () => {
    // 95 % in 30 s, then a point every 10 s: the end at 80 s, which the crawl's readings bound.
    const curve = (t: number) => (t < 30 * S ? (95 * t) / (30 * S) : 95 + (t - 30 * S) / (10 * S));
    const window = completionWindow(remembered(curve, [0, 10 * S, 30 * S, 45 * S, 60 * S, 70 * S]));
    expect(holds(window, 80 * S)).toBe(true);
    expect(window?.latest).toBeLessThan(100 * S);
  });
});

describe('endAtPaceShown', () => {
  it('is how long the rest takes at the fastest pace two readings surely show', () => {
    // 40 points in 40 s (at least 39 with whole-point readings), then held at 40 %.
    const readings = inSeconds([
      [0, 0],
      [40, 40],
      [70, 40],
    ]);
    expect(endAtPaceShown(readings)).toBeCloseTo((60 / 39) * 40 * S, -1);
    expect(
      endAtPaceShown(
        inSeconds([
          [0, 0],
          [30, 0],
        ]),
      ),
    ).toBeNull();
  });
});
