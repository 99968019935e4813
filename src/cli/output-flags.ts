import { type Command, Option } from 'commander';

/** Every command whose output a script may read takes both: `--json` is short for `--output json`. */
export interface OutputFlags {
  json?: boolean;
  output: 'json' | 'table';
}

export function withOutputFlags(command: Command): Command {
  return command
    .option('--json', 'print as JSON (the same as --output json)')
    .addOption(new Option('--output <format>', 'json or table').choices(['json', 'table']).default('table'));
}

export function wantsJson(flags: OutputFlags): boolean {
  return !!flags.json || flags.output === 'json';
}
