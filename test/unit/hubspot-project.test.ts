/**
 * The HubSpot developer-platform project `setup hubspot --project-dir` writes, held to the shapes
 * HubSpot documents for platform version 2026.03:
 * - hsproject.json: https://developers.hubspot.com/docs/developer-tooling/platform/versioning
 * - app-hsmeta.json: https://developers.hubspot.com/docs/apps/developer-platform/build-apps/app-configuration
 *   (static auth "can only define required scopes":
 *   https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes)
 * - webhooks-hsmeta.json: https://developers.hubspot.com/docs/apps/developer-platform/add-features/configure-webhooks
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hubspotProject, type ProjectFile } from '../../functions/connectors/hubspot/project.js';
import { HUBSPOT_SCOPES, requiredScopes } from '../../functions/connectors/hubspot/scopes.js';
import { LEAD_TO_CONTACT, ORIGIN_PROPERTY } from '../../functions/core/contact-mapping.js';
import { HUBSPOT_WEBHOOK_EVENTS } from '../../lib/topology.js';

// ------------------------------------------------------------ the documented shapes

/** "Can be any string up to 64 characters … uppercase or lowercase, numbers, underscores, dashes and periods." */
const Uid = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/);

const HsProject = z.strictObject({ name: z.string().min(1), srcDir: z.string().min(1), platformVersion: z.literal('2026.03') });

const AppMeta = z.strictObject({
  uid: Uid,
  type: z.literal('app'),
  config: z.strictObject({
    name: z.string().min(1).max(200).regex(/^\S(.*\S)?$/, 'must not start or end with whitespace'),
    description: z.string().min(1).max(8192),
    distribution: z.enum(['private', 'marketplace']),
    // Static auth: required scopes only, and no redirectUrls (those are OAuth's).
    auth: z.strictObject({ type: z.literal('static'), requiredScopes: z.array(z.string().min(1)).min(1) }),
    permittedUrls: z.strictObject({ fetch: z.array(z.url()), iframe: z.array(z.url()), img: z.array(z.url()) }),
    support: z.strictObject({ supportEmail: z.email(), documentationUrl: z.url(), supportUrl: z.url(), supportPhone: z.string() }).partial().optional(),
  }),
});

const GENERIC_EVENTS = ['object.creation', 'object.deletion', 'object.merge', 'object.restore', 'object.propertyChange', 'object.associationChange'] as const;
const CrmObjectSubscription = z
  .strictObject({ subscriptionType: z.enum(GENERIC_EVENTS), objectType: z.string().min(1), propertyName: z.string().min(1).optional(), active: z.boolean() })
  .refine((s) => (s.subscriptionType === 'object.propertyChange') === (s.propertyName !== undefined), 'a property change names its property; nothing else does');
const HubEventSubscription = z.strictObject({ subscriptionType: z.string().regex(/^(?:contact\.privacyDeletion|conversation\.\w+)$/), active: z.boolean() });
const LegacyCrmObjectSubscription = z.strictObject({ subscriptionType: z.string().regex(/^\w+\.\w+$/), propertyName: z.string().optional(), active: z.boolean() });

const WebhooksMeta = z.strictObject({
  uid: Uid,
  type: z.literal('webhooks'),
  config: z.strictObject({
    settings: z.strictObject({ targetUrl: z.url({ protocol: /^https?$/ }), maxConcurrentRequests: z.number().int().positive() }),
    subscriptions: z.strictObject({
      crmObjects: z.array(CrmObjectSubscription).optional(),
      legacyCrmObjects: z.array(LegacyCrmObjectSubscription).optional(),
      hubEvents: z.array(HubEventSubscription).optional(),
    }),
  }),
});

// ------------------------------------------------------------ helpers

const WEBHOOK_URL = 'https://crm.example.com/webhooks/hubspot';
const PROPERTIES = [...LEAD_TO_CONTACT.map(([, property]) => property), ORIGIN_PROPERTY];

function fileOf(files: readonly ProjectFile[], path: string): unknown {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} among ${files.map((f) => f.path).join(', ')}`);
  return JSON.parse(file.content);
}

function parsed(files: readonly ProjectFile[]) {
  return {
    hsproject: HsProject.parse(fileOf(files, 'hsproject.json')),
    app: AppMeta.parse(fileOf(files, 'src/app/app-hsmeta.json')),
    webhooks: WebhooksMeta.parse(fileOf(files, 'src/app/webhooks/webhooks-hsmeta.json')),
  };
}

const project = (overrides: Partial<Parameters<typeof hubspotProject>[0]> = {}) =>
  hubspotProject({ projectName: 'crm-sync', webhookUrl: WEBHOOK_URL, events: HUBSPOT_WEBHOOK_EVENTS, propertyNames: PROPERTIES, scopes: requiredScopes(), ...overrides });

// ------------------------------------------------------------ the generated files

describe('hubspotProject', () => {
  it('writes the three documented files, which parse into their documented shapes, with distinct uids', () => {
    // Act
    const { hsproject, app, webhooks } = parsed(project());
    // Assess
    expect(hsproject).toEqual({ name: 'crm-sync', srcDir: 'src', platformVersion: '2026.03' });
    expect(app.config.distribution).toBe('private');
    expect(app.uid).not.toBe(webhooks.uid);
  });

  it('sends webhooks to the webhook URL, exactly as given', () => {
    const { webhooks } = parsed(project({ webhookUrl: 'https://crm.example.com:8443/prod/webhooks/hubspot' }));
    expect(webhooks.config.settings.targetUrl).toBe('https://crm.example.com:8443/prod/webhooks/hubspot');
  });

  it('subscribes once per event type the inbound flow handles and once per announced property, in the generic form', () => {
    // Act
    const { subscriptions } = parsed(project()).webhooks.config;
    const crmObjects = subscriptions.crmObjects ?? [];
    // Assess: contact.X becomes object.X on contacts, property changes one per property.
    const expected = HUBSPOT_WEBHOOK_EVENTS.filter((e) => e !== 'contact.privacyDeletion').flatMap((event) => {
      const subscriptionType = event.replace(/^contact\./, 'object.');
      return subscriptionType === 'object.propertyChange' ? PROPERTIES.map((propertyName) => ({ subscriptionType, objectType: 'contact', propertyName, active: true })) : [{ subscriptionType, objectType: 'contact', active: true }];
    });
    expect(crmObjects).toHaveLength(HUBSPOT_WEBHOOK_EVENTS.length - 1 - 1 + PROPERTIES.length);
    expect(crmObjects).toEqual(expect.arrayContaining(expected));
    expect(new Set(crmObjects.map((s) => `${s.subscriptionType}:${s.propertyName ?? ''}`)).size).toBe(crmObjects.length);
    expect(subscriptions.legacyCrmObjects ?? []).toEqual([]);
  });

  it('puts the privacy deletion under hubEvents, where HubSpot wants it, and nowhere else', () => {
    const { subscriptions } = parsed(project()).webhooks.config;
    expect(subscriptions.hubEvents).toEqual([{ subscriptionType: 'contact.privacyDeletion', active: true }]);
    expect(JSON.stringify(subscriptions.crmObjects)).not.toContain('privacy');
  });

  it('asks for exactly the scopes of the list, and for the read scope of every object it subscribes to', () => {
    const { app, webhooks } = parsed(project());
    expect(app.config.auth.requiredScopes).toEqual(HUBSPOT_SCOPES.map((s) => s.scope));
    for (const { objectType } of webhooks.config.subscriptions.crmObjects ?? []) expect(app.config.auth.requiredScopes).toContain(`crm.objects.${objectType}s.read`);
  });

  it('leaves the custom object scopes out for an account without custom objects', () => {
    const { app } = parsed(project({ scopes: requiredScopes({ customObjects: false }) }));
    expect(app.config.auth.requiredScopes).toEqual(HUBSPOT_SCOPES.filter((s) => !('customObjects' in s)).map((s) => s.scope));
    expect(app.config.auth.requiredScopes.some((s) => s.includes('.custom.'))).toBe(false);
  });

  it('refuses an event type it has no subscription for, and a webhook URL that is not one', () => {
    expect(() => project({ events: ['contact.creation', 'contact.teleport'] })).toThrow(/contact\.teleport/);
    expect(() => project({ webhookUrl: 'crm.example.com/webhooks/hubspot' })).toThrow();
  });
});

// ------------------------------------------------------------ the CLI

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `npm run sync -- …` as a child process, with no HubSpot token and nothing listening for the API. */
function sync(args: readonly string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HUBSPOT_') && key !== 'PUBLIC_BASE_URL' && key !== 'API_URL'));
  return spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bin/sync.ts'), ...args], {
    cwd: ROOT,
    env: { ...base, API_URL: 'http://127.0.0.1:9', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run sync -- setup hubspot --project-dir', () => {
  it('writes the project into the directory, its webhooks addressed to PUBLIC_BASE_URL, without a HubSpot token', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'hubspot-project-'));
    dirs.push(dir);
    // Act
    const run = sync(['setup', 'hubspot', '--project-dir', dir], { PUBLIC_BASE_URL: 'https://crm.example.com/' });
    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const read = (path: string) => JSON.parse(readFileSync(join(dir, path), 'utf8')) as unknown;
    expect(HsProject.parse(read('hsproject.json')).name).toBe('crm-sync');
    expect(AppMeta.parse(read('src/app/app-hsmeta.json')).config.auth.requiredScopes).toEqual(requiredScopes());
    expect(WebhooksMeta.parse(read('src/app/webhooks/webhooks-hsmeta.json')).config.settings.targetUrl).toBe('https://crm.example.com/webhooks/hubspot');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/hs project upload[\s\S]*accessToken[\s\S]*clientSecret[\s\S]*appId/);
  });

  it('writes the project without custom object scopes when told the account has none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubspot-project-'));
    dirs.push(dir);
    const run = sync(['setup', 'hubspot', '--no-custom-objects', '--project-dir', dir, '--project-name', 'crm-sync-staging'], { PUBLIC_BASE_URL: 'https://crm.example.com' });
    expect(run.status).toBe(0);
    const app = AppMeta.parse(JSON.parse(readFileSync(join(dir, 'src/app/app-hsmeta.json'), 'utf8')));
    expect(app.config.auth.requiredScopes).toEqual(requiredScopes({ customObjects: false }));
    expect(HsProject.parse(JSON.parse(readFileSync(join(dir, 'hsproject.json'), 'utf8'))).name).toBe('crm-sync-staging');
  });

  it('refuses an unknown flag, naming it, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubspot-project-'));
    dirs.push(dir);
    const run = sync(['setup', 'hubspot', '--project-dir', dir, '--webhook-url', 'https://elsewhere.example.com']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('--webhook-url');
    expect(() => readFileSync(join(dir, 'hsproject.json'))).toThrow();
  });
});
