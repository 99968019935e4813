import { CommanderError } from 'commander';
import { buildProgram } from './cli/commands.js';
import { ExitCode } from './cli/connect.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Commander has printed the problem (or the help) already.
      process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = ExitCode.Error;
  });
