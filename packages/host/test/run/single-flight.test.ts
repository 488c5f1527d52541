import { afterEach, describe, expect, it } from 'vitest'
import { CommandBusyError, CommandFailedError, CommandTimeoutError } from '../../src/index.js'
import { Launcher } from '../../src/run/launcher.js'
import { SingleFlight, SingleFlightCommand } from '../../src/run/single-flight.js'
import { fakeCommand } from '../helpers/fake-command.js'
import { childrenOf, exists, until } from '../helpers/processes.js'
import { TempDirs } from '../helpers/temp.js'

const temp = new TempDirs()
let launcher = new Launcher()
afterEach(async () => {
  await launcher.close()
  launcher = new Launcher()
  temp.removeAll()
})

function command(dir: string, name: string, timeoutMs = 10_000): SingleFlightCommand {
  return new SingleFlightCommand({
    name,
    file: `${dir}/${name}`,
    timeoutMs,
    env: { PATH: '/usr/bin:/bin' },
    launcher,
  })
}

describe('SingleFlight', () => {
  it('shares one run between callers that arrive while it runs, and runs again after', async () => {
    const flight = new SingleFlight<number>()
    let runs = 0
    const job = async (): Promise<number> => ++runs
    const [a, b] = await Promise.all([flight.run(job), flight.run(job)])
    expect([a, b, runs]).toEqual([1, 1, 1])
    expect(await flight.run(job)).toBe(2)
  })
})

describe('SingleFlightCommand', () => {
  it('returns stdout, and fails with the exit code and the output of a failing run', async () => {
    const dir = temp.make()
    fakeCommand(dir, 'tool', [
      { match: 'ok', stdout: 'hello\n' },
      { match: 'bad', stdout: 'partial', stderr: 'first\nit broke\n', exitCode: 9 },
    ])
    const tool = command(dir, 'tool')
    expect((await tool.run(['ok'])).stdout).toBe('hello\n')
    const error = await tool.run(['bad']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandFailedError)
    expect(error).toMatchObject({
      exitCode: 9,
      output: 'first\nit broke',
      message: 'tool exited with 9: it broke',
    })
  })

  it('fails to start a missing executable with its ENOENT as cause', async () => {
    const tool = command(temp.make(), 'nothing-here')
    const error = (await tool.run([]).catch((e: unknown) => e)) as CommandFailedError
    expect(error).toBeInstanceOf(CommandFailedError)
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
    expect(tool.pid).toBeUndefined()
  })

  it('kills a run past its timeout (its whole process group) and runs the next one after it exited', async () => {
    const dir = temp.make()
    const fake = fakeCommand(dir, 'tool', [
      { match: 'hang', hang: true },
      { match: 'ok', stdout: 'fine' },
    ])
    const children = childrenOf()
    // Long enough for the fake to start and log its pid on a loaded machine (300 ms was not, in CI).
    const tool = command(dir, 'tool', 2000)
    const error = await tool.run(['hang']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandTimeoutError)
    const pid = Number(fake.log()[0]!.split(' ')[0])
    // Gone from /proc, and its exit seen by the command (a moment later, through the launcher).
    await until(() => !exists(pid) && tool.pid === undefined, 10_000, 'the killed run to be reaped')
    expect((await tool.run(['ok'])).stdout).toBe('fine')
    await launcher.close()
    expect(childrenOf()).toEqual(children)
  })

  it('never runs two at once: a second caller waits for the first run to exit', async () => {
    const dir = temp.make()
    const fake = fakeCommand(dir, 'tool', [{ match: 'ok', stdout: 'x' }])
    const tool = command(dir, 'tool')
    const runs = await Promise.all([tool.run(['ok', '1']), tool.run(['ok', '2']), tool.run(['ok', '3'])])
    expect(runs.map((r) => r.stdout)).toEqual(['x', 'x', 'x'])
    expect(fake.log().map((l) => l.split(' ').slice(1).join(' '))).toEqual(['ok 1', 'ok 2', 'ok 3'])
  })

  it('close() kills the run in flight and waits for it to exit', async () => {
    const dir = temp.make()
    fakeCommand(dir, 'tool', [{ match: 'hang', hang: true }])
    const children = childrenOf()
    const tool = command(dir, 'tool')
    const run = tool.run(['hang']).catch((e: unknown) => e)
    const pid = await until(() => tool.pid)
    await tool.close()
    expect(tool.pid).toBeUndefined()
    expect(exists(pid)).toBe(false)
    await launcher.close()
    expect(childrenOf()).toEqual(children)
    expect(await run).toBeInstanceOf(CommandFailedError)
  })

  it('refuses with CommandBusyError while a killed run has not exited', () => {
    expect(new CommandBusyError({ command: 'nvidia-smi', pid: 1, since: 0 }).message).toMatch(
      /not starting another/,
    )
  })
})
