import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ResourceUsageHistory } from '@warden/store'
import { expect, it } from 'vitest'
import { point } from '../helpers/points.js'
import { openStore } from '../helpers/tmp.js'

const IDS = ['a', 'b', 'c', 'd']

it('appendMany, appendResourceData, save, update, delete, get and list interleaved: each id ends as its calls, in call order, say; close() leaves only files; calls after it write nothing', async () => {
  const store = await openStore({ checkpointEvery: 3, segmentBytes: 1024 })
  const model = new Map(IDS.map((id) => [id, { points: [] as number[], restarts: 0, exists: false }]))
  const calls: Promise<unknown>[] = []
  for (let n = 1; n <= 300; n++) {
    calls.push(store.appendMany(IDS.map((id) => ({ id, point: point({ timestamp: n }) }))))
    for (const id of IDS) model.get(id)!.points.push(n)
    for (const id of IDS) model.get(id)!.exists = true
    const id = IDS[n % IDS.length]!
    calls.push(store.appendResourceData(id, point({ timestamp: n })))
    model.get(id)!.points.push(n)
    if (n % 7 === 0) {
      calls.push(store.update(id, (m) => void m.restartCount++))
      model.get(id)!.restarts++
    }
    if (n % 30 === 0) {
      const history = new ResourceUsageHistory()
      history.add(point({ timestamp: n }))
      calls.push(store.save({ id: 'c', restartCount: 0, updatedAt: 0, resourceUsage: history }))
      Object.assign(model.get('c')!, { points: [n], restarts: 0, exists: true })
    }
    if (n % 50 === 0) {
      calls.push(store.delete('b'))
      Object.assign(model.get('b')!, { points: [], restarts: 0, exists: false })
    }
    if (n % 20 === 0) calls.push(store.get(id), store.list())
  }
  const closing = store.close()
  const after = Promise.allSettled([
    store.appendMany([{ id: 'a', point: point({ timestamp: 1000 }) }]),
    store.appendResourceData('a', point({ timestamp: 1000 })),
    store.update('d', (m) => void m.restartCount++),
    store.delete('a'),
    store.get('a'),
    store.list(),
  ])
  await closing
  for (const result of await Promise.allSettled(calls)) expect(result.status).toBe('fulfilled')
  for (const result of await after) {
    expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_STORE_CLOSED' } })
  }
  const names = readdirSync(store.dir).sort()
  expect(names).toEqual(IDS.filter((id) => model.get(id)!.exists).map((id) => `${id}.json`))
  const bytes = names.map((n) => readFileSync(join(store.dir, n)))

  const reader = await openStore({ dir: store.dir, readOnly: true })
  for (const id of IDS) {
    const expected = model.get(id)!
    const meta = await reader.get(id)
    if (!expected.exists) {
      expect(meta).toBeUndefined()
      continue
    }
    expect(meta!.resourceUsage.range().map((p) => p.timestamp)).toEqual(expected.points.slice(-1440))
    expect(meta!.restartCount).toBe(expected.restarts)
  }
  expect(names.map((n) => readFileSync(join(store.dir, n)))).toEqual(bytes)
})
