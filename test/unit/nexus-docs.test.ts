import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const normalized = (code: string) => code.replace(/\s+/g, ' ').trim();

describe('the TypeScript callers page', () => {
  it('quotes the example the tests run, word for word', () => {
    const example = normalized(read('src/workflows/examples/nexus-caller.ts'));
    const quoted = [...read('docs/nexus/typescript.md').matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .filter((code) => !code.trimStart().startsWith('import'));
    expect(quoted.length).toBeGreaterThanOrEqual(2);
    for (const code of quoted) expect(example).toContain(normalized(code));
  });
});
