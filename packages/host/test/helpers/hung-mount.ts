import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'hang-statfs.py')
const PYTHON = '/usr/bin/python3'

/** Why a real hung mount cannot be made here, or undefined when it can. */
export function hungMountUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting FUSE needs root'
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse'
  if (spawnSync(PYTHON, ['-c', 'import fusepy'], { stdio: 'ignore' }).status !== 0) {
    return 'needs Debian python3-fusepy (apt-get install -y python3-fusepy)'
  }
  return undefined
}

/** A FUSE mount whose statfs hangs for this process's descendants (see fixtures/hang-statfs.py). */
export class HungMount {
  readonly dir: string
  readonly #log: string
  readonly #server: ChildProcess

  private constructor(dir: string, log: string, server: ChildProcess) {
    this.dir = dir
    this.#log = log
    this.#server = server
  }

  /** Mounts it at `<parent>/hung` and resolves once mounted. */
  static async mount(parent: string): Promise<HungMount> {
    const dir = join(parent, 'hung')
    mkdirSync(dir)
    const log = join(parent, 'statfs.log')
    const server = spawn(PYTHON, [SCRIPT, dir, log, String(process.pid)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const mount = new HungMount(dir, log, server)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.once('exit', (code) => reject(new Error(`hang-statfs.py exited with ${code}`)))
        server.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve()
        })
      })
    } catch (error) {
      await mount.unmount()
      throw error
    }
    server.removeAllListeners('exit')
    return mount
  }

  /** pids (thread groups) whose statfs on the mount hangs now or hung before. */
  callers(): number[] {
    return existsSync(this.#log)
      ? readFileSync(this.#log, 'utf8').trim().split('\n').filter(Boolean).map(Number)
      : []
  }

  /**
   * Kills the server, which aborts the connection: every hung statfs returns (ECONNABORTED) and its
   * process can exit. Then detaches the dead mount. Safe to call twice.
   */
  async unmount(): Promise<void> {
    if (this.#server.exitCode === null && this.#server.signalCode === null) {
      const exited = new Promise((resolve) => this.#server.once('exit', resolve))
      this.#server.kill('SIGKILL')
      await exited
    }
    spawnSync('umount', ['-l', this.dir], { stdio: 'ignore' })
  }
}
