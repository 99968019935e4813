import type { ExportScenarioInput } from '../src/simulator/scenario.js';
import { seeded } from '../src/simulator/seeded-random.js';

export type CurveKind = 'linear' | 'steps' | 'stall' | 'failed';

export interface BenchExport {
  kind: CurveKind;
  scenario: ExportScenarioInput;
}

/**
 * The mix of exports each strategy tracks, the same for all: 20 s to 3 min (times `scale`), 45 %
 * linear, 30 % stepwise (10 to 25 steps), 22 % holding still for 20 to 60 % of their duration
 * part-way and then going on, 3 % failing part-way. Seeded, so runs compare.
 */
export function benchExports(count: number, scale: number, seed: number): BenchExport[] {
  const random = seeded(seed);
  return Array.from({ length: count }, () => {
    const durationMs = Math.round((20_000 + random() * 160_000) * scale);
    const pick = random();
    if (pick < 0.45) return { kind: 'linear', scenario: { durationMs } };
    if (pick < 0.75) {
      return {
        kind: 'steps',
        scenario: { durationMs, curve: 'steps', steps: 10 + Math.floor(random() * 16) },
      };
    }
    if (pick < 0.97) {
      const stall = {
        atPercent: 20 + Math.floor(random() * 60),
        forMs: Math.round(durationMs * (0.2 + random() * 0.4)),
      };
      return { kind: 'stall', scenario: { durationMs, stall } };
    }
    return {
      kind: 'failed',
      scenario: { durationMs, outcome: 'failed', failAtPercent: 10 + Math.floor(random() * 80) },
    };
  });
}
