import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environmentSettings } from '../lib/environments.js';
import { CrmSyncStack } from '../lib/stack.js';
import { buildTopology, parseFlows } from '../lib/topology.js';

const app = new App();

const settings = environmentSettings(app.node.tryGetContext('env') as string | undefined);
if (settings.name === 'local') {
  throw new Error('env=local is the local stack (npm start); deploy dev, staging or prod');
}
// The flows this deployment runs (`-c flows=leads,hubspot-inbound,buildium`, or `all`). None by
// default: a fresh deploy with no credentials yet has nothing that calls a provider, so nothing
// raises an alarm until a flow is enabled.
const flows = parseFlows(String(app.node.tryGetContext('flows') ?? ''));
const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
const publicBaseUrl = app.node.tryGetContext('publicBaseUrl') as string | undefined;

new CrmSyncStack(app, `CrmSync-${settings.name}`, {
  description: `CRM sync (${settings.name}), built from lib/topology.ts`,
  topology: buildTopology(settings, flows),
  ...(alarmEmail ? { alarmEmail } : {}),
  ...(publicBaseUrl ? { publicBaseUrl } : {}),
});

// cdk-nag 3 runs as a CDK policy-validation plugin, not an Aspect; an unacknowledged error fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
