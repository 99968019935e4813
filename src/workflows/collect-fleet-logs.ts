import {
  CancellationScope,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type CollectFleetLogsInput,
  type CollectFleetLogsResult,
  collectServerLogsWorkflowId,
  DEFAULT_FLEET_CONCURRENCY,
  DEFAULT_FLEET_MANAGE_STATE,
  describeCollection,
  type FleetFailure,
  type FleetSuccess,
  getFleetProgressQuery,
  PACED_ACTIVITY,
  PERMANENT_API_FAILURES,
  parseCollectFleetLogsInput,
  projectPriority,
  resolvePolicy,
  WorkflowType,
} from '../contract/index.js';
import { continueOnCurrentBuild } from '../worker-deployment/continue-on-current-build.js';
import { runChild } from './cancellable-child.js';
import { childFailure } from './child-failure.js';
import type { collectServerLogs } from './collect-server-logs.js';
import { QueueWaitLimit, scheduledUntilPickedUp } from './queue-wait.js';

/** What a fleet collection carries across continue-as-new: what is left and what is done. */
export interface FleetState {
  /** Null until the servers are listed. */
  pending: string[] | null;
  succeeded: FleetSuccess[];
  failed: FleetFailure[];
}

/** Children started in one run before it drains and continues as new, keeping its history short. */
const CHILDREN_PER_RUN = 400;

const { listServersPage } = proxyActivities<TrackerActivities>({
  ...PACED_ACTIVITY,
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '30m',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [...PERMANENT_API_FAILURES],
  },
  summary: 'list servers (ListServers)',
});

/**
 * Collects logs from many servers: lists the project's servers (or takes `serverIds`), runs
 * `collectServerLogs` for each as a child, at most `concurrency` at once, and records every
 * outcome; one server's failure never stops the others. Continues as new every few hundred
 * children, after the running ones finish, so a fleet of thousands keeps a bounded history.
 */
export async function collectFleetLogs(
  input: CollectFleetLogsInput,
  carried?: FleetState,
): Promise<CollectFleetLogsResult> {
  const request = parseCollectFleetLogsInput(input);
  const state: FleetState = carried ?? {
    pending: request.serverIds ? [...new Set(request.serverIds)] : null,
    succeeded: [],
    failed: [],
  };
  const running = new Map<string, Promise<void>>();
  setHandler(getFleetProgressQuery, () => ({
    total: (state.pending?.length ?? 0) + running.size + state.succeeded.length + state.failed.length,
    pending: state.pending?.length ?? 0,
    running: running.size,
    succeeded: state.succeeded.length,
    failed: state.failed.length,
    listed: state.pending !== null,
  }));

  if (state.pending === null)
    state.pending = await listAll(
      request.projectId,
      request.region,
      request.manageState,
      new QueueWaitLimit(resolvePolicy(request.policy).maxIntervalMs),
    );
  const pending = state.pending;
  const concurrency = request.concurrency ?? DEFAULT_FLEET_CONCURRENCY;
  let startedThisRun = 0;

  while (pending.length > 0 || running.size > 0) {
    const mustDrain = startedThisRun >= CHILDREN_PER_RUN || workflowInfo().continueAsNewSuggested;
    while (!mustDrain && running.size < concurrency && pending.length > 0) {
      const serverId = pending.shift() as string;
      startedThisRun += 1;
      running.set(
        serverId,
        collectOne(request, serverId, state).finally(() => running.delete(serverId)),
      );
    }
    if (mustDrain && running.size === 0 && pending.length > 0) {
      // The server list now lives in the carried state; carrying it in the input too would double it.
      const { serverIds: _listed, ...rest } = input;
      await continueOnCurrentBuild<typeof collectFleetLogs>(rest, state);
    }
    const before = running.size;
    await condition(() => running.size < before);
  }
  return {
    total: state.succeeded.length + state.failed.length,
    succeeded: state.succeeded,
    failed: state.failed,
  };
}

/** Collects one server and records the outcome; never throws, so no server can stop the fleet. */
async function collectOne(
  request: ReturnType<typeof parseCollectFleetLogsInput>,
  serverId: string,
  state: FleetState,
) {
  const { projectId, region, policy, destination } = request;
  const input = {
    projectId,
    serverId,
    ...(region ? { region } : {}),
    ...(policy ? { policy } : {}),
    ...(destination ? { destination } : {}),
  };
  try {
    const result = await runChild<typeof collectServerLogs>(WorkflowType.CollectServerLogs, {
      workflowId: collectServerLogsWorkflowId(input),
      args: [input],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: describeCollection(input),
    });
    const { url, path, bytes } = result.archive;
    state.succeeded.push({ serverId, exportId: result.exportId, url, ...(path ? { path } : {}), bytes });
  } catch (err) {
    // The fleet itself was cancelled: its children are cancelled with it; nothing to record.
    if (CancellationScope.current().consideredCancelled) return;
    state.failed.push({
      serverId,
      ...childFailure(err, 'a collection for this server was already running'),
    });
  }
}

async function listAll(
  projectId: string,
  region: string | undefined,
  manageState: string | undefined,
  queueWait: QueueWaitLimit,
): Promise<string[]> {
  const serverIds: string[] = [];
  let marker: string | undefined;
  do {
    const page = await scheduledUntilPickedUp(queueWait, 'Listing servers', (scheduleToStartTimeoutMs) =>
      listServersPage.executeWithOptions(
        { priority: projectPriority(projectId), scheduleToStartTimeout: scheduleToStartTimeoutMs },
        [
          {
            projectId,
            manageState: manageState ?? DEFAULT_FLEET_MANAGE_STATE,
            ...(region ? { region } : {}),
            ...(marker ? { marker } : {}),
          },
        ],
      ),
    );
    serverIds.push(...page.serverIds);
    marker = page.nextMarker;
  } while (marker);
  return [...new Set(serverIds)];
}
