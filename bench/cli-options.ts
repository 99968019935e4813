import { type Command, InvalidArgumentError } from 'commander';

/** A commander parser for a positive number option, naming the option when the value is not one. */
export const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`${what} must be a positive number`);
  return n;
};

/** A commander parser for a count that may be zero, naming the option when the value is not one. */
export const count = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${what} must be a whole number, 0 or more`);
  return n;
};

/** `--min-duration` and `--max-duration`: the range, in seconds, exports' durations are drawn from. */
export function withExportDurations(command: Command, defaults: { minS: number; maxS: number }): Command {
  return command
    .option('--min-duration <s>', 'shortest export, seconds', positive('--min-duration'), defaults.minS)
    .option('--max-duration <s>', 'longest export, seconds', positive('--max-duration'), defaults.maxS);
}

/** An export's duration in ms, drawn evenly from the options' range. */
export function drawDurationMs(
  random: () => number,
  { minDuration, maxDuration }: { minDuration: number; maxDuration: number },
): number {
  return Math.round(1000 * (minDuration + random() * (maxDuration - minDuration)));
}
