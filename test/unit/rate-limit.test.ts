import { describe, expect, it } from 'vitest';
import { ProjectRateLimit } from '../../src/simulator/rate-limit.js';

describe("the simulator's per-project rate limit", () => {
  it('allows a burst of perSecond, then refills at perSecond a second, per project', () => {
    let now = 0;
    const limit = new ProjectRateLimit(20, () => now);
    const allowed = (project: string, count: number) =>
      Array.from({ length: count }, () => limit.take(project)).filter(Boolean).length;
    expect(allowed('p1', 25)).toBe(20);
    expect(allowed('p2', 5)).toBe(5);
    now += 500;
    expect(allowed('p1', 25)).toBe(10);
    now += 10_000;
    expect(allowed('p1', 25)).toBe(20);
  });
});
