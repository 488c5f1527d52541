import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'

describe('package exports', () => {
  it('are the Supervisor, the read-only registry and the errors (no internals)', () => {
    const values = Object.keys(core)
    const errors = values.filter(
      (k) => (core as Record<string, unknown>)[k] instanceof Function && k.endsWith('Error'),
    )
    expect(values.filter((k) => !errors.includes(k)).sort()).toEqual(['AgentRegistry', 'Supervisor'])
    for (const name of errors) {
      const value = (core as Record<string, unknown>)[name] as { prototype: unknown }
      expect(value === core.WardenError || value.prototype instanceof core.WardenError, name).toBe(true)
    }
  })
})
