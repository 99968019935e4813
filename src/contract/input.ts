/** The rules every workflow input follows: IDs, regions, and one InvalidInput naming each bad field. */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from './failures.js';

const MAX_ID_LENGTH = 256;

/**
 * IDs go into URL path segments and the `X-Project-Id` header. Besides what the contract forbids
 * (`/`, `?`, `#`, `..`, white space), `%` and `\` are refused too (a gateway could decode `%2F` or
 * fold `\` into a separator), `:` (it separates the IDs inside the workflow ID), a lone `.` (URL
 * parsing drops it from the path) and anything outside printable ASCII (it cannot go in a header).
 */
const FORBIDDEN_IN_ID: ReadonlyArray<[RegExp, string]> = [
  [/:/, '":"'],
  [/\//, '"/"'],
  [/\?/, '"?"'],
  [/#/, '"#"'],
  [/\.\./, '".."'],
  [/\s/, 'white space'],
  [/%/, '"%"'],
  [/\\/, '"\\"'],
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
  [/[\u0000-\u001f\u007f]/, 'control characters'],
  [/[^\p{ASCII}]/u, 'characters outside ASCII'],
  [/^\.$/, 'only "."'],
];

export const idSchema = z
  .string({ error: 'expected a non-empty string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` })
  .superRefine((value, ctx) => {
    for (const [pattern, what] of FORBIDDEN_IN_ID) {
      if (pattern.test(value)) ctx.addIssue({ code: 'custom', message: `must not contain ${what}` });
    }
  });

/** Huawei Cloud region names such as `cn-east-3` or `ap-southeast-3`: a name, never a host or URL. */
export const REGION_PATTERN = /^[a-z]{2}-[a-z]+-\d{1,2}$/;

export const regionSchema = z
  .string({ error: 'expected a region name such as "cn-east-3"' })
  .regex(REGION_PATTERN, { error: 'expected a region name such as "cn-east-3"' });

/** One rejected field: its dotted path and what is wrong with it. */
export interface InputProblem {
  path: string;
  message: string;
}

function toProblems(issue: z.core.$ZodIssue): InputProblem[] {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'unknown field' }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined && at.length > 0) {
    return [{ path: at.join('.'), message: 'is required' }];
  }
  return [{ path: at.join('.') || '(input)', message: issue.message }];
}

/**
 * Parses a workflow input with `schema`, or throws the non-retryable `InvalidInput` failure that
 * names every bad field (and, through `subject`, what the input was about, when that much is valid).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  subject: (raw: unknown) => string | undefined,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap(toProblems);
  const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  const about = subject(raw);
  throw invalidInput(`${about ? `${about}: invalid input` : 'Invalid input'}: ${summary}`, { problems });
}

/** The non-retryable `InvalidInput` failure: retrying cannot fix what the caller sent. */
export function invalidInput(message: string, details?: { problems: InputProblem[] }): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.InvalidInput,
    message,
    nonRetryable: true,
    ...(details ? { details: [details] } : {}),
  });
}
