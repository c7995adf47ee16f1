/**
 * The HubSpot portals (accounts) one deployment serves. Webhook events name their `portalId`;
 * each portal has its own access token and may have its own conflict rule.
 *
 * Configuration, in the `hubspot` secret (locally, the environment variables in brackets):
 * - `accessToken` [HUBSPOT_ACCESS_TOKEN]: a developer-platform app's static token, a legacy private
 *   app's token or a service key; it belongs to one portal, the primary one;
 * - `portalId` [HUBSPOT_PORTAL_ID], optional: that portal. Unset, it is read from HubSpot's account
 *   details with the token, once per execution environment (issue 12 §1); set, it wins;
 * - `portals` [HUBSPOT_PORTALS], optional: further portals with static tokens,
 *   `{"<portalId>": {"accessToken": "...", "conflictRule": "hubspot_wins|last_write_wins|platform_wins"}}`;
 * - portals connected through the OAuth app (`installed`), each with its own refreshed token.
 * Events of any other portal are counted as `unknown_portal` and skipped.
 */
import { z } from 'zod';
import { CredentialsRefusedError, MisconfiguredError } from '../../core/errors.js';
import { CONFLICT_RULES, type ConflictRule } from '../../core/inbound-contacts.js';
import { portalBudgetKey, tokenBudgetKey } from './shared-budget.js';

const PortalIdSchema = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]).transform(String);
const PortalsSchema = z.record(
  z.string().regex(/^\d{1,20}$/, { message: 'portal ids are numbers' }),
  z.strictObject({ accessToken: z.string().min(1), conflictRule: z.enum(CONFLICT_RULES).optional() }),
);

export interface PortalSettings {
  readonly portalId: string;
  readonly accessToken: () => Promise<string>;
  /** The shared rate budget its calls spend (shared-budget.ts): its static token's, or the portal's for an OAuth install. */
  readonly budgetKey: () => Promise<string>;
  readonly conflictRule: ConflictRule;
}

/** Portals connected through the OAuth app: a valid (refreshed) token, or undefined when not installed. */
export interface InstalledPortals {
  accessToken(portalId: string): Promise<string | undefined>;
}

export interface PortalSources {
  /** The configured portal id of the primary token, if any. */
  readonly portalId: () => Promise<unknown>;
  readonly accessToken: () => Promise<string>;
  /** Asks HubSpot which portal a token belongs to (account details). */
  readonly lookupPortalId: (accessToken: () => Promise<string>) => Promise<string>;
  readonly portals: () => Promise<unknown>;
  readonly installed?: InstalledPortals;
  readonly defaultConflictRule: ConflictRule;
}

export class PortalDirectory {
  private primaryId: Promise<string> | undefined;

  constructor(private readonly sources: PortalSources) {}

  /**
   * The portal the primary token belongs to: configured, else asked of HubSpot once per execution
   * environment and kept (a failed lookup is not kept, so a fixed setting is picked up). Throws
   * MisconfiguredError, naming what to fix, when it cannot be known.
   */
  primaryPortalId(): Promise<string> {
    this.primaryId ??= this.resolvePrimary().catch((error: unknown) => {
      this.primaryId = undefined;
      throw error;
    });
    return this.primaryId;
  }

  /** The primary portal, ready to use, or MisconfiguredError. */
  async primary(): Promise<PortalSettings> {
    return {
      portalId: await this.primaryPortalId(),
      accessToken: this.sources.accessToken,
      budgetKey: async () => tokenBudgetKey(await this.sources.accessToken()),
      conflictRule: this.sources.defaultConflictRule,
    };
  }

  /**
   * The settings of a portal this deployment serves, or undefined. When the primary portal cannot
   * be known, an event of a portal found nowhere else throws: it may be the primary's, so it waits
   * (and parks) rather than being skipped as someone else's.
   */
  async get(portalId: string): Promise<PortalSettings | undefined> {
    let primaryProblem: unknown;
    try {
      if ((await this.primaryPortalId()) === portalId) return this.primary();
    } catch (error) {
      if (!(error instanceof MisconfiguredError)) throw error;
      primaryProblem = error;
    }
    const installed = this.sources.installed;
    if (installed && (await installed.accessToken(portalId)) !== undefined) {
      return {
        portalId,
        accessToken: async () => {
          const token = await installed.accessToken(portalId);
          if (token === undefined) throw new MisconfiguredError(`HubSpot portal ${portalId} is no longer connected through the OAuth app`);
          return token;
        },
        budgetKey: async () => portalBudgetKey(portalId),
        conflictRule: this.sources.defaultConflictRule,
      };
    }
    const entry = await this.staticPortal(portalId);
    if (entry) return entry;
    if (primaryProblem) throw primaryProblem;
    return undefined;
  }

  async has(portalId: string): Promise<boolean> {
    return (await this.get(portalId)) !== undefined;
  }

  private async resolvePrimary(): Promise<string> {
    const configured = await this.sources.portalId();
    if (configured !== undefined && configured !== '') {
      const parsed = PortalIdSchema.safeParse(configured);
      if (!parsed.success) throw new MisconfiguredError('HubSpot portalId (HUBSPOT_PORTAL_ID) must be a number');
      return parsed.data;
    }
    try {
      return await this.sources.lookupPortalId(this.sources.accessToken);
    } catch (error) {
      if (error instanceof CredentialsRefusedError) {
        throw new MisconfiguredError(
          `HubSpot refused the access token when asked which portal it belongs to (${error.status}): check the token, give the app the "oauth" scope, or set the portal id (HUBSPOT_PORTAL_ID)`,
        );
      }
      throw error;
    }
  }

  private async staticPortal(portalId: string): Promise<PortalSettings | undefined> {
    const raw = await this.sources.portals();
    if (raw === undefined) return undefined;
    const parsed = PortalsSchema.safeParse(raw);
    // The message names the setting, never its value (it holds tokens).
    if (!parsed.success) throw new MisconfiguredError(`HubSpot "portals" setting is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const entry = parsed.data[portalId];
    if (!entry) return undefined;
    return {
      portalId,
      accessToken: async () => entry.accessToken,
      budgetKey: async () => tokenBudgetKey(entry.accessToken),
      conflictRule: entry.conflictRule ?? this.sources.defaultConflictRule,
    };
  }
}
