import { Command, Option } from 'commander';
import { durationSchema } from '../contract/index.js';
import { CloudDCSimulator } from './server.js';

interface SimulatorCliOptions {
  host: string;
  port: string;
  token: string[];
  project: string;
  servers: string;
  exportDuration: string;
  runningStatus: string;
  percentageFormat: 'percent-string' | 'number' | 'numeric-string';
}

const program = new Command('clouddc-simulator')
  .description('A local CloudDC log-export API for development, demos and benchmarks')
  .option('--host <host>', 'interface to listen on (keep it on loopback)', '127.0.0.1')
  .option('--port <port>', 'port, 0 for any free one', '8089')
  .addOption(
    new Option('--token <token...>', 'accepted X-Auth-Token values (none: accept every request)')
      .env('SIMULATOR_TOKENS')
      .argParser((value: string, previous: string[] = []) => [
        ...previous,
        ...value.split(',').filter(Boolean),
      ])
      .default([]),
  )
  .option('--project <id>', 'project whose servers are seeded', 'demo-project')
  .option('--servers <count>', 'servers to seed (srv-001, srv-002, ...)', '5')
  .option('--export-duration <duration>', 'how long a new export takes', '2m')
  .option('--running-status <word>', 'status of an export in progress', 'processing')
  .addOption(
    new Option('--percentage-format <format>', 'how percentages are written')
      .choices(['percent-string', 'number', 'numeric-string'])
      .default('percent-string'),
  )
  .action(async (options: SimulatorCliOptions) => {
    const sim = await CloudDCSimulator.start({
      host: options.host,
      port: Number(options.port),
      tokens: options.token,
      defaultScenario: {
        durationMs: durationSchema.parse(options.exportDuration),
        runningStatus: options.runningStatus,
        percentageFormat: options.percentageFormat,
      },
    });
    const count = Number(options.servers);
    for (let i = 1; i <= count; i++) sim.addServer(options.project, `srv-${String(i).padStart(3, '0')}`);
    console.log(`CloudDC simulator listening on ${sim.url}`);
    console.log(`  project ${options.project} with ${count} servers (srv-001 ...)`);
    console.log(
      `  start an export:  curl -X POST ${sim.url}/v1/${options.project}/physicalservers/srv-001/logs/exports`,
    );
    console.log(
      `  point a worker at it:  CLOUDDC_ENDPOINT=${sim.url} CLOUDDC_REGION=cn-east-3 npm run worker`,
    );
    const stop = async () => {
      await sim.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

await program.parseAsync(process.argv);
