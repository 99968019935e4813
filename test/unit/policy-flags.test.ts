import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { policyOf, withPolicyFlags } from '../../src/cli/policy-flags.js';
import { parseTrackLogExportInput } from '../../src/contract/index.js';

function parsed(args: string[]) {
  const command = withPolicyFlags(new Command('x').exitOverride()).parse(args, { from: 'user' });
  return policyOf(command.opts());
}

describe('the policy flags', () => {
  it('become the input’s policy, each under its own field', () => {
    const input = parsed([
      '--min-interval',
      '2s',
      '--max-interval',
      '30s',
      '--timeout',
      '3h',
      '--stall-timeout',
      '20m',
    ]);
    expect(input).toEqual({
      policy: { minInterval: '2s', maxInterval: '30s', timeout: '3h', stallTimeout: '20m' },
    });
    expect(
      parseTrackLogExportInput({ projectId: 'p', serverId: 's', exportId: 'e', ...input }).policy,
    ).toEqual({
      minIntervalMs: 2_000,
      maxIntervalMs: 30_000,
      timeoutMs: 3 * 3_600_000,
      stallTimeoutMs: 20 * 60_000,
    });
  });

  it('leave the policy out when none is given, and pass on only those given', () => {
    expect(parsed([])).toEqual({});
    expect(parsed(['--max-interval', '10s'])).toEqual({ policy: { maxInterval: '10s' } });
  });
});
