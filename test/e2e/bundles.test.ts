/**
 * The deployed bundles, locally (issue 13 §2): the local stack with `bundles: true` runs every
 * function from the esbuild bundle `cdk deploy` ships (lib/bundling.ts), and every flow works
 * through the HTTP API. Each bundle is also imported in a plain Node process, as Lambda loads it,
 * which is where an ES-module bundling mistake shows: "Dynamic require of … is not supported",
 * `__dirname is not defined`, a module the bundle left out. The fixtures show the check catching
 * both kinds of mistake.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededPropertyCreated, stackApi } from './support/stack-api.js';
import { turboTenantSignatureHeaders } from '../../functions/connectors/turbotenant/signature.js';
import { hubspotApi } from '../integration/support/hubspot-api.js';
import { BUNDLE_FILE, bundleFunction, esbuildOptions } from '../../lib/bundling.js';
import { SANDBOX_HUBSPOT_TOKEN, SANDBOX_TURBOTENANT_WEBHOOK_SECRET, startLocalStack, type LocalStack } from '../../lib/local/stack.js';

type Json = Record<string, any>;

/** What a plain Node process (no tsx, no vitest) finds when it imports each file: `typeof handler`, or the error. */
async function importInNode(files: readonly string[]): Promise<Record<string, string>> {
  const script = `
    import { pathToFileURL } from 'node:url';
    const found = {};
    for (const file of process.argv.slice(1)) {
      try { found[file] = typeof (await import(pathToFileURL(file).href)).handler; }
      catch (error) { found[file] = 'error: ' + (error instanceof Error ? error.message : String(error)); }
    }
    process.stdout.write(JSON.stringify(found));
    process.exit(0);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, ...files], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Record<string, string>;
}

describe('the import check', () => {
  // A handler that uses a CommonJS-only package, as an AWS SDK or Powertools dependency might.
  const fixture = mkdtempSync(join(tmpdir(), 'crm-sync-bundle-fixture-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(fixture, path)), { recursive: true });
    writeFileSync(join(fixture, path), text);
  };
  write('node_modules/legacy-digest/package.json', '{"name":"legacy-digest","main":"index.js"}');
  write('node_modules/legacy-digest/index.js', "const { createHash } = require('node:crypto');\nmodule.exports = (s) => createHash('sha256').update(s).digest('hex');\n");
  write('node_modules/legacy-templates/package.json', '{"name":"legacy-templates","main":"index.js"}');
  write('node_modules/legacy-templates/index.js', "module.exports = { dir: require('node:path').join(__dirname, 'templates') };\n");
  write('digest.ts', "import digest from 'legacy-digest';\nexport const handler = async () => digest('x');\n");
  write('templates.ts', "import templates from 'legacy-templates';\nexport const handler = async () => templates.dir;\n");

  afterAll(() => {
    rmSync(fixture, { recursive: true, force: true });
  });

  it("catches a CommonJS require of a Node built-in, which loads only through the bundle's createRequire banner", async () => {
    // Prepare
    const shipped = await bundleFunction({ id: 'digest', entry: 'digest.ts' }, join(fixture, 'out'), fixture);
    const withoutBanner = join(fixture, 'out/no-banner', BUNDLE_FILE);
    await build({ ...esbuildOptions(join(fixture, 'digest.ts'), withoutBanner), banner: {}, logLevel: 'silent' });

    // Act
    const found = await importInNode([shipped.file, withoutBanner]);

    // Assess
    expect(found[shipped.file]).toBe('function');
    expect(found[withoutBanner]).toMatch(/^error: Dynamic require of "node:crypto" is not supported/);
  });

  it('catches a CommonJS dependency that reads __dirname as it loads, which the banner does not cover', async () => {
    const bundle = await bundleFunction({ id: 'templates', entry: 'templates.ts' }, join(fixture, 'out'), fixture);

    const found = await importInNode([bundle.file]);

    expect(found[bundle.file]).toMatch(/^error: __dirname is not defined/);
  });
});

describe('the local stack running the deployed bundles', { timeout: 90_000 }, () => {
  let stack: LocalStack;

  const api = stackApi(() => stack.apiUrl);

  const hubspot = hubspotApi(() => stack.hubspot.url, SANDBOX_HUBSPOT_TOKEN);
  // Generous: a first HubSpot delivery that meets a cold start on a busy machine can outlast the
  // sandbox's 5 s delivery timeout, and its retries back off (1 s, 2 s, 4 s, ...).
  const poll = { timeout: 60_000, interval: 100 };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      dataDir: null,
      schedules: false,
      logLevel: 'SILENT',
      bundles: true,
      // A small portfolio keeps the full sync short; this file posts its own TurboTenant event.
      buildium: { seed: { properties: 2, unitsPerProperty: 2, tenants: 4, leases: 3 }, webhooks: false },
      turbotenant: { events: false },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('loads every handler from its bundle', () => {
    const sources = stack.topology.functions.map((fn) => stack.handlerSources.get(fn.id));
    expect(sources).toEqual(stack.topology.functions.map((fn) => expect.stringMatching(new RegExp(`/node_modules/\\.cache/crm-sync/bundles/stack-[^/]+/${fn.id}/index\\.mjs$`))));
    for (const source of sources) expect(existsSync(source!)).toBe(true);
  });

  it('each bundle imports in a plain Node process, as Lambda loads it, and exports a handler', async () => {
    const files = [...stack.handlerSources.values()];

    const found = await importInNode(files);

    expect(found).toEqual(Object.fromEntries(files.map((file) => [file, 'function'])));
  }, 30_000);

  it('syncs a platform lead to HubSpot', async () => {
    const accepted = await api('POST', '/leads', { email: 'bo.bundle@example.com', firstName: 'Bo' });
    expect(accepted.status).toBe(202);

    await expect.poll(async () => (await api('GET', `/leads/${accepted.body.leadId}`)).body.hubspot?.syncStatus, poll).toBe('SYNCED');

    const lead = (await api('GET', `/leads/${accepted.body.leadId}`)).body;
    expect(stack.hubspot.sandbox!.contacts().find((c) => c.id === lead.hubspot.id)?.properties.email).toBe('bo.bundle@example.com');
  });

  it('turns a contact a person creates in HubSpot into a lead, through the sandbox webhook', async () => {
    const created = await hubspot('POST', '/crm/objects/2026-09/contacts', { properties: { email: 'hal.hubspot@example.com', firstname: 'Hal' } });
    expect(created.status).toBe(201);

    await expect
      .poll(async () => (await api('GET', '/leads?email=hal.hubspot@example.com')).body.leads, poll)
      .toEqual([expect.objectContaining({ firstName: 'Hal', hubspot: expect.objectContaining({ id: created.body.id }), crmMetadata: expect.objectContaining({ sourceSystem: 'hubspot' }) })]);
  });

  it('syncs a signed TurboTenant event', async () => {
    const event = seededPropertyCreated('evt_bundles_1', (raw) => turboTenantSignatureHeaders(SANDBOX_TURBOTENANT_WEBHOOK_SECRET, raw));
    const posted = await api('POST', '/events/turbotenant', event.body, event.headers);
    expect(posted.status).toBe(202);

    await expect.poll(async () => (await api('GET', '/events/turbotenant/evt_bundles_1')).body.status, poll).toBe('success');
  });

  it('completes a Buildium full sync', async () => {
    const opened = await api('POST', '/sync/buildium', { mode: 'full' });
    expect(opened.status).toBe(202);

    await expect.poll(async () => (await api('GET', `/sync/jobs/${opened.body.jobId}`)).body.status, { ...poll, timeout: 40_000 }).toMatch(/^(completed|failed)$/);

    const job = (await api('GET', `/sync/jobs/${opened.body.jobId}`)).body;
    expect(job).toMatchObject({ status: 'completed', counts: { failed: 0 } });
    expect(job.counts.created).toBeGreaterThan(0);
  }, 45_000);

  it('removes its bundles when it stops', async () => {
    const dirs = [...new Set([...stack.handlerSources.values()].map((file) => resolve(file, '../..')))];

    await stack.stop();

    expect(dirs).toHaveLength(1);
    expect(existsSync(dirs[0]!)).toBe(false);
  });
});
