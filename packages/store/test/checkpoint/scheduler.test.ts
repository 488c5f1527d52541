import { describe, expect, it } from 'vitest'
import { CheckpointScheduler } from '../../src/checkpoint/scheduler.js'

/** A scheduler whose batches are recorded and finish when the test says. */
function harness(batchSize = 2) {
  const batches: string[][] = []
  const finish: (() => void)[] = []
  const scheduler = new CheckpointScheduler(batchSize, (ids) => {
    batches.push(ids)
    return new Promise<void>((resolve) => finish.push(resolve))
  })
  const settle = async (): Promise<void> => {
    finish.shift()!()
    // Lets the scheduler see the batch end and start the next one.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { scheduler, batches, settle }
}

describe('CheckpointScheduler', () => {
  it('starts agents due by their point count only after a commit, one batch per commit', async () => {
    const { scheduler, batches, settle } = harness()
    for (const id of ['a', 'b', 'c', 'd', 'e']) scheduler.due(id)
    expect(batches).toEqual([])
    scheduler.committed()
    expect(batches).toEqual([['a', 'b']])
    await settle()
    // No commit meanwhile: the next batch waits for one.
    expect(batches).toHaveLength(1)
    scheduler.committed()
    expect(batches.at(-1)).toEqual(['c', 'd'])
    // Commits while a batch runs count once, when it ends.
    scheduler.committed()
    scheduler.committed()
    await settle()
    expect(batches.at(-1)).toEqual(['e'])
    await settle()
    expect(batches).toHaveLength(3)
  })

  it('a commit during urgent work still lets due agents into the next batch (never starved)', async () => {
    const { scheduler, batches, settle } = harness()
    scheduler.due('d1')
    scheduler.urgent('u1')
    await Promise.resolve()
    expect(batches).toEqual([['u1']])
    scheduler.committed()
    scheduler.urgent('u2')
    await settle()
    expect(batches.at(-1)).toEqual(['u2', 'd1'])
  })

  it('runs urgent agents batch after batch without commits, before the due ones', async () => {
    const { scheduler, batches, settle } = harness()
    scheduler.due('d1')
    for (const id of ['u1', 'u2', 'u3']) scheduler.urgent(id)
    await Promise.resolve()
    expect(batches).toEqual([['u1', 'u2']])
    await settle()
    expect(batches.at(-1)).toEqual(['u3'])
    await settle()
    expect(batches).toHaveLength(2)
    scheduler.committed()
    expect(batches.at(-1)).toEqual(['d1'])
  })

  it('an agent already urgent is not due twice; forget drops it; drain runs everything', async () => {
    const { scheduler, batches, settle } = harness(10)
    scheduler.due('x')
    scheduler.urgent('x')
    scheduler.due('x')
    scheduler.due('y')
    scheduler.due('z')
    scheduler.forget('z')
    const drained = scheduler.drain()
    await settle()
    await drained
    expect(batches).toEqual([['x', 'y']])
  })
})
