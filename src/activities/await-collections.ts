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
    const { client } = context;
    const ended: FleetServerLine[] = [];
    const abort = new AbortController();
    const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, input.maxWaitMs);
        abort.signal.addEventListener('abort', () => clearTimeout(timer));
        context.cancelled.catch(reject);
        for (const serverId of input.serverIds) {
          const workflowId = collectServerLogsWorkflowId({ projectId: input.projectId, serverId });
          client
            .withAbortSignal(abort.signal, () => client.workflow.getHandle(workflowId).result())
            .then(
              (result: CollectServerLogsResult) => collectedLine(serverId, result),
              (err: unknown): FleetServerLine | undefined =>
                abort.signal.aborted
                  ? undefined
                  : {
                      serverId,
                      status: 'failed',
                      ...failureOfEndedWorkflow(err instanceof WorkflowFailedError ? err.cause : err),
                    },
            )
            .then((line) => {
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
