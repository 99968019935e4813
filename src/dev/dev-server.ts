import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from './temporal-cli.js';

export interface DevServerOptions {
  /** Serve the Web UI too; its port defaults to the frontend port + 1000. */
  ui?: boolean;
  port?: number;
  uiPort?: number;
  namespace?: string;
  dbFilename?: string;
  /** e.g. `['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=20']` */
  extraArgs?: string[];
  /** Search attributes to register, as `temporal operator search-attribute create` would. */
  searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
  log?: (line: string) => void;
  /**
   * Append the server's own output to this file instead of the parent's terminal (tests keep it
   * beside their worker logs). Needs a Temporal CLI on disk: the SDK's download always prints.
   */
  outputFile?: string;
}

/**
 * What per-project budgets need of the matching service (`deploy/dynamicconfig.yaml` sets the same
 * on a real cluster, see docs/rate-limits.md):
 * - fairness, so the tasks of a project waiting behind its limit do not hold back another
 *   project's (without it the backlog is first in, first out across projects);
 * - one partition per task queue: the per-key limits are kept per partition, so with the default
 *   four a project's budget is split into four buckets that fill unevenly (bursts of several times
 *   the rate, then a slow tail).
 */
export const PROJECT_BUDGET_ARGS = [
  '--dynamic-config-value',
  'matching.enableFairness=true',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

/**
 * Starts a real Temporal dev server (the CLI's `server start-dev`) from the CLI that
 * `findTemporalCli` finds or installs, falling back to the SDK's own download.
 *
 * The SDK gives the server a fixed 5 s to answer and then kills it. On a busy two-core machine (a
 * test run starting several servers, the Web UI among them) that is sometimes too short, so a
 * server that missed the window is started again, up to twice more.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const cli = await findTemporalCli(options.log);
  const executable = cli && options.outputFile ? await withOutputTo(cli.path, options.outputFile) : cli?.path;
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          ...(executable ? { executable: { type: 'existing-path', path: executable } } : {}),
          ...(options.ui ? { ui: true } : {}),
          ...(options.port ? { port: options.port } : {}),
          ...(options.uiPort ? { uiPort: options.uiPort } : {}),
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
          ...(options.searchAttributes ? { searchAttributes: options.searchAttributes } : {}),
          extraArgs: ['--log-level', 'error', ...PROJECT_BUDGET_ARGS, ...(options.extraArgs ?? [])],
        },
      });
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String((err as Error).message))) throw err;
      options.log?.(
        `The dev server did not answer within the SDK's 5 s (attempt ${attempt}); starting it again`,
      );
    }
  }
}

/**
 * The SDK starts the server with the parent's terminal as its output; a wrapper that execs the
 * CLI with its output appended to a file is the one way to send it elsewhere.
 */
async function withOutputTo(cliPath: string, outputFile: string): Promise<string> {
  const quoted = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;
  // The shell's `>>` does not make the directory: in a fresh checkout test-output/logs/ exists only
  // once something has logged, and without it the server exits at once ("did not start within 5s").
  await mkdir(dirname(outputFile), { recursive: true });
  const wrapper = join(await mkdtemp(join(tmpdir(), 'temporal-cli-')), 'temporal');
  await writeFile(wrapper, `#!/bin/sh\nexec ${quoted(cliPath)} "$@" >> ${quoted(outputFile)} 2>&1\n`, {
    mode: 0o755,
  });
  return wrapper;
}
