import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { workflowInputJsonSchemas } from '../../src/contract/json-schemas.js';

describe('published JSON Schemas of the workflow inputs', () => {
  it.each(Object.entries(workflowInputJsonSchemas()))(
    'schemas/%s.input.json is up to date (npm run schemas)',
    async (type, schema) => {
      const published = JSON.parse(
        await readFile(new URL(`../../schemas/${type}.input.json`, import.meta.url), 'utf8'),
      );
      expect(published).toEqual(schema);
    },
  );

  it('describes the contract: required IDs, no unknown fields, region as a name', () => {
    const track = workflowInputJsonSchemas().trackLogExport as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { pattern?: string }>;
    };
    expect(track.required).toEqual(['projectId', 'serverId', 'exportId']);
    expect(track.additionalProperties).toBe(false);
    expect(track.properties.region?.pattern).toBe('^[a-z]{2}-[a-z]+-\\d{1,2}$');
  });
});
