/**
 * One HubSpot sandbox for a test file: started before its tests (unseeded, with room in the rate
 * limit), reset after each one, closed at the end; with the product's HubSpotClient and a bare
 * API caller (support/hubspot-api.ts) on it.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { HubSpotClient } from '../../../functions/connectors/hubspot/client.js';
import { startHubSpotSandbox, type HubSpotSandbox, type HubSpotSandboxOptions } from '../../../lib/local/sandboxes/hubspot/index.js';
import { hubspotApi, type ApiCall } from './hubspot-api.js';

export interface SandboxUnderTest {
  readonly sandbox: HubSpotSandbox;
  readonly client: HubSpotClient;
  readonly api: ApiCall;
}

export function useHubSpotSandbox(accessToken: string, options: Omit<HubSpotSandboxOptions, 'accessToken'> = {}): SandboxUnderTest {
  let sandbox: HubSpotSandbox | undefined;
  let client: HubSpotClient | undefined;
  const running = () => {
    if (!sandbox) throw new Error('the HubSpot sandbox is not running (use it inside a test)');
    return sandbox;
  };
  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ seed: false, rateLimit: { max: 100_000, intervalMs: 10_000 }, ...options, accessToken });
    client = new HubSpotClient({ baseUrl: sandbox.url, accessToken: async () => accessToken, sleep: async () => undefined });
  });
  afterEach(() => sandbox?.reset());
  afterAll(async () => {
    await sandbox?.close();
  });
  return {
    get sandbox() {
      return running();
    },
    get client() {
      running();
      return client!;
    },
    api: hubspotApi(() => running().url, accessToken),
  };
}
