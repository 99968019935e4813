import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, logExportWorkflowId } from '../../src/contract/index.js';
import { busiestSecond } from '../../src/simulator/request-rate.js';
import type { ExportScenarioInput } from '../../src/simulator/scenario.js';
import { applicationFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness } from '../helpers/harness.js';

const SKEW_MS = 11 * 60_000;
let h: Harness;
beforeAll(async () => {
  // The API's clock runs 11 minutes ahead of the worker's, and answers slower than 1 s time out.
  h = await startHarness({ simulator: { clock: () => Date.now() + SKEW_MS }, requestTimeoutMs: 1_000 });
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-chaos';
const SCENARIOS: Array<[string, ExportScenarioInput]> = [
  ['linear', { durationMs: 4_000 }],
  ['steps', { durationMs: 4_000, curve: 'steps', steps: 3 }],
  ['stall', { durationMs: 3_000, stall: { atPercent: 40, forMs: 2_000 } }],
  ['unknown-words', { durationMs: 3_000, runningStatus: 'Preparing-Stage-7', finalStatus: 'FINISHED_OK' }],
  ['garbage-percent', { durationMs: 3_000, percentageFormat: 'garbage' }],
  ['numeric-strings', { durationMs: 3_000, percentageFormat: 'numeric-string' }],
  ['epoch-created', { durationMs: 3_000, createdAtFormat: 'epoch-seconds' }],
  ['http-date-created', { durationMs: 3_000, createdAtFormat: 'http-date' }],
  ['fails', { durationMs: 3_000, outcome: 'failed', failAtPercent: 60 }],
  ['fails-late', { durationMs: 4_000, outcome: 'failed', failAtPercent: 90 }],
];

describe('API chaos', () => {
  it('brings every export to the right outcome through storms, outages and garbled answers, without a request storm', async () => {
    h.sim.injectFaults(
      { fault: { kind: 'status', status: 429, retryAfter: { seconds: 1, as: 'http-date' } }, times: 15 },
      { fault: { kind: 'status', status: 429, body: 'request is overloaded' }, times: 10 },
      { fault: { kind: 'status', status: 503 }, times: 8 },
      {
        fault: {
          kind: 'status',
          status: 502,
          body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
          headers: { 'Content-Type': 'text/html' },
        },
        times: 5,
      },
      { fault: { kind: 'delay', ms: 1_500 }, times: 4 },
      { fault: { kind: 'reset-mid-body' }, times: 4 },
      { fault: { kind: 'malformed' }, times: 4 },
      { fault: { kind: 'malformed', body: 'Service Unavailable', contentType: 'text/plain' }, times: 3 },
      { fault: { kind: 'drop' }, times: 3 },
      {
        fault: { kind: 'status', status: 500, body: { error: { code: 'APIGW.0101', message: 'internal' } } },
        times: 4,
      },
    );
    const planned = h.sim.faults.pending;
    const records = SCENARIOS.map(([name, scenario]) => ({
      name,
      record: h.sim.createExport(PROJECT, `srv-${name}`, scenario),
    }));
    const outcomes = await Promise.all(
      records.map(async ({ record }) => {
        const handle = await h.track({
          projectId: PROJECT,
          serverId: record.serverId,
          exportId: record.exportId,
          policy: { ...FAST_POLICY, timeout: '2m' },
        });
        const result = handle.result();
        return record.scenario.outcome === 'failed'
          ? (await applicationFailure(result)).type
          : (await result).outcome;
      }),
    );

    expect(outcomes).toEqual(
      SCENARIOS.map(([, s]) => (s.outcome === 'failed' ? FailureType.LogExportFailed : 'completed')),
    );
    expect(h.worker.getState()).toBe('RUNNING');
    for (const { record } of records) {
      const polls = h.sim.statusRequests(record).map((r) => r.at);
      expect(
        busiestSecond(polls),
        `polls of ${logExportWorkflowId(record)} in one second`,
      ).toBeLessThanOrEqual(12);
    }
    const injected = h.sim.faults.injected;
    expect(injected).toBeGreaterThan(planned / 2);
    console.log(
      `API chaos: ${injected} faults injected (${planned} planned), ${records.length} exports tracked, 0 lost`,
    );
  }, 120_000);
});
