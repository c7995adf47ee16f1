/**
 * The `npm start` contract (CONTRACT.md): one line with `ready` and the API URL, the API and the
 * sandboxes answer, and SIGTERM stops every part it started (DynamoDB Local's JVM included).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/local/ports.js';
import { SANDBOX_BUILDIUM_CLIENT_ID, SANDBOX_BUILDIUM_CLIENT_SECRET } from '../../lib/local/stack.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'crm-sync-start-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('prints ready with the URL, serves the API, and stops everything on SIGTERM', async () => {
    // Prepare
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bin/local.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), LOCAL_DATA_DIR: dataDir, LOCAL_SCHEDULES: 'off', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

    // Act
    await expect.poll(() => /ready/.test(output), { timeout: 90_000, interval: 200 }).toBe(true);
    const readyLine = output.split('\n').find((line) => line.includes('ready'))!;
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    const info = (await (await fetch(`http://127.0.0.1:${port}/__local/info`)).json()) as {
      dynamodb: string;
      hubspot: { url: string };
      turbotenant: { url: string };
      buildium: { url: string };
      stripe: { url: string };
    };
    // Every sandbox CONTRACT.md names is up, with its seeded data (here: Buildium's 50 properties).
    const rentals = await fetch(`${info.buildium.url}/v1/rentals?limit=1`, {
      headers: { 'x-buildium-client-id': SANDBOX_BUILDIUM_CLIENT_ID, 'x-buildium-client-secret': SANDBOX_BUILDIUM_CLIENT_SECRET },
    });
    const sandboxesUp = await Promise.all([info.turbotenant.url, info.stripe.url].map((url) => answers(`${url}/__sandbox/requests`)));
    child.kill('SIGTERM');
    const code = await exited;

    // Assess
    expect(readyLine).toContain(`http://127.0.0.1:${port}`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(rentals.status).toBe(200);
    expect(rentals.headers.get('x-total-count')).toBe('50');
    expect(sandboxesUp).toEqual([true, true]);
    expect(code).toBe(0);
    expect(await answers(`http://127.0.0.1:${port}/health`)).toBe(false);
    expect(await answers(info.dynamodb)).toBe(false);
    for (const url of [info.hubspot.url, info.turbotenant.url, info.buildium.url, info.stripe.url]) expect(await answers(`${url}/__sandbox/requests`)).toBe(false);
  }, 120_000);
});
