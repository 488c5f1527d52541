/**
 * How long close() waits for a killed helper or command to exit. A process stuck in the kernel
 * (a statfs on a dead NFS server, a wedged GPU driver) exits only when its call returns: it holds
 * no fd of ours and is not waited for longer.
 */
export const EXIT_WAIT_MS = 2000

/**
 * Resolves when `promise` settles or after `ms`, whichever comes first. The timer holds the event
 * loop: what is awaited may be an unref'd process whose exit must still be seen.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      promise.catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
