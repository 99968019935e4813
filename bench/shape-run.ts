/**
 * `npm run bench -- --shapes`: ours against a fixed poller making as many calls, per shape family,
 * end to end on the real dev server. Ours runs first on every family of a batch at once; its calls
 * per export give each family's matched interval, and the fixed poller then runs at that interval
 * on the same exports. Long families run faster than life (their `timeScale`); figures are in
 * export time. The families that run at life's pace go first, in batches, and each faster time
 * scale after them on its own: compressing time multiplies a family's request rate, and ours near
 * an end polls at its (scaled) `minInterval`, so that load would fall on ours' polls of every
 * family beside it more than on the fixed poller's, run later at its matched rate.
 */
import type { Client } from '@temporalio/client';
import {
  logExportWorkflowId,
  MIN_POLL_INTERVAL_MS,
  maxStatusCalls,
  WorkflowType,
} from '../src/contract/index.js';
import { type ExportScenarioInput, exportScenarioSchema, finishAfterMs } from '../src/simulator/scenario.js';
import type { CloudDCSimulator } from '../src/simulator/server.js';
import {
  compareAtEqualCost,
  fixedCallsForP95,
  type LatencyFigures,
  latencyFigures,
  matchedFixedInterval,
  type PollOutcome,
} from './equal-cost.js';
import { goalVerdict, SHAPE_FAMILIES, type ShapedExport, type ShapeFamily, shapedExports } from './shapes.js';
import { slowestLines } from './slowest.js';
import { renderRows } from './table.js';
import { benchTaskQueue, outcomeOf } from './workers.js';

export interface ShapeFigures {
  family: string;
  description: string;
  goal: Pick<ShapeFamily, 'p95RatioAllowed'>;
  ours: LatencyFigures;
  fixed: LatencyFigures;
  /** The fixed poller's interval, in export time. */
  fixedIntervalMs: number;
  /** Calls per export a fixed poller would need for ours' p95 (computed from the same exports). */
  fixedCallsForOursP95: number;
  /** Exports whose tracker did not reach the right end (either strategy). */
  wrong: number;
  /** Ours' exports that cost more status calls than the budget's bound (`maxStatusCalls`). */
  overBound: number;
}

interface Tracked {
  projectId: string;
  serverId: string;
  exportId: string;
  finishesAt: number;
  /** Creation to end, in export time. */
  durationMs: number;
  expected: 'completed' | 'failed';
  /** As generated, in export time. */
  scenario: ExportScenarioInput;
  /** The budget's bound on ours' calls for this export. */
  maxCalls: number;
}

/** A population to measure: a shape family, or the generated population of `--random`. */
export interface ShapePlan {
  family: Pick<ShapeFamily, 'name' | 'description' | 'timeScale' | 'p95RatioAllowed'>;
  exports: ShapedExport[];
  /**
   * Parts of the population also reported on their own: ours' runs of the part, against the
   * fixed poller that polls at creation and then evenly at the part's matched interval, computed
   * (the fixed poller ran at the whole population's interval).
   */
  parts?: { name: string; includes: (scenario: ExportScenarioInput) => boolean }[];
}

/** The shape families' plans: `count` exports of each, the same for a seed. */
export function familyPlans(count: number, seed: number, only?: string[]): ShapePlan[] {
  return SHAPE_FAMILIES.filter((f) => !only || only.includes(f.name)).map((family) => ({
    family,
    exports: shapedExports(family, count, seed),
  }));
}

export async function runShapePlans(
  client: Client,
  sim: CloudDCSimulator,
  plans: ShapePlan[],
  {
    timeScale,
    worst,
    log,
  }: {
    timeScale: number;
    /** Log this many of ours' slowest detections per family, with their scenarios. */
    worst?: number;
    log: (line: string) => void;
  },
): Promise<ShapeFigures[]> {
  const scaledPlans = plans.map((plan) => ({
    ...plan,
    family: { ...plan.family, timeScale: plan.family.timeScale * timeScale },
  }));
  log(`measuring: ${plans.map((p) => `${p.family.name} (${p.exports.length})`).join(', ')}`);
  const figures = new Map<string, ShapeFigures>();
  const scales = [...new Set(scaledPlans.map((p) => p.family.timeScale))].sort((a, b) => b - a);
  for (const scale of scales) {
    const phase = scaledPlans.filter((p) => p.family.timeScale === scale);
    for (let i = 0; i < phase.length; i += FAMILIES_AT_ONCE) {
      const batch = phase.slice(i, i + FAMILIES_AT_ONCE);
      for (const f of await runTogether(client, sim, batch, worst, log)) figures.set(f.family, f);
    }
  }
  const names = plans.flatMap((p) => [p.family.name, ...(p.parts ?? []).map((part) => partName(p, part))]);
  return names.flatMap((name) => figures.get(name) ?? []);
}

function partName(plan: ShapePlan, part: NonNullable<ShapePlan['parts']>[number]): string {
  return `${plan.family.name}: ${part.name}`;
}

/**
 * Families tracked at once, at most: as many as ran together when the policy was measured. With
 * more, starting them all keeps two cores busy for seconds, so a 5–25 s export is half over
 * before its first poll, and ours, run first, carries the machine's load in every family.
 */
const FAMILIES_AT_ONCE = 9;

/** Ours on every family of `plans` at once, then the fixed poller on them all at its matched intervals. */
async function runTogether(
  client: Client,
  sim: CloudDCSimulator,
  plans: ShapePlan[],
  worst: number | undefined,
  log: (line: string) => void,
): Promise<ShapeFigures[]> {
  const ours = await Promise.all(
    plans.map(async ({ family, exports }) => {
      const tracked = await startAll(client, sim, 'ours', family, exports, (e) => ({
        workflowType: WorkflowType.TrackLogExport,
        taskQueue: benchTaskQueue('ours'),
        args: (ref) => [
          {
            ...ref,
            policy: {
              minInterval: `${Math.max(MIN_POLL_INTERVAL_MS, Math.round(e.minIntervalMs * family.timeScale))}ms`,
              maxInterval: `${Math.max(MIN_POLL_INTERVAL_MS, Math.round(e.maxIntervalMs * family.timeScale))}ms`,
              timeout: '6h',
              stallTimeout: '6h',
            },
          },
        ],
      }));
      const outcomes = await finishAll(client, sim, 'ours', family, tracked);
      log(`ours done: ${family.name}`);
      if (worst) for (const line of slowestLines(outcomes.right, worst)) log(line);
      return outcomes;
    }),
  );

  const measured = await Promise.all(
    plans.map(async ({ family, exports }, i) => {
      const oursOutcomes = ours[i] as Outcomes;
      const oursFigures = latencyFigures(oursOutcomes.right);
      const durations = exports.map((e) => finishAt(e));
      const intervalMs = matchedFixedInterval(durations, oursFigures.callsPerExport);
      const tracked = await startAll(client, sim, 'fixed', family, exports, () => ({
        workflowType: 'fixedIntervalTracker',
        taskQueue: benchTaskQueue('fixed'),
        args: (ref) => [{ ...ref, intervalMs: Math.max(1, Math.round(intervalMs * family.timeScale)) }],
      }));
      const fixedOutcomes = await finishAll(client, sim, 'fixed', family, tracked);
      log(`fixed done: ${family.name}`);
      return {
        family: family.name,
        description: family.description,
        goal: { p95RatioAllowed: family.p95RatioAllowed },
        ours: oursFigures,
        fixed: latencyFigures(fixedOutcomes.right),
        fixedIntervalMs: intervalMs,
        fixedCallsForOursP95: fixedCallsForP95(durations, oursFigures.p95),
        wrong: oursOutcomes.wrong + fixedOutcomes.wrong,
        overBound: oursOutcomes.right.filter((o) => o.calls > o.maxCalls).length,
      };
    }),
  );
  const parts = plans.flatMap((plan, i) =>
    (plan.parts ?? []).flatMap((part): ShapeFigures[] => {
      const right = (ours[i] as Outcomes).right.filter((o) => part.includes(o.scenario));
      if (right.length === 0) return [];
      const c = compareAtEqualCost(right);
      return [
        {
          family: partName(plan, part),
          description: `${plan.family.description}: ${part.name} (fixed computed)`,
          goal: {},
          ours: c.ours,
          fixed: c.fixed,
          fixedIntervalMs: c.fixedIntervalMs,
          fixedCallsForOursP95: c.fixedCallsForOursP95,
          wrong: 0,
          overBound: right.filter((o) => o.calls > o.maxCalls).length,
        },
      ];
    }),
  );
  return [...measured, ...parts];
}

/** When the export ends, in export time. */
function finishAt(shaped: ShapedExport): number {
  return finishAfterMs(exportScenarioSchema.parse(shaped.scenario));
}

async function startAll(
  client: Client,
  sim: CloudDCSimulator,
  strategy: 'ours' | 'fixed',
  family: ShapePlan['family'],
  exports: ShapedExport[],
  start: (e: ShapedExport) => {
    workflowType: string;
    taskQueue: string;
    args: (ref: { projectId: string; serverId: string; exportId: string }) => unknown[];
  },
): Promise<Tracked[]> {
  const projectId = `shapes-${strategy}-${family.name}`;
  return Promise.all(
    exports.map(async (shaped, i) => {
      const scenario = scaled(shaped.scenario, family.timeScale);
      const record = sim.createExport(projectId, `srv-${i}`, scenario);
      const ref = { projectId, serverId: record.serverId, exportId: record.exportId };
      const how = start(shaped);
      await client.workflow.start(how.workflowType, {
        taskQueue: how.taskQueue,
        workflowId: `${strategy}:${logExportWorkflowId(ref)}`,
        args: how.args(ref),
      });
      return {
        ...ref,
        finishesAt: record.finishesAt,
        durationMs: finishAt(shaped),
        expected: record.scenario.outcome,
        scenario: shaped.scenario,
        maxCalls: maxStatusCalls(shaped, finishAt(shaped)),
      };
    }),
  );
}

interface Outcomes {
  right: (PollOutcome & { scenario: ExportScenarioInput; maxCalls: number })[];
  wrong: number;
}

async function finishAll(
  client: Client,
  sim: CloudDCSimulator,
  strategy: 'ours' | 'fixed',
  family: ShapePlan['family'],
  tracked: Tracked[],
): Promise<Outcomes> {
  const outcomes: Outcomes = { right: [], wrong: 0 };
  for (const t of tracked) {
    const workflowId = `${strategy}:${logExportWorkflowId(t)}`;
    const got = await outcomeOf(client, strategy, workflowId);
    if (got !== t.expected) {
      outcomes.wrong++;
      continue;
    }
    const { closeTime } = await client.workflow.getHandle(workflowId).describe();
    if (!closeTime) throw new Error(`${workflowId} has a result but no close time`);
    outcomes.right.push({
      calls: sim.statusTally(t).requests,
      latencyMs: (closeTime.getTime() - t.finishesAt) / family.timeScale,
      durationMs: t.durationMs,
      scenario: t.scenario,
      maxCalls: t.maxCalls,
    });
  }
  return outcomes;
}

function scaled(scenario: ShapedExport['scenario'], scale: number): ShapedExport['scenario'] {
  return {
    ...scenario,
    durationMs: Math.round((scenario.durationMs ?? 60_000) * scale),
    ...(scenario.stall
      ? { stall: { ...scenario.stall, forMs: Math.round(scenario.stall.forMs * scale) } }
      : {}),
    ...(scenario.noise
      ? {
          noise: {
            ...scenario.noise,
            everyMs: Math.max(1, Math.round((scenario.noise.everyMs ?? 1_000) * scale)),
          },
        }
      : {}),
    ...(scenario.unreadable
      ? {
          unreadable: {
            ...scenario.unreadable,
            everyMs: Math.max(1, Math.round((scenario.unreadable.everyMs ?? 1_000) * scale)),
          },
        }
      : {}),
  };
}

/** One row per family: ours, the fixed poller at as many calls, and whether ours is ahead. */
export function renderShapeTable(figures: ShapeFigures[]): string {
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  const rows = [
    [
      'family',
      'calls ours / fixed',
      'ours p50 / p95 / max (s)',
      'fixed p50 / p95 / max (s)',
      'fixed every (s)',
      'fixed calls for ours p95',
      'ours over bound',
      'goal met',
    ],
    ...figures.map((f) => [
      f.family,
      `${f.ours.callsPerExport.toFixed(1)} / ${f.fixed.callsPerExport.toFixed(1)}`,
      `${sec(f.ours.p50)} / ${sec(f.ours.p95)} / ${sec(f.ours.max)}`,
      `${sec(f.fixed.p50)} / ${sec(f.fixed.p95)} / ${sec(f.fixed.max)}`,
      sec(f.fixedIntervalMs),
      f.fixedCallsForOursP95.toFixed(1),
      String(f.overBound),
      `${goalVerdict(f.goal, f.ours.p95, f.fixed.p95)}${f.wrong > 0 ? ` (${f.wrong} wrong outcomes)` : ''}`,
    ]),
  ];
  return renderRows(rows);
}
