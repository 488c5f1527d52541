import { build } from 'esbuild'

/**
 * Bundles `entry` (TypeScript, workspace packages resolved to their source, node_modules
 * included) into one ESM file at `outfile`, so a child can run it with plain `node` without
 * reaching the checkout, its node_modules or a loader: what a child running as another user needs.
 */
export async function bundleForChild(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@warden/source'],
    // pidusage and friends are CommonJS and require() node builtins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
  })
  return outfile
}
