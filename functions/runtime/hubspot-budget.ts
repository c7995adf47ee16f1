/**
 * The HubSpot client every flow composes: its calls spend the portal's rate budget shared by the
 * whole deployment through the sync-state table (issue 13 §3), never a budget of its own.
 * Built once per execution environment and portal by the handler's composition root.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readAccountDetails } from '../connectors/hubspot/account.js';
import { HubSpotClient } from '../connectors/hubspot/client.js';
import type { CallPriority } from '../connectors/hubspot/rate-budget.js';
import { SharedRateBudget, tokenBudgetKey } from '../connectors/hubspot/shared-budget.js';
import type { Log } from '../core/ports.js';
import { DynamoRateBudgetStore } from '../store/rate-budget.js';

export interface BudgetedClientOptions {
  readonly baseUrl: string;
  readonly accessToken: () => Promise<string>;
  /** Which budget its calls spend (PortalSettings.budgetKey, tokenBudgetKey for the primary token). */
  readonly budgetKey: () => Promise<string>;
  readonly priority: CallPriority;
  readonly db: DynamoDBDocumentClient;
  readonly syncStateTable: string;
  readonly log: Pick<Log, 'warn'>;
}

/** This environment's budgeted clients, whose daily quota each invocation reports (reportHubSpotQuota). */
const clients: HubSpotClient[] = [];

/** The day's quota of every portal this environment has called, as HubSpot last said. */
export function hubspotDailyQuotas(): { key: string; limit?: number; remaining?: number; exhaustedUntil?: number }[] {
  return clients.flatMap((client) => client.dailyQuota() ?? []);
}

/** The primary token's budget: every flow's calls with it, and the portal lookup's, spend this one. */
export function primaryBudgetKey(accessToken: () => Promise<string>): () => Promise<string> {
  return async () => tokenBudgetKey(await accessToken());
}

export function budgetedHubSpotClient(options: BudgetedClientOptions): HubSpotClient {
  let client: HubSpotClient;
  const budget = new SharedRateBudget({
    store: new DynamoRateBudgetStore(options.db, options.syncStateTable),
    key: options.budgetKey,
    priority: options.priority,
    // Asked through this client, so the question spends the shared budget too.
    timeZone: async () => (await readAccountDetails(client)).timeZone,
    onStoreError: (error, what) => options.log.warn('HubSpot rate budget: could not save the portal\'s ' + what, { error: error instanceof Error ? error.message : String(error) }),
  });
  client = new HubSpotClient({ baseUrl: options.baseUrl, accessToken: options.accessToken, budget });
  clients.push(client);
  return client;
}
