import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { workflowInputJsonSchemas } from '../src/contract/json-schemas.js';

/** `npm run schemas`: writes schemas/<workflowType>.input.json from the zod schemas. */
const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
await mkdir(dir, { recursive: true });
for (const [workflowType, schema] of Object.entries(workflowInputJsonSchemas())) {
  await writeFile(`${dir}${workflowType}.input.json`, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${workflowType}.input.json`);
}
