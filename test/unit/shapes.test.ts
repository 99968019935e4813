import { describe, expect, it } from 'vitest';
import { trackInVirtualTime } from '../../bench/policy-lab.js';
import { SHAPE_FAMILIES, shapedExports } from '../../bench/shapes.js';
import { exportScenarioSchema, finishAfterMs } from '../../src/simulator/scenario.js';
import { seeded } from '../../src/simulator/seeded-random.js';

describe('the shape families', () => {
  it.each(SHAPE_FAMILIES.map((f) => [f.name, f] as const))(
    '%s: valid exports, the same for a seed',
    (_, family) => {
      const exports = shapedExports(family, 50, 7);
      expect(shapedExports(family, 50, 7)).toEqual(exports);
      expect(shapedExports(family, 50, 8)).not.toEqual(exports);
      for (const e of exports) {
        const scenario = exportScenarioSchema.parse(e.scenario);
        expect(finishAfterMs(scenario)).toBeGreaterThan(0);
        expect(e.minIntervalMs).toBeGreaterThanOrEqual(1_000);
        expect(e.maxIntervalMs).toBeGreaterThanOrEqual(e.minIntervalMs);
      }
    },
  );

  it('are each tracked to their end in virtual time, through the workflow’s own policy', () => {
    for (const family of SHAPE_FAMILIES) {
      const random = seeded(3);
      for (const e of shapedExports(family, 20, 3)) {
        const outcome = trackInVirtualTime(e, random);
        expect(outcome.calls).toBeGreaterThanOrEqual(2);
        expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
        expect(outcome.latencyMs).toBeLessThanOrEqual(e.maxIntervalMs);
      }
    }
  });
});
