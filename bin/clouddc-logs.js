#!/usr/bin/env node
// The package's `bin`: the compiled CLI after `npm run build`; in a development checkout without
// a build, the TypeScript source through tsx (a development dependency).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/starter.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/starter.ts');
}
