import { beforeAll, beforeEach, expect } from 'vitest';
import { logToFileOf, testLogFile } from '../helpers/test-logs.js';

// Node 20 is the machines' version (README); the AWS SDK's notice about Node 22 says nothing to a test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

beforeAll(() => {
  const { testPath } = expect.getState();
  if (testPath) logToFileOf(testPath);
});

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => console.error(`Worker, SDK and dev-server logs: ${testLogFile()}`));
});
