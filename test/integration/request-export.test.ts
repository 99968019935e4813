import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localDirectorySink } from '../../src/activities/archive/local-directory-sink.js';
import { staticTokenAuth } from '../../src/activities/auth/static-token.js';
import { createCloudDCClient } from '../../src/activities/clouddc/client.js';
import { createActivities } from '../../src/activities/index.js';
import { CloudDCSimulator } from '../../src/simulator/server.js';
import { testLogger } from '../helpers/test-logs.js';

let sim: CloudDCSimulator;
beforeAll(async () => {
  sim = await CloudDCSimulator.start();
});
afterAll(async () => {
  await sim?.close();
});

/** An attempt scheduled now, with a minute to go. */
function timing() {
  const now = Date.now();
  return {
    scheduledTimestampMs: now,
    currentAttemptScheduledTimestampMs: now,
    startToCloseTimeoutMs: 30_000,
    scheduleToCloseTimeoutMs: 60_000,
  };
}

function activities() {
  return createActivities({
    cloudDC: createCloudDCClient({ auth: staticTokenAuth('t'), timeoutMs: 2_000 }),
    targetFor: (region) => ({ endpoint: sim.url, region: region ?? 'cn-east-3' }),
    archives: localDirectorySink('/nonexistent-never-written'),
  });
}

it('records the accepted export as heartbeat details the moment the API accepts it', async () => {
  sim.addServer('p-req', 'srv-1');
  const env = new MockActivityEnvironment(timing(), { logger: testLogger() });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const accepted = (await env.run(activities().requestExport, { projectId: 'p-req', serverId: 'srv-1' })) as {
    exportId: string;
  };
  expect(sim.exportsOf('p-req', 'srv-1').map((e) => e.exportId)).toEqual([accepted.exportId]);
  expect(heartbeats).toEqual([expect.objectContaining({ exportId: accepted.exportId })]);
});

it('returns the export an earlier attempt recorded, without starting a second one', async () => {
  sim.addServer('p-req', 'srv-2');
  const before = sim.requests.length;
  const recorded = { exportId: '77', status: 'processing', percentage: '0%' };
  const env = new MockActivityEnvironment(
    {
      attempt: 2,
      heartbeatDetails: recorded,
      ...timing(),
    },
    { logger: testLogger() },
  );
  expect(await env.run(activities().requestExport, { projectId: 'p-req', serverId: 'srv-2' })).toEqual(
    recorded,
  );
  expect(sim.requests.length).toBe(before);
  expect(sim.exportsOf('p-req', 'srv-2')).toHaveLength(0);
});
