/**
 * The HubSpot portals (accounts) one deployment serves. Webhook events name their `portalId`;
 * each portal has its own access token and may have its own conflict rule.
 *
 * Configuration, in the `hubspot` secret (locally, the environment variables in brackets):
 * - `portalId` [HUBSPOT_PORTAL_ID]: the portal the `accessToken` [HUBSPOT_ACCESS_TOKEN] belongs to;
 * - `portals` [HUBSPOT_PORTALS], optional: further portals,
 *   `{"<portalId>": {"accessToken": "...", "conflictRule": "hubspot_wins|last_write_wins|platform_wins"}}`.
 * Events of any other portal are counted as `unknown_portal` and skipped.
 */
import { z } from 'zod';
import { CONFLICT_RULES, type ConflictRule } from '../../core/inbound-contacts.js';

const PortalIdSchema = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]).transform(String);
const PortalsSchema = z.record(
  z.string().regex(/^\d{1,20}$/, { message: 'portal ids are numbers' }),
  z.strictObject({ accessToken: z.string().min(1), conflictRule: z.enum(CONFLICT_RULES).optional() }),
);

export interface PortalSettings {
  readonly portalId: string;
  readonly accessToken: () => Promise<string>;
  readonly conflictRule: ConflictRule;
}

export interface PortalSources {
  readonly portalId: () => Promise<unknown>;
  readonly accessToken: () => Promise<string>;
  readonly portals: () => Promise<unknown>;
  readonly defaultConflictRule: ConflictRule;
}

export class PortalDirectory {
  constructor(private readonly sources: PortalSources) {}

  async get(portalId: string): Promise<PortalSettings | undefined> {
    const primary = await this.sources.portalId();
    if (primary !== undefined && PortalIdSchema.parse(primary, { error: () => 'HubSpot portalId must be a number' }) === portalId) {
      return { portalId, accessToken: this.sources.accessToken, conflictRule: this.sources.defaultConflictRule };
    }
    const raw = await this.sources.portals();
    if (raw === undefined) return undefined;
    const parsed = PortalsSchema.safeParse(raw);
    // The message names the setting, never its value (it holds tokens).
    if (!parsed.success) throw new Error(`HubSpot "portals" setting is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    const entry = parsed.data[portalId];
    if (!entry) return undefined;
    return { portalId, accessToken: async () => entry.accessToken, conflictRule: entry.conflictRule ?? this.sources.defaultConflictRule };
  }

  async has(portalId: string): Promise<boolean> {
    return (await this.get(portalId)) !== undefined;
  }
}
