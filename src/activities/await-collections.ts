import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  type AwaitCollectionsInput,
  type CollectServerLogsResult,
  collectedLine,
  collectServerLogsWorkflowId,
  type FleetServerLine,
  failureOfEndedWorkflow,
} from '../contract/index.js';

/** A heartbeat this often tells Temporal the wait is alive; a worker that died is seen within the timeout. */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Waits for collections a fleet's earlier run started and left running when it continued as new
 * (the fleet then never waits for its slowest collections before starting more), and returns each
 * one that ended as its line in the fleet's manifest. Each wait is Temporal's own wait for a
 * workflow's result, following it across its runs; the waits still open when this returns are
 * aborted, and the fleet asks again for the rest.
 */
export function awaitCollectionsActivity() {
  return async function awaitCollections(input: AwaitCollectionsInput): Promise<FleetServerLine[]> {
    const context = Context.current();
    const ended: FleetServerLine[] = [];
    const abort = new AbortController();
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, input.maxWaitMs);
        abort.signal.addEventListener('abort', () => clearTimeout(timer));
        context.cancelled.catch(reject);
        for (const serverId of input.serverIds) {
          void lineWhenEnded(input.projectId, serverId, abort.signal).then((line) => {
            if (!line || abort.signal.aborted) return;
            ended.push(line);
            if (ended.length >= input.atLeast) resolve();
          });
        }
      });
    } finally {
      clearInterval(heartbeat);
      abort.abort();
    }
    return ended;
  };
}

/**
 * The line of one collection once it ended, or undefined if the wait was aborted first. Only how
 * the collection ended makes a line: a wait that failed on the way (the service busy, a
 * connection lost) is waited again, since the collection may still be running.
 */
async function lineWhenEnded(
  projectId: string,
  serverId: string,
  signal: AbortSignal,
): Promise<FleetServerLine | undefined> {
  const { client, log } = Context.current();
  const handle = client.workflow.getHandle(collectServerLogsWorkflowId({ projectId, serverId }));
  while (!signal.aborted) {
    try {
      const result: CollectServerLogsResult = await client.withAbortSignal(signal, () => handle.result());
      return collectedLine(serverId, result);
    } catch (err) {
      if (signal.aborted) return undefined;
      if (err instanceof WorkflowFailedError)
        return { serverId, status: 'failed', ...failureOfEndedWorkflow(err.cause) };
      if (err instanceof WorkflowNotFoundError)
        return { serverId, status: 'failed', ...failureOfEndedWorkflow(err) };
      log.warn('Waiting for a collection failed; waiting again', {
        workflowId: handle.workflowId,
        error: err instanceof Error ? err.message : String(err),
      });
      await sleep(RETRY_WAIT_MS + Math.random() * RETRY_WAIT_MS, undefined, { signal }).catch(
        () => undefined,
      );
    }
  }
  return undefined;
}

/** Between waits for one collection that failed on the way; spread, so they do not come back together. */
const RETRY_WAIT_MS = 1_000;
