import { describe, expect, it } from 'vitest';
import {
  type ExportScenarioInput,
  exportScenarioSchema,
  exportViewAt,
  finishAfterMs,
  formatPercentage,
} from '../../src/simulator/scenario.js';

const scenario = (input: ExportScenarioInput = {}) => exportScenarioSchema.parse(input);

describe('exportScenarioSchema', () => {
  it('fills in the defaults', () => {
    expect(scenario()).toEqual({
      durationMs: 60_000,
      curve: 'linear',
      steps: 4,
      outcome: 'completed',
      failAtPercent: 40,
      runningStatus: 'processing',
      percentageFormat: 'percent-string',
      createdAtFormat: 'iso',
      archiveBytes: 65_536,
    });
  });

  it('rejects unknown fields', () => {
    expect(() => exportScenarioSchema.parse({ bogus: 1 })).toThrow();
  });
});

describe('exportViewAt', () => {
  it('follows the waypoints of a path, then the rest of the way to 100 %', () => {
    const slowThenFast = scenario({ durationMs: 100_000, path: [[0.8, 20]] });
    expect(exportViewAt(slowThenFast, 40_000).percentage).toBe(10);
    expect(exportViewAt(slowThenFast, 80_000).percentage).toBe(20);
    expect(exportViewAt(slowThenFast, 90_000).percentage).toBe(60);
    expect(exportViewAt(slowThenFast, 100_000)).toMatchObject({ percentage: 100, finished: true });
    const heldThenBurst = scenario({
      durationMs: 100_000,
      path: [
        [0.2, 40],
        [0.9, 40],
      ],
    });
    expect(exportViewAt(heldThenBurst, 50_000).percentage).toBe(40);
    expect(exportViewAt(heldThenBurst, 92_000).percentage).toBe(52);
  });

  it('refuses waypoints out of time order', () => {
    expect(() =>
      scenario({
        path: [
          [0.5, 10],
          [0.2, 30],
        ],
      }),
    ).toThrow(/time order/);
  });

  it('reads noisy percentages within the amplitude, backwards at times, the same for a seed', () => {
    const noisy = scenario({ durationMs: 100_000, noise: { amplitude: 5, everyMs: 1_000, seed: 9 } });
    const readings = Array.from({ length: 99 }, (_, i) => exportViewAt(noisy, i * 1_000).percentage);
    readings.forEach((p, i) => {
      expect(Math.abs(p - i)).toBeLessThanOrEqual(6);
    });
    expect(readings.some((p, i) => i > 0 && p < (readings[i - 1] as number))).toBe(true);
    expect(Array.from({ length: 99 }, (_, i) => exportViewAt(noisy, i * 1_000).percentage)).toEqual(readings);
  });

  describe('linear curve', () => {
    const linear = scenario({ durationMs: 60_000, curve: 'linear' });

    it('starts at 0 with the running status', () => {
      expect(exportViewAt(linear, 0)).toEqual({ status: 'processing', percentage: 0, finished: false });
    });

    it('is 50 % at half time', () => {
      expect(exportViewAt(linear, 30_000)).toEqual({ status: 'processing', percentage: 50, finished: false });
    });

    it('is proportional to elapsed time', () => {
      expect(exportViewAt(linear, 15_000).percentage).toBe(25);
      expect(exportViewAt(linear, 45_000).percentage).toBe(75);
    });

    it('stays below 100 and unfinished until the finish time', () => {
      expect(finishAfterMs(linear)).toBe(60_000);
      const view = exportViewAt(linear, 59_999);
      expect(view.finished).toBe(false);
      expect(view.percentage).toBeLessThan(100);
      expect(view.status).toBe('processing');
      for (let t = 0; t < 60_000; t += 500) {
        expect(exportViewAt(linear, t).percentage).toBeLessThan(100);
      }
    });

    it('never goes backwards', () => {
      let previous = -1;
      for (let t = 0; t <= 70_000; t += 250) {
        const { percentage } = exportViewAt(linear, t);
        expect(percentage).toBeGreaterThanOrEqual(previous);
        previous = percentage;
      }
    });

    it('is finished with completed/100 at and after finishAfterMs', () => {
      expect(exportViewAt(linear, 60_000)).toEqual({ status: 'completed', percentage: 100, finished: true });
      expect(exportViewAt(linear, 1_000_000)).toEqual({
        status: 'completed',
        percentage: 100,
        finished: true,
      });
    });

    it('uses the configured running status', () => {
      expect(exportViewAt(scenario({ runningStatus: 'Running' }), 1_000).status).toBe('Running');
    });

    it('finishes at once with a zero duration', () => {
      expect(exportViewAt(scenario({ durationMs: 0 }), 0)).toEqual({
        status: 'completed',
        percentage: 100,
        finished: true,
      });
    });
  });

  describe('steps curve', () => {
    it.each([4, 5, 10])('only takes multiples of 100/%d', (steps) => {
      const stepped = scenario({ durationMs: 10_000, curve: 'steps', steps });
      const seen = new Set<number>();
      for (let t = 0; t < 10_000; t += 7) {
        const { percentage, finished } = exportViewAt(stepped, t);
        expect(finished).toBe(false);
        expect(percentage % (100 / steps)).toBe(0);
        seen.add(percentage);
      }
      // Every step below 100 is visited, and nothing else.
      expect([...seen].sort((a, b) => a - b)).toEqual(
        Array.from({ length: steps }, (_, i) => (i * 100) / steps),
      );
      expect(exportViewAt(stepped, 10_000)).toEqual({ status: 'completed', percentage: 100, finished: true });
    });

    it('jumps at the step boundaries', () => {
      const stepped = scenario({ durationMs: 40_000, curve: 'steps', steps: 4 });
      expect(exportViewAt(stepped, 9_999).percentage).toBe(0);
      expect(exportViewAt(stepped, 10_000).percentage).toBe(25);
      expect(exportViewAt(stepped, 19_999).percentage).toBe(25);
      expect(exportViewAt(stepped, 20_000).percentage).toBe(50);
      expect(exportViewAt(stepped, 39_999).percentage).toBe(75);
    });
  });

  describe('stall', () => {
    const stalled = scenario({ durationMs: 60_000, stall: { atPercent: 50, forMs: 10_000 } });

    it('delays the finish by forMs', () => {
      expect(finishAfterMs(stalled)).toBe(70_000);
      expect(exportViewAt(stalled, 60_000).finished).toBe(false);
      expect(exportViewAt(stalled, 69_999)).toMatchObject({ finished: false, status: 'processing' });
      expect(exportViewAt(stalled, 69_999).percentage).toBeLessThan(100);
      expect(exportViewAt(stalled, 70_000)).toEqual({ status: 'completed', percentage: 100, finished: true });
    });

    it('holds the percentage at atPercent for forMs', () => {
      for (let t = 30_000; t <= 40_000; t += 500) {
        expect(exportViewAt(stalled, t).percentage).toBe(50);
      }
    });

    it('progresses normally before the stall and shifted by forMs after it', () => {
      expect(exportViewAt(stalled, 15_000).percentage).toBe(25);
      expect(exportViewAt(stalled, 29_000).percentage).toBe(48);
      expect(exportViewAt(stalled, 45_000).percentage).toBe(58);
      expect(exportViewAt(stalled, 55_000).percentage).toBe(75);
    });

    it('does not delay a failure that happens before the stall point', () => {
      const failsFirst = scenario({
        durationMs: 60_000,
        outcome: 'failed',
        failAtPercent: 40,
        stall: { atPercent: 50, forMs: 10_000 },
      });
      expect(finishAfterMs(failsFirst)).toBe(24_000);
      expect(exportViewAt(failsFirst, 24_000)).toEqual({ status: 'failed', percentage: 40, finished: true });
    });
  });

  describe('failed outcome', () => {
    const failing = scenario({ durationMs: 60_000, outcome: 'failed', failAtPercent: 40 });

    it('finishes when it reaches failAtPercent', () => {
      expect(finishAfterMs(failing)).toBe(24_000);
    });

    it('runs below failAtPercent before that', () => {
      for (let t = 0; t < 24_000; t += 250) {
        const view = exportViewAt(failing, t);
        expect(view.finished).toBe(false);
        expect(view.status).toBe('processing');
        expect(view.percentage).toBeLessThan(40);
      }
    });

    it('stops at failAtPercent with status failed', () => {
      expect(exportViewAt(failing, 24_000)).toEqual({ status: 'failed', percentage: 40, finished: true });
      expect(exportViewAt(failing, 600_000)).toEqual({ status: 'failed', percentage: 40, finished: true });
    });
  });

  describe('finalStatus', () => {
    it('reports Running at 100 when finished with finalStatus Running', () => {
      const neverSaysDone = scenario({
        durationMs: 10_000,
        runningStatus: 'Running',
        finalStatus: 'Running',
      });
      expect(exportViewAt(neverSaysDone, 10_000)).toEqual({
        status: 'Running',
        percentage: 100,
        finished: true,
      });
      expect(exportViewAt(neverSaysDone, 5_000)).toEqual({
        status: 'Running',
        percentage: 50,
        finished: false,
      });
    });

    it('overrides the failure word of a failed outcome', () => {
      const failing = scenario({
        durationMs: 10_000,
        outcome: 'failed',
        failAtPercent: 20,
        finalStatus: 'ERROR',
      });
      expect(exportViewAt(failing, 2_000)).toEqual({ status: 'ERROR', percentage: 20, finished: true });
    });
  });
});

describe('formatPercentage', () => {
  it('writes "30%" for percent-string (the default)', () => {
    expect(formatPercentage(scenario(), 30)).toBe('30%');
    expect(formatPercentage(scenario({ percentageFormat: 'percent-string' }), 0)).toBe('0%');
  });

  it('writes a number for number', () => {
    expect(formatPercentage(scenario({ percentageFormat: 'number' }), 30)).toBe(30);
  });

  it('writes "30" for numeric-string', () => {
    expect(formatPercentage(scenario({ percentageFormat: 'numeric-string' }), 30)).toBe('30');
  });

  it('writes something unparseable for garbage, whatever the percentage', () => {
    const garbage = scenario({ percentageFormat: 'garbage' });
    expect(formatPercentage(garbage, 30)).toBe('n/a');
    expect(formatPercentage(garbage, 100)).toBe('n/a');
  });

  it('garbles a share of the answers, in stretches, the same for a seed', () => {
    const answers = (share: number, seed = 4) => {
      const s = scenario({ unreadable: { share, everyMs: 2_000, seed } });
      return Array.from({ length: 400 }, (_, i) => formatPercentage(s, 30, i * 500));
    };
    const garbled = (list: (string | number)[]) => list.filter((a) => a === 'n/a').length;
    expect(garbled(answers(0))).toBe(0);
    expect(garbled(answers(1))).toBe(400);
    const third = answers(0.3);
    expect(garbled(third)).toBeGreaterThan(80);
    expect(garbled(third)).toBeLessThan(160);
    expect(answers(0.3)).toEqual(third);
    expect(answers(0.3, 5)).not.toEqual(third);
    // Four answers of each 2 s stretch read alike.
    for (let i = 0; i < 400; i += 4) expect(new Set(third.slice(i, i + 4)).size).toBe(1);
  });
});
