/**
 * `npm start`: the local stack (CONTRACT.md "Local stack configuration").
 * Prints one line containing `ready` and the API URL; Ctrl-C or SIGTERM stops every part.
 */
import { dirname } from 'node:path';
import { objectsPath } from '../functions/connectors/hubspot/api-paths.js';
import { SANDBOX_HUBSPOT_TOKEN, startLocalStack } from '../lib/local/stack.js';
import { parseFlows } from '../lib/topology.js';

const args = new Set(process.argv.slice(2));
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got ${process.env.PORT}`);
  process.exit(2);
}

let flows;
try {
  flows = parseFlows(process.env.FLOWS ?? 'all');
} catch (error) {
  console.error(`FLOWS: ${(error as Error).message}`);
  process.exit(2);
}

const stack = await startLocalStack({
  port,
  flows,
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  dataDir: args.has('--in-memory') ? null : (process.env.LOCAL_DATA_DIR ?? '.local'),
  schedules: (process.env.LOCAL_SCHEDULES ?? 'on') !== 'off',
  bundles: args.has('--bundles'),
  platformSource: process.env.PLATFORM_SOURCE_VALUE,
  hubspot: {
    baseUrl: process.env.HUBSPOT_BASE_URL,
    accessToken: process.env.HUBSPOT_ACCESS_TOKEN,
    clientSecret: process.env.HUBSPOT_CLIENT_SECRET,
  },
  turbotenant: {
    baseUrl: process.env.TURBOTENANT_BASE_URL,
    apiKey: process.env.TURBOTENANT_API_KEY,
    webhookSecret: process.env.TURBOTENANT_WEBHOOK_SECRET,
  },
  stripe: { baseUrl: process.env.STRIPE_BASE_URL, apiKey: process.env.STRIPE_API_KEY },
  buildium: {
    baseUrl: process.env.BUILDIUM_BASE_URL,
    clientId: process.env.BUILDIUM_CLIENT_ID,
    clientSecret: process.env.BUILDIUM_CLIENT_SECRET,
    webhookSecret: process.env.BUILDIUM_WEBHOOK_SECRET,
  },
}).catch((error: unknown) => {
  console.error('local stack failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});

console.log(`crm-sync local stack ready at ${stack.apiUrl}`);
const handlerDirs = [...new Set([...stack.handlerSources.values()].map((file) => dirname(dirname(file))))];
console.log(
  args.has('--bundles')
    ? `  Functions: the esbuild bundles cdk deploy ships, built into ${handlerDirs.join(', ')}`
    : '  Functions: the TypeScript sources (npm start -- --bundles runs the bundles cdk deploy ships)',
);
console.log(`  HubSpot: ${stack.hubspot.sandbox ? `sandbox at ${stack.hubspot.url}` : stack.hubspot.url}`);
console.log(`  TurboTenant: ${stack.turbotenant.sandbox ? `sandbox at ${stack.turbotenant.url} (signed events to /events/turbotenant)` : stack.turbotenant.url}`);
console.log(`  Stripe: ${stack.stripe.enabled ? `metadata sync on, ${stack.stripe.url}` : `sync off (set STRIPE_BASE_URL; a sandbox runs at ${stack.stripe.sandbox.url})`}`);
console.log(`  Buildium: ${stack.buildium.sandbox ? `sandbox at ${stack.buildium.url} (seeded portfolio; its sync arrives with issue 5)` : stack.buildium.url}`);
console.log(`  DynamoDB Local: ${stack.endpoints.dynamodb}   SQS: ${stack.endpoints.sqs}`);
console.log(`  try: curl -s -X POST ${stack.apiUrl}/leads -H 'content-type: application/json' -d '{"email":"ana@example.com","firstName":"Ana"}'`);
if (stack.hubspot.sandbox) {
  console.log(`  HubSpot webhooks: the sandbox delivers contact changes to ${stack.apiUrl}/webhooks/hubspot`);
  console.log(`  try: curl -s -X POST ${stack.hubspot.url}${objectsPath('contacts')} -H 'authorization: Bearer ${process.env.HUBSPOT_ACCESS_TOKEN ?? SANDBOX_HUBSPOT_TOKEN}' -H 'content-type: application/json' -d '{"properties":{"email":"bea@example.com","firstname":"Bea"}}'`);
  console.log(`       then: curl -s '${stack.apiUrl}/leads?email=bea@example.com'   and   curl -s ${stack.apiUrl}/integrations/hubspot/webhook-status`);
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the local stack`);
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('stop failed:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
