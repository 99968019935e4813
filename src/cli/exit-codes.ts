import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ServiceError,
  WorkflowFailedError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  NamespaceNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { CommanderError, InvalidArgumentError } from 'commander';
import { FailureType } from '../contract/index.js';
import { DeploymentNotFound } from '../worker-deployment/routing.js';

/**
 * One table for every command (docs/running.md, "Exit codes"), so a script can tell a failed
 * export from a mistyped command, a cluster it cannot reach, and an ID that does not exist.
 */
export const ExitCode = {
  Ok: 0,
  /** The workflow ended without its result: failed, timed out, stalled, cancelled, terminated. */
  WorkflowFailed: 1,
  /** Usage, or a value the contract refuses (the field is named). */
  BadInput: 2,
  Unreachable: 3,
  /** No such workflow, schedule or namespace; or one with that ID already exists. */
  NotFoundOrConflict: 4,
  /** Temporal answered but refused the request (for example, a namespace without our search attributes). */
  Refused: 5,
} as const;
type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ClassifiedError {
  code: ExitCodeValue;
  message: string;
}

// gRPC status codes (google.rpc.Code), as the Temporal frontend returns them.
const GRPC = { InvalidArgument: 3, DeadlineExceeded: 4, NotFound: 5, AlreadyExists: 6, Unavailable: 14 };

/** The exit code and the one-line message for an error a command did not handle itself. */
export function classifyError(err: unknown, address: string): ClassifiedError {
  if (err instanceof CommanderError && !(err instanceof InvalidArgumentError))
    return { code: err.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput, message: '' };
  if (err instanceof InvalidArgumentError) return { code: ExitCode.BadInput, message: err.message };
  const invalid = [err, (err as { cause?: unknown })?.cause].find(
    (e): e is ApplicationFailure => e instanceof ApplicationFailure && e.type === FailureType.InvalidInput,
  );
  if (invalid) return { code: ExitCode.BadInput, message: `${invalid.type}: ${invalid.message}` };
  if (
    err instanceof WorkflowNotFoundError ||
    err instanceof ScheduleNotFoundError ||
    err instanceof NamespaceNotFoundError
  )
    return { code: ExitCode.NotFoundOrConflict, message: `Not found: ${notFoundMessage(err)}` };
  if (err instanceof DeploymentNotFound) return { code: ExitCode.NotFoundOrConflict, message: err.message };
  if (err instanceof WorkflowExecutionAlreadyStartedError)
    return {
      code: ExitCode.NotFoundOrConflict,
      message: `Already exists: workflow ${err.workflowId} is already running (or its ID may not be reused)`,
    };
  if (err instanceof ScheduleAlreadyRunning)
    return { code: ExitCode.NotFoundOrConflict, message: `Already exists: schedule ${err.scheduleId}` };
  if (err instanceof WorkflowFailedError)
    return { code: ExitCode.WorkflowFailed, message: err.cause?.message ?? err.message };
  const grpc = grpcCause(err);
  const message = err instanceof Error ? err.message : String(err);
  if (
    grpc?.code === GRPC.Unavailable ||
    grpc?.code === GRPC.DeadlineExceeded ||
    /Failed to connect before the deadline|ECONNREFUSED|ENOTFOUND/.test(message)
  )
    return {
      code: ExitCode.Unreachable,
      message: `Temporal could not be reached at ${address}: ${grpc?.details || message}`,
    };
  const grpcDetail = grpc?.details || grpc?.message;
  const detail = grpcDetail && !message.includes(grpcDetail) ? `${message}: ${grpcDetail}` : message;
  if (grpc?.code === GRPC.NotFound || grpc?.code === GRPC.AlreadyExists)
    return { code: ExitCode.NotFoundOrConflict, message: detail };
  if (grpc?.code === GRPC.InvalidArgument && /search attribute/i.test(detail))
    return {
      code: ExitCode.Refused,
      message:
        `${detail}\nThe namespace lacks the CloudDC search attributes: run \`npm run search-attributes\` ` +
        '(docs/running.md), then restart the worker so it tags trackers it starts from then on.',
    };
  return { code: ExitCode.Refused, message: detail };
}

function notFoundMessage(
  err: WorkflowNotFoundError | ScheduleNotFoundError | NamespaceNotFoundError,
): string {
  if (err instanceof ScheduleNotFoundError) return `no schedule ${err.scheduleId}`;
  if (err instanceof NamespaceNotFoundError) return `no namespace ${err.namespace}`;
  return `no workflow ${err.workflowId}`;
}

/** The gRPC error behind a ServiceError ("Failed to list workflows"), or the error itself. */
function grpcCause(err: unknown): { code: number; details?: string; message: string } | undefined {
  if (isGrpcServiceError(err)) return err;
  if (err instanceof ServiceError && isGrpcServiceError(err.cause)) return err.cause;
  return undefined;
}
