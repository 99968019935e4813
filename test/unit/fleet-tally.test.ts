import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CollectFleetLogsResult,
  countLine,
  emptyTally,
  FAILURE_MESSAGE_MAX_CHARS,
  FAILURES_LISTED,
  type FleetServerLine,
} from '../../src/contract/index.js';
import { fleetDetails } from '../../src/workflows/fleet-details.js';

const id = fc.stringMatching(/^[a-z0-9-]{1,64}$/);
const line: fc.Arbitrary<FleetServerLine> = fc.oneof(
  fc.record({
    serverId: id,
    status: fc.constant('collected' as const),
    exportId: id,
    url: id.map((name) => `s3://bucket/night/${name}-dump.tar.gz`),
    bytes: fc.nat({ max: 2 ** 40 }),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
  }),
  fc.record({
    serverId: id,
    status: fc.constant('failed' as const),
    type: fc.constantFrom('LogExportFailed', 'LogExportTimedOut', 'LogExportNotFound', 'ArchiveAccessDenied'),
    message: fc.string({ maxLength: FAILURE_MESSAGE_MAX_CHARS }),
  }),
);

function tallied(lines: readonly FleetServerLine[]) {
  const tally = emptyTally();
  for (const each of lines) countLine(tally, each);
  return tally;
}

describe('a fleet’s tally', () => {
  it('counts every line once: collected and failed add up to the servers, failures by type to the failed, bytes to the collected', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 600 }), (lines) => {
        const tally = tallied(lines);
        const collected = lines.flatMap((l) => (l.status === 'collected' ? [l] : []));
        const failed = lines.flatMap((l) => (l.status === 'failed' ? [l] : []));
        expect(tally.servers).toBe(lines.length);
        expect(tally.succeeded).toBe(collected.length);
        expect(tally.failed).toBe(failed.length);
        expect(tally.bytes).toBe(collected.reduce((sum, l) => sum + (l.bytes ?? 0), 0));
        expect(Object.values(tally.failuresByType).reduce((a, b) => a + b, 0)).toBe(failed.length);
        // The listed failures are the first ones, as they happened.
        expect(tally.failures).toEqual(
          failed.slice(0, FAILURES_LISTED).map(({ status: _, ...failure }) => failure),
        );
      }),
    );
  });

  it('gives the same counts however the lines are split between runs', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 300 }), fc.nat(), (lines, at) => {
        const cut = lines.length ? at % lines.length : 0;
        const carried = tallied(lines.slice(0, cut));
        // Across continue-as-new the tally travels as JSON.
        const resumed = JSON.parse(JSON.stringify(carried)) as typeof carried;
        for (const each of lines.slice(cut)) countLine(resumed, each);
        expect(resumed).toEqual(tallied(lines));
      }),
    );
  });

  it('keeps a fleet’s result within a fixed size however many servers it has and however many fail', () => {
    // The biggest result: every failure listed has the longest message and ID, and there are
    // more failure types than any fleet sees; the manifests are one per 400 servers.
    const longFailure = (i: number): FleetServerLine => ({
      serverId: `srv-${String(i).padStart(60, '0')}`,
      status: 'failed',
      type: `FailureType${i % 20}`,
      message: 'x'.repeat(FAILURE_MESSAGE_MAX_CHARS),
    });
    const sizeFor = (servers: number) => {
      const tally = tallied(Array.from({ length: servers }, (_, i) => longFailure(i)));
      const result: CollectFleetLogsResult = {
        ...tally,
        manifests: Array.from({ length: Math.ceil(servers / 400) }, (_, part) => ({
          url: `s3://bucket/night/fleets/${'f'.repeat(200)}/run/servers-${part}.jsonl`,
          bytes: 1,
          sha256: 'a'.repeat(64),
        })),
      };
      return JSON.stringify(result).length;
    };
    // Temporal refuses payloads over 2 MB; listing every server would have needed 37 MB here.
    expect(sizeFor(100_000)).toBeLessThan(200_000);
    // What grows with the fleet is one manifest's line per 400 servers.
    expect(sizeFor(100_000) - sizeFor(1_000)).toBeLessThan(100_000);
  });
});

describe('a fleet’s current details', () => {
  const progress = { total: 10, pending: 3, running: 2, succeeded: 4, failed: 1, listed: true };

  it('say how far along it is, its bytes, its failures by type and its last manifest', () => {
    const tally = tallied([
      { serverId: 's-1', status: 'collected', exportId: 'e', url: 'file:///a', bytes: 2_500 },
      { serverId: 's-2', status: 'failed', type: 'LogExportFailed', message: 'm' },
    ]);
    const details = fleetDetails(
      progress,
      tally,
      [{ url: 'obs://b/fleets/f/r/servers-0001.jsonl', bytes: 1, sha256: 'x' }],
      undefined,
    );
    expect(details).toBe(
      [
        '**Servers:** 5 of 10 done (4 collected, 1 failed), 2 running, 3 waiting · **Archives:** 2.50 kB',
        '**Failures by type:** LogExportFailed 1',
        '**Manifests:** 1 so far, one per run of the fleet; the last: obs://b/fleets/f/r/servers-0001.jsonl',
      ].join('\n\n'),
    );
  });

  it('say so while the servers are listed, and how many servers no manifest lists', () => {
    expect(fleetDetails({ ...progress, listed: false }, emptyTally(), [], undefined)).toBe(
      "Listing the project's servers",
    );
    expect(
      fleetDetails(progress, emptyTally(), [], { servers: 400, type: 'ArchiveAccessDenied', message: 'no' }),
    ).toContain('**Unlisted:** 400 servers in no manifest: ArchiveAccessDenied: no');
  });
});
