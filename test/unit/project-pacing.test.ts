import { describe, expect, it } from 'vitest';
import { setUpProjectPacing } from '../../src/request-budget/project-pacing.js';
import type { ActivityQueue } from '../../src/request-budget/task-queue-config.js';

/**
 * What a server without per-key limits answers to the task queue settings: an older one does not
 * know the call (UNIMPLEMENTED), Temporal Cloud without fairness refuses it. Only the decision is
 * tested here; the integration tests run both kinds of pacing against a real server.
 */
function serverAnswering(code: number): ActivityQueue {
  const refuse = async () => {
    throw Object.assign(new Error(`refused with gRPC code ${code}`), { code });
  };
  return {
    service: {
      describeTaskQueue: refuse,
      updateTaskQueueConfig: refuse,
    } as unknown as ActivityQueue['service'],
    namespace: 'default',
    taskQueue: 'q',
  };
}

describe('setUpProjectPacing', () => {
  it.each([12, 9, 7, 3])(
    'falls back to the worker, saying so once with what to enable, on gRPC code %s',
    async (code) => {
      const warnings: string[] = [];
      expect(await setUpProjectPacing(serverAnswering(code), 5, (line) => warnings.push(line))).toBe(
        'worker',
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/Temporal Server 1\.29 or newer/);
      expect(warnings[0]).toMatch(/enable fairness/);
      expect(warnings[0]).toMatch(/divide CLOUDDC_RATE_LIMIT/);
    },
  );

  it('does not hide a cluster that cannot be reached', async () => {
    await expect(setUpProjectPacing(serverAnswering(14), 5, () => {})).rejects.toThrow(/code 14/);
  });
});
