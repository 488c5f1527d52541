import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CorruptEvent, StoreCorruptError } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'

async function seeded(): Promise<string> {
  const dir = tempDir()
  const store = await openStore({ dir })
  for (const id of ['good', 'bad', 'other'])
    await store.appendResourceData(id, point({ timestamp: 1, memoryRss: 7 }))
  await store.close()
  return dir
}

const CORRUPTIONS: [string, (text: string) => string][] = [
  ['truncated JSON', (t) => t.slice(0, t.length / 2)],
  ['not JSON', () => '\0\0\0garbage'],
  ['a JSON array', () => '[]'],
  ['no schemaVersion', (t) => JSON.stringify({ ...JSON.parse(t), schemaVersion: undefined })],
  ['another id inside', (t) => JSON.stringify({ ...JSON.parse(t), id: 'good' })],
  ['a broken history', (t) => JSON.stringify({ ...JSON.parse(t), resourceUsage: { points: 5 } })],
]

describe('corrupt files', () => {
  it.each(CORRUPTIONS)(
    '%s: moved aside, reported, the agent starts fresh, others untouched',
    async (_, corrupt) => {
      const dir = await seeded()
      const badPath = join(dir, 'bad.json')
      const badText = corrupt(readFileSync(badPath, 'utf8'))
      writeFileSync(badPath, badText)
      const others = ['good', 'other'].map((id) => readFileSync(join(dir, `${id}.json`), 'utf8'))

      const store = await openStore({ dir })
      const events: CorruptEvent[] = []
      store.on('corrupt', (e) => events.push(e))
      expect(await store.get('bad')).toBeUndefined()
      expect(events).toHaveLength(1)
      const [event] = events
      expect(event!.id).toBe('bad')
      expect(event!.path).toBe(badPath)
      expect(event!.quarantinePath).toMatch(/bad\.json\.corrupt-\d+$/)
      expect(event!.error).toBeInstanceOf(StoreCorruptError)
      expect(event!.error).toMatchObject({
        code: 'ERR_STORE_CORRUPT',
        id: 'bad',
        quarantinePath: event!.quarantinePath,
      })
      expect((event!.error as Error).cause).toBeInstanceOf(Error)
      // The bytes are kept, never overwritten.
      expect(readFileSync(event!.quarantinePath!, 'utf8')).toBe(badText)

      await store.appendResourceData('bad', point({ timestamp: 100 }))
      expect((await store.get('bad'))!.resourceUsage.range().map((p) => p.timestamp)).toEqual([100])
      expect(events).toHaveLength(1)
      expect(['good', 'other'].map((id) => readFileSync(join(dir, `${id}.json`), 'utf8'))).toEqual(others)
      expect((await store.get('good'))!.resourceUsage.latest()!.memoryRss).toBe(7)
      expect(readdirSync(dir).sort()).toEqual([
        '.warden-store.lock',
        'bad.json',
        event!.quarantinePath!.split('/').pop(),
        'good.json',
        'other.json',
      ])
    },
  )

  it('a second corruption of the same id gets its own quarantine name', async () => {
    const dir = await seeded()
    const store = await openStore({ dir })
    const events: CorruptEvent[] = []
    store.on('corrupt', (e) => events.push(e))
    for (let i = 0; i < 2; i++) {
      writeFileSync(join(dir, 'bad.json'), '{')
      await store.close()
      await store.open()
      await store.get('bad')
    }
    expect(events).toHaveLength(2)
    expect(events[0]!.quarantinePath).not.toBe(events[1]!.quarantinePath)
    expect(readdirSync(dir).filter((n) => n.includes('.corrupt-'))).toHaveLength(2)
  })

  it('a read-only store reports a corrupt file but leaves it in place', async () => {
    const dir = await seeded()
    writeFileSync(join(dir, 'bad.json'), '{"schemaVersion":')
    const reader = await openStore({ dir, readOnly: true })
    const events: CorruptEvent[] = []
    reader.on('corrupt', (e) => events.push(e))
    expect(await reader.get('bad')).toBeUndefined()
    expect(events[0]).toMatchObject({ id: 'bad', quarantinePath: null })
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe('{"schemaVersion":')
  })
})
