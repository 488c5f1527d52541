import { afterEach, describe, expect, it } from 'vitest'
import type { HostSample } from '../../src/index.js'
import { fakeCommand } from '../helpers/fake-command.js'
import { childrenOf, openFds, until } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'
import { dataOf, fullOptions, Monitors } from './setup.js'

const temp = new TempDirs()
const monitors = new Monitors()
afterEach(async () => {
  await monitors.stopAll()
  temp.removeAll()
})

/** Tracks whether a promise has settled, without awaiting it. */
function settled(p: Promise<unknown>): () => boolean {
  let done = false
  const mark = (): void => {
    done = true
  }
  p.then(mark, mark)
  return () => done
}

/** Ticks never overlap: each sample starts after the previous one ended. */
function expectSequential(samples: readonly HostSample[]): void {
  for (let i = 1; i < samples.length; i++) {
    expect(samples[i]!.at).toBeGreaterThanOrEqual(
      samples[i - 1]!.at + Math.floor(samples[i - 1]!.durationMs) - 1,
    )
  }
}

describe('HostMonitor start / stop / collectOnce interleaved', () => {
  it('start() ticks at once; stop() waits for the tick and a collectOnce() queued behind it, then releases every fd and process', async () => {
    const fds = openFds()
    const children = childrenOf()
    const { options } = fullOptions(temp)
    const host = monitors.make({ ...options, intervalMs: 60_000 })
    const samples: HostSample[] = []
    host.on('sample', (s) => samples.push(s))
    host.start()
    expect(host.running).toBe(true)
    const queued = host.collectOnce()
    const queuedDone = settled(queued)
    await host.stop()
    expect(queuedDone()).toBe(true)
    expect(samples).toHaveLength(2)
    expectSequential(samples)
    expect(host.running).toBe(false)
    expect(openFds()).toBe(fds)
    expect(childrenOf()).toEqual(children)
  })

  it('collectOnce() after stop() works and releases what it opened when its tick ends', async () => {
    const fds = openFds()
    const children = childrenOf()
    const { options } = fullOptions(temp)
    const host = monitors.make(options)
    host.start()
    await host.stop()
    const [a, b] = await Promise.all([host.collectOnce(), host.collectOnce()])
    expect(a.disks!.ok && b.disks!.ok).toBe(true)
    expect(dataOf(b.cpu).usagePercent).not.toBeUndefined()
    expectSequential([a, b])
    await until(
      () => openFds() === fds && childrenOf().length === children.length,
      10_000,
      'release after the last tick',
    )
    expect(childrenOf()).toEqual(children)
  })

  it('many calls interleaved: ticks one at a time, and after the last stop() nothing is left', async () => {
    const fds = openFds()
    const children = childrenOf()
    const { options } = fullOptions(temp)
    const host = monitors.make({ ...options, intervalMs: 5 })
    const samples: HostSample[] = []
    host.on('sample', (s) => samples.push(s))
    const calls: Promise<unknown>[] = []
    for (let i = 0; i < 5; i++) {
      host.start()
      calls.push(host.collectOnce())
      calls.push(host.stop())
      calls.push(host.collectOnce())
    }
    host.start()
    await until(() => samples.length >= 12, 20_000, '12 samples')
    calls.push(host.stop())
    await Promise.all(calls)
    expectSequential(samples)
    expect(host.running).toBe(false)
    expect(openFds()).toBe(fds)
    expect(childrenOf()).toEqual(children)
  })

  it('a start() while stop() waits keeps the monitor running and its collectors open', async () => {
    const { options } = fullOptions(temp)
    const host = monitors.make({ ...options, intervalMs: 60_000 })
    host.start()
    const stopping = host.stop()
    host.start()
    await stopping
    expect(host.running).toBe(true)
    const sample = await host.collectOnce()
    expect(dataOf(sample.cpu).usagePercent).toBeTypeOf('number')
  })

  it('counts timer ticks skipped while a tick ran', async () => {
    const { options, bin } = fullOptions(temp)
    const host = monitors.make({
      ...options,
      intervalMs: 1,
      gpu: { path: `${bin}:/usr/bin:/bin`, timeoutMs: 200 },
      systemd: false,
    })
    fakeCommand(bin, 'nvidia-smi', [{ match: '--query-gpu', hang: true }])
    const samples: HostSample[] = []
    host.on('sample', (s) => samples.push(s))
    host.start()
    await until(() => samples.length >= 3, 20_000, '3 samples')
    await host.stop()
    expect(samples.slice(1).some((s) => s.skipped > 0)).toBe(true)
    expectSequential(samples)
  })
})
