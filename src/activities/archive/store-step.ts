import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, TransientFailureType } from '../../contract/index.js';
import { ArchiveStoreError } from './sink.js';

/**
 * Runs a step of the archive store, turning its failures into the contract's types: a missing
 * bucket or refused access needs an operator and is not retried; anything else is.
 */
export async function storeStep<T>(
  what: { subject: string; stored: string; store: string },
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ApplicationFailure || Context.current().cancellationSignal.aborted) throw err;
    const problem = err instanceof ArchiveStoreError ? err.problem : 'unavailable';
    throw ApplicationFailure.create({
      type: STORE_FAILURE[problem],
      message: `${what.subject}: ${what.stored} could not be stored in ${what.store}: ${(err as Error).message}`,
      nonRetryable: problem !== 'unavailable',
    });
  }
}

const STORE_FAILURE = {
  'bucket-missing': FailureType.ArchiveBucketNotFound,
  'access-denied': FailureType.ArchiveAccessDenied,
  unavailable: TransientFailureType.ArchiveStoreUnavailable,
} as const;
