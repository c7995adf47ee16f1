/**
 * One definition of a function's bundle (lib/bundling.ts, issue 13 §2): the asset NodejsFunction
 * builds for `cdk deploy` and the bundle `bundleFunction` builds for `npm start -- --bundles`, the
 * bundle tests and the bench are the same bytes. A setting given to one side only (CDK's
 * `externalModules`, `keepNames`, another target...) changes the asset, and this test fails.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleFunction, FUNCTION_BUNDLE } from '../../lib/bundling.js';
import { FunctionWithLogGroup } from '../../lib/constructs/function-with-log-group.js';
import { topologyFor } from '../../lib/topology.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The feature flags `cdk synth` runs with. */
const cdkJsonContext = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
const outdir = mkdtempSync(join(tmpdir(), 'crm-sync-bundling-'));
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

interface LambdaFunction {
  readonly Type: string;
  readonly Properties: { readonly Runtime: string; readonly Handler: string; readonly Code: { readonly S3Key: string } };
}

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('a function bundle', () => {
  it('is the same file from the CDK stack (the deployed asset) and from bundleFunction (the local build)', async () => {
    // Prepare: lead-events bundles the AWS SDK and CommonJS dependencies, so externals and
    // main fields matter to its output.
    const spec = topologyFor('dev').functions.find((f) => f.id === 'lead-events')!;
    const app = new App({ outdir: join(outdir, 'cdk.out'), context: cdkJsonContext });
    const stack = new Stack(app, 'Bundling');
    new FunctionWithLogGroup(stack, 'LeadEvents', { spec, projectRoot: ROOT, logRetention: RetentionDays.ONE_WEEK });

    // Act
    const assembly = app.synth();
    const local = await bundleFunction(spec, join(outdir, 'local'), ROOT);

    // Assess
    const resources = Object.values(assembly.getStackByName('Bundling').template.Resources as Record<string, LambdaFunction>);
    const lambda = resources.find((r) => r.Type === 'AWS::Lambda::Function')!;
    const asset = join(assembly.directory, `asset.${lambda.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(sha256(join(asset, BUNDLE_FILE)), 'the deployed asset differs from the local bundle: a setting reaches one side only').toBe(sha256(local.file));
    expect(existsSync(join(asset, `${BUNDLE_FILE}.map`))).toBe(true);
    expect(existsSync(`${local.file}.map`)).toBe(true);
    // The bundle's language level is the runtime Lambda runs it on.
    expect(lambda.Properties.Runtime).toBe(FUNCTION_BUNDLE.target.replace(/^node(\d+)$/, 'nodejs$1.x'));
    expect(lambda.Properties.Handler).toBe('index.handler');
  }, 60_000);
});
