import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollection } from '../../src/client/collection.js';
import { collectServerLogsWorkflowId, PRIORITY_KEY, WorkflowType } from '../../src/contract/index.js';
import type { ExportScenarioInput } from '../../src/simulator/scenario.js';
import type { collectServerLogs } from '../../src/workflows/index.js';
import { POLLS_AHEAD_IN_WINDOW, POLLS_AHEAD_WHILE_UNFORETOLD } from '../../src/workflows/tracker/urgency.js';
import { FAST_POLICY, type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** The queue paces the project at (3 − 1) / (1 + 1/9) = 1.8 polls a second. */
const QUOTA = 3;
const PROJECT = 'proj-urgent';
/** Ten eager trackers keep about ten polls queued: a routine poll waits some five seconds. */
const EAGER = 10;
/** Exports under way whose end nothing foretells, started while the members' requests queue. */
const UNDER_WAY = 3;
/**
 * Collections started at once: their export requests queue for the turns the polls leave (their
 * own trackers poll once a minute, so the turns left stay about the same).
 */
const WAITING_TO_START = 30;
const SLOW_POLICY = { minInterval: '1m', maxInterval: '1m' } as const;

type Event = temporal.api.history.v1.IHistoryEvent;

/** An activity (a status poll, an export request) as its workflow's history records it. */
interface RecordedTask {
  scheduledEventId: string;
  scheduledAt: number;
  startedAt: number | undefined;
  priorityKey: number;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rateLimit: QUOTA });
});
afterAll(async () => {
  await h?.close();
});

describe('urgent polls under a saturated project budget', () => {
  it('go ahead of the routine polls queued before them, and an overdue export gets only one', async () => {
    const eager = await fillQueue(PROJECT, 'eager', EAGER, { durationMs: 600_000 });
    // Steady to 90 % in 11 s, then holding still far beyond the run: overdue once it is there.
    const late = h.sim.createExport(PROJECT, 'late', {
      durationMs: 12_000,
      stall: { atPercent: 90, forMs: 600_000 },
    });
    const tracker = await h.track({
      projectId: PROJECT,
      serverId: late.serverId,
      exportId: late.exportId,
      policy: { minInterval: '500ms', maxInterval: '3s' },
    });
    // The urgent poll, then three routine ones that find the export still at 90 %.
    const polls = await waitFor(
      async () => {
        const recorded = statusPolls((await tracker.fetchHistory()).events ?? []);
        const urgentAt = recorded.findIndex((p) => p.priorityKey === 2);
        return urgentAt >= 0 && recorded.length - urgentAt > 3 ? recorded : undefined;
      },
      { what: 'an urgent poll and three after it', timeoutMs: 100_000, intervalMs: 500 },
    );

    const urgent = polls.filter((p) => p.priorityKey === 2);
    expect(urgent).toHaveLength(1);
    const [first] = urgent as [RecordedTask];
    expect(queueWait(first)).toBeLessThan(1_500);
    const eagerPolls = (
      await Promise.all(eager.map(async (e) => statusPolls((await e.fetchHistory()).events ?? [])))
    ).flat();
    // Routine polls waited seconds for their turn: the queue was deep.
    const routineWaits = eagerPolls
      .filter((p) => p.priorityKey === 4 && p.startedAt !== undefined)
      .map(queueWait)
      .sort((a, b) => a - b);
    expect(routineWaits[Math.floor(routineWaits.length / 2)]).toBeGreaterThan(2_000);
    // Routine polls of the same project that were waiting when it was scheduled, and went after it.
    const overtaken = eagerPolls.filter(
      (p) =>
        p.scheduledAt < first.scheduledAt &&
        (p.startedAt ?? Number.POSITIVE_INFINITY) > (first.startedAt as number),
    );
    expect(overtaken.length).toBeGreaterThanOrEqual(EAGER / 2);
    await Promise.all([...eager, tracker].map((handle) => handle.cancel()));
  }, 120_000);
});

describe('a routine poll queued when the export may have ended', () => {
  it('is overtaken: cancelled unstarted, and the polls sent at once ahead of the queue see the end', async () => {
    const project = 'proj-overtaken';
    // Requests for new exports queued ahead of the routine polls: those wait longer than the export runs.
    const waiting = await queueExportRequests(project, 3 * WAITING_TO_START);
    const steady = h.sim.createExport(project, 'steady', { durationMs: 30_000 });
    const tracker = await h.track({
      projectId: project,
      serverId: steady.serverId,
      exportId: steady.exportId,
      policy: { minInterval: '1s', maxInterval: '5s' },
    });
    expect((await tracker.result()).outcome).toBe('completed');

    const events = (await tracker.fetchHistory()).events ?? [];
    const polls = statusPolls(events);
    const cancelled = new Set(
      events.flatMap((e) => {
        const requested = e.activityTaskCancelRequestedEventAttributes;
        return requested ? [String(requested.scheduledEventId)] : [];
      }),
    );
    const overtaken = polls.filter((p) => p.priorityKey === 4 && cancelled.has(p.scheduledEventId));
    expect(overtaken.length).toBeGreaterThanOrEqual(1);
    // Never handed to a worker: the project spent no turn on it.
    expect(overtaken.every((p) => p.startedAt === undefined)).toBe(true);
    // Each overtaken poll is followed at once by one ahead of the queue: the window's (3) or the urgent one (2).
    for (const poll of overtaken) {
      const next = polls[polls.indexOf(poll) + 1] as RecordedTask;
      expect(next.priorityKey).toBeLessThanOrEqual(PRIORITY_KEY.standard);
    }
    expect(polls.filter((p) => p.priorityKey === PRIORITY_KEY.standard).length).toBeLessThanOrEqual(
      POLLS_AHEAD_WHILE_UNFORETOLD + POLLS_AHEAD_IN_WINDOW,
    );
    const last = polls[polls.length - 1] as RecordedTask;
    expect(last.priorityKey).toBeLessThanOrEqual(PRIORITY_KEY.standard);
    expect(queueWait(last)).toBeLessThan(1_500);
    // The end seen within seconds of the export's own, though routine polls could not get a turn.
    const record = h.sim.exportsOf(project, 'steady')[0];
    expect(Date.parse((await tracker.result()).completedAt) - (record?.finishesAt ?? 0)).toBeLessThan(3_000);
    await Promise.all(waiting.map((handle) => handle.cancel()));
  }, 120_000);
});

describe('exports whose end nothing foretells', () => {
  it('poll ahead of the routine polls only at first, so exports that never move cannot hold up an end nothing foretold', async () => {
    const project = 'proj-unforetold';
    const stuck = await fillQueue(project, 'stuck', EAGER, {
      durationMs: 600_000,
      stall: { atPercent: 0, forMs: 600_000 },
    });
    await waitFor(
      () =>
        h.sim.requestsTo(`/v1/${project}/`).length >= POLLS_AHEAD_WHILE_UNFORETOLD * EAGER ? true : undefined,
      { what: 'the stuck trackers to poll past their first polls', timeoutMs: 60_000 },
    );
    // Fails at 30 % after 30 s: its readings foretell an end at 100 s, which never comes.
    const failing = h.sim.createExport(project, 'failing', {
      durationMs: 100_000,
      outcome: 'failed',
      failAtPercent: 30,
    });
    const tracker = await h.track({
      projectId: project,
      serverId: failing.serverId,
      exportId: failing.exportId,
      policy: { minInterval: '500ms', maxInterval: '3s' },
    });
    const endedAt = await tracker.result().then(
      () => Number.NaN,
      async () => ((await tracker.describe()).closeTime as Date).getTime(),
    );
    // Seen by a routine poll in its turn among the stuck exports' polls, not at the urgent poll due at 100 s.
    expect(endedAt - (h.sim.exportsOf(project, 'failing')[0]?.finishesAt ?? 0)).toBeLessThan(15_000);
    // The policy's polls, apart from the retry of one the gateway refused (key 1, ahead of all).
    const stuckPolls = statusPolls(
      (await (stuck[0] as (typeof stuck)[number]).fetchHistory()).events ?? [],
    ).filter((p) => p.priorityKey !== 1);
    expect(stuckPolls.slice(0, POLLS_AHEAD_WHILE_UNFORETOLD).every((p) => p.priorityKey === 3)).toBe(true);
    expect(stuckPolls.slice(POLLS_AHEAD_WHILE_UNFORETOLD).every((p) => p.priorityKey === 4)).toBe(true);
    await Promise.all(stuck.map((handle) => handle.cancel()));
  }, 120_000);
});

describe('requests for new exports', () => {
  it("of a fleet's members wait behind the first polls of exports under way, however many wait to start; an on-demand collection's does not wait behind them", async () => {
    const project = 'proj-new-exports';
    const collections = await queueExportRequests(project, WAITING_TO_START);
    const since = Date.now();
    // Exports that have not moved: their first polls are what could foretell the end. Polled
    // every 2 s, the three ask for fewer turns than the project has, so their polls do not queue.
    const underWay = await Promise.all(
      Array.from({ length: UNDER_WAY }, (_, i) => {
        const record = h.sim.createExport(project, `under-way-${i}`, {
          durationMs: 600_000,
          stall: { atPercent: 0, forMs: 600_000 },
        });
        return h.track({
          projectId: project,
          serverId: record.serverId,
          exportId: record.exportId,
          policy: { minInterval: '2s', maxInterval: '2s' },
        });
      }),
    );
    // An operator's collection, started once the members' requests have queued.
    h.sim.addServer(project, 'incident', { exportScenario: { durationMs: 600_000 } });
    const onDemand = await startCollection(
      h.env.client,
      { projectId: project, serverId: 'incident', policy: SLOW_POLICY },
      { taskQueue: h.taskQueue },
    );
    const requestsOf = async (handle: (typeof collections)[number]) =>
      activityTasks((await handle.fetchHistory()).events ?? [], 'requestExport');
    const requests = await waitFor(
      async () => {
        const started = (await Promise.all(collections.map(requestsOf)))
          .flat()
          .filter((r) => r.startedAt !== undefined);
        return started.length >= WAITING_TO_START / 2 ? started : undefined;
      },
      { what: 'half the export requests to start', timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const firstPolls = (
      await Promise.all(
        underWay.map(async (t) =>
          statusPolls((await t.fetchHistory()).events ?? []).slice(0, POLLS_AHEAD_WHILE_UNFORETOLD),
        ),
      )
    )
      .flat()
      .filter((p) => p.scheduledAt >= since && p.startedAt !== undefined);
    expect(firstPolls.length).toBeGreaterThan(0);
    expect(firstPolls.every((p) => p.priorityKey === PRIORITY_KEY.standard)).toBe(true);
    expect(requests.every((r) => r.priorityKey === PRIORITY_KEY.deferrable)).toBe(true);
    const pollWait = median(firstPolls.map(queueWait));
    const requestWait = median(requests.map(queueWait));
    // Queued in one order, the polls would wait as long as the requests queued before them.
    expect(pollWait).toBeLessThan(1_000);
    expect(requestWait).toBeGreaterThan(3 * pollWait);
    // Started last, the operator's request went ahead of the members' still queued.
    const [incident] = await waitFor(
      async () => {
        const tasks = activityTasks((await onDemand.fetchHistory()).events ?? [], 'requestExport');
        return tasks[0]?.startedAt === undefined ? undefined : tasks;
      },
      { what: "the operator's export request to start" },
    );
    expect(incident?.priorityKey).toBe(PRIORITY_KEY.standard);
    expect(queueWait(incident as RecordedTask)).toBeLessThan(requestWait);
    const overtaken = (await Promise.all(collections.map(requestsOf)))
      .flat()
      .filter(
        (r) =>
          r.scheduledAt < (incident as RecordedTask).scheduledAt &&
          (r.startedAt ?? Number.POSITIVE_INFINITY) > ((incident as RecordedTask).startedAt as number),
      );
    expect(overtaken.length).toBeGreaterThan(0);
    await Promise.all([...underWay, ...collections, onDemand].map((handle) => handle.cancel()));
  }, 120_000);
});

/**
 * `count` collections of `projectId` started as a fleet starts its members (at the priority of the
 * calls that can wait), once the last has its export request queued. Their trackers poll once a
 * minute, so the turns they take stay few.
 */
async function queueExportRequests(projectId: string, count: number) {
  const collections = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const input = { projectId, serverId: `waiting-${i}`, policy: SLOW_POLICY };
      h.sim.addServer(projectId, input.serverId, { exportScenario: { durationMs: 600_000 } });
      return h.env.client.workflow.start<typeof collectServerLogs>(WorkflowType.CollectServerLogs, {
        taskQueue: h.taskQueue,
        workflowId: collectServerLogsWorkflowId(input),
        args: [input],
        priority: { priorityKey: PRIORITY_KEY.deferrable },
      });
    }),
  );
  const last = collections.at(-1) as (typeof collections)[number];
  await waitFor(
    async () =>
      activityTasks((await last.fetchHistory()).events ?? [], 'requestExport').length ? true : undefined,
    { what: 'the last member to request its export' },
  );
  return collections;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** `count` trackers of long exports of `projectId`, polling as fast as they may, once all have polled. */
async function fillQueue(projectId: string, name: string, count: number, scenario: ExportScenarioInput) {
  const trackers = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const record = h.sim.createExport(projectId, `${name}-${i}`, scenario);
      return h.track({
        projectId,
        serverId: record.serverId,
        exportId: record.exportId,
        policy: FAST_POLICY,
      });
    }),
  );
  await waitFor(() => (h.sim.requestsTo(`/v1/${projectId}/`).length >= count ? true : undefined), {
    what: `the ${name} trackers to fill the queue`,
    timeoutMs: 30_000,
  });
  return trackers;
}

/** The tracker's status polls, in order, with their priority keys (3, Temporal's default, when unset). */
function statusPolls(events: Event[]): RecordedTask[] {
  return activityTasks(events, 'getExportStatus');
}

/** A workflow's activities of one type, in order, with their priority keys (3 when unset). */
function activityTasks(events: Event[], type: string): RecordedTask[] {
  const startedAt = new Map<string, number>();
  for (const e of events) {
    const started = e.activityTaskStartedEventAttributes;
    if (started) startedAt.set(String(started.scheduledEventId), millis(e));
  }
  return events.flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== type) return [];
    return [
      {
        scheduledEventId: String(e.eventId),
        scheduledAt: millis(e),
        startedAt: startedAt.get(String(e.eventId)),
        priorityKey: scheduled.priority?.priorityKey || 3,
      },
    ];
  });
}

function queueWait(poll: RecordedTask): number {
  return (poll.startedAt ?? Number.POSITIVE_INFINITY) - poll.scheduledAt;
}

function millis(e: Event): number {
  return Number(e.eventTime?.seconds ?? 0) * 1_000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
}
