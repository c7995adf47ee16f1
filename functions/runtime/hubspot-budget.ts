/**
 * The HubSpot client every flow composes: its calls spend the portal's rate budget shared by the
 * whole deployment through the sync-state table (issue 13 §3), never a budget of its own.
 * Built once per execution environment and portal by the handler's composition root.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readAccountDetails } from '../connectors/hubspot/account.js';
import { HubSpotClient } from '../connectors/hubspot/client.js';
import type { CallPriority } from '../connectors/hubspot/rate-budget.js';
import { SharedRateBudget } from '../connectors/hubspot/shared-budget.js';
import type { Log } from '../core/ports.js';
import { DynamoRateBudgetStore } from '../store/rate-budget.js';

export interface BudgetedClientOptions {
  readonly baseUrl: string;
  readonly accessToken: () => Promise<string>;
  /** The portal the token belongs to: the budget is that portal's. */
  readonly portalId: () => Promise<string>;
  readonly priority: CallPriority;
  readonly db: DynamoDBDocumentClient;
  readonly syncStateTable: string;
  readonly log: Pick<Log, 'warn'>;
}

export function budgetedHubSpotClient(options: BudgetedClientOptions): HubSpotClient {
  // The portal's time zone (when its day's quota resets), asked of HubSpot only once a day is spent.
  let timeZone: Promise<string | undefined> | undefined;
  const budget = new SharedRateBudget({
    store: new DynamoRateBudgetStore(options.db, options.syncStateTable),
    portalId: options.portalId,
    priority: options.priority,
    timeZone: () => (timeZone ??= readAccountDetails(new HubSpotClient({ baseUrl: options.baseUrl, accessToken: options.accessToken })).then(
      (details) => details.timeZone,
      () => {
        timeZone = undefined;
        return undefined;
      },
    )),
    onStoreError: (error, what) => options.log.warn('HubSpot rate budget: could not save the portal\'s ' + what, { error: error instanceof Error ? error.message : String(error) }),
  });
  return new HubSpotClient({ baseUrl: options.baseUrl, accessToken: options.accessToken, budget });
}
