import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import {
  type AwaitCollectionsInput,
  type CollectServerLogsResult,
  collectedLine,
  collectServerLogsWorkflowId,
  type FleetServerLine,
  failureOfEndedWorkflow,
} from '../contract/index.js';

/** How often the collections still running are looked up again. */
const LOOK_EVERY_MS = 3_000;
/** Workflow IDs per visibility query, keeping each query short. */
const IDS_PER_QUERY = 100;
const ENDED = ['Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'];

/**
 * Waits for collections a fleet's earlier run started and left running when it continued as new
 * (the fleet then never waits for its slowest collections before starting more), and returns each
 * one that ended as its line in the fleet's manifest. It asks Temporal's visibility which of them
 * ended, a hundred IDs a query every few seconds, and reads those ones' results. A long poll on
 * each one's result, tried first, held hundreds of requests open at once, and in the 2,000-server
 * bench 32 of them failed on the way ('Failed to get Workflow execution history').
 */
export function awaitCollectionsActivity() {
  return async function awaitCollections(input: AwaitCollectionsInput): Promise<FleetServerLine[]> {
    const context = Context.current();
    const serverOf = new Map(
      input.serverIds.map((serverId) => [
        collectServerLogsWorkflowId({ projectId: input.projectId, serverId }),
        serverId,
      ]),
    );
    const deadline = Date.now() + input.maxWaitMs;
    const ended: FleetServerLine[] = [];
    for (;;) {
      const waiting = [...serverOf.keys()];
      for (let i = 0; i < waiting.length; i += IDS_PER_QUERY) {
        for (const { workflowId, runId } of await endedAmong(
          waiting.slice(i, i + IDS_PER_QUERY),
          input.fleetStartedAt,
        )) {
          const serverId = serverOf.get(workflowId);
          if (serverId === undefined) continue;
          serverOf.delete(workflowId);
          ended.push(await lineOf(serverId, workflowId, runId));
        }
      }
      if (ended.length >= input.atLeast || serverOf.size === 0 || Date.now() >= deadline) return ended;
      context.heartbeat();
      await sleep(LOOK_EVERY_MS, undefined, { signal: context.cancellationSignal });
    }
  };
}

/** The runs of `workflowIds` begun since `since` that have ended, the latest of each. */
async function endedAmong(
  workflowIds: string[],
  since: number,
): Promise<Array<{ workflowId: string; runId: string }>> {
  if (workflowIds.length === 0) return [];
  const query = [
    `WorkflowId IN (${workflowIds.map(quoted).join(', ')})`,
    `ExecutionStatus IN (${ENDED.map(quoted).join(', ')})`,
    `StartTime >= ${quoted(new Date(since).toISOString())}`,
  ].join(' AND ');
  const latest = new Map<string, { runId: string; startedAt: number }>();
  for await (const execution of Context.current().client.workflow.list({ query })) {
    const seen = latest.get(execution.workflowId);
    if (!seen || execution.startTime.getTime() > seen.startedAt)
      latest.set(execution.workflowId, { runId: execution.runId, startedAt: execution.startTime.getTime() });
  }
  return [...latest].map(([workflowId, { runId }]) => ({ workflowId, runId }));
}

/** A string literal of a visibility query; our IDs cannot hold a backslash, so only quotes need one. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", "\\'")}'`;
}

async function lineOf(serverId: string, workflowId: string, runId: string): Promise<FleetServerLine> {
  try {
    const result: CollectServerLogsResult = await Context.current().client.workflow.result(
      workflowId,
      runId,
      {
        followRuns: false,
      },
    );
    return collectedLine(serverId, result);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { serverId, status: 'failed', ...failureOfEndedWorkflow(err.cause) };
  }
}
