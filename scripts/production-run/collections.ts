import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { startCollection } from '../../src/client/collection.js';
import { POLICY, RESULTS_TIMEOUT_MS, type RunContext } from './context.js';
import { check, seconds } from './report.js';

/**
 * Every promise's value, or a failure after `timeoutMs` that `explain` words from the indices of
 * those still unsettled, so a step that hangs fails CI with a reason instead of running out its time.
 */
export async function within<T>(
  timeoutMs: number,
  promises: Promise<T>[],
  explain: (open: number[]) => Promise<string>,
): Promise<T[]> {
  const settled = new Set<number>();
  for (const [i, p] of promises.entries()) {
    p.then(
      () => settled.add(i),
      () => settled.add(i),
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const open = promises.map((_, i) => i).filter((i) => !settled.has(i));
      reject(new Error(await explain(open).catch((err) => `${open.length} still open (${err})`)));
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(promises), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every workflow's result, or a failure after RESULTS_TIMEOUT_MS naming what each open one waits for. */
export function resultsOf<H extends WorkflowHandle>(
  handles: H[],
  names: string[],
  what: string,
): Promise<Awaited<ReturnType<H['result']>>[]> {
  return within(
    RESULTS_TIMEOUT_MS,
    handles.map((h) => h.result() as Promise<Awaited<ReturnType<H['result']>>>),
    async (open) => {
      const waits = await Promise.all(
        open.map(async (i) => {
          const { raw } = await (handles[i] as WorkflowHandle).describe();
          const pending = [
            ...(raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} ${a.state}`),
            ...(raw.pendingChildren ?? []).map((c) => `child ${c.workflowId}`),
          ];
          return `${names[i]}: ${pending.join(', ') || 'nothing pending'}`;
        }),
      );
      return `${what} still open after ${seconds(RESULTS_TIMEOUT_MS)}: ${waits.join('; ')}`;
    },
  );
}

/**
 * Starts a collection (export request, tracker, download) of each server, exports taking
 * `durationMs`; `results` checks each against the simulator: one export, the one tracked, and
 * its archive intact.
 */
export async function collect(ctx: RunContext, projectId: string, serverIds: string[], durationMs: number) {
  for (const serverId of serverIds) {
    ctx.sim.addServer(projectId, serverId, { exportScenario: { durationMs, archiveBytes: 256 * 1024 } });
    ctx.servers.push({ projectId, serverId });
  }
  const handles = await Promise.all(
    serverIds.map((serverId) => startCollection(ctx.client, { projectId, serverId, policy: POLICY })),
  );
  return {
    handles,
    results: async () => {
      const results = await resultsOf(handles, serverIds, `collections of ${projectId}`);
      for (const [i, result] of results.entries()) {
        const serverId = serverIds[i] as string;
        const exports = ctx.sim.exportsOf(projectId, serverId);
        check(exports.length === 1, `${projectId}/${serverId}: one export requested, not ${exports.length}`);
        const [record] = exports as [NonNullable<(typeof exports)[0]>];
        check(result.outcome === 'completed', `${serverId}: outcome ${result.outcome}`);
        check(result.exportId === record.exportId, `${serverId}: the export requested is the one tracked`);
        const expected = await ctx.sim.archiveOf(record);
        const onDisk = await readFile(result.archive.path ?? '');
        check(
          createHash('sha256').update(onDisk).digest('hex') === expected.sha256,
          `${serverId}: archive checksum`,
        );
      }
      return results;
    },
  };
}
