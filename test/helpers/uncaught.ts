/**
 * Captures what the process would report as uncaught exceptions while `fn` runs (and for the ticks
 * it takes them to surface), instead of letting the test runner fail on them. Restores the runner's
 * own handlers afterwards.
 */
export async function captureUncaught(fn: () => unknown | Promise<unknown>): Promise<unknown[]> {
  const caught: unknown[] = []
  const saved = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  const capture = (error: unknown): void => {
    caught.push(error)
  }
  process.on('uncaughtException', capture)
  try {
    await fn()
    // Two macrotask turns: process.nextTick rethrows land before this resolves.
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('uncaughtException', capture)
    for (const listener of saved) process.on('uncaughtException', listener)
  }
  return caught
}
