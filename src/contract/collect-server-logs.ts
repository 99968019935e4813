/** The contract of `collectServerLogs`: one server's export requested, tracked and downloaded. */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { idSchema, parseInput, regionSchema } from './input.js';
import { policyInputSchema } from './polling-policy.js';
import type { ExportRef, LogExportResult } from './track-log-export.js';

/**
 * A sub-directory of the worker's archive directory or object-store prefix, as `a/b/c`: plain
 * names only, so an input can never point outside the place the worker owns.
 */
export const destinationSchema = z
  .string({ error: 'expected a relative directory such as "incident-42/night"' })
  .max(200, { error: 'must be at most 200 characters' })
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, {
    error:
      'must be a relative path of plain names (letters, digits, ".", "_", "-"), such as "incident-42/night"',
  });

export const collectServerLogsInputSchema = z.strictObject(
  {
    projectId: idSchema,
    serverId: idSchema,
    region: regionSchema.optional(),
    policy: policyInputSchema,
    destination: destinationSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a JSON object' : undefined) },
);

/** The input of `collectServerLogs`: a server, and the tracking policy for its new export. */
export type CollectServerLogsInput = z.input<typeof collectServerLogsInputSchema>;
export type CollectServerLogsRequest = z.output<typeof collectServerLogsInputSchema>;

export interface ServerRef {
  projectId: string;
  serverId: string;
}

/** "Log collection for server srv-1 (project p-1)", for messages and summaries. */
export function describeCollection({ projectId, serverId }: ServerRef): string {
  return `Log collection for server ${serverId} (project ${projectId})`;
}

/** Checks a `collectServerLogs` input with the same rules and messages everywhere. */
export function parseCollectServerLogsInput(raw: unknown): CollectServerLogsRequest {
  return parseInput(collectServerLogsInputSchema, raw, (valid) => {
    const ids = z.object({ projectId: idSchema, serverId: idSchema }).safeParse(valid);
    return ids.success ? describeCollection(ids.data) : undefined;
  });
}

/**
 * One collection per server at a time: a second start while one runs attaches to it (with
 * USE_EXISTING), and a new one may start once it has finished.
 */
export function collectServerLogsWorkflowId({ projectId, serverId }: ServerRef): string {
  return `clouddc-collect:${projectId}:${serverId}`;
}

/** Where an archive was stored, and what it holds. */
export interface ArchiveInfo {
  /** `file:///…` in the worker's archive directory; `obs://bucket/key` or `s3://bucket/key` in an object store. */
  url: string;
  /** The file on the worker's disk, for the archive directory only. */
  path?: string;
  bytes: number;
  sha256: string;
}

/** The result of `collectServerLogs`: the tracking result plus the downloaded archive. */
export interface CollectServerLogsResult extends LogExportResult {
  archive: ArchiveInfo;
}

/** Input of the activity that starts an export. */
export interface RequestExportInput extends ServerRef {
  region?: string;
  /** Failed attempts so far, so the activity's backoff keeps growing across the workflow's retries. */
  failedAttempts?: number;
}

/** Input of the activity that downloads a finished export's archive. */
export interface DownloadArchiveInput extends ExportRef {
  region?: string;
  destination?: string;
}

/** Where a server collection is: what `getCollectionProgress` answers. */
export interface CollectionProgress {
  phase: 'requesting' | 'tracking' | 'downloading' | 'done';
  /** Known once the API accepted the export. */
  exportId?: string;
  /** The export's tracker (a child workflow), once there is one: where its progress is asked. */
  trackerWorkflowId?: string;
}

export const getCollectionProgressQuery = defineQuery<CollectionProgress>('getCollectionProgress');
