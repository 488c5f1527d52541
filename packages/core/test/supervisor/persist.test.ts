import { FileMetadataStore } from '@warden/store'
import { describe, expect, it } from 'vitest'
import { type AgentErrorEvent, PersistError, Supervisor } from '../../src/index.js'
import { nodeSpec, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
const tmp = supervisorPerTest(() => sup)

describe('persistence through FileMetadataStore', () => {
  it('saves status, restartCount, startTime, lastExit and the identity', async () => {
    const store = new FileMetadataStore({ dir: tmp.dir, fsync: false })
    await store.open()
    try {
      sup = new Supervisor({ cgroupParent: null, store })
      sup.add(
        nodeSpec('p', 'crash-after.js', ['0', '7'], {
          type: 'worker',
          startLimit: { burst: 2, intervalMs: 60_000 },
        }),
      )
      const fatal = new Promise((r) => sup.once('agent:fatal', r))
      await sup.start('p')
      await fatal
      await sup.shutdown()
      const meta = (await store.get('p'))!
      expect(meta).toMatchObject({
        id: 'p',
        type: 'worker',
        status: 'fatal',
        restartCount: 1,
        pid: null,
        lastExit: { code: 7, signal: null },
      })
      expect(typeof meta.startTime).toBe('number')
      // Typed fields of the supervisor's, no cast needed to read them.
      expect(meta.want).toBe('up')
      expect(meta.spec?.command).toBe(process.execPath)

      sup = new Supervisor({ cgroupParent: null, store })
      sup.add(nodeSpec('q', 'forever.js'))
      const running = await sup.start('q')
      await sup.stop('q')
      await sup.shutdown()
      const q = (await store.get('q'))!
      expect(q.status).toBe('stopped')
      expect(q.startTime).toBe(running.startTime)
    } finally {
      await store.close()
    }
  })

  it('a failing store is reported (agent:error, lastError), never crashes the agent', async () => {
    const store = new FileMetadataStore({ dir: tmp.dir, fsync: false })
    await store.open()
    await store.close()
    sup = new Supervisor({ cgroupParent: null, store })
    const errors: AgentErrorEvent[] = []
    sup.on('agent:error', (e) => errors.push(e))
    sup.add(nodeSpec('f', 'forever.js'))
    const info = await sup.start('f')
    expect(info.status).toBe('running')
    await new Promise<void>((resolve) => {
      if (errors.length > 0) resolve()
      else sup.once('agent:error', () => resolve())
    })
    expect(errors[0]!.error).toBeInstanceOf(PersistError)
    expect(sup.get('f')!.lastError?.code).toBe('ERR_CORE_PERSIST')
    expect(sup.get('f')!.status).toBe('running')
  })
})
