import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { SystemdCollector } from '../../src/collectors/systemd.js'
import { CollectorUnavailableError, CommandTimeoutError } from '../../src/index.js'
import { Launcher } from '../../src/run/launcher.js'
import { which } from '../../src/run/which.js'
import { fakeCommand } from '../helpers/fake-command.js'
import { childrenOf } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'
import { LIST_UNITS, MANAGER, NOT_BOOTED, SHOW_UNITS } from '../systemd/recorded.js'

const temp = new TempDirs()
const collectors: SystemdCollector[] = []
let launcher = new Launcher()
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.close()
  await launcher.close()
  launcher = new Launcher()
  temp.removeAll()
})

function systemd(
  path: string | undefined,
  units: string[] = [],
  commandTimeoutMs = 10_000,
): SystemdCollector {
  const c = new SystemdCollector({ path, units, commandTimeoutMs, launcher })
  collectors.push(c)
  return c
}

const SHOW_UNITS_ARGS = 'show -p Id,'

describe('SystemdCollector with a fake systemctl', () => {
  it('reads the manager state and the allowlisted units, one systemctl at a time', async () => {
    const dir = temp.make()
    const fake = fakeCommand(dir, 'systemctl', [
      { match: SHOW_UNITS_ARGS, stdout: SHOW_UNITS },
      { match: 'show -p Version', stdout: MANAGER },
    ])
    const data = await systemd(`${dir}:/usr/bin:/bin`, ['nginx.service', 'nosuch.service']).collect()
    expect(data).toMatchObject({ systemState: 'degraded', failedUnits: 1, version: '252.22-1~deb12u1' })
    expect(data.units.map((u) => [u.unit, u.activeState])).toEqual([
      ['nginx.service', 'active'],
      ['nosuch.service', 'inactive'],
    ])
    expect(data.units[0]!.startedAt).toBeLessThan(Date.now())
    expect(fake.log()[1]).toMatch(/ -- nginx.service nosuch.service$/)
  })

  it('discovers service units with list-units', async () => {
    const dir = temp.make()
    fakeCommand(dir, 'systemctl', [
      { match: 'list-units --type=service --all --plain --no-legend', stdout: LIST_UNITS },
    ])
    expect((await systemd(`${dir}:/usr/bin:/bin`).discover()).map((u) => u.unit)).toContain('ssh.service')
  })

  it('is unavailable when systemd is not running, and does not run systemctl again every collect', async () => {
    const dir = temp.make()
    const fake = fakeCommand(dir, 'systemctl', [{ match: 'show', stderr: NOT_BOOTED, exitCode: 1 }])
    const c = systemd(`${dir}:/usr/bin:/bin`, ['nginx.service'])
    await expect(c.collect()).rejects.toBeInstanceOf(CollectorUnavailableError)
    await expect(c.collect()).rejects.toThrow(/not been booted with systemd/)
    expect(fake.log()).toHaveLength(1)
  })

  it('is unavailable when systemctl is not on PATH', async () => {
    await expect(systemd(temp.make()).collect()).rejects.toThrow(/systemctl is not on PATH/)
  })

  it('kills a hanging systemctl after commandTimeoutMs', async () => {
    const dir = temp.make()
    fakeCommand(dir, 'systemctl', [{ match: 'show', hang: true }])
    const children = childrenOf()
    const c = systemd(`${dir}:/usr/bin:/bin`, [], 300)
    await expect(c.collect()).rejects.toBeInstanceOf(CommandTimeoutError)
    await c.close()
    await launcher.close()
    expect(childrenOf()).toEqual(children)
  })
})

const realSystemctl = which('systemctl', process.env.PATH)
const systemdRunning = existsSync('/run/systemd/system')

describe('SystemdCollector with the real systemctl', () => {
  it.skipIf(realSystemctl === undefined || systemdRunning)(
    `reports unavailable where systemd is not running (${realSystemctl === undefined ? 'no systemctl here' : systemdRunning ? 'systemd runs here' : 'systemctl present, systemd not running'})`,
    async () => {
      const error = await systemd(process.env.PATH, ['ssh.service'])
        .collect()
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CollectorUnavailableError)
    },
  )

  it.skipIf(realSystemctl === undefined || !systemdRunning)(
    `reads the manager state where systemd runs (${systemdRunning ? 'systemd runs here' : 'systemd not running here'})`,
    async () => {
      const data = await systemd(process.env.PATH, ['nonexistent-warden-test.service']).collect()
      expect(data.units[0]!.loadState).toBe('not-found')
    },
  )
})
