import ms from 'ms';
import { z } from 'zod';

/**
 * A duration as users write it: `"5s"`, `"10m"`, `"2h"`, `"1.5h"`, or a whole number of
 * milliseconds. Parsed with `ms`, the same library the Temporal SDK uses for its own durations.
 */
export const durationSchema = z
  .union([z.number(), z.string()], {
    error: 'expected a duration such as "10s", "5m", "2h" or a number of milliseconds',
  })
  .transform((value, ctx) => {
    const millis = typeof value === 'number' ? value : parseDurationString(value);
    if (millis === undefined || !Number.isFinite(millis) || !Number.isInteger(millis) || millis <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a positive duration such as "10s", "5m", "2h" or a whole number of milliseconds, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return millis;
  });

function parseDurationString(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  const parsed = ms(trimmed as ms.StringValue) as number | undefined;
  return typeof parsed === 'number' ? Math.round(parsed) : undefined;
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/**
 * Renders milliseconds the way users write durations ("1.5s", "10m", "250ms"), for messages and
 * the UI. `ms` would round 1500 to "2s", which misstates a policy back to its author.
 */
export function formatDuration(millis: number): string {
  const value = Math.max(0, Math.round(millis));
  for (const [unit, size] of UNITS) {
    if (value >= size) return `${Number((value / size).toFixed(1))}${unit}`;
  }
  return `${value}ms`;
}
