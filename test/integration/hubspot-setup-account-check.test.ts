/**
 * `setup hubspot` checks what the account can do before it creates anything: its details, and
 * whether it can have the Unit custom object (custom objects are Enterprise only). An account
 * without custom objects gets everything else and no Unit object, instead of a run that stops half
 * way. The sandbox plays the portal; a proxy in front of it answers the custom object limits the
 * way each kind of account would.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/sync.js';
import { seededRandom, startHubSpotSandbox, type HubSpotSandbox } from '../../lib/local/sandboxes/hubspot/index.js';

const TOKEN = 'pat-na1-account-check-token';
const LIMITS_PATH = '/crm/limits/2026-03/custom-object-types';

let sandbox: HubSpotSandbox;
let proxy: Server;
let proxyUrl: string;
/** What the proxy answers for the custom object limits; undefined passes the call on to the sandbox. */
let limits: { limit: number; usage: number } | undefined;
/** Every call that reached the proxy, in order. */
let seen: string[] = [];

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({ accessToken: TOKEN, port: 0, rateLimit: { max: 100_000, intervalMs: 10_000 }, random: seededRandom(3) });
  proxy = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    seen.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path === LIMITS_PATH && limits) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...limits, percentage: limits.limit === 0 ? 0 : (100 * limits.usage) / limits.limit }));
      return;
    }
    const upstream = request(new URL(req.url ?? '/', sandbox.url), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await sandbox?.close();
});

afterEach(() => {
  sandbox.reset();
  seen = [];
  limits = undefined;
});

/**
 * `npm run sync -- setup hubspot …` in this process against the proxy: what it printed, and its exit
 * code (an error is thrown on, as to the CLI's entry point, which prints it and exits 1).
 */
async function setup(flags: readonly string[] = [], token = TOKEN): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  const saved = { base: process.env.HUBSPOT_BASE_URL, token: process.env.HUBSPOT_ACCESS_TOKEN };
  Object.assign(process.env, { HUBSPOT_BASE_URL: proxyUrl, HUBSPOT_ACCESS_TOKEN: token });
  console.log = (...args: unknown[]) => out.push(args.join(' '));
  console.error = (...args: unknown[]) => err.push(args.join(' '));
  try {
    return { code: await main(['setup', 'hubspot', ...flags]), out, err };
  } finally {
    [console.log, console.error] = [log, error];
    if (saved.base === undefined) delete process.env.HUBSPOT_BASE_URL;
    else process.env.HUBSPOT_BASE_URL = saved.base;
    if (saved.token === undefined) delete process.env.HUBSPOT_ACCESS_TOKEN;
    else process.env.HUBSPOT_ACCESS_TOKEN = saved.token;
  }
}

const firstWrite = (calls: readonly string[]) => calls.findIndex((c) => !c.startsWith('GET '));

describe('setup hubspot: the account check', () => {
  it('reads the account details and the custom object limits before it writes anything', async () => {
    // Prepare
    limits = { limit: 10, usage: 0 };
    // Act
    const run = await setup();
    // Assess
    expect(run.code).toBe(0);
    expect(seen.slice(0, firstWrite(seen))).toEqual(expect.arrayContaining(['GET /account-info/2026-03/details', `GET ${LIMITS_PATH}`]));
    expect(run.err.join('\n')).toMatch(/HubSpot account \d+ \(STANDARD, /);
  });

  it('creates the Unit object where the account may define one', async () => {
    limits = { limit: 10, usage: 3 };
    const run = await setup();
    expect(run.code).toBe(0);
    expect(sandbox.schemas().map((s) => s.name)).toEqual(['unit']);
    expect(run.out).toContain('buildium.schema unit: created');
  });

  it('leaves the Unit object out, says why, and sets up everything else on an account without custom objects', async () => {
    // Prepare: below Enterprise, the account may define no custom object.
    limits = { limit: 0, usage: 0 };
    // Act
    const run = await setup();
    // Assess
    expect(run.code).toBe(0);
    expect(run.err.join('\n')).toMatch(/custom objects are not available \(the account's custom object limit is 0\): custom objects need .*Enterprise.*the Buildium unit flow stays off/);
    expect(sandbox.schemas()).toEqual([]);
    expect(seen.filter((c) => c.includes('/crm-object-schemas/'))).toEqual([]);
    expect(run.out).toEqual(expect.arrayContaining(['contacts.lead_source_system: created', 'deals.turbotenant_property_id: created', 'buildium.buildium_property_id: created']));
    expect(run.out.some((line) => line.startsWith('labels.contacts→contacts '))).toBe(true);
    expect(run.out.some((line) => line.includes('schema unit') || line.includes('Active tenant'))).toBe(false);
  });

  it('leaves the Unit object out when the account has used up its custom objects', async () => {
    limits = { limit: 1, usage: 1 };
    const run = await setup();
    expect(run.code).toBe(0);
    expect(run.err.join('\n')).toContain('all 1 custom objects the account may define are in use');
    expect(sandbox.schemas()).toEqual([]);
  });

  it('keeps an existing Unit object even when the account has no room for another', async () => {
    // Prepare: the Unit object is there from an earlier run.
    expect((await setup()).code).toBe(0);
    limits = { limit: 1, usage: 1 };
    // Act
    const run = await setup();
    // Assess
    expect(run.code).toBe(0);
    expect(run.out).toContain('buildium.schema unit: unchanged');
  });

  it('with --no-custom-objects asks nothing about custom objects and creates none', async () => {
    const run = await setup(['--no-custom-objects']);
    expect(run.code).toBe(0);
    expect(seen.filter((c) => c.includes('/crm-object-schemas/') || c.includes('/crm/limits/'))).toEqual([]);
    expect(sandbox.schemas()).toEqual([]);
  });

  it('stops before writing anything when the token is refused', async () => {
    await expect(setup([], 'pat-na1-not-the-token')).rejects.toThrow(/401/);
    expect(seen).toEqual(['GET /account-info/2026-03/details']);
  });
});
