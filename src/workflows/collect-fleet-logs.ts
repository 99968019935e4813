import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { TrackerActivities } from '../activities/index.js';
import {
  type ArchiveInfo,
  type CollectFleetLogsInput,
  type CollectFleetLogsRequest,
  type CollectFleetLogsResult,
  collectedLine,
  collectServerLogsWorkflowId,
  countLine,
  DEFAULT_FLEET_CONCURRENCY,
  DEFAULT_FLEET_MANAGE_STATE,
  describeCollection,
  emptyTally,
  FAILURE_MESSAGE_MAX_CHARS,
  type FleetProgress,
  type FleetServerLine,
  type FleetTally,
  getFleetProgressQuery,
  type ListedFleetResult,
  linesOfListedResult,
  logCollectionFailureOf,
  PACED_ACTIVITY,
  PERMANENT_API_FAILURES,
  PERMANENT_FAILURES,
  PRIORITY_KEY,
  parseCollectFleetLogsInput,
  projectPriority,
  resolvePolicy,
  WorkflowType,
} from '../contract/index.js';
import { continueOnCurrentBuild } from '../worker-deployment/continue-on-current-build.js';
import { runChild } from './cancellable-child.js';
import { childFailure } from './child-failure.js';
import type { collectServerLogs } from './collect-server-logs.js';
import { fleetDetails } from './fleet-details.js';
import { QueueWaitLimit, scheduledUntilPickedUp } from './queue-wait.js';

/** What a fleet collection carries across continue-as-new: what is left, and what is counted. */
export interface FleetState {
  /** Null until the servers are listed. */
  pending: string[] | null;
  tally: FleetTally;
  /** One per run that ended, in order. */
  manifests: ArchiveInfo[];
  unlisted?: CollectFleetLogsResult['unlisted'];
  /** Servers whose collections an earlier run started and left running when it continued as new. */
  running?: string[];
  /**
   * When the fleet's first run began (epoch ms): the collections it started began later, and any
   * earlier run of the same collection is not its own. (`workflowInfo().startTime` is the run's.)
   */
  startedAt?: number;
}

/** The state a build before manifests carried, every server listed; a fleet may continue onto this build with it. */
type ListedFleetState = Pick<ListedFleetResult, 'succeeded' | 'failed'> & { pending: string[] | null };

/**
 * Runs started before manifests returned (and carried) every server in full, as their histories
 * record; a worker with versioning off may replay such a run, which then ends as it began.
 */
const FLEET_MANIFESTS = 'fleet-manifests';

/**
 * A run continues as new without waiting for the collections it started: they are started
 * abandoned (`ParentClosePolicy.ABANDON`), the next run is given them and waits for them through
 * Temporal (`awaitCollections`), and starts new ones as they end. Waiting for the last of a run's
 * collections before the next run started any held a 2,000-server fleet's budget idle for about
 * three tenths of its run (`docs/benchmarks.md`). Runs started before drained first, as their
 * histories record.
 */
const FLEET_CARRIES_RUNNING = 'fleet-carries-running';

/**
 * A run starts at most `CHILDREN_PER_TASK` collections in one workflow task, then waits on a
 * timer before the next batch. A task that started 290 at once (a run's first, with few carried)
 * took 6.4 s on a starved 2-core machine, past the SDK's 5 s limit on one activation, and every
 * replay of the run repeats it. In two 20,000-server runs a fleet's task of over 5 s was followed
 * by its worker's process dying of Node's "async hook stack has become corrupted", the SDK's open
 * temporalio/sdk-typescript#939 (`docs/benchmarks.md`). Runs started before started every free
 * slot at once, as their histories record.
 */
const FLEET_STARTS_IN_BATCHES = 'fleet-starts-in-batches';

/** A batch's cost stays near a second on that machine, a fifth of the SDK's limit. */
export const CHILDREN_PER_TASK = 50;

/** Between two batches: any timer ends the workflow task; the next starts once it fires. */
const BETWEEN_BATCHES_MS = 10;

/**
 * The next run hears of the collections it was given in batches of about this share of them: few
 * activities in its history, and the fleet's collections at once stay within a twentieth of its
 * concurrency while it waits for a batch.
 */
const CARRIED_BATCH_SHARE = 1 / 20;
/** One wait for the collections a run was given ends after this long, with those that ended. */
const CARRIED_WAIT_MS = 60_000;

/**
 * Lines a manifest part holds at most: a run's 400, or the servers a fleet carried from a build
 * before manifests, split so that no activity input nears Temporal's 2 MB payload limit.
 */
const MANIFEST_PART_LINES = 1_000;

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

/** Waits on Temporal, not on CloudDC: outside every project's budget. */
const { awaitCollections } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: CARRIED_WAIT_MS + 60_000,
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
  summary: 'wait for the collections an earlier run started',
});

/** Not a call to CloudDC, so outside every project's budget; a store that is down is waited out. */
const { storeFleetManifest } = proxyActivities<TrackerActivities>({
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [...PERMANENT_FAILURES],
  },
  summary: "store the fleet's manifest",
});

/**
 * Collects logs from many servers: lists the project's servers (or takes `serverIds`), runs
 * `collectServerLogs` for each as a child, at most `concurrency` at once, and records every
 * outcome; one server's failure never stops the others. Continues as new every few hundred
 * children, after the running ones finish, so a fleet of thousands keeps a bounded history.
 */
export async function collectFleetLogs(
  input: CollectFleetLogsInput,
  carried?: FleetState | ListedFleetState,
): Promise<CollectFleetLogsResult> {
  const request = parseCollectFleetLogsInput(input);
  const { state, lines } = resumed(carried, request.serverIds);
  const carriesRunning = patched(FLEET_CARRIES_RUNNING);
  const batchSize = patched(FLEET_STARTS_IN_BATCHES) ? CHILDREN_PER_TASK : Number.POSITIVE_INFINITY;
  if (carriesRunning) state.startedAt ??= workflowInfo().runStartTime.getTime();
  const running = new Map<string, Promise<void>>();
  /** Collections an earlier run started, still running as far as this run has heard. */
  const given = new Set(state.running ?? []);
  delete state.running;
  /** This run's collections whose start is not yet recorded. */
  let starting = 0;
  const inFlight = () => running.size + given.size;
  const progress = (): FleetProgress => ({
    total: (state.pending?.length ?? 0) + inFlight() + state.tally.servers,
    pending: state.pending?.length ?? 0,
    running: inFlight(),
    succeeded: state.tally.succeeded,
    failed: state.tally.failed,
    listed: state.pending !== null,
  });
  setHandler(getFleetProgressQuery, progress);
  const showDetails = () =>
    setCurrentDetails(fleetDetails(progress(), state.tally, state.manifests, state.unlisted));
  showDetails();
  /** Servers this run recorded; once it is continuing as new, the next run records the rest. */
  const recorded = new Set<string>();
  let continuing = false;
  const record = (line: FleetServerLine) => {
    if (continuing) return;
    recorded.add(line.serverId);
    lines.push(line);
    countLine(state.tally, line);
  };

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
  // The server list lives in the carried state once listed; carrying it in the input too would double it.
  const { serverIds: _listed, ...nextInput } = input;
  if (given.size > 0) void awaitGiven(request.projectId, state.startedAt ?? 0, given, record);

  try {
    while (pending.length > 0 || inFlight() > 0) {
      const mustDrain = startedThisRun >= CHILDREN_PER_RUN || workflowInfo().continueAsNewSuggested;
      let batch = 0;
      while (!mustDrain && inFlight() < concurrency && pending.length > 0 && batch < batchSize) {
        batch += 1;
        const serverId = pending.shift() as string;
        startedThisRun += 1;
        starting += 1;
        running.set(
          serverId,
          collectOne(request, serverId, record, carriesRunning, () => starting--).finally(() =>
            running.delete(serverId),
          ),
        );
      }
      if (mustDrain && carriesRunning && pending.length > 0) {
        // A start not yet recorded would be lost with this run; once recorded, the next run has it.
        await condition(() => starting === 0);
        // From here a collection that ends is the next run's to record, so none is counted twice
        // or left out of both runs' manifests while this one stores its part.
        continuing = true;
        const stillRunning = [...running.keys(), ...given].filter((serverId) => !recorded.has(serverId));
        await storeManifest(request, state, lines);
        await continueOnCurrentBuild<typeof collectFleetLogs>(nextInput, { ...state, running: stillRunning });
      }
      if (mustDrain && running.size === 0 && pending.length > 0) {
        if (!patched(FLEET_MANIFESTS))
          await continueOnCurrentBuild<typeof collectFleetLogs>(nextInput, {
            pending,
            ...listedResult(lines),
          });
        await storeManifest(request, state, lines);
        await continueOnCurrentBuild<typeof collectFleetLogs>(nextInput, state);
      }
      showDetails();
      if (batch >= batchSize && inFlight() < concurrency && pending.length > 0) {
        await sleep(BETWEEN_BATCHES_MS);
        continue;
      }
      const before = inFlight();
      await condition(() => inFlight() < before);
    }
  } catch (err) {
    if (isCancellation(err))
      await CancellationScope.nonCancellable(async () => {
        // This run's collections hear of the cancel from their own wait (`runChild`); an earlier
        // run's, by ID.
        await Promise.all(
          [...given].map((serverId) =>
            getExternalWorkflowHandle(collectServerLogsWorkflowId({ projectId: request.projectId, serverId }))
              .cancel()
              .catch(() => undefined),
          ),
        );
        // A cancelled fleet still lists the servers it finished before the cancel.
        if (patched(FLEET_MANIFESTS)) await storeManifest(request, state, lines);
      });
    throw err;
  }
  // What such a run returns; its readers take either form (`readFleetResult`).
  if (!patched(FLEET_MANIFESTS)) return listedResult(lines) as unknown as CollectFleetLogsResult;
  await storeManifest(request, state, lines);
  showDetails();
  const { tally, manifests, unlisted } = state;
  return { ...tally, manifests, ...(unlisted ? { unlisted } : {}) };
}

/** Every server in full, as runs before manifests carried and returned them (`FLEET_MANIFESTS`). */
function listedResult(lines: readonly FleetServerLine[]): ListedFleetResult {
  const succeeded: ListedFleetResult['succeeded'] = [];
  const failed: ListedFleetResult['failed'] = [];
  for (const { status, ...line } of lines) {
    if (status === 'collected') succeeded.push(line as ListedFleetResult['succeeded'][number]);
    else failed.push(line as ListedFleetResult['failed'][number]);
  }
  return { total: lines.length, succeeded, failed };
}

/**
 * The state a run starts from, and the lines it has to store: none for a new fleet or one carried
 * by this build; a state carried by a build before manifests becomes counts, and its servers the
 * first lines of this run's manifest.
 */
function resumed(
  carried: FleetState | ListedFleetState | undefined,
  serverIds: string[] | undefined,
): { state: FleetState; lines: FleetServerLine[] } {
  if (!carried)
    return {
      state: { pending: serverIds ? [...new Set(serverIds)] : null, tally: emptyTally(), manifests: [] },
      lines: [],
    };
  if (!('succeeded' in carried)) return { state: carried, lines: [] };
  const state: FleetState = { pending: carried.pending, tally: emptyTally(), manifests: [] };
  const lines = linesOfListedResult(carried);
  for (const line of lines) countLine(state.tally, line);
  return { state, lines };
}

/**
 * Stores this run's lines as the fleet's next manifest part. Should the store refuse them for
 * good, the servers stay counted and the result says how many no manifest lists, and why: a
 * fleet never fails for want of its list.
 */
async function storeManifest(
  request: CollectFleetLogsRequest,
  state: FleetState,
  lines: FleetServerLine[],
): Promise<void> {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  while (lines.length > 0) {
    const part = lines.splice(0, MANIFEST_PART_LINES);
    try {
      state.manifests.push(
        await storeFleetManifest({
          fleetWorkflowId: workflowId,
          firstRunId: firstExecutionRunId,
          part: state.manifests.length + 1,
          ...(request.destination ? { destination: request.destination } : {}),
          lines: part,
        }),
      );
    } catch (err) {
      if (CancellationScope.current().consideredCancelled) throw err;
      const typed = logCollectionFailureOf(err);
      state.unlisted = {
        servers: (state.unlisted?.servers ?? 0) + part.length,
        type: typed?.type ?? (err as Error).name,
        message: (typed ?? (err as Error)).message.slice(0, FAILURE_MESSAGE_MAX_CHARS),
      };
    }
  }
}

/**
 * Waits for the collections an earlier run started (`FLEET_CARRIES_RUNNING`) and records each as
 * it ends. A cancelled fleet's wait ends with it, and the fleet cancels them.
 */
async function awaitGiven(
  projectId: string,
  fleetStartedAt: number,
  given: Set<string>,
  record: (line: FleetServerLine) => void,
) {
  try {
    while (given.size > 0) {
      const ended = await awaitCollections({
        projectId,
        serverIds: [...given],
        fleetStartedAt,
        atLeast: Math.max(1, Math.ceil(given.size * CARRIED_BATCH_SHARE)),
        maxWaitMs: CARRIED_WAIT_MS,
      });
      for (const line of ended) if (given.delete(line.serverId)) record(line);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
  }
}

/** Collects one server and records the outcome; never throws, so no server can stop the fleet. */
async function collectOne(
  request: ReturnType<typeof parseCollectFleetLogsInput>,
  serverId: string,
  record: (line: FleetServerLine) => void,
  /** Started abandoned, so that a run may continue as new while it runs (`FLEET_CARRIES_RUNNING`). */
  abandoned: boolean,
  started: () => void,
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
    const result = await runChild<typeof collectServerLogs>(
      WorkflowType.CollectServerLogs,
      {
        workflowId: collectServerLogsWorkflowId(input),
        args: [input],
        parentClosePolicy: abandoned ? ParentClosePolicy.ABANDON : ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: describeCollection(input),
        // Nobody waits on one member: its export request waits with the project's calls that can.
        priority: { priorityKey: PRIORITY_KEY.deferrable },
      },
      started,
    );
    record(collectedLine(serverId, result));
  } catch (err) {
    // The fleet itself was cancelled: its children are cancelled with it; nothing to record.
    if (CancellationScope.current().consideredCancelled) return;
    record({
      serverId,
      status: 'failed',
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
