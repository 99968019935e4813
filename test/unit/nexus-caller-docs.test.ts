import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const QUOTE = /<!-- quoted from (\S+) -->\n```\w*\n([\s\S]*?)\n```/g;

/**
 * The caller pages quote the example programs that the tests (TypeScript) and `npm run nexus:callers`
 * (Go, Python, Java) run; each
 * quoted block must still be in its program word for word, so the docs show code that works.
 */
describe('the Nexus caller docs', () => {
  const examples = {
    typescript: { at: 'examples/nexus-callers/typescript/nexus-caller.ts', quotes: 2 },
    go: { at: 'examples/nexus-callers/go/', quotes: 3 },
    python: { at: 'examples/nexus-callers/python/', quotes: 3 },
    java: { at: 'examples/nexus-callers/java/', quotes: 3 },
  };
  for (const [language, { at, quotes: least }] of Object.entries(examples)) {
    it(`quote ${at} as it is (docs/nexus/${language}.md)`, async () => {
      const page = await readFile(new URL(`docs/nexus/${language}.md`, ROOT), 'utf8');
      const quotes = [...page.matchAll(QUOTE)];
      expect(quotes.length).toBeGreaterThanOrEqual(least);
      for (const [, path, block] of quotes) {
        expect(path?.startsWith(at)).toBe(true);
        const source = await readFile(new URL(path as string, ROOT), 'utf8');
        expect(source, `${path} no longer holds the block quoted in docs/nexus/${language}.md`).toContain(
          block,
        );
      }
    });
  }
});
