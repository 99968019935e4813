import { readFile } from 'node:fs/promises';
import type { RunningTemporalCluster, TemporalServiceProcess } from '../../src/dev/temporal-cluster.js';

export interface PartitionEvent {
  /** The matching host's name. */
  host: string;
  at: number;
  loaded: boolean;
}

/**
 * When each matching host loaded and unloaded the root partition of a task queue's unversioned
 * queue, from the hosts' own info lines ("Started/Stopped physicalTaskQueueManager"): the server
 * has no API that says which host owns a partition, and the host that loads it is the one the
 * frontend routes its polls to.
 */
export async function partitionEvents(
  hosts: TemporalServiceProcess[],
  namespace: string,
  taskQueue: string,
  type: 'Activity' | 'Workflow',
): Promise<PartitionEvent[]> {
  const events: PartitionEvent[] = [];
  for (const host of hosts) {
    for (const line of (await readFile(host.logFile, 'utf8')).split('\n')) {
      if (!line.includes('physicalTaskQueueManager') || !line.includes(taskQueue)) continue;
      const entry = parse(line);
      if (
        entry?.['wf-task-queue-name'] !== taskQueue ||
        entry['wf-task-queue-type'] !== type ||
        entry['wf-namespace'] !== namespace ||
        entry['worker-version'] !== '_unversioned_'
      )
        continue;
      const loaded = entry.msg === 'Started physicalTaskQueueManager';
      if (loaded || entry.msg === 'Stopped physicalTaskQueueManager')
        events.push({ host: host.name, at: Date.parse(String(entry.ts)), loaded });
    }
  }
  return events.sort((a, b) => a.at - b.at);
}

/** The hosts that hold the partition loaded after these events. */
export function loadedOn(events: PartitionEvent[]): string[] {
  const held = new Map<string, number>();
  for (const { host, loaded } of events) held.set(host, (held.get(host) ?? 0) + (loaded ? 1 : -1));
  return [...held].filter(([, count]) => count > 0).map(([host]) => host);
}

/** Hosts by name and address, for the figures. */
export function describeHosts(cluster: RunningTemporalCluster, names: string[]): string {
  if (names.length === 0) return 'none logged';
  return names.map((name) => `${name} (${cluster.service(name).address})`).join(', ');
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
