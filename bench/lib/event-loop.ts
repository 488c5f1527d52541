/**
 * The worst event-loop delay while `fn` runs: a 1 ms timer chain records how late each callback
 * fires (monitorEventLoopDelay's histogram stays empty over short ticks).
 */
export async function maxDelayDuring<T>(fn: () => Promise<T>): Promise<{ result: T; maxDelayMs: number }> {
  let worst = 0
  let last = performance.now()
  const lateness = (): void => {
    const now = performance.now()
    worst = Math.max(worst, now - last - 1)
    last = now
  }
  let timer: NodeJS.Timeout | undefined
  const probe = (): void => {
    lateness()
    timer = setTimeout(probe, 1)
  }
  timer = setTimeout(probe, 1)
  let result: T
  try {
    result = await fn()
  } finally {
    clearTimeout(timer)
  }
  lateness()
  return { result, maxDelayMs: worst }
}
