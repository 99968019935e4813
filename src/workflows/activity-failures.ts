import type { ApplicationFailure } from '@temporalio/workflow';
import { type ApiFailureDetails, type FailureTypeName, PERMANENT_FAILURES } from '../contract/index.js';

/**
 * The details an API-calling activity puts on its failures. Read from here because failure
 * conversion drops `nextRetryDelay` on the way into the workflow.
 */
export function apiFailureDetails(failure: ApplicationFailure): ApiFailureDetails | undefined {
  const [first] = failure.details ?? [];
  return typeof first === 'object' && first !== null && 'attempt' in first
    ? (first as ApiFailureDetails)
    : undefined;
}

/** Failure types that end whatever workflow meets them. */
export function isPermanent(type: string | undefined | null): type is FailureTypeName {
  return PERMANENT_FAILURES.some((permanent) => permanent === type);
}
