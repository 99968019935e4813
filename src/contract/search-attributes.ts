import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes of the trackers, so operators find an export in the Web UI or with
 * `temporal workflow list --query "CloudDCServerId = 'srv-1' AND LogExportStatus = 'running'"`.
 */
export const SearchAttribute = {
  projectId: defineSearchAttributeKey('CloudDCProjectId', SearchAttributeType.KEYWORD),
  serverId: defineSearchAttributeKey('CloudDCServerId', SearchAttributeType.KEYWORD),
  exportId: defineSearchAttributeKey('CloudDCExportId', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('LogExportStatus', SearchAttributeType.KEYWORD),
  percent: defineSearchAttributeKey('LogExportPercent', SearchAttributeType.INT),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SearchAttribute);

/** `LogExportStatus`: the tracker's state, normalized from whatever words the API uses. */
export type TrackerStatus =
  | 'pending'
  | 'running'
  | 'completed'
  | 'failed'
  | 'timed-out'
  | 'stalled'
  | 'cancelled';

/**
 * `LogExportPercent` moves in steps of this many points: every upsert is a billed action, and a
 * query such as "LogExportPercent >= 50" needs no finer grain.
 */
export const PERCENT_STEP = 10;

/** The `temporal operator search-attribute create` arguments for a real cluster. */
export function searchAttributeCreateArgs(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => [
    '--name',
    key.name,
    '--type',
    key.type === 'INT' ? 'Int' : 'Keyword',
  ]);
}
