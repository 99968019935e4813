import { encodeTimeoutType } from '@temporalio/common';
import { DEFAULT_TASK_QUEUE } from '../../src/contract/index.js';
import { waitFor } from '../../src/dev/wait-for.js';
import { collect } from './collections.js';
import type { RunContext } from './context.js';
import { describeHosts, loadedOn, partitionEvents } from './partition-hosts.js';
import { check, figure, say, seconds } from './report.js';

const SLOW = ['srv-c1', 'srv-c2', 'srv-c3', 'srv-c4', 'srv-c5', 'srv-c6'];
const SCHEDULE_TO_START = encodeTimeoutType('SCHEDULE_TO_START');

/**
 * Slow exports in flight; once each has been polled twice, our first worker is killed with
 * SIGKILL, then the history service and the matching host holding the activity partition (both
 * hosts in turn when the logs do not tell) are restarted one after the other. Every collection
 * still completes, with one export each, and the killed worker had a share of the work.
 */
export async function killAndRestart(ctx: RunContext): Promise<void> {
  const batch = await collect(ctx, 'proj-c', SLOW, 12_000);
  await waitFor(
    () =>
      SLOW.every((serverId) => {
        const [record] = ctx.sim.exportsOf('proj-c', serverId);
        return record && ctx.sim.statusRequests(record).length >= 2;
      })
        ? true
        : undefined,
    { what: 'every slow export to be requested and polled twice', timeoutMs: 60_000, intervalMs: 200 },
  );
  const [victim, survivor] = ctx.workers;
  if (!victim || !survivor) throw new Error('The kill-and-restart check needs two workers');
  victim.child.kill('SIGKILL');
  await new Promise((resolve) => victim.child.once('exit', resolve));
  ctx.workers.splice(ctx.workers.indexOf(victim), 1);

  const matching = ctx.cluster.services.filter((s) => s.role === 'matching');
  const activityPartition = () => partitionEvents(matching, 'default', DEFAULT_TASK_QUEUE, 'Activity');
  const owners = loadedOn(await activityPartition());
  const restarted = [
    ctx.cluster.service('history'),
    ...(owners.length === 1 ? owners.map((name) => ctx.cluster.service(name)) : matching),
  ];
  say(
    `(d) ${victim.name} killed with SIGKILL; restarting ${restarted.map((s) => s.name).join(', then ')} ...`,
  );
  const down = Date.now();
  const restarts: string[] = [];
  for (const service of restarted) {
    const pid = service.pid();
    const ms = await service.restart();
    restarts.push(`${service.name} pid ${pid} → ${service.pid()} (${seconds(ms)})`);
    say(`(d) ${service.name} back in its ring after ${seconds(ms)} (stop + start)`);
  }
  figure('(d) restarted, one after the other', restarts.join('; '));
  const results = await batch.results();
  check(survivor.child.exitCode === null, `${survivor.name} survived the restarts`);
  check(
    SLOW.every((serverId) => (ctx.sim.exportsOf('proj-c', serverId)[0]?.finishesAt ?? 0) > down),
    'the exports were still running when the services went down',
  );
  const ids = [...batch.handles.map((h) => h.workflowId)];
  for await (const info of ctx.client.workflow.list({ query: `CloudDCProjectId = 'proj-c'` }))
    ids.push(info.workflowId);
  const { tasksBy, rescheduled, workflowTasksTimedOut } = await tasksOf(ctx, ids);
  const byVictim = tasksBy.get(victim.child.pid ?? -1) ?? 0;
  const bySurvivor = tasksBy.get(survivor.child.pid ?? -1) ?? 0;
  check(byVictim > 0, `${victim.name} had run tasks of these collections before it was killed`);
  say(
    `(d) ${results.length} collections (${ids.length - results.length} trackers) completed, 0 lost, 0 exports requested twice; tasks run: ${victim.name} ${byVictim} (until SIGKILL), ${survivor.name} ${bySurvivor}`,
  );
  // Read once the collections are done, so the figure shows where the partition settled.
  const moves = (await activityPartition()).filter((e) => e.at >= down && e.loaded).map((e) => e.host);
  figure('(d) activity partition loaded, from the first restart on', moves.join(' → ') || 'by no other host');
  figure(
    '(d) activity partition held at the end by',
    describeHosts(ctx.cluster, loadedOn(await activityPartition())),
  );
  figure(
    '(d) tasks run by the killed / surviving worker',
    `${byVictim} / ${bySurvivor} (of ${ids.length} workflows)`,
  );
  figure('(d) activity tasks no worker picked up, scheduled again', String(rescheduled));
  // A workflow task the killed worker held, or one on its sticky queue, waits out a 10 s timeout.
  figure('(d) workflow tasks timed out', String(workflowTasksTimedOut));
}

/**
 * From the workflows' histories: tasks run per worker process, by the identity (pid@host) each
 * worker gives; the activity tasks the server lost around the kill and the restarts, found by
 * their schedule-to-start timeout; and the workflow tasks that timed out.
 */
async function tasksOf(ctx: RunContext, workflowIds: string[]) {
  const tasksBy = new Map<number, number>();
  let rescheduled = 0;
  let workflowTasksTimedOut = 0;
  for (const workflowId of workflowIds) {
    const history = await ctx.client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      const identity =
        event.workflowTaskStartedEventAttributes?.identity ??
        event.activityTaskStartedEventAttributes?.identity;
      const pid = Number(/^(\d+)@/.exec(identity ?? '')?.[1]);
      if (pid) tasksBy.set(pid, (tasksBy.get(pid) ?? 0) + 1);
      if (
        event.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType ===
        SCHEDULE_TO_START
      )
        rescheduled++;
      if (event.workflowTaskTimedOutEventAttributes) workflowTasksTimedOut++;
    }
  }
  return { tasksBy, rescheduled, workflowTasksTimedOut };
}
