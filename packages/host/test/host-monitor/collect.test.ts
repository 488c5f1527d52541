import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { captureUncaught } from '../../../../test/helpers/uncaught.js'
import {
  type CollectorErrorEvent,
  CollectorTimeoutError,
  CollectorUnavailableError,
  type HostSample,
  ParseError,
} from '../../src/index.js'
import { fakeCommand } from '../helpers/fake-command.js'
import { descendantsOf } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'
import { dataOf, fullOptions, Monitors } from './setup.js'

const temp = new TempDirs()
const monitors = new Monitors()
afterEach(async () => {
  await monitors.stopAll()
  temp.removeAll()
})

describe('HostMonitor.collectOnce()', () => {
  it('runs every collector and reports each result; latest() and the sample event carry the same sample', async () => {
    const { options } = fullOptions(temp)
    const host = monitors.make(options)
    expect(host.collectors).toEqual(['cpu', 'memory', 'disks', 'temperature', 'gpu', 'systemd'])
    const events: HostSample[] = []
    host.on('sample', (s) => events.push(s))
    await host.collectOnce()
    const sample = await host.collectOnce()
    expect(events).toEqual([expect.anything(), sample])
    expect(host.latest()).toBe(sample)
    for (const name of host.collectors) expect(sample[name]).toMatchObject({ ok: true, at: sample.at })
    expect(dataOf(sample.cpu).usagePercent).toBeTypeOf('number')
    expect(dataOf(sample.disks).mounts[0]!.error).toBeNull()
    expect(dataOf(sample.temperature).celsius).toBe(62)
    expect(dataOf(sample.gpu).gpus[0]!.uuid).toMatch(/^GPU-/)
    expect(dataOf(sample.systemd).systemState).toBe('degraded')
  })

  it('a collector stuck past its timeout fails alone; the next tick joins the call still running instead of starting another', async () => {
    const { options, bin } = fullOptions(temp)
    const smi = fakeCommand(bin, 'nvidia-smi', [{ match: '--query-gpu', hang: true }])
    const host = monitors.make({
      ...options,
      gpu: { path: `${bin}:/usr/bin:/bin`, timeoutMs: 200, commandTimeoutMs: 60_000 },
    })
    const errors: CollectorErrorEvent[] = []
    host.on('collector-error', (e) => errors.push(e))
    const first = await host.collectOnce()
    expect(first.gpu).toMatchObject({ ok: false, lastOkAt: null })
    expect(!first.gpu!.ok && first.gpu!.error).toBeInstanceOf(CollectorTimeoutError)
    for (const name of ['cpu', 'memory', 'disks', 'temperature', 'systemd'] as const)
      expect(first[name]!.ok).toBe(true)
    expect(errors.map((e) => [e.collector, e.error.code])).toEqual([['gpu', 'ERR_HOST_COLLECTOR_TIMEOUT']])
    const second = await host.collectOnce()
    expect(second.gpu!.ok).toBe(false)
    expect(smi.log()).toHaveLength(1)
  })

  it('reports an unavailable collector every tick but emits collector-error only when it becomes unavailable', async () => {
    const host = monitors.make({
      disks: false,
      temperature: { sysfsRoot: temp.make() },
      gpu: { path: temp.make() },
      systemd: false,
    })
    const errors: string[] = []
    host.on('collector-error', (e) => errors.push(`${e.collector} ${e.error.code}`))
    const a = await host.collectOnce()
    const b = await host.collectOnce()
    for (const s of [a, b]) {
      expect(!s.gpu!.ok && s.gpu!.error).toBeInstanceOf(CollectorUnavailableError)
      expect(!s.temperature!.ok && s.temperature!.error).toBeInstanceOf(CollectorUnavailableError)
    }
    expect(errors.sort()).toEqual(['gpu ERR_HOST_UNAVAILABLE', 'temperature ERR_HOST_UNAVAILABLE'])
  })

  it('serves GPU memory per pid and per agent from a good reading only, and publishes the age of the last good one', async () => {
    const { options, bin } = fullOptions(temp, {
      cpu: false,
      memory: false,
      disks: false,
      temperature: false,
      systemd: false,
    })
    const host = monitors.make(options)
    await host.collectOnce()
    expect(host.gpuMemoryByPid()).toEqual(
      new Map([
        [4242, 10198 * 1024 * 1024],
        [4250, 2048 * 1024 * 1024],
      ]),
    )
    expect(host.gpuMemoryByAgent([{ id: 'self', pid: process.pid }], descendantsOf)).toEqual(
      new Map([['self', 0]]),
    )
    const good = host.latest()!.at
    // nvidia-smi starts printing garbage: the collector fails and nothing stale is served.
    writeFileSync(join(bin, 'nvidia-smi.0.out'), 'garbage\n')
    const bad = await host.collectOnce()
    expect(bad.gpu).toMatchObject({ ok: false, lastOkAt: good })
    expect(!bad.gpu!.ok && bad.gpu!.error).toBeInstanceOf(ParseError)
    expect(host.gpuMemoryByPid().size).toBe(0)
    expect(host.gpuMemoryByAgent([{ id: 'self', pid: process.pid }], descendantsOf)).toBeUndefined()
  })

  it('calls evaluate with the complete sample before emitting it; a throwing hook or listener never fails the tick', async () => {
    const order: string[] = []
    const host = monitors.make({
      disks: false,
      temperature: false,
      gpu: 'off',
      systemd: false,
      evaluate: (s) => {
        order.push(`evaluate ${host.latest() === s}`)
        throw new Error('hook bug')
      },
    })
    host.on('sample', () => {
      order.push('sample')
      throw new Error('listener bug')
    })
    let sample: HostSample | undefined
    const uncaught = await captureUncaught(async () => {
      sample = await host.collectOnce()
    })
    expect(sample!.cpu!.ok).toBe(true)
    expect(order).toEqual(['evaluate true', 'sample'])
    expect(uncaught.map((e) => (e as Error).message)).toEqual(['hook bug', 'listener bug'])
  })

  it('with gpu off and systemd off there are no such keys in the sample', async () => {
    const host = monitors.make({ gpu: 'off', systemd: false, disks: false, temperature: false })
    const sample = await host.collectOnce()
    expect(Object.keys(sample).sort()).toEqual(['at', 'cpu', 'durationMs', 'memory', 'skipped'])
  })

  it('discoverServices() asks systemctl list-units; rejects when the systemd collector is off', async () => {
    const { options, bin } = fullOptions(temp)
    fakeCommand(bin, 'systemctl', [
      { match: 'list-units', stdout: '  ssh.service loaded active running OpenBSD Secure Shell server\n' },
    ])
    expect((await monitors.make(options).discoverServices())[0]!.unit).toBe('ssh.service')
    await expect(monitors.make({ systemd: false }).discoverServices()).rejects.toBeInstanceOf(
      CollectorUnavailableError,
    )
  })
})
