import { Command, InvalidArgumentError } from 'commander';
import { ALL_SEARCH_ATTRIBUTES, DEFAULT_NEXUS_ENDPOINT, DEFAULT_TASK_QUEUE } from '../contract/index.js';
import { ensureNexusEndpoint } from '../nexus/endpoint.js';
import type { ExportScenarioInput } from '../simulator/scenario.js';
import { CloudDCSimulator } from '../simulator/server.js';
import { startDevServer } from './dev-server.js';
import { isFree } from './free-port.js';
import { stopOnSignals } from './shutdown.js';

/**
 * `npm run dev:stack`: the parts a worker needs, and nothing else, for the separate-parts path
 * (docs/running.md): a Temporal dev server with its Web UI, our search attributes, the fairness
 * settings per-project budgets need and the Nexus endpoint; and the CloudDC simulator with a
 * project whose servers export in each way an export can go, one export of each already started.
 * It prints the lines that start a worker against them and try the CLI. Ctrl-C stops it.
 */

/** The token the simulator accepts: a local stand-in, printed in the docs, never a real secret. */
const DEV_STACK_TOKEN = 'dev-stack';
const DEV_STACK_PROJECT = 'demo-project';
const DEV_STACK_REGION = 'cn-east-3';

/** How exports on each seeded server go; the CLI examples in the docs use these servers. */
function devStackServers(scale: number): Array<{ id: string; note: string; scenario: ExportScenarioInput }> {
  const ms = (millis: number) => Math.max(1, Math.round(millis * scale));
  return [
    { id: 'srv-001', note: 'steady, 2 minutes', scenario: { durationMs: ms(120_000) } },
    {
      id: 'srv-002',
      note: 'five jumps, 3 minutes',
      scenario: { durationMs: ms(180_000), curve: 'steps', steps: 5 },
    },
    {
      id: 'srv-003',
      note: 'holds at 40 % for a minute',
      scenario: { durationMs: ms(90_000), stall: { atPercent: 40, forMs: ms(60_000) } },
    },
    {
      id: 'srv-004',
      note: 'fails at 60 %',
      scenario: { durationMs: ms(60_000), outcome: 'failed', failAtPercent: 60 },
    },
    { id: 'srv-005', note: 'done in 20 seconds', scenario: { durationMs: ms(20_000) } },
  ];
}

interface StackOptions {
  temporalPort: number;
  uiPort: number;
  simulatorPort: number;
  timeScale: number;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535)
    throw new InvalidArgumentError('expected a port from 1 to 65535');
  return parsed;
}

function positive(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('expected a number above 0');
  return parsed;
}

const shutdown = stopOnSignals();

async function main(options: StackOptions): Promise<void> {
  for (const [flag, value] of [
    ['--temporal-port', options.temporalPort],
    ['--ui-port', options.uiPort],
    ['--simulator-port', options.simulatorPort],
  ] as const) {
    if (!(await isFree(value))) {
      console.error(
        `Port ${value} is in use (is \`npm start\` or another stack running?); choose another with ${flag}`,
      );
      process.exit(2);
    }
  }

  console.log('Starting the Temporal dev server (finding or installing the Temporal CLI) ...');
  const env = await startDevServer({
    ui: true,
    port: options.temporalPort,
    uiPort: options.uiPort,
    searchAttributes: ALL_SEARCH_ATTRIBUTES,
    log: (line) => console.log(line),
  });
  shutdown.add('the dev server', () => env.teardown());
  await ensureNexusEndpoint(env.connection, {
    name: DEFAULT_NEXUS_ENDPOINT,
    namespace: 'default',
    taskQueue: DEFAULT_TASK_QUEUE,
  });

  const sim = await CloudDCSimulator.start({ port: options.simulatorPort, tokens: [DEV_STACK_TOKEN] });
  shutdown.add('the simulator', () => sim.close());
  const servers = devStackServers(options.timeScale);
  const exports = servers.map(({ id, note, scenario }) => {
    sim.addServer(DEV_STACK_PROJECT, id, { exportScenario: scenario });
    return { id, note, exportId: sim.createExport(DEV_STACK_PROJECT, id, scenario).exportId };
  });
  if (shutdown.stopping) return;

  const address = `localhost:${options.temporalPort}`;
  const cli = `npm run cli --${address === 'localhost:7233' ? '' : ` --address ${address}`}`;
  console.log(`
Temporal:           ${address}   Web UI http://localhost:${options.uiPort}/namespaces/default/workflows
CloudDC simulator:  ${sim.url}   token ${DEV_STACK_TOKEN}, project ${DEV_STACK_PROJECT}
Servers, each with an export already started (a collection starts another of the same kind):
${exports.map((e) => `  ${e.id}  export ${e.exportId}  ${e.note}`).join('\n')}

Start a worker (in another terminal):
  TEMPORAL_ADDRESS=${address} CLOUDDC_ENDPOINT=${sim.url} CLOUDDC_REGION=${DEV_STACK_REGION} CLOUDDC_AUTH_TOKEN=${DEV_STACK_TOKEN} CLOUDDC_ARCHIVE_DIR=archives npm run worker:dev

Then try:
  ${cli} track --project ${DEV_STACK_PROJECT} --server srv-001 --export ${exports[0]?.exportId} --wait
  ${cli} collect --project ${DEV_STACK_PROJECT} --server srv-005 --wait
  ${cli} collect-fleet --project ${DEV_STACK_PROJECT} --wait
  ${cli} list --project ${DEV_STACK_PROJECT}
  ${cli} schedule create nightly --project ${DEV_STACK_PROJECT} --cron "0 2 * * *" --timezone Europe/Berlin

Ctrl-C stops the stack.`);
}

const program = new Command('dev-stack')
  .description('Temporal (with the Web UI) and the CloudDC simulator, seeded, for a worker of your own')
  .option('--temporal-port <port>', 'Temporal frontend port', port, 7233)
  .option('--ui-port <port>', 'Web UI port', port, 8233)
  .option('--simulator-port <port>', 'simulator port', port, 8089)
  .option('--time-scale <factor>', 'multiplies every export duration (tests use 0.05)', positive, 1)
  .action((options: StackOptions) =>
    main(options).catch((err: unknown) => {
      console.error(err);
      return shutdown.stopAll(1);
    }),
  );

await program.parseAsync(process.argv);
