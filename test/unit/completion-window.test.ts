import { describe, expect, it } from 'vitest';
import { completionWindow, knownReadings, type Reading } from '../../src/workflows/completion-window.js';
import { withSample } from '../../src/workflows/eta.js';

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
  it('is null until the readings move', () => {
    expect(completionWindow([])).toBeNull();
    expect(completionWindow(remembered(() => 0, [0, 5 * S, 10 * S]))).toBeNull();
  });

  it('holds the end of a steady export, narrowing as the readings span more time', () => {
    const curve = (t: number) => t / (1.2 * S); // 100 % at 120 s
    const early = completionWindow(remembered(curve, [0, 6 * S]));
    const later = completionWindow(remembered(curve, [0, 6 * S, 60 * S]));
    for (const window of [early, later]) {
      expect(window?.kind).toBe('steady');
      if (window?.kind !== 'steady') return;
      expect(window.soonest).toBeLessThanOrEqual(120 * S);
      expect(window.latest).toBeGreaterThanOrEqual(120 * S);
    }
    const width = (w: typeof early) => (w?.kind === 'steady' ? w.latest - w.soonest : Number.NaN);
    expect(width(later)).toBeLessThan(width(early) / 4);
  });

  it('reads a stepwise export by its step, so the last jump stays inside the window', () => {
    // Four jumps of 25 points, every 25 s; polls that do not land on the jumps.
    const curve = (t: number) => Math.floor(t / (25 * S)) * 25;
    const window = completionWindow(remembered(curve, [0, 7 * S, 19 * S, 31 * S, 44 * S, 56 * S, 77 * S]));
    expect(window?.kind).toBe('steady');
    if (window?.kind !== 'steady') return;
    expect(window.soonest).toBeLessThanOrEqual(100 * S);
    expect(window.latest).toBeGreaterThanOrEqual(100 * S);
    expect(window.soonest).toBeGreaterThan(77 * S);
  });

  it('allows for readings that go backwards by as much as they have', () => {
    // 1 point a second, read 4 points off either way, polled every 3 s: it goes backwards at times.
    const noise = [0, 4, -4, 3, -4, 4, -3, 2, -4, 4, -4, 3, 0, -4, 4, -2, 3, -4, 4, 0];
    const curve = (t: number) => Math.max(0, t / S + (noise[Math.round(t / (3 * S))] ?? 0));
    const times = Array.from({ length: 20 }, (_, i) => i * 3 * S);
    const window = completionWindow(remembered(curve, times));
    expect(window?.kind).toBe('steady');
    if (window?.kind !== 'steady') return;
    expect(window.soonest).toBeLessThanOrEqual(100 * S);
    expect(window.latest).toBeGreaterThanOrEqual(100 * S);
  });

  it('sees a stall once the reading holds longer than any steady pace allows, and remembers the pace before', () => {
    const curve = (t: number) => Math.min(40, t / S);
    const window = completionWindow(remembered(curve, [0, 10 * S, 20 * S, 40 * S, 70 * S]));
    expect(window).toMatchObject({ kind: 'stalled', percentage: 40, since: 40 * S, certain: true });
    if (window?.kind !== 'stalled') return;
    expect(window.paceBefore * S).toBeGreaterThan(0.7);
    expect(window.paceBefore * S).toBeLessThanOrEqual(1.1);
  });

  it('says the pace changed when a reading leaves the steady line, until readings after it tell the new pace', () => {
    // 1 point per 4 s, then 4 points a second from 60 s.
    const curve = (t: number) => (t < 60 * S ? t / (4 * S) : 15 + ((t - 60 * S) / S) * 4);
    const times = [0, 20 * S, 40 * S, 60 * S, 65 * S];
    const changed = completionWindow(remembered(curve, times));
    expect(changed).toMatchObject({ kind: 'changed', after: 60 * S, seenAt: 65 * S });
    // It sped up, so it goes at least as fast as between 60 s and 65 s: it ends (81.25 s) by then.
    if (changed?.kind !== 'changed') return;
    expect(changed.latest).toBeGreaterThanOrEqual(81_250);
    expect(changed.latest).toBeLessThan(90 * S);
    const next = completionWindow(remembered(curve, [...times, 67 * S]));
    expect(next?.kind).toBe('steady');
    if (next?.kind !== 'steady') return;
    // 35 points at 67 s, 4 a second: 100 % at 83.25 s.
    expect(next.soonest).toBeLessThanOrEqual(83_250);
    expect(next.latest).toBeGreaterThanOrEqual(83_250);
    // Two readings 2 s apart, with jumps of up to 6 points allowed (rises of 5), bound it loosely.
    expect(next.latest).toBeLessThan(125 * S);
  });

  it('bounds nothing after a slowdown, which may be a stall beginning', () => {
    // 1 point a second, then 1 per 10 s from 40 s.
    const curve = (t: number) => (t < 40 * S ? t / S : 40 + (t - 40 * S) / (10 * S));
    const window = completionWindow(remembered(curve, [0, 10 * S, 20 * S, 40 * S, 70 * S]));
    expect(window).toMatchObject({ kind: 'changed', latest: Number.POSITIVE_INFINITY });
  });

  it('keeps the fastest recent pace in reach after a slowdown, in case it was a pause that is over', () => {
    // 1 point a second to 40 %, held 30 s, then 1 a second again: a reading during the hold makes
    // the average look slower than the export runs.
    const curve = (t: number) => (t < 40 * S ? t / S : t < 70 * S ? 40 : 40 + (t - 70 * S) / S);
    const window = completionWindow(remembered(curve, [0, 10 * S, 30 * S, 80 * S]));
    expect(window?.kind).toBe('steady');
    if (window?.kind !== 'steady') return;
    // At its average pace (50 points in 80 s) the rest would take 80 s more; it opens well before.
    expect(window.soonest).toBeLessThan(150 * S);
    expect(window.latest).toBeGreaterThanOrEqual(130 * S);
  });

  it('does not call a hold certain when the readings go back, since slow progress may hide in their error', () => {
    // A point a second read up to 2 points off, then holding at 40 % from 40 s, read as 38 to 41.
    const readings = inSeconds([
      [0, 0],
      [10, 12],
      [20, 19],
      [30, 31],
      [40, 40],
      [60, 38],
      [90, 41],
      [120, 39],
    ]);
    expect(completionWindow(readings)).toMatchObject({ kind: 'stalled', certain: false });
  });

  it('allows jumps a point larger than the smallest rise, as whole-point readings of 4.8-point jumps are', () => {
    // 21 jumps of 4.76 points, one every 4.76 s: at 8.5 s it has made one and reads 4.
    const jumps = (t: number) => Math.floor((t * 21) / (100 * S)) * (100 / 21);
    const window = completionWindow(remembered(jumps, [0, 8.5 * S]));
    expect(window?.kind).toBe('steady');
    if (window?.kind !== 'steady') return;
    expect(window.soonest).toBeLessThanOrEqual(100 * S);
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
    const window = completionWindow(readings);
    expect(window?.kind).toBe('steady');
    if (window?.kind !== 'steady') return;
    expect(window.soonest).toBeLessThanOrEqual(100 * S);
    expect(window.latest).toBeGreaterThanOrEqual(100 * S);
  });
});
