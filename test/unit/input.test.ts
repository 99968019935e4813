import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  extendedDeadline,
  MAX_FLEET_CONCURRENCY,
  parseCollectFleetLogsInput,
  parseTrackLogExportInput,
} from '../../src/contract/index.js';

const valid = { projectId: 'proj-1', serverId: 'srv-1', exportId: 'exp-1' };

/** Runs the parser, expects an InvalidInput failure and returns it. */
function rejection(raw: unknown): ApplicationFailure {
  let thrown: unknown;
  try {
    parseTrackLogExportInput(raw);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${JSON.stringify(raw)} to be rejected`).toBeInstanceOf(ApplicationFailure);
  const failure = thrown as ApplicationFailure;
  expect(failure.type).toBe('InvalidInput');
  expect(failure.nonRetryable).toBe(true);
  return failure;
}

describe('parseTrackLogExportInput', () => {
  describe('accepted input', () => {
    it('returns the IDs and the default policy', () => {
      expect(parseTrackLogExportInput(valid)).toEqual({
        projectId: 'proj-1',
        serverId: 'srv-1',
        exportId: 'exp-1',
        policy: {
          minIntervalMs: 10_000,
          maxIntervalMs: 300_000,
          timeoutMs: 21_600_000,
          stallTimeoutMs: 3_600_000,
        },
      });
    });

    it('accepts an empty policy as all defaults', () => {
      expect(parseTrackLogExportInput({ ...valid, policy: {} }).policy).toEqual({
        minIntervalMs: 10_000,
        maxIntervalMs: 300_000,
        timeoutMs: 21_600_000,
        stallTimeoutMs: 3_600_000,
      });
    });

    it('accepts durations as strings', () => {
      const { policy } = parseTrackLogExportInput({
        ...valid,
        policy: { minInterval: '5s', maxInterval: '10m', timeout: '2h', stallTimeout: '1.5h' },
      });
      expect(policy).toEqual({
        minIntervalMs: 5_000,
        maxIntervalMs: 600_000,
        timeoutMs: 7_200_000,
        stallTimeoutMs: 5_400_000,
      });
    });

    it('accepts durations as numbers of milliseconds', () => {
      const { policy } = parseTrackLogExportInput({
        ...valid,
        policy: { minInterval: 250, maxInterval: 2_000, timeout: 60_000, stallTimeout: 30_000 },
      });
      expect(policy).toEqual({
        minIntervalMs: 250,
        maxIntervalMs: 2_000,
        timeoutMs: 60_000,
        stallTimeoutMs: 30_000,
      });
    });

    it('accepts minInterval of exactly 100ms and equal bounds', () => {
      const { policy } = parseTrackLogExportInput({
        ...valid,
        policy: { minInterval: 100, maxInterval: 100 },
      });
      expect(policy.minIntervalMs).toBe(100);
      expect(policy.maxIntervalMs).toBe(100);
    });

    it('moves the default minInterval down for a lone maxInterval', () => {
      const { policy } = parseTrackLogExportInput({ ...valid, policy: { maxInterval: '5s' } });
      expect(policy.minIntervalMs).toBe(5_000);
      expect(policy.maxIntervalMs).toBe(5_000);
    });

    it('keeps the default minInterval for a lone maxInterval above it', () => {
      const { policy } = parseTrackLogExportInput({ ...valid, policy: { maxInterval: '1m' } });
      expect(policy.minIntervalMs).toBe(10_000);
      expect(policy.maxIntervalMs).toBe(60_000);
    });

    it('moves the default maxInterval up for a lone minInterval', () => {
      const { policy } = parseTrackLogExportInput({ ...valid, policy: { minInterval: '10m' } });
      expect(policy.minIntervalMs).toBe(600_000);
      expect(policy.maxIntervalMs).toBe(600_000);
    });

    it("passes the export request's answer through as the first reading", () => {
      const accepted = { status: 'running', percentage: '0%', createdAt: '2026-11-30T12:00:00Z' };
      expect(parseTrackLogExportInput({ ...valid, accepted }).accepted).toEqual(accepted);
    });

    it('accepts a valid region and passes it through', () => {
      expect(parseTrackLogExportInput({ ...valid, region: 'cn-east-3' }).region).toBe('cn-east-3');
      expect(parseTrackLogExportInput({ ...valid, region: 'ap-southeast-3' }).region).toBe('ap-southeast-3');
    });

    it('accepts IDs of exactly 256 characters and single dots', () => {
      const id = 'a'.repeat(256);
      expect(parseTrackLogExportInput({ ...valid, exportId: id }).exportId).toBe(id);
      expect(parseTrackLogExportInput({ ...valid, exportId: 'v1.2.3' }).exportId).toBe('v1.2.3');
    });
  });

  describe('rejected input', () => {
    it("names a malformed field of the export request's answer with its path", () => {
      const accepted = { status: 'running', percentage: { value: 0 } };
      expect(rejection({ ...valid, accepted }).message).toContain('accepted.percentage');
      expect(
        rejection({ ...valid, accepted: { status: 'running', percentage: 0, token: 'x' } }).message,
      ).toContain('accepted.token: unknown field');
    });

    it('names an unknown top-level field', () => {
      expect(rejection({ ...valid, foo: 1 }).message).toContain('foo: unknown field');
    });

    it('names an unknown policy field with its path', () => {
      expect(rejection({ ...valid, policy: { bogus: '5s' } }).message).toContain(
        'policy.bogus: unknown field',
      );
    });

    it('names a missing projectId as required', () => {
      const { projectId: _omitted, ...rest } = valid;
      expect(rejection(rest).message).toContain('projectId: is required');
    });

    it.each(['serverId', 'exportId'] as const)('names a missing %s as required', (field) => {
      const input: Record<string, string> = { ...valid };
      delete input[field];
      expect(rejection(input).message).toContain(`${field}: is required`);
    });

    it('rejects an empty serverId', () => {
      const failure = rejection({ ...valid, serverId: '' });
      expect(failure.message).toMatch(/serverId: /);
      expect(failure.message).not.toContain('serverId: is required');
    });

    it.each([
      ['slash', 'a/b'],
      ['question mark', 'a?b'],
      ['hash', 'a#b'],
      ['double dot', 'a..b'],
      ['lone double dot', '..'],
      ['space', 'a b'],
      ['tab', 'a\tb'],
      ['percent', 'a%2Fb'],
      ['backslash', 'a\\b'],
      ['control character', 'a\u0001b'],
      ['DEL character', 'a\u007fb'],
      ['newline', 'a\nb'],
    ])('rejects an ID containing a %s', (_what, id) => {
      for (const field of ['projectId', 'serverId', 'exportId'] as const) {
        const failure = rejection({ ...valid, [field]: id });
        expect(failure.message).toContain(`${field}: `);
        for (const other of ['projectId', 'serverId', 'exportId'].filter((f) => f !== field)) {
          expect(failure.message).not.toContain(`${other}: `);
        }
      }
    });

    it('rejects IDs longer than 256 characters', () => {
      expect(rejection({ ...valid, exportId: 'a'.repeat(257) }).message).toContain('exportId: ');
    });

    it('rejects a non-string ID', () => {
      expect(rejection({ ...valid, projectId: 42 }).message).toContain('projectId: ');
    });

    it.each([['abc'], ['-5s'], [0], [-1], [1.5], [''], [true], [null], [{}]])(
      'rejects the malformed duration %j naming its field',
      (duration) => {
        expect(rejection({ ...valid, policy: { minInterval: duration } }).message).toContain(
          'policy.minInterval: ',
        );
        expect(rejection({ ...valid, policy: { timeout: duration } }).message).toContain('policy.timeout: ');
        expect(rejection({ ...valid, policy: { stallTimeout: duration } }).message).toContain(
          'policy.stallTimeout: ',
        );
        expect(rejection({ ...valid, policy: { maxInterval: duration } }).message).toContain(
          'policy.maxInterval: ',
        );
      },
    );

    it('rejects a minInterval under 100ms', () => {
      expect(rejection({ ...valid, policy: { minInterval: 99 } }).message).toContain('policy.minInterval: ');
      expect(rejection({ ...valid, policy: { minInterval: '50ms' } }).message).toContain(
        'policy.minInterval: ',
      );
    });

    it('rejects a maxInterval shorter than minInterval, naming policy.maxInterval', () => {
      const failure = rejection({ ...valid, policy: { minInterval: '10s', maxInterval: '5s' } });
      expect(failure.message).toContain('policy.maxInterval: ');
    });

    it('rejects a maxInterval shorter than a lone minInterval would allow', () => {
      expect(rejection({ ...valid, policy: { minInterval: '1h', maxInterval: '30m' } }).message).toContain(
        'policy.maxInterval: ',
      );
    });

    it.each([[null], [undefined], ['str'], [42], [[]], [true]])('rejects the non-object input %j', (raw) => {
      expect(rejection(raw).message).toMatch(/^Invalid input: /);
    });

    it.each([['https://evil.example'], ['cn-east-3.evil.com'], ['../x'], ['CN-EAST-3'], [''], [3]])(
      'rejects the region %j',
      (region) => {
        expect(rejection({ ...valid, region }).message).toContain('region: ');
      },
    );

    it('names several problems in one message', () => {
      const failure = rejection({
        projectId: '',
        serverId: 'a/b',
        region: 'https://evil.example',
        foo: true,
        policy: { minInterval: 'abc', bogus: 1 },
      });
      for (const path of [
        'projectId: ',
        'serverId: ',
        'exportId: is required',
        'region: ',
        'foo: unknown field',
        'policy.minInterval: ',
        'policy.bogus: unknown field',
      ]) {
        expect(failure.message).toContain(path);
      }
    });

    it('names a field problem and a policy bound problem in one message', () => {
      const { projectId: _omitted, ...rest } = valid;
      const failure = rejection({ ...rest, policy: { minInterval: '10s', maxInterval: '5s' } });
      expect(failure.message).toContain('projectId: is required');
      expect(failure.message).toContain('policy.maxInterval: ');
    });

    it('lists the problems in the failure details too', () => {
      const failure = rejection({ ...valid, foo: 1, serverId: '' });
      const details = failure.details as [{ problems: { path: string; message: string }[] }];
      const paths = details[0].problems.map((p) => p.path);
      expect(paths).toContain('foo');
      expect(paths).toContain('serverId');
    });
  });
});

describe('IDs that would misbehave in a URL path or a header', () => {
  it.each([
    ['a lone "."', '.', 'only "."'],
    ['non-ASCII', 'srv-é', 'characters outside ASCII'],
    ['a colon', 'a:b', '":"'],
  ])('refuses %s', (_, serverId, message) => {
    let failure: unknown;
    try {
      parseTrackLogExportInput({ projectId: 'p', serverId, exportId: 'e' });
    } catch (err) {
      failure = err;
    }
    expect(failure).toMatchObject({
      type: 'InvalidInput',
      message: expect.stringContaining(`serverId: must not contain ${message}`),
    });
  });

  it('accepts reserved characters a gateway handles, such as "+", "@" and "="', () => {
    expect(parseTrackLogExportInput({ projectId: 'p', serverId: 'a+b@c=d', exportId: 'e.1' }).serverId).toBe(
      'a+b@c=d',
    );
  });
});

describe('extendedDeadline (the extendTimeout update)', () => {
  const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
  const CURRENT = NOW + 3_600_000;
  const failureOf = (raw: unknown) => {
    try {
      extendedDeadline(raw, CURRENT, NOW);
    } catch (err) {
      return err as { type: string; message: string };
    }
    throw new Error('expected a failure');
  };

  it('moves the deadline by a duration or to a time', () => {
    expect(extendedDeadline({ by: '2h' }, CURRENT, NOW)).toBe(CURRENT + 7_200_000);
    expect(extendedDeadline({ until: '2026-11-27T18:00:00Z' }, CURRENT, NOW)).toBe(
      Date.UTC(2026, 10, 27, 18),
    );
  });

  it('refuses both or neither, earlier deadlines, and more than 30 days', () => {
    expect(failureOf({ by: '1h', until: '2026-11-27T18:00:00Z' }).message).toContain('exactly one');
    expect(failureOf({}).message).toContain('exactly one');
    expect(failureOf({ until: '2026-11-27T12:30:00Z' }).message).toContain('not later than the current one');
    expect(failureOf({ by: '40d' }).message).toContain('more than 30 days');
    expect(failureOf({ by: 'soon' })).toMatchObject({
      type: 'InvalidInput',
      message: expect.stringContaining('by'),
    });
  });
});

describe("a fleet's concurrency", () => {
  const fleet = (concurrency: number) => () =>
    parseCollectFleetLogsInput({ projectId: 'p', concurrency, policy: {} });

  it(`is accepted up to ${MAX_FLEET_CONCURRENCY}, well under the children Temporal lets a workflow have pending`, () => {
    expect(fleet(MAX_FLEET_CONCURRENCY)().concurrency).toBe(MAX_FLEET_CONCURRENCY);
    expect(MAX_FLEET_CONCURRENCY).toBeLessThan(2_000);
  });

  it('is refused past it, or below one, naming the field', () => {
    for (const concurrency of [MAX_FLEET_CONCURRENCY + 1, 0]) {
      expect(fleet(concurrency)).toThrow(
        expect.objectContaining({ type: 'InvalidInput', message: expect.stringContaining('concurrency') }),
      );
    }
  });
});
