import { defineConfig } from 'vitest/config'

// Workspace packages export their TypeScript source under the `@warden/source` condition,
// so tests run against src/ with no build step.
export default defineConfig({
  resolve: { conditions: ['@warden/source'] },
  ssr: { resolve: { conditions: ['@warden/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './tools/summary-reporter.ts'],
    typecheck: { enabled: true, include: ['packages/*/test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
})
