import { buildProgram } from './cli/commands.js';
import { classifyError } from './cli/exit-codes.js';

const program = buildProgram();
program.parseAsync(process.argv).catch((err: unknown) => {
  // Commander has printed usage problems (and the help) itself; classifyError leaves them silent.
  const { code, message } = classifyError(err, program.opts<{ address: string }>().address);
  if (message) console.error(message);
  process.exitCode = code;
});
