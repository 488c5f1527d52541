import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type AgentInfo,
  type AgentSpec,
  SupersededError,
  Supervisor,
  SupervisorClosedError,
} from '../../src/index.js'
import { killMarked, record, scanProc, seededRandom, sleepMarker, supervisorPerTest } from '../helpers.js'

let sup: Supervisor
supervisorPerTest(() => sup)
const markers: string[] = []
afterEach(() => {
  for (const m of markers.splice(0)) killMarked(m)
})

/** An agent running `sleep <marker>`: cheap to spawn, and every process of it is found by its marker. */
function sleeper(id: string, extra: Partial<AgentSpec> = {}): { spec: AgentSpec; marker: string } {
  const marker = sleepMarker()
  markers.push(marker)
  return {
    marker,
    spec: {
      id,
      command: 'sleep',
      args: [marker],
      restart: 'always',
      backoff: { initialMs: 20, maxMs: 20 },
      stopTimeoutMs: 2000,
      ...extra,
    },
  }
}

type Call = 'start' | 'stop' | 'restart'

/** Marks a call's promise handled at once: a superseded call rejects before the test looks at it. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {})
  return p
}

/** A settled call is either fulfilled in the state it asked for, or superseded/closed. */
function checkSettled(call: Call, r: PromiseSettledResult<AgentInfo>, context: string): void {
  if (r.status === 'fulfilled') {
    expect(r.value.status, `${context}: ${call}() fulfilled`).toBe(call === 'stop' ? 'stopped' : 'running')
  } else {
    const ok = r.reason instanceof SupersededError || r.reason instanceof SupervisorClosedError
    expect(ok, `${context}: ${call}() rejected with ${r.reason}`).toBe(true)
  }
}

describe('lifecycle races', () => {
  it('stop(); start(); stop() (not awaited): stopped, no process left, the superseded calls say so', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec, marker } = sleeper('a')
    sup.add(spec)
    await sup.start('a')
    const calls = [sup.stop('a'), sup.start('a'), sup.stop('a')].map(handled)
    const [first, second, last] = await Promise.allSettled(calls)
    expect(last).toMatchObject({ status: 'fulfilled', value: { status: 'stopped' } })
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'ERR_CORE_SUPERSEDED', by: 'stop' } })
    expect(first).toMatchObject({ status: 'rejected', reason: { code: 'ERR_CORE_SUPERSEDED', by: 'start' } })
    expect(sup.get('a')!.status).toBe('stopped')
    expect(scanProc(marker)).toEqual([])
  })

  it('30 interleaved start/stop calls, then stop(): stopped with no process', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec, marker } = sleeper('b')
    sup.add(spec)
    const kinds: Call[] = Array.from({ length: 30 }, (_, i) => (i % 3 === 1 ? 'stop' : 'start'))
    const calls = kinds.map((k) => handled(k === 'stop' ? sup.stop('b') : sup.start('b')))
    const final = await sup.stop('b')
    expect(final.status).toBe('stopped')
    const settled = await Promise.allSettled(calls)
    for (const [i, r] of settled.entries()) checkSettled(kinds[i]!, r, `call ${i}`)
    expect(sup.get('b')!.status).toBe('stopped')
    expect(scanProc(marker)).toEqual([])
  })

  it('stop(); start(); shutdown(): nothing alive after shutdown, nothing spawned or restarted later', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec, marker } = sleeper('c')
    sup.add(spec)
    await sup.start('c')
    const events = record(sup)
    const stop = handled(sup.stop('c'))
    const start = handled(sup.start('c'))
    await sup.shutdown()
    await expect(start).rejects.toThrow(SupervisorClosedError)
    await expect(stop).rejects.toMatchObject({ code: 'ERR_CORE_SUPERSEDED', by: 'start' })
    expect(scanProc(marker)).toEqual([])
    expect(sup.get('c')!.status).toBe('stopped')
    const seen = events.length
    // Same-delay Node timers fire in creation order: once this one fired, any backoff timer armed
    // before it (the backoff is 20 ms) would have fired too.
    await sleep(20)
    expect(events.slice(seen)).toEqual([])
    expect(scanProc(marker)).toEqual([])
    await expect(sup.start('c')).rejects.toThrow(SupervisorClosedError)
    await expect(sup.restart('c')).rejects.toThrow(SupervisorClosedError)
    await expect(sup.startAll()).rejects.toThrow(SupervisorClosedError)
    expect(() => sup.add(sleeper('late').spec)).toThrow(SupervisorClosedError)
  })

  it('shutdown() while an agent is in backoff: no restart fires afterwards', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec } = sleeper('d', { command: 'false', backoff: { initialMs: 30, maxMs: 30 } })
    sup.add(spec)
    const backoff = new Promise((r) => sup.once('agent:backoff', r))
    await sup.start('d')
    await backoff
    const events = record(sup)
    await sup.shutdown()
    expect(sup.get('d')!.status).toBe('stopped')
    const seen = events.length
    // The pending restart timer (30 ms) was armed before this one: it would have fired by now.
    await sleep(30)
    expect(events.slice(seen).filter((e) => e.name === 'agent:restart' || e.name === 'agent:start')).toEqual(
      [],
    )
  })

  it('50 concurrent restart() calls share one restart: one spawn, restartCount 1', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec, marker } = sleeper('e')
    sup.add(spec)
    const first = await sup.start('e')
    const events = record(sup)
    const results = await Promise.all(Array.from({ length: 50 }, () => sup.restart('e')))
    expect(new Set(results.map((r) => r.pid))).toEqual(new Set([results[0]!.pid]))
    expect(results[0]!.pid).not.toBe(first.pid)
    expect(events.filter((e) => e.name === 'agent:start')).toHaveLength(1)
    expect(sup.get('e')!.restartCount).toBe(1)
    expect(scanProc(marker)).toEqual([results[0]!.pid])
  })

  it('restartCount counts processes replaced, not requests', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec } = sleeper('f')
    sup.add(spec)
    // Nothing ran yet: this restart replaces nothing.
    expect((await sup.restart('f')).restartCount).toBe(0)
    expect((await sup.restart('f')).restartCount).toBe(1)
    await sup.stop('f')
    expect((await sup.restart('f')).restartCount).toBe(1)
  })

  it('start() during shutdown() rejects with SupervisorClosedError, never resolves stopping', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec, marker } = sleeper('g')
    sup.add(spec)
    await sup.start('g')
    const pending = handled(sup.start('g'))
    const shutdown = sup.shutdown()
    const late = handled(sup.start('g'))
    await expect(pending).rejects.toThrow(SupervisorClosedError)
    await expect(late).rejects.toThrow(SupervisorClosedError)
    await shutdown
    expect(scanProc(marker)).toEqual([])
  })

  it('remove() supersedes pending starts; concurrent removes share one; the id is free afterwards', async () => {
    sup = new Supervisor({ cgroupParent: null })
    const { spec, marker } = sleeper('h')
    sup.add(spec)
    const start = handled(sup.start('h'))
    const [r1, r2] = [sup.remove('h'), sup.remove('h')]
    expect(r1).toBe(r2)
    await expect(sup.start('h')).rejects.toMatchObject({ code: 'ERR_CORE_AGENT_NOT_FOUND' })
    await expect(start).rejects.toMatchObject({ code: 'ERR_CORE_SUPERSEDED', by: 'remove' })
    await r1
    expect(sup.get('h')).toBeUndefined()
    expect(scanProc(marker)).toEqual([])
    sup.add(spec)
  })

  it('waitFor() after shutdown: resolves a status it has, rejects one it can never reach', async () => {
    sup = new Supervisor({ cgroupParent: null })
    sup.add(sleeper('w').spec)
    await sup.start('w')
    const never = handled(sup.waitFor('w', 'fatal'))
    await sup.shutdown()
    await expect(never).rejects.toThrow(SupervisorClosedError)
    expect((await sup.waitFor('w', 'stopped')).status).toBe('stopped')
    await expect(sup.waitFor('w', 'running')).rejects.toThrow(SupervisorClosedError)
  })

  const seed = Number(process.env.WARDEN_RACE_SEED) || randomInt(2 ** 31)
  it(`random interleavings of start/stop/restart/shutdown end in the last request's state (seed ${seed})`, async () => {
    const random = seededRandom(seed)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    for (let round = 0; round < 6; round++) {
      sup = new Supervisor({ cgroupParent: null })
      const { spec, marker } = sleeper(`r${round}`)
      const id = spec.id
      sup.add(spec)
      const log: string[] = []
      const calls: Array<[Call, Promise<AgentInfo>]> = []
      const withShutdown = random() < 0.3
      const n = 3 + Math.floor(random() * 8)
      for (let i = 0; i < n; i++) {
        const call = pick(['start', 'stop', 'restart'] as const)
        log.push(call)
        const p = call === 'start' ? sup.start(id) : call === 'stop' ? sup.stop(id) : sup.restart(id)
        calls.push([call, handled(p)])
        // Vary how far the previous calls got: not at all, a microtask, a macrotask, or to completion.
        const gap = pick(['none', 'microtask', 'immediate', 'settle'] as const)
        log.push(gap)
        if (gap === 'microtask') await Promise.resolve()
        else if (gap === 'immediate') await new Promise((r) => setImmediate(r))
        else if (gap === 'settle') await calls.at(-1)![1].catch(() => {})
      }
      const context = `seed ${seed}, round ${round}: ${log.join(' ')}${withShutdown ? ' shutdown' : ''}`
      if (withShutdown) await sup.shutdown()
      const settled = await Promise.allSettled(calls.map(([, p]) => p))
      for (const [i, r] of settled.entries()) checkSettled(calls[i]![0], r, `${context} (call ${i})`)
      const info = sup.get(id)!
      const last = calls.at(-1)![0]
      if (withShutdown || last === 'stop') {
        expect(info.status, context).toBe('stopped')
        expect(scanProc(marker), context).toEqual([])
      } else {
        expect(info.status, context).toBe('running')
        expect(scanProc(marker), context).toEqual([info.pid])
      }
      await sup.shutdown()
      expect(scanProc(marker), context).toEqual([])
    }
  })
})
