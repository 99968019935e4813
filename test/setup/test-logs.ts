import { beforeAll, beforeEach, expect } from 'vitest';
import { logToFileOf, testLogFile } from '../helpers/test-logs.js';

beforeAll(() => {
  const { testPath } = expect.getState();
  if (testPath) logToFileOf(testPath);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`Worker, SDK and dev-server logs: ${testLogFile()}`));
});
