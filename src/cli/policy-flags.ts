import type { Command } from 'commander';
import type { TrackLogExportInput } from '../contract/index.js';

/** The polling policy as command-line flags, shared by `track` and the `collect` commands. */
export interface PolicyFlags {
  minInterval?: string;
  maxInterval?: string;
  timeout?: string;
  stallTimeout?: string;
}

export function withPolicyFlags(command: Command): Command {
  return command
    .option(
      '--min-interval <duration>',
      'shortest wait between status polls, e.g. 10s; the tracker earns one poll per five of them, three at most at once',
    )
    .option(
      '--max-interval <duration>',
      'longest wait between status polls, e.g. 5m; an end no reading foretells is seen within a third of it, so keep it below how long exports take',
    )
    .option('--timeout <duration>', 'give up on an export after this long, e.g. 6h')
    .option('--stall-timeout <duration>', 'give up when an export does not move for this long, e.g. 1h');
}

/** The flags given, as the workflow input's `policy` (absent when none was). */
export function policyOf(flags: PolicyFlags): Pick<TrackLogExportInput, 'policy'> {
  const policy = {
    ...(flags.minInterval ? { minInterval: flags.minInterval } : {}),
    ...(flags.maxInterval ? { maxInterval: flags.maxInterval } : {}),
    ...(flags.timeout ? { timeout: flags.timeout } : {}),
    ...(flags.stallTimeout ? { stallTimeout: flags.stallTimeout } : {}),
  };
  return Object.keys(policy).length > 0 ? { policy } : {};
}
