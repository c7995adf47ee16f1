/**
 * How a function is bundled, said once (issue 13 §2). The CDK stack hands `cdkBundling` to
 * NodejsFunction, which runs esbuild's CLI; `bundleFunction` runs esbuild's API with the same
 * settings, so `npm start -- --bundles`, the bundle tests and the bench run what `cdk deploy` ships.
 */
import { resolve } from 'node:path';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Metafile } from 'esbuild';

/**
 * The settings both sides derive from. NodejsFunction always passes `--bundle --platform=node`,
 * names the file `index.mjs` for ESM, and keeps esbuild's default of embedding sources in the map.
 */
export const FUNCTION_BUNDLE = {
  /** Lambda's nodejs22.x runtime (lib/constructs/function-with-log-group.ts). */
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  // CommonJS dependencies bundled into an ES module still call `require`
  // (https://github.com/evanw/esbuild/issues/1921).
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  // Nothing external: the AWS SDK is bundled too, so Lambda runs the versions package-lock.json
  // pins rather than the runtime's own copy of @aws-sdk/*.
  external: [],
} as const;

/** The file NodejsFunction writes for an ESM bundle. */
export const BUNDLE_FILE = 'index.mjs';

const CDK_FORMAT = { esm: OutputFormat.ESM, cjs: OutputFormat.CJS } as const;

/** NodejsFunction's `bundling` prop (its names differ from esbuild's: sourceMap, externalModules). */
export const cdkBundling: BundlingOptions = {
  target: FUNCTION_BUNDLE.target,
  format: CDK_FORMAT[FUNCTION_BUNDLE.format],
  minify: FUNCTION_BUNDLE.minify,
  sourceMap: FUNCTION_BUNDLE.sourcemap,
  mainFields: [...FUNCTION_BUNDLE.mainFields],
  banner: FUNCTION_BUNDLE.banner,
  externalModules: [...FUNCTION_BUNDLE.external],
  // The local esbuild (a devDependency) bundles; `cdk synth` needs no Docker.
  forceDockerBundling: false,
};

/** esbuild's options for one entry, as NodejsFunction's command line sets them. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: FUNCTION_BUNDLE.target,
    format: FUNCTION_BUNDLE.format,
    minify: FUNCTION_BUNDLE.minify,
    sourcemap: FUNCTION_BUNDLE.sourcemap,
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    banner: { js: FUNCTION_BUNDLE.banner },
    external: [...FUNCTION_BUNDLE.external],
  };
}

export interface FunctionBundle {
  /** The bundle's absolute path: `<outdir>/<id>/index.mjs`. */
  readonly file: string;
  /** What went into it (esbuild's metafile; it does not change the output). */
  readonly metafile: Metafile;
}

/**
 * Bundles one function (`entry` relative to `projectRoot`, or absolute) into `<outdir>/<id>/`.
 * A build error (an import that does not resolve, a syntax error) rejects with esbuild's messages.
 */
export async function bundleFunction(
  fn: { readonly id: string; readonly entry: string },
  outdir: string,
  projectRoot: string,
): Promise<FunctionBundle> {
  const file = resolve(outdir, fn.id, BUNDLE_FILE);
  const result = await build({ ...esbuildOptions(resolve(projectRoot, fn.entry), file), metafile: true, logLevel: 'silent' });
  return { file, metafile: result.metafile };
}

/** Bundles every function (esbuild builds them in parallel); the map is keyed by function id. */
export async function bundleAll<Id extends string>(
  functions: readonly { readonly id: Id; readonly entry: string }[],
  outdir: string,
  projectRoot: string,
): Promise<Map<Id, FunctionBundle>> {
  const bundles = await Promise.all(functions.map(async (fn) => [fn.id, await bundleFunction(fn, outdir, projectRoot)] as const));
  return new Map(bundles);
}
