import {
  type ArchiveInfo,
  type CollectFleetLogsResult,
  type FleetProgress,
  type FleetTally,
  formatBytes,
  formatFailuresByType,
} from '../contract/index.js';

/**
 * The Web UI's current details of a fleet: how far along it is, its archives' bytes, its failures
 * by type, and where its servers are listed so far.
 */
export function fleetDetails(
  progress: FleetProgress,
  tally: FleetTally,
  manifests: readonly ArchiveInfo[],
  unlisted: CollectFleetLogsResult['unlisted'],
): string {
  if (!progress.listed) return "Listing the project's servers";
  const done = progress.succeeded + progress.failed;
  const lines = [
    `**Servers:** ${done} of ${progress.total} done (${progress.succeeded} collected, ${progress.failed} failed), ${progress.running} running, ${progress.pending} waiting · **Archives:** ${formatBytes(tally.bytes)}`,
  ];
  if (tally.failed) lines.push(`**Failures by type:** ${formatFailuresByType(tally.failuresByType)}`);
  const last = manifests.at(-1);
  if (last)
    lines.push(
      `**Manifests:** ${manifests.length} so far, one per run of the fleet; the last: ${last.path ?? last.url}`,
    );
  if (unlisted)
    lines.push(
      `**Unlisted:** ${unlisted.servers} servers in no manifest: ${unlisted.type}: ${unlisted.message}`,
    );
  return lines.join('\n\n');
}
