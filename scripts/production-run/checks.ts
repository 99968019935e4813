import { PROJECT_RATE_LIMIT_WORKFLOW, SEND_SHARES_WORKFLOW } from '../../src/contract/index.js';
import { waitFor } from '../../src/dev/wait-for.js';
import { budgetHolds } from './budget-check.js';
import { collect } from './collections.js';
import type { Check, RunContext } from './context.js';
import { check, figure, say } from './report.js';
import { killAndRestart } from './restart-check.js';
import { rolloutUnderRunningTrackers } from './versioning-check.js';

const QUICK = ['srv-a1', 'srv-a2', 'srv-a3', 'srv-a4', 'srv-a5', 'srv-a6'];

/** Collections complete: one export each, the one tracked, its archive intact. */
export async function collectionsComplete(ctx: RunContext): Promise<void> {
  const results = await (await collect(ctx, 'proj-a', QUICK, 1_500)).results();
  say(`(a) ${results.length} collections completed, ${results.length} archives verified`);
}

/** Visibility queries by our search attributes find the trackers of `collectionsComplete`. */
export async function visibilityQueries(ctx: RunContext): Promise<void> {
  const count = async (query: string) => (await ctx.client.workflow.count(query)).count;
  const completed = `CloudDCProjectId = 'proj-a' AND LogExportStatus = 'completed'`;
  await waitFor(async () => ((await count(completed)) === QUICK.length ? true : undefined), {
    what: 'visibility to list every completed tracker',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  const one: string[] = [];
  for await (const info of ctx.client.workflow.list({ query: `CloudDCServerId = 'srv-a3'` }))
    one.push(info.workflowId);
  const exportId = ctx.sim.exportsOf('proj-a', 'srv-a3')[0]?.exportId;
  const byExport = await count(`CloudDCExportId = '${exportId}' AND CloudDCProjectId = 'proj-a'`);
  const running = await count(`CloudDCProjectId = 'proj-a' AND LogExportStatus != 'completed'`);
  check(
    one.length === 1,
    `CloudDCServerId = 'srv-a3' finds one tracker, not ${one.length} (${one.join(', ')})`,
  );
  check(byExport === 1, `CloudDCExportId finds the tracker (${byExport})`);
  check(running === 0, `no tracker of proj-a is listed as unfinished (${running})`);
  say(`(b) visibility: ${QUICK.length} completed trackers listed; CloudDCServerId = 'srv-a3' → ${one[0]}`);
}

/** At the end: nothing left running, one export per server, and every project within its quota. */
export async function nothingLostWithinQuota(ctx: RunContext): Promise<void> {
  // A project's budget keeper outlives the calls that started it by design (10 minutes idle), and
  // the registry of the workers' send shares lives as long as a worker renews its share.
  const open = (
    await ctx.client.workflow.count(
      `ExecutionStatus = 'Running' AND WorkflowType != '${PROJECT_RATE_LIMIT_WORKFLOW}' AND WorkflowType != '${SEND_SHARES_WORKFLOW}'`,
    )
  ).count;
  check(open === 0, `no collection or tracker left running (${open})`);
  const exports = ctx.servers.map((s) => ctx.sim.exportsOf(s.projectId, s.serverId).length);
  const notOne = ctx.servers.filter((_, i) => exports[i] !== 1);
  figure('Exports / servers', `${exports.reduce((a, b) => a + b, 0)} / ${ctx.servers.length}`);
  check(
    notOne.length === 0,
    `one export per server: ${notOne.map((s) => `${s.projectId}/${s.serverId}`).join(', ')}`,
  );
  const busiest = [...new Set(ctx.servers.map((s) => s.projectId))].map(
    (projectId) => [projectId, ctx.sim.busiestSecondOf(projectId)] as const,
  );
  figure(
    `Busiest second per project (quota ${ctx.quota})`,
    busiest.map(([projectId, most]) => `${projectId} ${most}`).join(', '),
  );
  const over = busiest.filter(([, most]) => most > ctx.quota);
  check(
    over.length === 0,
    `every project within its quota of ${ctx.quota}/s: ${over.map(([p, most]) => `${p} ${most}`).join(', ')}`,
  );
}

/**
 * The checks, run in this order on one cluster: each label is its figure. A check is an async
 * function of the run's context that throws to fail the run; add one here.
 */
export const CHECKS: Check[] = [
  { label: `(a) ${QUICK.length} collections complete`, run: collectionsComplete },
  { label: '(b) visibility queries by search attributes', run: visibilityQueries },
  { label: '(c) one project under a burst, within its budget', run: budgetHolds },
  { label: '(d) collections through SIGKILL + history and matching restarts', run: killAndRestart },
  {
    label: '(f) a build that could not replay them rolled out under running trackers',
    run: rolloutUnderRunningTrackers,
  },
  { label: '(e) nothing lost, every project within its quota', run: nothingLostWithinQuota },
];
