import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { isQueueWaitTimeout, QueueWaitLimit } from '../../src/workflows/queue-wait.js';

describe('QueueWaitLimit', () => {
  it('starts at five of the caller longest polling intervals, within 10 s and 5 min', () => {
    expect(new QueueWaitLimit(400).ms).toBe(10_000);
    expect(new QueueWaitLimit(20_000).ms).toBe(100_000);
    expect(new QueueWaitLimit(60_000).ms).toBe(300_000);
    expect(new QueueWaitLimit(3_600_000).ms).toBe(300_000);
  });

  it('doubles each time a task finds no worker in time', () => {
    const limit = new QueueWaitLimit(60_000);
    limit.reached();
    limit.reached();
    expect(limit.ms).toBe(1_200_000);
  });

  it('keeps four times the longest round trip seen, and never narrows', () => {
    const limit = new QueueWaitLimit(60_000);
    limit.answeredAfter(2_000);
    expect(limit.ms).toBe(300_000);
    limit.answeredAfter(200_000);
    expect(limit.ms).toBe(800_000);
    limit.answeredAfter(1_000);
    expect(limit.ms).toBe(800_000);
  });
});

describe('isQueueWaitTimeout', () => {
  const activityFailure = (cause: Error) =>
    new ActivityFailure('failed', 'getExportStatus', '1', 'TIMEOUT', undefined, cause);

  it('is true only for a schedule-to-start timeout of an activity', () => {
    expect(isQueueWaitTimeout(activityFailure(new TimeoutFailure('t', undefined, 'SCHEDULE_TO_START')))).toBe(
      true,
    );
    expect(isQueueWaitTimeout(activityFailure(new TimeoutFailure('t', undefined, 'START_TO_CLOSE')))).toBe(
      false,
    );
    expect(isQueueWaitTimeout(activityFailure(ApplicationFailure.create({ message: 'x' })))).toBe(false);
    expect(isQueueWaitTimeout(new TimeoutFailure('t', undefined, 'SCHEDULE_TO_START'))).toBe(false);
  });
});
