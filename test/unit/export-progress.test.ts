import { describe, expect, it } from 'vitest';
import {
  classifyStatus,
  exportPhase,
  isKnownStatus,
  parsePercentage,
} from '../../src/workflows/tracker/export-progress.js';

describe('parsePercentage', () => {
  it.each([
    ['30%', 30],
    ['30', 30],
    [30, 30],
    ['30.5%', 30.5],
    [' 45 % ', 45],
    ['0%', 0],
    ['100%', 100],
    [0, 0],
    [100, 100],
    [99.9, 99.9],
  ])('reads %j as %d', (raw, expected) => {
    expect(parsePercentage(raw)).toBe(expected);
  });

  it.each([
    [150, 100],
    ['150%', 100],
    ['100.5', 100],
    ['-5%', 0],
    [-5, 0],
    ['-0.1', 0],
  ])('clamps %j to %d', (raw, expected) => {
    expect(parsePercentage(raw)).toBe(expected);
  });

  it.each([
    [''],
    ['   '],
    ['%'],
    ['abc'],
    ['n/a'],
    ['30%%'],
    ['30 40'],
    ['30abc'],
    [null],
    [undefined],
    [true],
    [false],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY],
    [{}],
    [[30]],
  ])('returns null, not 0, for %j', (raw) => {
    const result = parsePercentage(raw);
    expect(result).toBeNull();
    expect(result).not.toBe(0);
  });
});

describe('classifyStatus', () => {
  it.each(['completed', 'Completed', 'COMPLETED', 'SUCCESS', 'succeeded', 'finished', 'done', '  Done  '])(
    'classifies %j as succeeded',
    (status) => {
      expect(classifyStatus(status)).toBe('succeeded');
    },
  );

  it.each([
    'failed',
    'Failed',
    'failure',
    'error',
    'ERROR',
    'cancelled',
    'canceled',
    'aborted',
    'expired',
    'timeout',
    'TimeOut',
  ])('classifies %j as failed', (status) => {
    expect(classifyStatus(status)).toBe('failed');
  });

  it.each(['processing', 'Running', 'PENDING', 'weird-new-state', ''])(
    'classifies %j as in progress',
    (status) => {
      expect(classifyStatus(status)).toBe('in-progress');
    },
  );
});

describe('isKnownStatus', () => {
  it.each(['processing', 'Running', 'completed', 'failed', 'SUCCESS', 'Cancelled'])('knows %j', (status) => {
    expect(isKnownStatus(status)).toBe(true);
  });

  it.each(['weird-new-state', 'banana', ''])('does not know %j', (status) => {
    expect(isKnownStatus(status)).toBe(false);
  });
});

describe('exportPhase', () => {
  it('lets a failure status win over 100 %', () => {
    expect(exportPhase('failed', 100)).toBe('failed');
    expect(exportPhase('Cancelled', 100)).toBe('failed');
  });

  it('fails on a failure status at any percentage', () => {
    expect(exportPhase('error', 0)).toBe('failed');
    expect(exportPhase('error', 55)).toBe('failed');
    expect(exportPhase('error', null)).toBe('failed');
  });

  it('completes on a success word at any percentage, even a lagging or unknown one', () => {
    expect(exportPhase('completed', 0)).toBe('completed');
    expect(exportPhase('Completed', 42)).toBe('completed');
    expect(exportPhase('SUCCESS', 99)).toBe('completed');
    expect(exportPhase('done', null)).toBe('completed');
  });

  it('completes at 100 % even while the status still says Running', () => {
    expect(exportPhase('Running', 100)).toBe('completed');
    expect(exportPhase('weird-new-state', 100)).toBe('completed');
  });

  it('keeps running below 100 % with an in-progress status', () => {
    expect(exportPhase('Running', 99)).toBe('running');
    expect(exportPhase('processing', 0)).toBe('running');
    expect(exportPhase('weird-new-state', 50)).toBe('running');
  });

  it('keeps running when the percentage is unreadable', () => {
    expect(exportPhase('Running', null)).toBe('running');
  });
});
