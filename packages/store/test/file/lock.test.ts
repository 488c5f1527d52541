import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileMetadataStore, LOCK_FILE, StoreLockedError } from '@warden/store'
import { readStat } from '@warden/utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { compileStore, exited, fixture, killAll, spawnNode, waitForLine } from '../helpers/child.js'
import { point } from '../helpers/points.js'
import { openStore, tempDir } from '../helpers/tmp.js'
import { fillFilesystem, isRoot, withTmpfs } from '../helpers/tmpfs.js'

let compiled: ReturnType<typeof compileStore>
beforeAll(() => {
  compiled = compileStore()
})
afterAll(() => compiled.cleanup())
afterEach(killAll)

/** A pid that certainly no longer exists: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  })
  return Number(r.stdout)
}

describe('single-writer lock', () => {
  it('a second process gets StoreLockedError naming the holder; a read-only open is allowed', async () => {
    const dir = tempDir()
    const holder = spawnNode(fixture('hold-lock.mjs'), [compiled.entry, dir])
    await waitForLine(holder, (l) => l.startsWith('open '))

    const second = new FileMetadataStore({ dir })
    const err = await second.open().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(StoreLockedError)
    expect(err).toMatchObject({ code: 'ERR_STORE_LOCKED', pid: holder.pid, lockPath: join(dir, LOCK_FILE) })
    expect((err as Error).message).toContain(`process ${holder.pid}`)
    expect(second.isOpen).toBe(false)

    const reader = await openStore({ dir, readOnly: true })
    expect(await reader.list()).toEqual([])
    await expect(reader.appendResourceData('a', point({ timestamp: 1 }))).rejects.toMatchObject({
      code: 'ERR_STORE_READ_ONLY',
    })
  })

  it('the other way round: a child cannot open what this process holds', async () => {
    const store = await openStore()
    const child = spawnNode(fixture('hold-lock.mjs'), [compiled.entry, store.dir])
    const line = await waitForLine(child, (l) => l.startsWith('error '))
    expect(line).toBe(`error ERR_STORE_LOCKED ${process.pid}`)
    expect((await exited(child)).code).toBe(3)
  })

  it('the lock of a SIGKILLed holder is taken over, with a lock:takeover event', async () => {
    const dir = tempDir()
    const holder = spawnNode(fixture('hold-lock.mjs'), [compiled.entry, dir])
    await waitForLine(holder, (l) => l.startsWith('open '))
    holder.kill('SIGKILL')
    await exited(holder)
    const store = new FileMetadataStore({ dir })
    const takeovers: unknown[] = []
    store.on('lock:takeover', (e) => takeovers.push(e))
    await store.open()
    expect(takeovers).toEqual([{ lockPath: join(dir, LOCK_FILE), previousPid: holder.pid }])
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid)
    await store.close()
  })

  it('a stale lock file of a dead pid, or an empty or torn one, is taken over', async () => {
    for (const content of [JSON.stringify({ pid: deadPid() }), '', '{"pid":']) {
      const dir = tempDir()
      writeFileSync(join(dir, LOCK_FILE), content)
      const store = await openStore({ dir })
      await store.appendResourceData('a', point({ timestamp: 1 }))
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid)
    }
  })

  it('a live pid that is not the holder (pid reused after a reboot) does not keep the lock', async () => {
    const dir = tempDir()
    // Our own pid is alive, but with another start time it is not the process that took the lock.
    for (const startTicks of ['1', 1]) {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, startTicks }))
      const store = new FileMetadataStore({ dir })
      const takeovers: unknown[] = []
      store.on('lock:takeover', (e) => takeovers.push(e))
      await store.open()
      expect(takeovers).toEqual([{ lockPath: join(dir, LOCK_FILE), previousPid: process.pid }])
      await store.close()
    }
  })

  it('a lock whose holder is a zombie (exited, not reaped) is taken over', async () => {
    const dir = tempDir()
    // sh starts `true` in the background and execs into sleep, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'true & exec sleep 30'], { stdio: 'ignore' })
    try {
      let zombie: number | undefined
      for (let i = 0; i < 200 && zombie === undefined; i++) {
        await new Promise((r) => setTimeout(r, 10))
        const children = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim()
        const pid = Number(children.split(' ')[0])
        if (pid > 0 && readStat(pid)?.state === 'Z') zombie = pid
      }
      expect(zombie, 'the zombie child appeared').toBeDefined()
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({ pid: zombie, startTicks: readStat(zombie!)!.startTicks }),
      )
      const store = new FileMetadataStore({ dir })
      const takeovers: unknown[] = []
      store.on('lock:takeover', (e) => takeovers.push(e))
      await store.open()
      expect(takeovers).toEqual([{ lockPath: join(dir, LOCK_FILE), previousPid: zombie }])
      await store.close()
    } finally {
      parent.kill('SIGKILL')
    }
  })

  it('the lock records pid and start time; a lock of a live holder with matching start time is respected', async () => {
    const store = await openStore()
    const info = JSON.parse(readFileSync(join(store.dir, LOCK_FILE), 'utf8'))
    expect(info.pid).toBe(process.pid)
    // A number of clock ticks (locks before 0.2 held a string of digits; those are still read).
    expect(info.startTicks).toBe(readStat(process.pid)!.startTicks)
    await expect(new FileMetadataStore({ dir: store.dir }).open()).rejects.toMatchObject({
      code: 'ERR_STORE_LOCKED',
    })
  })

  it('two stores in one process are two writers too; close releases the lock', async () => {
    const dir = tempDir()
    const first = await openStore({ dir })
    await expect(new FileMetadataStore({ dir }).open()).rejects.toMatchObject({
      code: 'ERR_STORE_LOCKED',
      pid: process.pid,
    })
    await first.close()
    const second = await openStore({ dir })
    expect(second.isOpen).toBe(true)
  })

  it('a lock temp file left by an opener killed mid-create is removed by the next open', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, `${LOCK_FILE}.123456`), '{"pid":1}')
    const store = new FileMetadataStore({ dir })
    const removed: string[] = []
    store.on('cleanup', (e) => removed.push(...e.removed))
    await store.open()
    await store.close()
    expect(removed).toEqual([join(dir, `${LOCK_FILE}.123456`)])
    expect(readdirSync(dir)).toEqual([])
  })

  it.skipIf(!isRoot)(
    'on a full filesystem open fails with StoreIOError and leaves no lock file; the next open takes nothing over (needs root to mount a tmpfs)',
    async () => {
      await withTmpfs(1 << 16, async (mnt) => {
        const dir = join(mnt, 'store')
        mkdirSync(dir)
        const filler = fillFilesystem(mnt, 0)
        const store = new FileMetadataStore({ dir })
        const takeovers: unknown[] = []
        store.on('lock:takeover', (e) => takeovers.push(e))
        await expect(store.open()).rejects.toMatchObject({
          code: 'ERR_STORE_IO',
          operation: 'create the lock file',
          cause: expect.objectContaining({ code: 'ENOSPC' }),
        })
        expect(store.isOpen).toBe(false)
        expect(readdirSync(dir)).toEqual([])
        filler.remove()
        await store.open()
        await store.close()
        expect(takeovers).toEqual([])
      })
    },
  )
})
