/** The run's figures, printed as a table at the end whether it passed or not. */
const figures: Array<[string, string]> = [];

export const say = (line: string) => console.log(`[production-run] ${line}`);
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function figure(label: string, value: string): void {
  figures.push([label, value]);
}

/**
 * Runs `action` and adds its time as a figure, with `note` on what it gave, above the figures the
 * action added itself.
 */
export async function timed<T>(
  label: string,
  action: () => Promise<T>,
  note?: (value: T) => string,
): Promise<T> {
  const started = Date.now();
  const at = figures.length;
  const value = await action();
  figures.splice(at, 0, [label, `${seconds(Date.now() - started)}${note ? ` (${note(value)})` : ''}`]);
  return value;
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Check failed: ${message}`);
}

export function printFigures(title: string): void {
  const width = Math.max(...figures.map(([label]) => label.length));
  console.log(`\n${title}`);
  for (const [label, value] of figures) console.log(`  ${label.padEnd(width)}  ${value}`);
}
