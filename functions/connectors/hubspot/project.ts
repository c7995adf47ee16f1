/**
 * The HubSpot developer-platform project (platform version 2026.03) that gives this product its
 * token and its webhooks, written by `npm run sync -- setup hubspot --project-dir DIR` and uploaded
 * with HubSpot's CLI (`hs project upload`). New accounts can no longer create legacy private or
 * public apps; an app that receives webhooks is now a project app
 * (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration).
 *
 * - `hsproject.json`: name, srcDir, platformVersion.
 * - `src/app/app-hsmeta.json`: a privately distributed app with static auth, which "can only define
 *   required scopes" (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes);
 *   `redirectUrls` belongs to OAuth and is left out.
 * - `src/app/webhooks/webhooks-hsmeta.json`: the target URL and one subscription per event type and,
 *   for property changes, per property. `crmObjects` "should be used for all events in the new format
 *   (object.*)"; `contact.privacyDeletion` has no object.* form and goes under `hubEvents`
 *   (https://developers.hubspot.com/docs/apps/developer-platform/add-features/configure-webhooks).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { wantedSubscriptions } from './webhook-setup.js';

export const PLATFORM_VERSION = '2026.03';
/** HubSpot's default; the webhook route answers once events are queued, so 10 in flight is ample. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 10;

export interface HubSpotProjectOptions {
  /** The project's name in HubSpot (and the prefix of its component uids). */
  readonly projectName: string;
  /** Where HubSpot delivers webhooks: `${PUBLIC_BASE_URL}/webhooks/hubspot`. */
  readonly webhookUrl: string;
  /** The event types the inbound flow handles, in HubSpot's classic names (`contact.creation`, …). */
  readonly events: readonly string[];
  /** The contact properties whose changes are announced. */
  readonly propertyNames: readonly string[];
  readonly scopes: readonly string[];
  readonly maxConcurrentRequests?: number;
}

export interface ProjectFile {
  /** Relative to the project directory. */
  readonly path: string;
  readonly content: string;
}

export interface CrmObjectSubscription {
  readonly subscriptionType: string;
  readonly objectType: string;
  readonly propertyName?: string;
  readonly active: true;
}

export interface HubEventSubscription {
  readonly subscriptionType: string;
  readonly active: true;
}

/** Events with no object.* form: the docs' `hubEvents` ("contact.privacyDeletion and conversation.*"). */
const HUB_EVENT = /^(?:contact\.privacyDeletion|conversation\.\w+)$/;
/** `contact.creation` → `object.creation` on objectType `contact`. */
const OBJECT_EVENT = /^(\w+)\.(creation|deletion|merge|restore|propertyChange|associationChange)$/;

/** The subscriptions of the webhooks component: generic object events where HubSpot has them, hub events otherwise. */
export function webhookSubscriptions(
  events: readonly string[],
  propertyNames: readonly string[],
): { crmObjects: CrmObjectSubscription[]; hubEvents: HubEventSubscription[] } {
  const crmObjects: CrmObjectSubscription[] = [];
  const hubEvents: HubEventSubscription[] = [];
  for (const { eventType, propertyName } of wantedSubscriptions(events, propertyNames)) {
    if (HUB_EVENT.test(eventType)) {
      hubEvents.push({ subscriptionType: eventType, active: true });
      continue;
    }
    const match = OBJECT_EVENT.exec(eventType);
    if (!match) throw new Error(`no developer-platform webhook subscription for event type ${eventType}`);
    crmObjects.push({ subscriptionType: `object.${match[2]!}`, objectType: match[1]!, ...(propertyName ? { propertyName } : {}), active: true });
  }
  return { crmObjects, hubEvents };
}

/** A uid: "up to 64 characters … letters, numbers, underscores, dashes and periods" (app configuration reference). */
function uid(projectName: string, component: string): string {
  const base = projectName.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'crm-sync';
  return `${base.slice(0, 63 - component.length)}-${component}`;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The project's files, ready for `hs project upload`. Pure: the same options give the same files. */
export function hubspotProject(options: HubSpotProjectOptions): ProjectFile[] {
  // HubSpot calls this exact URL and signs it (v3 signature): kept as given, once checked to be one.
  new URL(options.webhookUrl);
  const hsproject = { name: options.projectName, srcDir: 'src', platformVersion: PLATFORM_VERSION };
  const app = {
    uid: uid(options.projectName, 'app'),
    type: 'app',
    config: {
      name: 'CRM sync',
      description:
        'Syncs the rental platform, TurboTenant and Buildium with HubSpot: writes contacts, deals, listings and units, and receives contact webhooks.',
      distribution: 'private',
      auth: { type: 'static', requiredScopes: [...options.scopes] },
      // The app calls nothing from HubSpot's UI (no cards, no serverless functions): nothing to permit.
      permittedUrls: { fetch: [], iframe: [], img: [] },
    },
  };
  const webhooks = {
    uid: uid(options.projectName, 'webhooks'),
    type: 'webhooks',
    config: {
      settings: { targetUrl: options.webhookUrl, maxConcurrentRequests: options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS },
      subscriptions: webhookSubscriptions(options.events, options.propertyNames),
    },
  };
  return [
    { path: 'hsproject.json', content: json(hsproject) },
    { path: 'src/app/app-hsmeta.json', content: json(app) },
    { path: 'src/app/webhooks/webhooks-hsmeta.json', content: json(webhooks) },
    { path: 'README.md', content: projectReadme(options) },
  ];
}

function projectReadme(options: HubSpotProjectOptions): string {
  const customObjects = options.scopes.some((s) => s.startsWith('crm.objects.custom.') || s.startsWith('crm.schemas.custom.'));
  return `# ${options.projectName}: the HubSpot app of the CRM sync

Written by \`npm run sync -- setup hubspot --project-dir DIR\`; write it again rather than editing it
(the scopes, events and properties come from the code). Webhooks go to ${options.webhookUrl}.

1. Install HubSpot's CLI and sign in to the account: \`npm install -g @hubspot/cli\`, then
   \`hs account auth\`.
2. From this directory: \`hs project upload\`. The project builds and, with auto-deploy (the
   default), deploys.
3. Install the app in the account: in HubSpot, Development → Projects → ${options.projectName} → the
   app → Distribution. It is privately distributed, with a static token: one account.
4. Copy into the stack's HubSpot secret (Secrets Manager; locally the environment variables):
   - \`accessToken\` (\`HUBSPOT_ACCESS_TOKEN\`): the app's static access token (Auth tab);
   - \`clientSecret\` (\`HUBSPOT_CLIENT_SECRET\`): the app's client secret (Auth tab): every webhook
     delivery is verified with it;
   - \`appId\` (\`HUBSPOT_APP_ID\`): the app's id;
   - \`portalId\` (\`HUBSPOT_PORTAL_ID\`) is optional: the product reads it from HubSpot's account details.
5. Create the properties and objects: \`HUBSPOT_ACCESS_TOKEN=… npm run sync -- setup hubspot${customObjects ? '' : ' --no-custom-objects'}\`.

${
  customObjects
    ? `The app asks for the custom object scopes (the Buildium Unit object). Custom objects need Marketing,
Sales, Service, Content or Data Hub Enterprise, and a static-auth app cannot be installed with a scope
its account lacks: for an account below Enterprise, write the project with \`--no-custom-objects\`
(the Buildium unit flow then stays off).`
    : `Written without the custom object scopes (\`--no-custom-objects\`): the Buildium Unit object, a custom
object, needs Marketing, Sales, Service, Content or Data Hub Enterprise; the Buildium unit flow stays off.`
}

After a change of scopes, reinstall the app from the Distribution tab; HubSpot does not let an app
drop a scope that an active webhook subscription needs.
`;
}

/** Writes the files under `dir` (created if missing); answers the paths written. */
export async function writeHubSpotProject(dir: string, files: readonly ProjectFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    written.push(path);
  }
  return written;
}
