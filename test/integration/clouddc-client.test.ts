import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudDCAuth } from '../../src/activities/auth/index.js';
import { createCloudDCClient } from '../../src/activities/clouddc/client.js';
import { CloudDCApiError } from '../../src/activities/clouddc/errors.js';
import { SendGates } from '../../src/request-budget/send-gates.js';
import { ProjectRateLimiter } from '../../src/request-budget/worker-limiter.js';
import { CloudDCSimulator } from '../../src/simulator/server.js';

/** An auth scheme that counts what the client asks of it and can switch tokens on re-authentication. */
function countingAuth(tokens: string[]) {
  let current = 0;
  const calls = { authorize: 0, reauthenticate: 0 };
  const auth: CloudDCAuth = {
    description: 'counting test token',
    async authorize(request) {
      calls.authorize += 1;
      request.headers.set('X-Auth-Token', tokens[current] ?? 'none');
    },
    async reauthenticate() {
      calls.reauthenticate += 1;
      current += 1;
    },
  };
  return { auth, calls };
}

let sim: CloudDCSimulator;
beforeAll(async () => {
  sim = await CloudDCSimulator.start({ tokens: ['fresh'] });
});
afterAll(async () => {
  await sim?.close();
});

const TARGET = () => ({ endpoint: sim.url, region: 'cn-east-3' });
const ref = (exportId: string) => ({ projectId: 'p-client', serverId: 's-1', exportId });

describe('CloudDC client over HTTP', () => {
  it("lowers its own limiter's rate for the gateway's over-quota 429 only, not for any 429", async () => {
    const record = sim.createExport('p-client', 's-1', { durationMs: 60_000 });
    const path = `/physicalservers/s-1/logs/exports/${record.exportId}$`;
    const rateLimiter = new ProjectRateLimiter({ perSecond: 20 });
    const client = createCloudDCClient({ auth: countingAuth(['fresh']).auth, timeoutMs: 2_000, rateLimiter });
    const key = 'project p-client in cn-east-3';
    sim.injectFaults({ fault: { kind: 'status', status: 429 }, path });
    await expect(client.showLogsExportStatus(TARGET(), ref(record.exportId))).rejects.toBeInstanceOf(
      CloudDCApiError,
    );
    expect(rateLimiter.rate(key)).toBe(20);
    sim.injectFaults({
      fault: { kind: 'status', status: 429, body: { error_code: 'APIGW.0308', error_msg: 'over ratelimit' } },
      path,
    });
    await expect(client.showLogsExportStatus(TARGET(), ref(record.exportId))).rejects.toBeInstanceOf(
      CloudDCApiError,
    );
    expect(rateLimiter.rate(key)).toBeCloseTo(10, 0);
  });

  it('re-authenticates exactly once after a 401 and retries with the new credentials', async () => {
    const record = sim.createExport('p-client', 's-1', { durationMs: 60_000 });
    const { auth, calls } = countingAuth(['expired', 'fresh']);
    const client = createCloudDCClient({ auth, timeoutMs: 2_000 });
    const snapshot = await client.showLogsExportStatus(TARGET(), ref(record.exportId));
    expect(snapshot.status).toBe('processing');
    expect(calls).toEqual({ authorize: 2, reauthenticate: 1 });
    expect(sim.statusRequests(ref(record.exportId)).map((r) => [r.status, r.authToken])).toEqual([
      [401, 'expired'],
      [200, 'fresh'],
    ]);
  });

  it('reports a 401 that survives re-authentication as unauthorized, after exactly two requests', async () => {
    const record = sim.createExport('p-client', 's-1', { durationMs: 60_000 });
    const { auth, calls } = countingAuth(['bad', 'still-bad']);
    const client = createCloudDCClient({ auth, timeoutMs: 2_000 });
    const err = await client.showLogsExportStatus(TARGET(), ref(record.exportId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudDCApiError);
    expect((err as CloudDCApiError).info).toMatchObject({
      kind: 'unauthorized',
      httpStatus: 401,
      errorCode: 'APIGW.0301',
    });
    expect(calls.reauthenticate).toBe(1);
    expect(sim.statusRequests(ref(record.exportId))).toHaveLength(2);
  });

  it('aborts a request when the caller signals, without waiting for the timeout', async () => {
    const record = sim.createExport('p-client', 's-1', { durationMs: 60_000 });
    sim.injectFaults({ fault: { kind: 'delay', ms: 5_000 }, path: `/exports/${record.exportId}$` });
    const { auth } = countingAuth(['fresh']);
    const client = createCloudDCClient({ auth, timeoutMs: 10_000 });
    const started = Date.now();
    const err = await client
      .showLogsExportStatus(TARGET(), ref(record.exportId), { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect((err as CloudDCApiError).info.kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out a body that trickles in slower than the request timeout', async () => {
    const record = sim.createExport('p-client', 's-1', { durationMs: 60_000 });
    sim.injectFaults({ fault: { kind: 'delay', ms: 3_000 }, path: `/exports/${record.exportId}$` });
    const { auth } = countingAuth(['fresh']);
    const client = createCloudDCClient({ auth, timeoutMs: 300 });
    const err = await client.showLogsExportStatus(TARGET(), ref(record.exportId)).catch((e: unknown) => e);
    expect((err as CloudDCApiError).info.kind).toBe('unavailable');
    expect((err as CloudDCApiError).message).toMatch(/timeout|abort/i);
  });

  it("gives a request back unsent, as held back, when its project's send gate has no place for it by its sendBy", async () => {
    const record = sim.createExport('p-gated', 's-1', { durationMs: 60_000 });
    const client = createCloudDCClient({
      auth: countingAuth(['fresh']).auth,
      timeoutMs: 2_000,
      sendGates: new SendGates(() => 1),
    });
    const gated = { projectId: 'p-gated', serverId: 's-1', exportId: record.exportId };
    await client.showLogsExportStatus(TARGET(), gated);
    // The one place is held until a second after that answer: the next request cannot be sent.
    const before = sim.requestsTo('/v1/p-gated/').length;
    const err = await client
      .showLogsExportStatus(TARGET(), gated, { sendBy: Date.now() + 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudDCApiError);
    expect((err as CloudDCApiError).info).toMatchObject({ kind: 'held-back', mayHaveArrived: false });
    expect((err as CloudDCApiError).info.retryAfterMs).toBeGreaterThan(0);
    expect(sim.requestsTo('/v1/p-gated/').length).toBe(before);
    // With time to wait for the place, it is sent.
    await expect(
      client.showLogsExportStatus(TARGET(), gated, { sendBy: Date.now() + 2_000 }),
    ).resolves.toMatchObject({ status: expect.any(String) });
    expect(sim.requestsTo('/v1/p-gated/').length).toBe(before + 1);
  });
});
