import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { EXIT } from '../../src/cli/index.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const errorsSource = readFileSync(new URL('../../src/cli/errors.ts', import.meta.url), 'utf8')

describe('README.md, the CLI sections', () => {
  it('lists every error code of the CLI', () => {
    const codes = [...errorsSource.matchAll(/readonly code = '(ERR_DAEMON_CLI_[A-Z_]+)'/g)].map((m) => m[1]!)
    expect(codes.length).toBeGreaterThanOrEqual(5)
    for (const code of codes) expect(readme).toContain(`| \`${code}\` |`)
  })

  it('lists every exit code, in the table and in the comment of errors.ts', () => {
    for (const code of Object.values(EXIT)) {
      expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'))
      expect(errorsSource).toMatch(new RegExp(`^ \\* \\| ${code} +\\|`, 'm'))
    }
  })
})
