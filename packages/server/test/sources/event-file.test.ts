import { appendFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type EventFile, openEventFile, type StoredEvent } from '../../src/index.js'
import {
  CONTROL_TOKEN,
  closeWardensAfterEach,
  idle,
  type Json,
  READ_TOKEN,
  startWarden,
  until,
} from '../helpers.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-events-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))
closeWardensAfterEach()

const event = (i: number): StoredEvent => ({
  time: 1_700_000_000_000 + i,
  name: 'agent:start',
  agent: `a${i}`,
  data: { id: `a${i}`, pid: i },
})
const lines = async (path: string) =>
  (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean)

describe('EventFile', () => {
  it('keeps appended events across a reopen, oldest first', async () => {
    const path = join(dir, 'events.jsonl')
    const file = await openEventFile(path, { keep: 10 })
    expect(file.initial).toEqual([])
    for (let i = 0; i < 5; i++) file.append(event(i))
    await file.close()
    const again = await openEventFile(path, { keep: 10 })
    expect(again.initial).toEqual([0, 1, 2, 3, 4].map(event))
    expect(again.skipped).toBe(0)
    await again.close()
  })

  it('holds at most 2 × keep events on disk and reads back the last keep', async () => {
    const path = join(dir, 'events.jsonl')
    const file = await openEventFile(path, { keep: 3 })
    for (let i = 0; i < 11; i++) file.append(event(i))
    await file.close()
    expect((await lines(path)).length + (await lines(`${path}.1`)).length).toBeLessThanOrEqual(6)
    const again = await openEventFile(path, { keep: 3 })
    expect(again.initial).toEqual([8, 9, 10].map(event))
    await again.close()
  })

  it('skips lines that are not valid events (a line cut by a crash, unknown names, bad ids, extra keys)', async () => {
    const path = join(dir, 'events.jsonl')
    const good = JSON.stringify(event(1))
    await writeFile(
      path,
      [
        good,
        '{"time":1,"name":"agent:nope","agent":"a","data":{}}',
        '{"time":1,"name":"agent:start","agent":"../x","data":{}}',
        '{"time":-1,"name":"agent:start","agent":"a","data":{}}',
        '{"time":1,"name":"agent:start","agent":"a","data":{},"extra":1}',
        '[1,2]',
        good.slice(0, 20),
      ].join('\n'),
    )
    const file = await openEventFile(path, { keep: 10 })
    expect(file.initial).toEqual([event(1)])
    expect(file.skipped).toBe(6)
    // The cut line does not glue onto the next event: appends start on a new line.
    file.append(event(2))
    await file.close()
    await appendFile(path, '')
    const again = await openEventFile(path, { keep: 10 })
    expect(again.initial.at(-1)).toEqual(event(2))
    await again.close()
  })

  it('never opens a file through a symlink', async () => {
    const target = join(dir, 'elsewhere')
    await writeFile(target, `${JSON.stringify(event(1))}\n`)
    await symlink(target, join(dir, 'events.jsonl'))
    await expect(openEventFile(join(dir, 'events.jsonl'), { keep: 10 })).rejects.toMatchObject({
      code: 'ERR_SERVER_EVENT_FILE',
      operation: 'read',
    })
    expect(await readFile(target, 'utf8')).toBe(`${JSON.stringify(event(1))}\n`)
  })

  it('record() stops at its detach and at close()', async () => {
    const { Supervisor } = await import('@warden/core')
    const { ResourceMonitor } = await import('@warden/monitor')
    const supervisor = new Supervisor({ keepAlive: false, cgroupParent: null })
    const monitor = new ResourceMonitor({ registry: supervisor.registry, intervalMs: 60_000 })
    const path = join(dir, 'events.jsonl')
    const file = await openEventFile(path, { keep: 100 })
    const detach = file.record(supervisor, monitor)
    supervisor.add(idle('one'))
    await supervisor.start('one')
    detach()
    await supervisor.stop('one')
    await file.close()
    const names = (await lines(path)).map((l) => JSON.parse(l).name as string)
    expect(names).toContain('agent:start')
    expect(names).not.toContain('agent:exit')
    await supervisor.shutdown()
  })

  it('appends after close() are dropped, close() twice is fine', async () => {
    const path = join(dir, 'events.jsonl')
    const file = await openEventFile(path, { keep: 10 })
    file.append(event(1))
    await Promise.all([file.close(), file.close()])
    file.append(event(2))
    await file.close()
    expect(await lines(path)).toEqual([JSON.stringify(event(1))])
  })
})

describe('createServer({ eventFile })', () => {
  it('a new server answers /v1/events/recent with the events of the one before it', async () => {
    const path = join(dir, 'events.jsonl')
    const first = await openEventFile(path, { keep: 100 })
    const w1 = await startWarden({ agents: [idle('web')], server: { eventFile: first } })
    first.record(w1.supervisor, w1.monitor)
    expect((await w1.post('/v1/agents/web/restart', CONTROL_TOKEN)).status).toBe(200)
    await until(
      async () => ((await (await w1.get('/v1/events/recent', READ_TOKEN)).json()) as Json).events.length >= 2,
    )
    await w1.close()
    await first.close()

    const second = await openEventFile(path, { keep: 100 })
    const names = second.initial.map((e) => `${e.agent}:${e.name}`)
    expect(names.filter((n) => n === 'web:agent:exit')).toHaveLength(2) // the restart's and the shutdown's
    expect(names.filter((n) => n === 'web:agent:start').length).toBeGreaterThanOrEqual(1)
    const w2 = await startWarden({ server: { eventFile: second } })
    const recent = (await (await w2.get('/v1/events/recent', READ_TOKEN)).json()) as Json
    expect(recent.events.map((e: Json) => `${e.agent}:${e.event ?? e.name}`)).toEqual(
      expect.arrayContaining(['web:agent:exit']),
    )
    await w2.close()
    await second.close()
  })

  it('refuses an eventFile that is not an EventFile', async () => {
    await expect(startWarden({ server: { eventFile: {} as EventFile } })).rejects.toMatchObject({
      code: 'ERR_WARDEN_INVALID_OPTION',
      option: 'eventFile',
    })
  })
})
