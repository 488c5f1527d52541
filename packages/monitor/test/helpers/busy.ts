/**
 * Keeps the thread busy for `ms`, as an expensive listener would: a tick must then yield to the
 * event loop before its next agent. Not a wait for anything.
 */
export function busyFor(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // Spinning on purpose.
  }
}
