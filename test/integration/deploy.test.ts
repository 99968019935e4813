import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_SEARCH_ATTRIBUTES,
  DEFAULT_NEXUS_ENDPOINT,
  DEFAULT_TASK_QUEUE,
} from '../../src/contract/index.js';
import { startDevServer } from '../../src/dev/dev-server.js';
import { missingSearchAttributes } from '../../src/worker/search-attributes-check.js';
import { ensureDebianPackage } from '../helpers/debian-package.js';
import { testLogFile } from '../helpers/test-logs.js';

const run = promisify(execFile);

/** `docker compose` when the plugin is there, else Debian's `docker-compose`; none without Docker. */
async function composeCommand(): Promise<{ command: string[] } | { missing: string }> {
  try {
    await run('docker', ['--version']);
  } catch {
    return { missing: 'no Docker client on this machine' };
  }
  try {
    await run('docker', ['compose', 'version']);
    return { command: ['docker', 'compose'] };
  } catch {
    const standalone = await ensureDebianPackage('docker-compose', '/usr/bin/docker-compose');
    return 'path' in standalone ? { command: [standalone.path] } : standalone;
  }
}

describe('Docker Compose stack', async () => {
  const compose = await composeCommand();

  it.skipIf('missing' in compose)(
    `is a valid compose file${'missing' in compose ? ` (skipped: ${compose.missing})` : ''}`,
    async () => {
      if (!('command' in compose)) return;
      const [bin, ...base] = compose.command as [string, ...string[]];
      const config = async (...args: string[]) =>
        (await run(bin, [...base, ...args], { env: { ...process.env, CLOUDDC_ACCESS_KEY: 'AK-FROM-ENV' } }))
          .stdout;
      await config('config', '-q');
      expect(
        (await config('--profile', 'simulator', 'config', '--services')).trim().split('\n').sort(),
      ).toEqual(
        [
          'archive-bucket',
          'object-store',
          'postgresql',
          'search-attributes',
          'simulator',
          'temporal',
          'temporal-ui',
          'worker',
          'worker-simulated',
        ].sort(),
      );
      // Credentials come from the environment of `docker compose`, never from the file.
      const resolved = await config('config');
      expect(resolved).toContain('CLOUDDC_ACCESS_KEY: AK-FROM-ENV');
      expect(resolved).toContain('dist/worker/setup-namespace.js');
    },
  );

  it('builds the worker in two stages and runs it as a non-root user', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/worker.js"\]$/m);
  });
});

describe('npm run search-attributes', () => {
  let env: Awaited<ReturnType<typeof startDevServer>>;
  beforeAll(async () => {
    env = await startDevServer({ outputFile: testLogFile() });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('adds our search attributes and the Nexus endpoint where they lack, and is a no-op the second time', async () => {
    expect(await missingSearchAttributes(env.address, 'default')).toHaveLength(ALL_SEARCH_ATTRIBUTES.length);
    const register = () =>
      run(process.execPath, ['--import', 'tsx', 'src/worker/setup-namespace.ts'], {
        env: { ...process.env, TEMPORAL_ADDRESS: env.address },
        timeout: 60_000,
      });
    const first = (await register()).stdout;
    expect(first).toContain(`added ${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`);
    expect(first).toContain(
      `Nexus endpoint ${DEFAULT_NEXUS_ENDPOINT} → default/${DEFAULT_TASK_QUEUE}: created`,
    );
    expect(await missingSearchAttributes(env.address, 'default')).toEqual([]);
    const { endpoints } = await env.connection.operatorService.listNexusEndpoints({});
    expect(endpoints?.map((e) => e.spec?.target?.worker)).toEqual([
      expect.objectContaining({ namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE }),
    ]);
    const second = (await register()).stdout;
    expect(second).toContain('all present');
    expect(second).toContain(
      `Nexus endpoint ${DEFAULT_NEXUS_ENDPOINT} → default/${DEFAULT_TASK_QUEUE}: unchanged`,
    );
  });
});
