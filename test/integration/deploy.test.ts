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
import { serverEnvironment, TEMPORAL_SERVER_VERSION } from '../../src/dev/temporal-server.js';
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
          'grafana',
          'jaeger',
          'object-store',
          'postgresql',
          'prometheus',
          'search-attributes',
          'simulator',
          'temporal',
          'temporal-namespace',
          'temporal-schema',
          'temporal-ui',
          'worker',
          'worker-simulated',
        ].sort(),
      );
      // Credentials come from the environment of `docker compose`, never from the file.
      const resolved = await config('config');
      expect(resolved).toContain('CLOUDDC_ACCESS_KEY: AK-FROM-ENV');
      expect(resolved).toContain('dist/worker/setup-namespace.js');
      // Both workers send their traces to the stack's Jaeger, each under a name of its own.
      const withSimulator = await config('--profile', 'simulator', 'config');
      for (const worker of ['worker', 'worker-simulated']) {
        const block = serviceBlock(withSimulator, worker);
        expect(block).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: http://jaeger:4318');
        expect(block).toContain(`OTEL_SERVICE_NAME: clouddc-log-export-${worker}`);
      }
      // The server gets the settings `npm run test:production` starts its server with.
      const temporal = serviceBlock(resolved, 'temporal');
      const onLoopback = serverEnvironment(
        { host: '127.0.0.1', port: 5432, user: 'temporal' } as Parameters<typeof serverEnvironment>[0],
        '/etc/temporal/config/dynamicconfig/clouddc.yaml',
      );
      for (const name of Object.keys(onLoopback)) expect(temporal).toMatch(new RegExp(`^ +${name}: `, 'm'));
      expect(temporal).toMatch(
        /DYNAMIC_CONFIG_FILE_PATH: \/etc\/temporal\/config\/dynamicconfig\/clouddc\.yaml/,
      );
      expect(temporal).toMatch(
        /deploy\/dynamicconfig\.yaml:\/etc\/temporal\/config\/dynamicconfig\/clouddc\.yaml:ro/,
      );
    },
  );

  it("runs Temporal's own images of one release, set up by one-shot admin-tools jobs, with health checks", () => {
    const file = readFileSync('docker-compose.yml', 'utf8');
    expect(file).not.toMatch(/image: temporalio\/auto-setup/);
    const tag = (image: string) => new RegExp(`image: temporalio/${image}:(\\S+)`).exec(file)?.[1];
    const server = tag('server');
    // Pinned to a release, of the line the production run builds (go.temporal.io/server).
    expect(server).toMatch(/^\d+\.\d+\.\d+$/);
    expect(server?.split('.').slice(0, 2)).toEqual(TEMPORAL_SERVER_VERSION.slice(1).split('.').slice(0, 2));
    expect(tag('admin-tools')).toBe(server);
    expect(file.match(/image: temporalio\/admin-tools:/g)).toHaveLength(2);
    expect(tag('ui')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(file).toMatch(/image: jaegertracing\/jaeger:\d+\.\d+\.\d+\n/);
    const block = (name: string) => serviceBlock(file, name);
    expect(block('temporal')).toMatch(/temporal-schema:\n\s+condition: service_completed_successfully/);
    expect(block('temporal-schema')).toMatch(/temporal-sql-tool --plugin postgres12/);
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d'])
      expect(block('temporal-schema')).toContain(step);
    expect(block('temporal-namespace')).toContain('temporal operator namespace create');
    expect(block('search-attributes')).toMatch(
      /temporal-namespace:\n\s+condition: service_completed_successfully/,
    );
    for (const name of ['postgresql', 'temporal', 'temporal-ui'])
      expect(block(name)).toContain('healthcheck:');
    // Published on this host only.
    for (const port of file.matchAll(/^\s+- "([^"]+:\d+)"$/gm)) expect(port[1]).toMatch(/^127\.0\.0\.1:/);
  });

  it('builds the worker in two stages and runs it as a non-root user', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    // Build, the simulator target, and the worker image last: the default target.
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS simulator$/m);
    expect(dockerfile.split(/^FROM /m).at(-1)).not.toMatch(/dist-tools/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/worker.js"\]$/m);
  });
});

/** One service's lines of a compose file (as written or as `config` prints it), up to the next service. */
function serviceBlock(yaml: string, name: string): string {
  const lines = yaml.split('\n');
  const start = lines.indexOf(`  ${name}:`);
  if (start < 0) throw new Error(`no service ${name}`);
  const end = lines.findIndex((line, i) => i > start && /^ {0,2}\S/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

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
