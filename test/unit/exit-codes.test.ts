import { ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError } from '@temporalio/client';
import {
  ApplicationFailure,
  NamespaceNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { CommanderError, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { classifyError, ExitCode } from '../../src/cli/exit-codes.js';
import { FailureType } from '../../src/contract/index.js';

const ADDRESS = 'temporal.example:7233';

/** A gRPC error as @grpc/grpc-js builds it: a code, details and metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

describe('classifyError: one exit code per kind of problem, for every command', () => {
  it.each([
    [
      'usage (commander has printed it)',
      new CommanderError(1, 'commander.missingMandatoryOptionValue', 'x'),
      ExitCode.BadInput,
    ],
    ['--help', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), ExitCode.Ok],
    [
      'a flag value refused in an action',
      new InvalidArgumentError('--overlap must be one of skip'),
      ExitCode.BadInput,
    ],
    [
      'InvalidInput from the contract',
      ApplicationFailure.create({ type: FailureType.InvalidInput, message: 'serverId: bad' }),
      ExitCode.BadInput,
    ],
    [
      'InvalidInput as the cause of an update failure',
      Object.assign(new Error('update failed'), {
        cause: ApplicationFailure.create({ type: FailureType.InvalidInput, message: 'by: bad' }),
      }),
      ExitCode.BadInput,
    ],
    [
      'an unknown workflow',
      new WorkflowNotFoundError('not found', 'wf-1', undefined),
      ExitCode.NotFoundOrConflict,
    ],
    ['an unknown schedule', new ScheduleNotFoundError('not found', 'nightly'), ExitCode.NotFoundOrConflict],
    ['an unknown namespace', new NamespaceNotFoundError('ops'), ExitCode.NotFoundOrConflict],
    [
      'a workflow ID taken',
      new WorkflowExecutionAlreadyStartedError('started', 'wf-1', 'collectServerLogs'),
      ExitCode.NotFoundOrConflict,
    ],
    ['a schedule ID taken', new ScheduleAlreadyRunning('exists', 'nightly'), ExitCode.NotFoundOrConflict],
    ['no connection', new Error('Failed to connect before the deadline'), ExitCode.Unreachable],
    ['the frontend unavailable', grpcError(14, 'connection refused'), ExitCode.Unreachable],
    [
      'a missing search attribute',
      new ServiceError('Failed to list workflows', {
        cause: grpcError(3, 'invalid query: invalid search attribute: CloudDCServerId'),
      }),
      ExitCode.Refused,
    ],
    ['anything else Temporal refuses', grpcError(7, 'permission denied'), ExitCode.Refused],
  ])('%s', (_what, err, code) => {
    expect(classifyError(err, ADDRESS).code).toBe(code);
  });

  it('says where it could not connect, what was not found, and how to add the search attributes', () => {
    expect(classifyError(new Error('Failed to connect before the deadline'), ADDRESS).message).toBe(
      `Temporal could not be reached at ${ADDRESS}: Failed to connect before the deadline`,
    );
    expect(classifyError(new ScheduleNotFoundError('x', 'nightly'), ADDRESS).message).toBe(
      'Not found: no schedule nightly',
    );
    const missing = classifyError(
      new ServiceError('Failed to list workflows', {
        cause: grpcError(3, 'invalid query: invalid search attribute: CloudDCServerId'),
      }),
      ADDRESS,
    ).message;
    expect(missing).toContain(
      'Failed to list workflows: invalid query: invalid search attribute: CloudDCServerId',
    );
    expect(missing).toContain('npm run search-attributes');
    expect(missing).toContain('restart the worker');
  });
});
