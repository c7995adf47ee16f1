/**
 * Every answer in the contract's shape (issue 15 §7), tried as an outside client would: paths no
 * route matches, malformed, unexpected, oversized and non-JSON bodies on every route that takes
 * one. Each refusal is a 4xx with CONTRACT.md's error body (`{"error":{"code","message","details"}}`),
 * never a 500 and never API Gateway's bare `{"message":"Not Found"}`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../lib/local/stack.js';
import { startQuietStack } from './support/quiet-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startQuietStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  status: number;
  text: string;
  body: unknown;
}

async function send(method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, text, body: parsed };
}

const contractError = (code?: string) => ({
  error: { code: code ?? expect.any(String), message: expect.any(String), details: expect.any(Array) },
});

/** A concrete path for a route template (`/leads/{leadId}` → `/leads/contract-x`). */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'contract-x');

describe('paths no route matches', () => {
  it.each([
    ['GET', '/nothing-here'],
    ['POST', '/leads/extra/segments'],
    ['DELETE', '/health'],
    ['GET', '/leads/%00'],
  ])('%s %s answers 404 with the contract\'s error body', async (method, path) => {
    const answer = await send(method, path);

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual(contractError());
  });
});

describe('POST /internal/leads/resync-failed', () => {
  it('runs with no body or an empty object', async () => {
    for (const body of [undefined, '{}']) {
      const answer = await send('POST', '/internal/leads/resync-failed', body);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ requeued: expect.any(Number), redriven: expect.any(Number) });
    }
  });

  it.each([
    ['malformed JSON', '{"flow":', 400, 'malformed_json'],
    ['a field it does not take', '{"everything":true}', 400, 'validation_error'],
    ['a JSON array', '[]', 400, 'validation_error'],
  ])('refuses %s', async (_name, body, status, code) => {
    const answer = await send('POST', '/internal/leads/resync-failed', body);

    expect(answer.status).toBe(status);
    expect(answer.body).toEqual(contractError(code));
  });

  it('refuses a 2 MB body with 413 and a body that is not JSON with 415', async () => {
    const big = await send('POST', '/internal/leads/resync-failed', Buffer.alloc(2 * 1024 * 1024, 'a'));
    const text = await send('POST', '/internal/leads/resync-failed', 'resync please', 'text/plain');

    expect(big.status).toBe(413);
    expect(big.body).toEqual(contractError('payload_too_large'));
    expect(text.status).toBe(415);
    expect(text.body).toEqual(contractError('unsupported_media_type'));
  });
});

describe('every route that takes a body', () => {
  const bodyRoutes = () => stackRoutes().filter((route) => route.method !== 'GET');

  it('answers malformed JSON with a 4xx in the contract\'s shape, never a 500', async () => {
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const answer = await send(route.method, concrete(route.path), '{"not": json');
      if (answer.status < 400 || answer.status >= 500) failures.push(`${route.method} ${route.path}: ${answer.status} ${answer.text.slice(0, 120)}`);
      else if (!matches(answer.body, contractError())) failures.push(`${route.method} ${route.path}: body ${answer.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers a 2 MB body with 413 (or 401 where the signature is checked first), never a 500', async () => {
    const failures: string[] = [];
    for (const route of bodyRoutes()) {
      const answer = await send(route.method, concrete(route.path), Buffer.alloc(2 * 1024 * 1024, ' '));
      const expected = route.auth === 'signature' ? [401, 413] : [413];
      if (!expected.includes(answer.status) || !matches(answer.body, contractError())) {
        failures.push(`${route.method} ${route.path}: ${answer.status} ${answer.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

function stackRoutes() {
  return stack.topology.routes;
}

function matches(actual: unknown, expected: unknown): boolean {
  try {
    expect(actual).toEqual(expected);
    return true;
  } catch {
    return false;
  }
}
