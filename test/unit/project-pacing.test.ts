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

/** A server that holds per-key limits, on an activity task queue of `partitions` partitions. */
function serverWithPartitions(partitions: number | Error): ActivityQueue {
  let perKey: number | undefined;
  return {
    service: {
      describeTaskQueue: async () => ({
        config: perKey ? { fairnessKeysRateLimitDefault: { rateLimit: { requestsPerSecond: perKey } } } : {},
      }),
      updateTaskQueueConfig: async (request: {
        updateFairnessKeyRateLimitDefault?: { rateLimit?: { requestsPerSecond?: number } };
      }) => {
        perKey = request.updateFairnessKeyRateLimitDefault?.rateLimit?.requestsPerSecond ?? perKey;
        return {};
      },
      listTaskQueuePartitions: async () => {
        if (partitions instanceof Error) throw partitions;
        return {
          activityTaskQueuePartitions: Array.from({ length: partitions }, (_, i) => ({ key: `q/${i}` })),
        };
      },
    } as unknown as ActivityQueue['service'],
    namespace: 'default',
    taskQueue: 'q',
  };
}

describe('setUpProjectPacing', () => {
  it('lets the task queue pace, without a word, when it has one partition', async () => {
    const warnings: string[] = [];
    expect(await setUpProjectPacing(serverWithPartitions(1), 5, (line) => warnings.push(line))).toBe(
      'temporal',
    );
    expect(warnings).toEqual([]);
  });

  it.each([2, 4])(
    'says plainly, once, that %s partitions may pass the quota, and what to change',
    async (n) => {
      const warnings: string[] = [];
      expect(await setUpProjectPacing(serverWithPartitions(n), 5, (line) => warnings.push(line))).toBe(
        'temporal',
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`has ${n} partitions`);
      expect(warnings[0]).toContain('busiest second may pass CLOUDDC_RATE_LIMIT (5/s');
      expect(warnings[0]).toContain('matching.numTaskqueueReadPartitions');
    },
  );

  it('says when it cannot learn the partitions, and still paces by the task queue', async () => {
    const warnings: string[] = [];
    const refused = Object.assign(new Error('permission denied'), { code: 7 });
    expect(await setUpProjectPacing(serverWithPartitions(refused), 5, (line) => warnings.push(line))).toBe(
      'temporal',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Could not learn how many partitions/);
  });

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
