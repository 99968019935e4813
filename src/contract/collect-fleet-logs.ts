/** The contract of `collectFleetLogs`: a project's servers collected, a bounded number at once. */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { destinationSchema } from './collect-server-logs.js';
import { idSchema, parseInput, regionSchema } from './input.js';
import { policyInputSchema } from './polling-policy.js';

/** Server states ListServers can filter on. */
export const MANAGE_STATES = ['onboard', 'ready', 'in-use', 'frozen', 'offboarding'] as const;

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
    concurrency: z.number().int().min(1).max(500).optional(),
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

/**
 * A server collected. Kept small so a fleet of thousands fits in one payload; the checksum is in
 * that server's own `collectServerLogs` result.
 */
export interface FleetSuccess {
  serverId: string;
  exportId: string;
  /** The archive's `url`. */
  url: string;
  /** The archive's `path`, for the archive directory only. */
  path?: string;
  /** The archive's size; absent in results of fleets that ran before sizes were kept. */
  bytes?: number;
}

export interface FleetFailure {
  serverId: string;
  type: string;
  message: string;
}

/** The result of `collectFleetLogs`: every server either succeeded or failed, none is left out. */
export interface CollectFleetLogsResult {
  total: number;
  succeeded: FleetSuccess[];
  failed: FleetFailure[];
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
