import { afterEach, describe, expect, it } from 'vitest'
import { GpuCollector } from '../../src/collectors/gpu.js'
import {
  CollectorUnavailableError,
  CommandBusyError,
  CommandFailedError,
  CommandTimeoutError,
  ParseError,
} from '../../src/index.js'
import { Launcher } from '../../src/run/launcher.js'
import { APPS, FOUR_A100, NA_FIELDS, ONE_GPU } from '../gpu/recorded.js'
import { fakeCommand } from '../helpers/fake-command.js'
import { HungMount, hungMountUnavailable } from '../helpers/hung-mount.js'
import { childrenOf, exists, threadStates, until, untilResult } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'

const temp = new TempDirs()
const collectors: GpuCollector[] = []
const mounts: HungMount[] = []
let launcher = new Launcher()
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.close()
  await launcher.close()
  launcher = new Launcher()
  for (const m of mounts.splice(0)) await m.unmount()
  temp.removeAll()
})

/** The collector with `dir` first on its PATH (the system directories after it, for the fake's shell tools). */
function gpu(dir: string, commandTimeoutMs = 10_000): GpuCollector {
  const c = new GpuCollector({ path: `${dir}:/usr/bin:/bin`, commandTimeoutMs, launcher })
  collectors.push(c)
  return c
}

/** A PATH with a fake nvidia-smi answering both queries. */
function fakeSmi(gpus: string, apps = '', extra: Parameters<typeof fakeCommand>[2] = []) {
  const dir = temp.make()
  const fake = fakeCommand(dir, 'nvidia-smi', [
    ...extra,
    { match: '--query-gpu', stdout: gpus },
    { match: '--query-compute-apps', stdout: apps },
  ])
  return { dir, fake }
}

describe('GpuCollector with a fake nvidia-smi on its PATH', () => {
  it('reads one GPU and its compute processes', async () => {
    const { dir } = fakeSmi(ONE_GPU, APPS)
    const data = await gpu(dir).collect()
    expect(data.gpus).toHaveLength(1)
    expect(data.gpus[0]!.name).toBe('NVIDIA GeForce RTX 3090')
    expect(data.processes.map((p) => p.pid)).toEqual([4242, 4250, 5001])
  })

  it('reads several GPUs and N/A fields', async () => {
    expect((await gpu(fakeSmi(FOUR_A100).dir).collect()).gpus).toHaveLength(4)
    expect((await gpu(fakeSmi(NA_FIELDS).dir).collect()).gpus[0]!.powerWatts).toBeNull()
  })

  it('fails on garbage (ParseError) and on a non-zero exit (CommandFailedError with the message)', async () => {
    await expect(gpu(fakeSmi('Segmentation fault\n').dir).collect()).rejects.toBeInstanceOf(ParseError)
    const dir = temp.make()
    fakeCommand(dir, 'nvidia-smi', [
      {
        match: '--query',
        stdout:
          "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
        exitCode: 9,
      },
    ])
    const error = (await gpu(dir)
      .collect()
      .catch((e: unknown) => e)) as CommandFailedError
    expect(error).toBeInstanceOf(CommandFailedError)
    expect(error.exitCode).toBe(9)
    expect(error.message).toMatch(/couldn't communicate with the NVIDIA driver/)
  })

  it('is unavailable, without spawning anything, when nvidia-smi is not on its PATH', async () => {
    const c = gpu(temp.make())
    await expect(c.collect()).rejects.toBeInstanceOf(CollectorUnavailableError)
    await expect(c.collect()).rejects.toThrow(/nvidia-smi is not on PATH/)
    expect(launcher.pid).toBeUndefined()
  })

  it('kills a hanging nvidia-smi after commandTimeoutMs; collects that come while it runs share it', async () => {
    const dir = temp.make()
    const fake = fakeCommand(dir, 'nvidia-smi', [{ match: '--query-gpu', hang: true }])
    const children = childrenOf()
    const c = gpu(dir, 500)
    const results = await Promise.allSettled([c.collect(), c.collect(), c.collect()])
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(CommandTimeoutError)
    expect(fake.log()).toHaveLength(1)
    const pid = Number(fake.log()[0]!.split(' ')[0])
    await until(() => !exists(pid), 10_000, 'the killed nvidia-smi to be reaped')
    await launcher.close()
    expect(childrenOf()).toEqual(children)
  })

  it.skipIf(hungMountUnavailable() !== undefined)(
    `never starts a second nvidia-smi while a killed one is stuck in D state (${hungMountUnavailable() ?? 'FUSE available'})`,
    async () => {
      const mount = await HungMount.mount(temp.make())
      mounts.push(mount)
      const dir = temp.make()
      // A wedged driver: the process blocks in the kernel where SIGKILL cannot end it.
      const fake = fakeCommand(dir, 'nvidia-smi', [
        { match: '--query-gpu', run: `exec stat -f ${mount.dir}` },
      ])
      const c = gpu(dir, 1000)
      const first = c.collect().catch((e: unknown) => e)
      // Killed only once its statfs has reached the server: from then on SIGKILL cannot end it.
      const pid = await until(() => fake.log().length > 0 && Number(fake.log()[0]!.split(' ')[0]))
      await until(() => mount.callers().includes(pid), 10_000, 'the fake nvidia-smi to block')
      expect(await first).toBeInstanceOf(CommandTimeoutError)
      await until(() => threadStates(pid).includes('D'), 10_000, 'the killed nvidia-smi in D state')
      const busy = (await c.collect().catch((e: unknown) => e)) as CommandBusyError
      expect(busy).toBeInstanceOf(CommandBusyError)
      expect(busy.pid).toBe(pid)
      expect(fake.log()).toHaveLength(1)
      // The driver recovers: once the stuck process has exited, the next collect runs nvidia-smi again
      // (it prints `stat -f` output now, which is no nvidia-smi output: a ParseError).
      await mount.unmount()
      const next = await untilResult(
        () => c.collect().catch((e: unknown) => e),
        (e) => !(e instanceof CommandBusyError),
        10_000,
        'the stuck nvidia-smi to exit',
      )
      expect(next).toBeInstanceOf(ParseError)
      expect(exists(pid)).toBe(false)
      expect(fake.log()).toHaveLength(2)
    },
  )
})
