/**
 * Wraps an async function so that its calls run one after another in call order: each starts
 * once the previous one settled, and a rejection is passed to its caller without blocking the
 * next call. Sampler passes share per-process state, so they must never interleave.
 */
export function serialize<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let queue: Promise<unknown> = Promise.resolve()
  return (...args) => {
    const run = queue.then(() => fn(...args))
    queue = run.catch(() => {})
    return run
  }
}
