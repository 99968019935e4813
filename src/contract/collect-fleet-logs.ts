/** The contract of `collectFleetLogs`: a project's servers collected, a bounded number at once. */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { type ArchiveInfo, type CollectServerLogsResult, destinationSchema } from './collect-server-logs.js';
import { FailureType, logCollectionFailureOf } from './failures.js';
import { idSchema, parseInput, regionSchema } from './input.js';
import { policyInputSchema } from './polling-policy.js';

/** Server states ListServers can filter on. */
export const MANAGE_STATES = ['onboard', 'ready', 'in-use', 'frozen', 'offboarding'] as const;

/**
 * Well under the children Temporal lets one workflow have pending by default (2,000,
 * `limit.numPendingChildExecutions.error`). A fleet whose budget should bind needs about as many
 * collections at once as its quota serves in a collection's lifetime: at 20 calls a second and
 * collections of 2 to 3 minutes making 6 calls each, about 500. 1,000 (tried with this raised) ran
 * the trackers' timers late on a 2-core machine (`docs/benchmarks.md`).
 */
export const MAX_FLEET_CONCURRENCY = 500;

export const collectFleetLogsInputSchema = z.strictObject(
  {
    projectId: idSchema,
    region: regionSchema.optional(),
    serverIds: z
      .array(idSchema)
      .min(1, { error: 'must name at least one server, or be left out' })
      .max(20_000, { error: 'must name at most 20,000 servers; split larger fleets' })
      .optional(),
    manageState: z.enum(MANAGE_STATES).optional(),
    concurrency: z.number().int().min(1).max(MAX_FLEET_CONCURRENCY).optional(),
    policy: policyInputSchema,
    destination: destinationSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a JSON object' : undefined) },
);

/** The input of `collectFleetLogs`: a project's servers (listed, or named), collected in parallel. */
export type CollectFleetLogsInput = z.input<typeof collectFleetLogsInputSchema>;
export type CollectFleetLogsRequest = z.output<typeof collectFleetLogsInputSchema>;

export const DEFAULT_FLEET_CONCURRENCY = 20;
export const DEFAULT_FLEET_MANAGE_STATE = 'in-use';

/** "Fleet log collection for project p-1", for messages and summaries. */
export function describeFleet(projectId: string): string {
  return `Fleet log collection for project ${projectId}`;
}

export function parseCollectFleetLogsInput(raw: unknown): CollectFleetLogsRequest {
  return parseInput(collectFleetLogsInputSchema, raw, (valid) => {
    const ids = z.object({ projectId: idSchema }).safeParse(valid);
    return ids.success ? describeFleet(ids.data.projectId) : undefined;
  });
}

/** What a set of servers came to: counts, archive bytes, and failures by their type. */
export interface CollectionTotals {
  servers: number;
  succeeded: number;
  failed: number;
  bytes: number;
  failuresByType: Record<string, number>;
}

/** A server collected: its line in the fleet's manifest. */
export interface FleetSuccess {
  serverId: string;
  status: 'collected';
  exportId: string;
  /** The archive's `url`. */
  url: string;
  /** The archive's `path`, for the archive directory only. */
  path?: string;
  /** Absent only for a server a fleet collected before it kept sizes. */
  bytes?: number;
  /**
   * Absent only for a server a fleet collected before its manifests, when the fleet continued as
   * new onto a build with them; that server's own `collectServerLogs` result holds it.
   */
  sha256?: string;
}

export interface FleetFailure {
  serverId: string;
  type: string;
  message: string;
}

/** One server's line in a fleet's manifest: collected, or failed and why. */
export type FleetServerLine = FleetSuccess | ({ status: 'failed' } & FleetFailure);

/** A fleet's line for a server whose collection returned `result`. */
export function collectedLine(serverId: string, result: CollectServerLogsResult): FleetSuccess {
  const { url, path, bytes, sha256 } = result.archive;
  return {
    serverId,
    status: 'collected',
    exportId: result.exportId,
    url,
    ...(path ? { path } : {}),
    bytes,
    sha256,
  };
}

/**
 * Input of the activity with which a fleet's run waits for the collections an earlier run started
 * and left running when it continued as new. It returns once `atLeast` of them ended, or after
 * `maxWaitMs` with those that did (maybe none), each as its line.
 */
export interface AwaitCollectionsInput {
  projectId: string;
  serverIds: string[];
  /** When the fleet began (epoch ms): runs of the same collections that began before are not its own. */
  fleetStartedAt: number;
  atLeast: number;
  maxWaitMs: number;
}

/**
 * Failures a fleet's result lists with their message; the rest are counted by type, and every one
 * is in the manifests. So the result stays one small payload however many servers fail.
 */
export const FAILURES_LISTED = 100;
/** A recorded failure's message (a fleet's server, a collection's project) is cut to this many characters. */
export const FAILURE_MESSAGE_MAX_CHARS = 300;

/**
 * How a workflow that ended without its result ended, from the failure it ended with (a child's
 * cause, or what a client's wait for its result gave): its own typed failure where it has one
 * (also behind an activity's failure, as a fleet whose listing was refused ends), else cancelled
 * or stopped from outside. The message is cut to `FAILURE_MESSAGE_MAX_CHARS`.
 */
export function failureOfEndedWorkflow(cause: unknown): { type: string; message: string } {
  const message = ((cause as Error)?.message ?? String(cause)).slice(0, FAILURE_MESSAGE_MAX_CHARS);
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ApplicationFailure', message };
  const typed = logCollectionFailureOf(cause);
  if (typed) return { type: typed.type, message: typed.message.slice(0, FAILURE_MESSAGE_MAX_CHARS) };
  if (cause instanceof CancelledFailure) return { type: FailureType.LogCollectionCancelled, message };
  return { type: FailureType.LogExportTrackingStopped, message };
}

/**
 * The result of `collectFleetLogs`: every server counted, as collected or failed by type, and
 * listed in the manifests (one JSON line a server). The result holds counts, not the servers, so
 * its size does not grow with the fleet's: Temporal refuses a payload over 2 MB, which a list of
 * 7,500 servers would pass.
 */
export interface CollectFleetLogsResult extends CollectionTotals {
  /** The first `FAILURES_LISTED` failures, in the order they happened. */
  failures: FleetFailure[];
  /** Files of JSON lines (`FleetServerLine`), one per run of the fleet, in the archive store. */
  manifests: ArchiveInfo[];
  /** Servers whose lines no manifest holds, because the archive store refused to keep them. */
  unlisted?: { servers: number; type: string; message: string };
}

/** What `getFleetProgress` answers at any time. */
export interface FleetProgress {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  /** False while servers are still being listed. */
  listed: boolean;
}

export const getFleetProgressQuery = defineQuery<FleetProgress>('getFleetProgress');

/** Input of the activity that reads one page of ListServers. */
export interface ListServersPageInput {
  projectId: string;
  region?: string;
  manageState: string;
  marker?: string;
}

/** Input of the activity that stores one run's lines of a fleet's manifest. */
export interface StoreFleetManifestInput {
  fleetWorkflowId: string;
  /** The first run of the fleet's chain of runs, so a fleet ID used again never overwrites a manifest. */
  firstRunId: string;
  /** 1 for the fleet's first run's manifest, 2 for the next, ... */
  part: number;
  destination?: string;
  lines: FleetServerLine[];
}

/** "Manifest part 2 of fleet clouddc-collect-fleet:p-1:…", for messages. */
export function describeFleetManifest({ fleetWorkflowId, part }: StoreFleetManifestInput): string {
  return `Manifest part ${part} of fleet ${fleetWorkflowId}`;
}

/** Where a manifest part is kept: beside the archives, under the fleet's ID and first run. */
export function fleetManifestKey({
  fleetWorkflowId,
  firstRunId,
  part,
  destination,
}: StoreFleetManifestInput): string {
  // A workflow ID is any text; a key of it must stay one plain name.
  const fleet = fleetWorkflowId.replace(/[^A-Za-z0-9._:-]/g, '_').replace(/^\./, '_');
  return [destination, 'fleets', fleet, firstRunId, `servers-${String(part).padStart(4, '0')}.jsonl`]
    .filter(Boolean)
    .join('/');
}
