import { defineUpdate } from '@temporalio/workflow';
import * as nexus from 'nexus-rpc';
import type { CollectServerLogsInput, CollectServerLogsResult } from './collect-server-logs.js';
import type { LogExportResult, TrackLogExportInput } from './track-log-export.js';

/**
 * The Nexus service other teams call from their own namespaces, in any SDK language: the names
 * here are the source of truth for every caller (docs/nexus/). Both operations are backed by our
 * workflows under their standard IDs, so a caller for an export or a server that is already being
 * worked on attaches to that run instead of starting another. Inputs and results are the same JSON
 * as the workflows'.
 */
export const clouddcLogsService = nexus.service('CloudDCLogs', {
  /** Tracks an export until it ends: its result, or the tracker's typed failure. */
  trackLogExport: nexus.operation<TrackLogExportInput, LogExportResult>(),
  /** Requests an export of a server's logs, tracks it and stores the archive. */
  collectServerLogs: nexus.operation<CollectServerLogsInput, CollectServerLogsResult>(),
});

/** The endpoint name `npm start`, the tests and the set-up step create for the service. */
export const DEFAULT_NEXUS_ENDPOINT = 'clouddc-logs';

/**
 * Memo key on a workflow a Nexus operation started: only such a run may be cancelled when its
 * callers cancel, never one an operator, a schedule or a parent workflow started.
 */
export const STARTED_FOR_NEXUS_MEMO = 'startedForNexus';

/** What a cancelled Nexus caller tells the run it was attached to (see `releaseCallerUpdate`). */
export interface ReleaseCallerInput {
  /** Nexus callers the server has attached to the run so far (one per operation). */
  attached: number;
}

/** The answer: how many attached callers have not cancelled yet. */
export interface ReleaseCallerResult {
  remaining: number;
}

/**
 * Sent by the Nexus handler to the run a cancelled caller was attached to: the run counts the
 * callers that left (across continue-as-new) and answers how many are still attached.
 */
export const releaseCallerUpdate = defineUpdate<ReleaseCallerResult, [ReleaseCallerInput]>(
  'releaseNexusCaller',
);
