import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RotatingFile } from '../../src/logs/rotating-file.js'
import { tempDir } from '../helpers.js'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
})
afterEach(() => tmp.cleanup())

describe('RotatingFile', () => {
  it('rotates at line boundaries, keeps `backups` files, drops the oldest', async () => {
    const path = join(tmp.dir, 'a.log')
    const errors: unknown[] = []
    const f = new RotatingFile({
      path,
      maxBytes: 20,
      backups: 2,
      maxQueueBytes: 1 << 20,
      onError: (e) => errors.push(e),
    })
    for (let i = 0; i < 10; i++) f.writeLine(Buffer.from(`line-${i}`)) // 7 bytes + newline
    await f.close()
    expect(errors).toEqual([])
    expect(readFileSync(path, 'utf8')).toBe('line-8\nline-9\n')
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('line-6\nline-7\n')
    expect(readFileSync(`${path}.2`, 'utf8')).toBe('line-4\nline-5\n')
    expect(existsSync(`${path}.3`)).toBe(false)
  })

  it('appends to an existing file and counts its size', async () => {
    const path = join(tmp.dir, 'b.log')
    writeFileSync(path, 'old-line-1234\n')
    const f = new RotatingFile({ path, maxBytes: 20, backups: 1, maxQueueBytes: 1 << 20, onError: () => {} })
    f.writeLine(Buffer.from('new-line-1234'))
    await f.close()
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('old-line-1234\n')
    expect(readFileSync(path, 'utf8')).toBe('new-line-1234\n')
  })

  it('backups: 0 truncates instead of keeping files', async () => {
    const path = join(tmp.dir, 'c.log')
    const f = new RotatingFile({ path, maxBytes: 10, backups: 0, maxQueueBytes: 1 << 20, onError: () => {} })
    for (const l of ['aaaa', 'bbbb', 'cccc']) f.writeLine(Buffer.from(l))
    await f.close()
    expect(readFileSync(path, 'utf8')).toBe('cccc\n')
    expect(existsSync(`${path}.1`)).toBe(false)
  })

  it('drops (and counts, and marks) lines beyond maxQueueBytes instead of blocking', async () => {
    const path = join(tmp.dir, 'd.log')
    const f = new RotatingFile({ path, maxBytes: 1 << 20, backups: 1, maxQueueBytes: 10, onError: () => {} })
    for (const l of ['aaaa', 'bbbb', 'cccc', 'dddd']) f.writeLine(Buffer.from(l))
    await f.close()
    expect(f.droppedLines).toBe(2)
    expect(readFileSync(path, 'utf8')).toBe(
      'aaaa\nbbbb\n[warden] 2 line(s) dropped: the log writer fell behind\n',
    )
  })

  it('reports a write error through onError and keeps going', async () => {
    const errors: unknown[] = []
    const f = new RotatingFile({
      path: join(tmp.dir, 'missing-dir', 'e.log'),
      maxBytes: 100,
      backups: 1,
      maxQueueBytes: 1 << 20,
      onError: (e) => errors.push(e),
    })
    f.writeLine(Buffer.from('x'))
    await f.flush()
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOENT')
    expect(f.droppedLines).toBe(1)
    await f.close()
  })
})
