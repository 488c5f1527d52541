import { describe, expect, it } from 'vitest'
import { Ticker } from '../../src/index.js'

describe('Ticker', () => {
  it('ticks at once on start(), then every intervalMs; start() is idempotent; stop() ends it and sets stopped', async () => {
    let ticks = 0
    const ticker = new Ticker(20, () => ticks++)
    expect([ticker.running, ticker.stopped]).toEqual([false, false])
    ticker.start()
    ticker.start()
    expect(ticks).toBe(1)
    expect(ticker.running).toBe(true)
    await new Promise((r) => setTimeout(r, 130))
    ticker.stop()
    const seen = ticks
    expect(seen).toBeGreaterThanOrEqual(3)
    expect([ticker.running, ticker.stopped]).toEqual([false, true])
    await new Promise((r) => setTimeout(r, 60))
    expect(ticks).toBe(seen)
    ticker.start()
    expect(ticker.stopped).toBe(false)
    ticker.stop()
  })
})
