import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { busiestSecond, secondsOver } from '../../src/simulator/request-rate.js';

describe('the seconds over a limit', () => {
  it('each holds what it says and more than the limit, none overlaps another, and the busiest is among them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 400 }),
        fc.integer({ min: 0, max: 30 }),
        (times, limit) => {
          const over = secondsOver(times, limit);
          for (const { at, count } of over) {
            expect(count).toBeGreaterThan(limit);
            expect(times.filter((t) => t >= at && t < at + 1_000)).toHaveLength(count);
          }
          for (let i = 1; i < over.length; i++)
            expect((over[i]?.at as number) - (over[i - 1]?.at as number)).toBeGreaterThanOrEqual(1_000);
          const busiest = busiestSecond(times);
          if (busiest > limit) expect(Math.max(...over.map((o) => o.count))).toBe(busiest);
          else expect(over).toEqual([]);
        },
      ),
    );
  });
});
