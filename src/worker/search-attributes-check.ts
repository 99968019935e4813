import { Connection } from '@temporalio/client';
import { connectionSecurity, type TemporalSecurity } from '../client/temporal-connection.js';
import { ALL_SEARCH_ATTRIBUTES, searchAttributeCreateArgs } from '../contract/index.js';

/**
 * Which of our search attributes the namespace lacks. Trackers only keep search attributes when
 * none is missing: upserting an unknown one would fail every workflow task.
 */
export async function missingSearchAttributes(
  address: string,
  namespace: string,
  security: TemporalSecurity = { tls: false },
): Promise<string[]> {
  const connection = await Connection.connect({ address, ...(await connectionSecurity(security)) });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return ALL_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !(name in (customAttributes ?? {})));
  } finally {
    await connection.close();
  }
}

/** The warning a worker prints when search attributes are missing, with the command that adds them. */
export function missingSearchAttributesWarning(namespace: string, missing: string[]): string {
  return (
    `Warning: namespace ${namespace} lacks the search attributes ${missing.join(', ')}; trackers run without them ` +
    `(no filtering by server or state in the Web UI, and \`clouddc-logs list\` finds none). Add them with ` +
    `\`npm run search-attributes\`, or:\n  temporal operator search-attribute create ` +
    `--namespace ${namespace} ${searchAttributeCreateArgs().join(' ')}\n` +
    'then restart this worker: it checks once, at start-up, and trackers it started before stay untagged.'
  );
}
