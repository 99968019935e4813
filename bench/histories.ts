import type { Client, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time.js';
import { ARRIVAL_JITTER_ROOM_S, laggedSignal } from '../src/contract/index.js';

/** What one workflow cost, over every run of its continue-as-new chain. */
export interface WorkflowCost {
  events: number;
  /** The most events any one run had: bounded when the workflow continues as new. */
  maxEventsPerRun: number;
  runs: number;
  /** Billable Temporal Cloud actions, counted from the history. */
  actions: number;
  startedAt: number;
  closedAt: number;
}

/**
 * Reads the whole chain from the first run and counts what Temporal Cloud bills: a workflow start,
 * each activity attempt (retries write no event, but the last attempt number is on the started
 * event), each timer, search-attribute upsert, local activity (marker), signal, and continue-as-new.
 */
export async function workflowCost(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<WorkflowCost> {
  const cost: WorkflowCost = {
    events: 0,
    maxEventsPerRun: 0,
    runs: 0,
    actions: 0,
    startedAt: 0,
    closedAt: 0,
  };
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    cost.runs += 1;
    cost.events += events.length;
    cost.maxEventsPerRun = Math.max(cost.maxEventsPerRun, events.length);
    runId = undefined;
    for (const event of events) {
      if (event.workflowExecutionStartedEventAttributes && cost.runs === 1) {
        cost.actions += 1;
        cost.startedAt = tsToMs(event.eventTime);
      }
      if (event.activityTaskStartedEventAttributes) {
        cost.actions += event.activityTaskStartedEventAttributes.attempt ?? 1;
      }
      if (
        event.timerStartedEventAttributes ||
        event.upsertWorkflowSearchAttributesEventAttributes ||
        event.markerRecordedEventAttributes ||
        event.workflowExecutionSignaledEventAttributes
      ) {
        cost.actions += 1;
      }
      if (event.workflowExecutionContinuedAsNewEventAttributes) {
        cost.actions += 1;
        runId = event.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId ?? undefined;
      }
      cost.closedAt = tsToMs(event.eventTime);
    }
  }
  return cost;
}

/** What a budget keeper did over a run, read from its histories. */
export interface KeeperTimeline {
  /** When a run of the keeper continued as new (epoch ms). */
  continuedAt: number[];
  /** The lags workers reported (ms): each widens the project's room for arrivals. */
  lagsMs: number[];
  /** Each room the keeper wrote with a rate, from when the task queue had it (s, epoch ms). */
  rooms: { roomS: number; from: number }[];
}

/**
 * Reads every run of a budget keeper (`projectRateLimit`): the rooms it applied (from each
 * `applyProjectWeight` input, in force once completed), the lags it heard of, and its
 * continue-as-new points.
 */
export async function keeperTimeline(client: Client, workflowId: string): Promise<KeeperTimeline> {
  const timeline: KeeperTimeline = { continuedAt: [], lagsMs: [], rooms: [] };
  for (const run of await runsInOrder(client, workflowId)) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const scheduled = new Map<string, { type: string; roomS: number | undefined }>();
    for (const event of history.events ?? []) {
      const at = tsToMs(event.eventTime);
      const task = event.activityTaskScheduledEventAttributes;
      if (task) {
        const [input] = (task.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
        scheduled.set(String(event.eventId), {
          type: task.activityType?.name ?? '',
          roomS: (input as { roomS?: number } | undefined)?.roomS,
        });
      }
      const completed = event.activityTaskCompletedEventAttributes;
      const which = completed && scheduled.get(String(completed.scheduledEventId));
      if (which?.type === 'applyProjectWeight') {
        timeline.rooms.push({ roomS: which.roomS ?? ARRIVAL_JITTER_ROOM_S, from: at });
      }
      if (event.workflowExecutionContinuedAsNewEventAttributes) timeline.continuedAt.push(at);
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === laggedSignal.name) {
        const [report] = (signal.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p));
        timeline.lagsMs.push((report as { lagMs: number }).lagMs);
      }
    }
  }
  return timeline;
}

/** How long within [from, to) the keeper held a room for arrivals wider than the base, and the widest it held (ms). */
export function widenedRoom(
  timeline: KeeperTimeline,
  from: number,
  to: number,
): { seconds: number; widestMs: number } {
  const seconds = timeline.rooms.reduce((sum, room, i, all) => {
    const end = Math.min(to, all[i + 1]?.from ?? to);
    return room.roomS > ARRIVAL_JITTER_ROOM_S + 1e-9
      ? sum + Math.max(0, end - Math.max(from, room.from)) / 1000
      : sum;
  }, 0);
  const widestMs = 1000 * Math.max(ARRIVAL_JITTER_ROOM_S, ...timeline.rooms.map((room) => room.roomS));
  return { seconds, widestMs };
}

/** One run of a fleet's continue-as-new chain: when it began, started its last collection, and ended. */
export interface FleetRun {
  startedAt: number;
  lastStartAt: number | undefined;
  closedAt: number;
}

/** Every run of a fleet collection, in order, read from their histories. */
export async function fleetRuns(client: Client, workflowId: string): Promise<FleetRun[]> {
  const runs: FleetRun[] = [];
  for (const run of await runsInOrder(client, workflowId)) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const last = (history.events ?? []).findLast(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes,
    );
    runs.push({
      startedAt: run.startTime.getTime(),
      lastStartAt: last ? tsToMs(last.eventTime) : undefined,
      closedAt: run.closeTime?.getTime() ?? Date.now(),
    });
  }
  return runs;
}

/** The runs of a workflow's continue-as-new chain, first to last. */
async function runsInOrder(client: Client, workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/**
 * How many of the workflows `query` finds were running, on average, in each of `spans`: the
 * fleet's slots in use, read from visibility.
 */
export async function meanRunning(
  client: Client,
  query: string,
  spans: ReadonlyArray<{ from: number; to: number }>,
): Promise<number[]> {
  const busy = spans.map(() => 0);
  for await (const run of client.workflow.list({ query })) {
    const from = run.startTime.getTime();
    const to = run.closeTime?.getTime() ?? Date.now();
    for (const [i, span] of spans.entries())
      busy[i] = (busy[i] ?? 0) + Math.max(0, Math.min(to, span.to) - Math.max(from, span.from));
  }
  return busy.map((ms, i) => ms / ((spans[i]?.to ?? 0) - (spans[i]?.from ?? 0)));
}
