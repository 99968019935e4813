import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifyHttpError } from '../../src/activities/clouddc/errors.js';
import { toActivityFailure } from '../../src/activities/failures.js';
import { FailureType, TransientFailureType } from '../../src/contract/index.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const headers = (init: Record<string, string> = {}) => new Headers(init);

describe('classifyHttpError', () => {
  it.each([
    [429, 'throttled'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [400, 'bad-request'],
    [409, 'bad-request'],
    [302, 'bad-request'],
    [408, 'unavailable'],
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [204, 'malformed'],
  ])('classifies HTTP %i as %s', (status, kind) => {
    expect(classifyHttpError('GET /x', status, headers(), '', NOW).info.kind).toBe(kind);
  });

  it('reads {error_code, error_msg} with the request ID from the header', () => {
    const err = classifyHttpError(
      'GET /x',
      404,
      headers({ 'X-Request-Id': 'req-1' }),
      '{"error_code":"CLOUDDC.0404","error_msg":"Export not found"}',
      NOW,
    );
    expect(err.info).toMatchObject({
      errorCode: 'CLOUDDC.0404',
      errorMsg: 'Export not found',
      requestId: 'req-1',
    });
    expect(err.message).toBe(
      'GET /x answered HTTP 404, error_code CLOUDDC.0404, error_msg "Export not found", X-Request-Id req-1',
    );
  });

  it("reads the gateway's {error: {code, message}} with request_id in the body", () => {
    const err = classifyHttpError(
      'GET /x',
      401,
      headers(),
      '{"error":{"code":"APIGW.0301","message":"Incorrect IAM authentication information"},"request_id":"gw-7"}',
      NOW,
    );
    expect(err.info).toMatchObject({
      errorCode: 'APIGW.0301',
      errorMsg: 'Incorrect IAM authentication information',
      requestId: 'gw-7',
    });
  });

  it('keeps a numeric error_code as text', () => {
    expect(
      classifyHttpError('GET /x', 500, headers(), '{"error_code":5001,"error_msg":"boom"}', NOW).info
        .errorCode,
    ).toBe('5001');
  });

  it('takes a plain-text body (the documented 429) as the message', () => {
    const err = classifyHttpError('GET /x', 429, headers(), 'The request is overloaded.', NOW);
    expect(err.info).toMatchObject({ kind: 'throttled', errorMsg: 'The request is overloaded.' });
    expect(err.info.errorCode).toBeUndefined();
  });

  it('reads Retry-After on 429 and 503, in seconds or as an HTTP-date against Date', () => {
    expect(classifyHttpError('GET /x', 429, headers({ 'Retry-After': '3' }), '', NOW).info.retryAfterMs).toBe(
      3_000,
    );
    const date = new Date(NOW).toUTCString();
    const later = new Date(NOW + 7_000).toUTCString();
    expect(
      classifyHttpError('GET /x', 503, headers({ 'Retry-After': later, Date: date }), '', NOW + 3_600_000)
        .info.retryAfterMs,
    ).toBe(7_000);
    expect(
      classifyHttpError('GET /x', 404, headers({ 'Retry-After': '3' }), '', NOW).info.retryAfterMs,
    ).toBeUndefined();
  });

  it('names a worker clock far off the API clock on a 401, and stays quiet when it is close', () => {
    const date = new Date(NOW).toUTCString();
    const ahead = classifyHttpError('GET /x', 401, headers({ Date: date }), '', NOW + 20 * 60_000);
    expect(ahead.message).toContain('the worker clock is 20 min ahead of the API');
    const behind = classifyHttpError('GET /x', 401, headers({ Date: date }), '', NOW - 16 * 60_000);
    expect(behind.message).toContain('16 min behind');
    expect(classifyHttpError('GET /x', 401, headers({ Date: date }), '', NOW + 60_000).message).not.toContain(
      'clock',
    );
  });

  it('names a redirect it did not follow', () => {
    const err = classifyHttpError('GET /x', 302, headers({ Location: 'http://elsewhere/' }), '', NOW);
    expect(err.message).toContain('redirect to http://elsewhere/ not followed');
  });
});

describe('toActivityFailure', () => {
  const ref = 'Log export e of server s (project p)';
  const backoff = { transientBaseMs: 1_000, throttledBaseMs: 2_000, maxMs: 60_000 };
  const plenty = { attempt: 1, now: NOW, giveUpAt: NOW + 600_000 };

  it.each([
    ['unauthorized', FailureType.CloudDCAuthError],
    ['forbidden', FailureType.CloudDCPermissionDenied],
    ['not-found', FailureType.LogExportNotFound],
    ['bad-request', FailureType.CloudDCBadRequest],
  ] as const)('makes %s a non-retryable %s naming the export', (kind, type) => {
    const failure = toActivityFailure(
      ref,
      { kind, message: 'GET /x answered HTTP 4xx' },
      plenty,
      backoff,
      () => 0.5,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, nonRetryable: true });
    expect(failure.message).toBe('Log export e of server s (project p): GET /x answered HTTP 4xx');
    expect(failure.nextRetryDelay).toBeUndefined();
  });

  it('retries a 429 no sooner than Retry-After, with the delay in its details', () => {
    const failure = toActivityFailure(
      ref,
      { kind: 'throttled', message: 'm', retryAfterMs: 9_000, httpStatus: 429, requestId: 'r' },
      { ...plenty, attempt: 3 },
      backoff,
      () => 0,
    );
    expect(failure).toMatchObject({
      type: TransientFailureType.CloudDCThrottled,
      nonRetryable: false,
      nextRetryDelay: 9_000,
    });
    expect(failure.details?.[0]).toMatchObject({
      attempt: 3,
      retryInMs: 9_000,
      httpStatus: 429,
      requestId: 'r',
    });
  });

  it.each([
    ['unavailable', TransientFailureType.CloudDCUnavailable],
    ['malformed', TransientFailureType.CloudDCMalformedResponse],
  ] as const)('retries %s with jittered backoff', (kind, type) => {
    const failure = toActivityFailure(
      ref,
      { kind, message: 'm' },
      { ...plenty, attempt: 2 },
      backoff,
      () => 1,
    );
    expect(failure).toMatchObject({ type, nonRetryable: false, nextRetryDelay: 2_000 });
  });

  it('gives up (non-retryable, same type) when the next retry would outlast the poll budget', () => {
    const failure = toActivityFailure(
      ref,
      { kind: 'throttled', message: 'm', retryAfterMs: 30_000 },
      { attempt: 1, now: NOW, giveUpAt: NOW + 20_000 },
      backoff,
      () => 0,
    );
    expect(failure).toMatchObject({ type: TransientFailureType.CloudDCThrottled, nonRetryable: true });
    expect(failure.nextRetryDelay).toBeUndefined();
    expect(failure.details?.[0]).toMatchObject({ retryInMs: 30_000 });
  });
});
