/**
 * The portal directory every HubSpot flow composes from its environment (the `hubspot` secret),
 * built once per execution environment by the handler's composition root: the primary portal is
 * then asked of HubSpot at most once per environment.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readAccountDetails } from '../connectors/hubspot/account.js';
import { HubSpotClient } from '../connectors/hubspot/client.js';
import { HubSpotInstallations } from '../connectors/hubspot/installations.js';
import { HubSpotOAuthClient } from '../connectors/hubspot/oauth.js';
import { PortalDirectory, type InstalledPortals } from '../connectors/hubspot/portals.js';
import type { ConflictRule } from '../core/inbound-contacts.js';
import type { Log } from '../core/ports.js';
import { DynamoHubSpotInstalls } from '../store/hubspot-installs.js';
import { HUBSPOT_SECRET, optionalSecretField, secretField } from './secrets.js';
import { budgetedHubSpotClient, primaryBudgetKey, type BudgetedClientOptions } from './hubspot-budget.js';
import { tokenCipherFromEnvironment } from './token-cipher.js';

export function portalDirectoryFromEnvironment(options: {
  readonly baseUrl: string;
  readonly defaultConflictRule?: ConflictRule;
  readonly installed?: InstalledPortals;
  /**
   * The portal lookup spends the primary token's shared budget, as every other call with the token
   * does (functions that may write the budget). Without it (the webhook route reads sync-state
   * only) the lookup, once per environment, is outside the budget.
   */
  readonly budgeted?: Omit<BudgetedClientOptions, 'accessToken' | 'budgetKey'>;
}): PortalDirectory {
  const budgeted = options.budgeted;
  return new PortalDirectory({
    portalId: optionalSecretField(HUBSPOT_SECRET, 'portalId'),
    portals: optionalSecretField(HUBSPOT_SECRET, 'portals'),
    accessToken: secretField(HUBSPOT_SECRET, 'accessToken'),
    lookupPortalId: async (accessToken) =>
      (await readAccountDetails(budgeted ? budgetedHubSpotClient({ ...budgeted, accessToken, budgetKey: primaryBudgetKey(accessToken) }) : new HubSpotClient({ baseUrl: options.baseUrl, accessToken }))).portalId,
    defaultConflictRule: options.defaultConflictRule ?? 'hubspot_wins',
    ...(options.installed ? { installed: options.installed } : {}),
  });
}

/**
 * The portals that installed the OAuth app (issue 12 §5), each with its refreshed token. A
 * function using it is declared with `tokenKey: 'encryptDecrypt'` in lib/topology.ts: it reads the
 * sealed tokens and seals the refreshed ones.
 */
export function installedPortalsFromEnvironment(options: { readonly baseUrl: string; readonly db: DynamoDBDocumentClient; readonly syncStateTable: string; readonly log: Pick<Log, 'info' | 'warn'> }): HubSpotInstallations {
  return new HubSpotInstallations({
    installs: new DynamoHubSpotInstalls(options.db, options.syncStateTable, tokenCipherFromEnvironment()),
    oauth: new HubSpotOAuthClient({
      baseUrl: options.baseUrl,
      clientId: secretField(HUBSPOT_SECRET, 'oauthClientId'),
      clientSecret: secretField(HUBSPOT_SECRET, 'oauthClientSecret'),
    }),
    log: options.log,
  });
}
