import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../lib/local/stack.js';

/**
 * A local stack on free ports, in memory, that only does what a test asks: no schedule timers, no
 * logs, and no sandbox sending webhooks or events of its own.
 */
export function startQuietStack(options: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    dataDir: null,
    schedules: false,
    logLevel: 'SILENT',
    hubspot: { webhooks: false },
    turbotenant: { events: false },
    buildium: { webhooks: false },
    ...options,
  });
}
