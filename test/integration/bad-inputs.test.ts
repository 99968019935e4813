import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType, WorkflowType } from '../../src/contract/index.js';
import { startWithTemporalCli } from '../helpers/cli.js';
import { applicationFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const PROJECT = 'proj-bad';
const HUGE = 'x'.repeat(100_000);

/** Raw JSON as an operator might paste it into `temporal workflow start --input`, and the field blamed. */
const CASES: Array<[string, string, unknown, string]> = [
  [
    'a number for an ID',
    WorkflowType.TrackLogExport,
    { projectId: 5, serverId: 's', exportId: 'e' },
    'projectId',
  ],
  ['a missing export ID', WorkflowType.TrackLogExport, { projectId: PROJECT, serverId: 's' }, 'exportId'],
  [
    'a huge server ID',
    WorkflowType.TrackLogExport,
    { projectId: PROJECT, serverId: HUGE, exportId: 'e' },
    'serverId',
  ],
  [
    'a path in an ID',
    WorkflowType.TrackLogExport,
    { projectId: PROJECT, serverId: '../../etc', exportId: 'e' },
    'serverId',
  ],
  [
    'an encoded path',
    WorkflowType.TrackLogExport,
    { projectId: PROJECT, serverId: 's', exportId: '%2e%2e%2fx' },
    'exportId',
  ],
  ['an array', WorkflowType.TrackLogExport, [PROJECT, 's', 'e'], 'input'],
  ['null', WorkflowType.TrackLogExport, null, 'input'],
  [
    'a bad policy',
    WorkflowType.TrackLogExport,
    { projectId: PROJECT, serverId: 's', exportId: 'e', policy: { timeout: -1 } },
    'policy.timeout',
  ],
  [
    'a destination escaping the archive directory',
    WorkflowType.CollectServerLogs,
    { projectId: PROJECT, serverId: 's', destination: '../../root' },
    'destination',
  ],
  [
    'a negative concurrency',
    WorkflowType.CollectFleetLogs,
    { projectId: PROJECT, concurrency: -3 },
    'concurrency',
  ],
  [
    'server IDs that are not strings',
    WorkflowType.CollectFleetLogs,
    { projectId: PROJECT, serverIds: [1, {}] },
    'serverIds',
  ],
];

describe('bad input sent through the Temporal CLI as raw JSON', () => {
  it.each(CASES)(
    '%s fails with InvalidInput naming the field, calls no API, disturbs nothing',
    async (_, type, input, field) => {
      const neighbour = h.sim.createExport(PROJECT, `srv-neighbour-${field}`, { durationMs: 800 });
      const running = await h.track({
        projectId: PROJECT,
        serverId: neighbour.serverId,
        exportId: neighbour.exportId,
        policy: FAST_POLICY,
      });
      const apiCallsBefore = h.sim
        .requestsTo(`/v1/${PROJECT}/`)
        .filter((r) => !r.path.includes('srv-neighbour')).length;

      const workflowId = `bad-${type}-${Date.now()}-${Math.random()}`;
      await startWithTemporalCli({ address: h.env.address, type, taskQueue: h.taskQueue, workflowId, input });
      const failure = await applicationFailure(h.env.client.workflow.getHandle(workflowId).result());

      expect(failure.type).toBe(FailureType.InvalidInput);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(field);
      expect(failure.message.length).toBeLessThan(2_000);
      expect(
        h.sim.requestsTo(`/v1/${PROJECT}/`).filter((r) => !r.path.includes('srv-neighbour')),
      ).toHaveLength(apiCallsBefore);
      expect((await running.result()).outcome).toBe('completed');
    },
  );
});
