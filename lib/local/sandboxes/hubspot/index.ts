import { startSandboxServer } from './server.js';
import type { HubSpotSandbox, HubSpotSandboxOptions } from './types.js';

export type { ContactSnapshot, FaultKind, FaultRule, HubSpotSandbox, HubSpotSandboxOptions, RateLimit, RecordedRequest } from './types.js';
export { seededRandom } from './faults.js';
export { DAILY_LIMIT, DEFAULT_RATE_LIMIT } from './rate-limit.js';
export { DEMO_CONTACTS } from './seed.js';

export function startHubSpotSandbox(options: HubSpotSandboxOptions): Promise<HubSpotSandbox> {
  return startSandboxServer(options);
}
