import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, getProgressQuery, pollNowSignal } from '../../src/contract/index.js';
import { CloudDCSimulator, type RecordedRequest } from '../../src/simulator/server.js';
import { applicationFailure, workflowFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness, TEST_TOKEN, waitFor } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ requestTimeoutMs: 500 });
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-faults';

/** Starts tracking a fresh 1 s export on its own server, with `faults` aimed at its status path. */
async function trackWithFaults(serverId: string, faults: Parameters<Harness['sim']['injectFaults']>) {
  const sim = h.sim.createExport(PROJECT, serverId, { durationMs: 1_000 });
  const path = `/physicalservers/${serverId}/logs/exports/${sim.exportId}$`;
  h.sim.injectFaults(...faults.map((rule) => ({ ...rule, path })));
  const handle = await h.track({ projectId: PROJECT, serverId, exportId: sim.exportId, policy: FAST_POLICY });
  return {
    sim,
    handle,
    requests: () => h.sim.statusRequests(sim),
    clearFaults: () => h.sim.faults.clear(path),
  };
}

function gaps(requests: RecordedRequest[]): number[] {
  return requests.slice(1).map((r, i) => r.at - (requests[i] as RecordedRequest).at);
}

describe('throttling (429)', () => {
  it('waits at least the Retry-After delta-seconds before retrying', async () => {
    const { handle, requests } = await trackWithFaults('srv-429-delta', [
      { fault: { kind: 'status', status: 429, retryAfter: { seconds: 1, as: 'delta' } }, times: 3 },
    ]);
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    const seen = requests();
    expect(seen.slice(0, 3).map((r) => r.status)).toEqual([429, 429, 429]);
    for (const gap of gaps(seen).slice(0, 3)) {
      expect(gap).toBeGreaterThanOrEqual(1_000);
      // Due then, plus at most a quarter second of spread and the round trip through Temporal.
      expect(gap).toBeLessThanOrEqual(2_250);
    }
  });

  it('waits at least until an HTTP-date Retry-After, measured against the response Date', async () => {
    const { handle, requests } = await trackWithFaults('srv-429-date', [
      { fault: { kind: 'status', status: 429, retryAfter: { seconds: 2, as: 'http-date' } }, times: 2 },
    ]);
    expect((await handle.result()).outcome).toBe('completed');
    const seen = requests();
    expect(seen.slice(0, 2).map((r) => r.status)).toEqual([429, 429]);
    for (const gap of gaps(seen).slice(0, 2)) expect(gap).toBeGreaterThanOrEqual(2_000);
  });

  it('backs off with full jitter from the throttling base without Retry-After, in a JSON or a plain-text body', async () => {
    const { handle, requests } = await trackWithFaults('srv-429-bare', [
      { fault: { kind: 'status', status: 429 }, times: 2 },
      {
        fault: {
          kind: 'status',
          status: 429,
          body: {
            error_code: 'APIGW.0308',
            error_msg: 'policy user over ratelimit, limit:20, time:1 second',
          },
        },
        times: 2,
      },
    ]);
    expect((await handle.result()).outcome).toBe('completed');
    const seen = requests();
    expect(seen.slice(0, 4).map((r) => r.status)).toEqual([429, 429, 429, 429]);
    const waits = gaps(seen).slice(0, 4);
    // FAST_BACKOFF.throttledBaseMs is 200, its cap doubling per refusal (200, 400, 800, 1600),
    // never under a tenth of the base; plus the round trip through Temporal.
    for (const [i, gap] of waits.entries()) {
      expect(gap).toBeGreaterThanOrEqual(20);
      expect(gap).toBeLessThanOrEqual(200 * 2 ** i + 1_000);
    }
  });
});

describe.concurrent('transient failures', () => {
  it('retries a burst of 500s with backoff and completes', async () => {
    const { handle, requests } = await trackWithFaults('srv-500', [
      {
        fault: {
          kind: 'status',
          status: 500,
          body: { error_code: 'CLOUDDC.0500', error_msg: 'Internal error' },
        },
        times: 4,
      },
    ]);
    expect((await handle.result()).outcome).toBe('completed');
    expect(requests().filter((r) => r.status === 500)).toHaveLength(4);
  });

  it.each([
    ['a truncated JSON body', { kind: 'malformed' as const }],
    [
      'an HTML error page',
      {
        kind: 'malformed' as const,
        body: '<html><body>502 Bad Gateway</body></html>',
        contentType: 'text/html',
      },
    ],
    ['JSON without a status', { kind: 'malformed' as const, body: '{"export_id":"1","percentage":"10%"}' }],
    ['a dropped connection', { kind: 'drop' as const }],
    ['a connection reset mid-body', { kind: 'reset-mid-body' as const }],
    ['a response slower than the client timeout', { kind: 'delay' as const, ms: 1_500 }],
  ])('retries after %s and completes', async (_, fault) => {
    const { handle, requests } = await trackWithFaults(
      `srv-${fault.kind}-${Math.random().toString(36).slice(2, 6)}`,
      [{ fault, times: 2 }],
    );
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(requests().length).toBeGreaterThanOrEqual(3);
  });

  it('reports a persistent error as lastError in getProgress, then recovers', async () => {
    const { handle, clearFaults } = await trackWithFaults('srv-500-long', [
      {
        fault: {
          kind: 'status',
          status: 503,
          body: { error_code: 'APIGW.0503', error_msg: 'Service unavailable' },
        },
        times: 1_000,
      },
    ]);
    const progress = await waitFor(
      async () => {
        const p = await handle.query(getProgressQuery);
        return p.lastError ? p : undefined;
      },
      { what: 'lastError in getProgress' },
    );
    expect(progress.lastError).toContain('HTTP 503');
    expect(progress.lastError).toContain('APIGW.0503');
    clearFaults();
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect((await handle.query(getProgressQuery)).lastError).toBeUndefined();
  });
});

describe.concurrent('answers another implementation of the API may give', () => {
  it.each([
    [
      'a numeric export_id and created_at',
      '{"export_id": 7, "status": "completed", "percentage": "100%", "created_at": 1700000000}',
    ],
    ['no status but 100 percent', '{"export_id": "7", "percentage": 100}'],
    [
      'extra fields and a success word in capitals',
      '{"export_id": "7", "status": "SUCCEEDED", "percentage": "100%", "extra": {"a": 1}}',
    ],
  ])('completes on %s', async (_, body) => {
    const { handle } = await trackWithFaults(`srv-shape-${Math.random().toString(36).slice(2, 6)}`, [
      { fault: { kind: 'malformed', body }, times: 1 },
    ]);
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'completed', percentage: 100, polls: 1 });
    expect(result.createdAt).toBeUndefined();
  });

  it('keeps tracking through an unreadable percentage and completes on the status word', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-garbage', { durationMs: 800, percentageFormat: 'garbage' });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-garbage',
      exportId: sim.exportId,
      policy: FAST_POLICY,
    });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'completed', status: 'completed' });
    expect(result.polls).toBeGreaterThanOrEqual(2);
    expect(h.logs.some((entry) => entry.message.includes('Unreadable percentage'))).toBe(true);
  });

  it('treats an unknown status word as in progress and logs it once', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-unknown', {
      durationMs: 3_000,
      runningStatus: 'Compressing',
    });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-unknown',
      exportId: sim.exportId,
      policy: FAST_POLICY,
    });
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(result.polls).toBeGreaterThanOrEqual(3);
    const logged = h.logs.filter(
      (entry) => entry.message.includes('Unknown export status word') && entry.meta?.status === 'Compressing',
    );
    expect(logged).toHaveLength(1);
  });

  it('never follows a redirect, so credentials stay with the configured endpoint', async () => {
    const elsewhere = await CloudDCSimulator.start();
    try {
      const { handle, requests } = await trackWithFaults('srv-redirect', [
        { fault: { kind: 'status', status: 302, headers: { Location: `${elsewhere.url}/steal` }, body: '' } },
      ]);
      const failure = await applicationFailure(handle.result());
      expect(failure.type).toBe(FailureType.CloudDCBadRequest);
      expect(failure.message).toContain('not followed');
      expect(requests()).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });
});

describe.concurrent('steering while the API misbehaves', () => {
  it('keeps honouring Retry-After when pollNow arrives during the wait', async () => {
    const { handle, requests } = await trackWithFaults('srv-429-pollnow', [
      { fault: { kind: 'status', status: 429, retryAfter: { seconds: 5, as: 'delta' } } },
    ]);
    await waitFor(() => (requests().length === 1 ? true : undefined), { what: 'the throttled request' });
    await waitFor(async () => ((await handle.query(getProgressQuery)).lastError ? true : undefined), {
      what: 'the throttled poll to give up to the workflow',
    });
    await handle.signal(pollNowSignal);
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    const [throttled, next] = requests();
    expect((next as RecordedRequest).at - (throttled as RecordedRequest).at).toBeGreaterThanOrEqual(5_000);
  });

  it('cancels promptly while a poll is retrying', async () => {
    const { handle, requests, clearFaults } = await trackWithFaults('srv-cancel-retrying', [
      { fault: { kind: 'status', status: 503 }, times: 1_000 },
    ]);
    await waitFor(() => (requests().length >= 2 ? true : undefined), { what: 'retries to begin' });
    const cancelled = Date.now();
    await handle.cancel();
    const failure = await workflowFailure(handle.result());
    expect(failure.name).toBe('CancelledFailure');
    expect(Date.now() - cancelled).toBeLessThan(5_000);
    clearFaults();
  });
});

describe.concurrent('permanent failures', () => {
  it('re-authenticates once after a 401 and carries on', async () => {
    const { handle, requests } = await trackWithFaults('srv-401-once', [
      {
        fault: {
          kind: 'status',
          status: 401,
          body: { error_code: 'APIGW.0301', error_msg: 'token expired' },
        },
      },
    ]);
    expect((await handle.result()).outcome).toBe('completed');
    expect(requests()[0]?.status).toBe(401);
    expect(requests()[1]?.status).toBe(200);
  });

  it('fails with CloudDCAuthError when a 401 survives one re-authentication', async () => {
    const { handle, requests } = await trackWithFaults('srv-401', [
      {
        fault: {
          kind: 'status',
          status: 401,
          body: { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' },
        },
        times: 2,
      },
    ]);
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.CloudDCAuthError);
    expect(failure.message).toContain('APIGW.0301');
    expect(failure.message).toContain('Incorrect IAM authentication information');
    expect(failure.message).toMatch(/X-Request-Id [0-9a-f]{32}/);
    expect(requests()).toHaveLength(2);
    expect(requests().every((r) => r.authToken === TEST_TOKEN)).toBe(true);
  });

  it('fails with CloudDCPermissionDenied on 403, at once', async () => {
    const { handle, requests } = await trackWithFaults('srv-403', [
      {
        fault: {
          kind: 'status',
          status: 403,
          body: { error: { code: 'CLOUDDC.0403', message: 'no permission for imetal' } },
        },
        times: 5,
      },
    ]);
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.CloudDCPermissionDenied);
    expect(failure.message).toContain('CLOUDDC.0403');
    expect(failure.message).toContain('no permission for imetal');
    expect(requests()).toHaveLength(1);
  });

  it('fails with CloudDCBadRequest on 400, at once', async () => {
    const { handle, requests } = await trackWithFaults('srv-400', [
      {
        fault: {
          kind: 'status',
          status: 400,
          body: { error_code: 'CLOUDDC.0400', error_msg: 'bad export id' },
        },
      },
    ]);
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.CloudDCBadRequest);
    expect(requests()).toHaveLength(1);
  });

  it('rejects a region this worker does not serve as InvalidInput without calling the API', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-region', { durationMs: 1_000 });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-region',
      exportId: sim.exportId,
      region: 'ap-southeast-3',
      policy: FAST_POLICY,
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.InvalidInput);
    expect(failure.message).toContain('ap-southeast-3');
    expect(h.sim.requestsTo('/physicalservers/srv-region/')).toHaveLength(0);
  });
});
