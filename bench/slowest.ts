import type { ExportScenarioInput } from '../src/simulator/scenario.js';
import type { PollOutcome } from './equal-cost.js';

/**
 * The `count` slowest detections among `outcomes`, a line each with the export's scenario, so a
 * tail can be replayed in the policy lab (`--worst` on both benches).
 */
export function slowestLines(
  outcomes: readonly (PollOutcome & { scenario: ExportScenarioInput })[],
  count: number,
): string[] {
  return [...outcomes]
    .sort((a, b) => b.latencyMs - a.latencyMs)
    .slice(0, count)
    .map((o) => `  ${(o.latencyMs / 1000).toFixed(1)} s, ${o.calls} calls: ${JSON.stringify(o.scenario)}`);
}
