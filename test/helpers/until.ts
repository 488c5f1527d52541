/**
 * The one poll helper of every test: calls `check` (sync or async) every `everyMs` until it returns
 * a value — anything but `undefined`, `null` or `false` (so `0` and `''` are values) — and resolves
 * with it; throws naming `what` once `timeoutMs` has passed.
 */
export async function until<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = 'condition',
  everyMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== null && value !== false) return value
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
