import { Registry, type RegistryContentType } from 'prom-client'
import type { Sources } from '../sources/sources.js'
import { Memo } from '../util/memo.js'
import { AGENT_COUNTERS, AGENT_GAUGES } from './agents.js'
import { COLLECTOR_GAUGES } from './collectors.js'
import { define, type OnCollectError } from './define.js'
import { HOST_COUNTERS, HOST_GAUGES } from './host.js'
import { type ScrapeInput, scrapeInput } from './input.js'

export interface Rendered {
  readonly contentType: string
  /** Encoded once: every scrape sharing the render sends the same bytes. */
  readonly body: Buffer
}

/** How long one render may be served again while nothing changed (values change at ticks anyway). */
export const METRICS_MAX_AGE_MS = 1000

/**
 * `/metrics` through prom-client: one registry per format, since prom-client renames a counter
 * object in place when it renders OpenMetrics. Each scrape reads its input once; scrapes that
 * come while nothing changed (no tick, no status change) within a second share one render.
 */
export class MetricsExporter {
  readonly #sources: Sources
  readonly #text: Registry<RegistryContentType>
  readonly #open: Registry<RegistryContentType>
  #input: ScrapeInput | undefined
  readonly #memos = {
    text: new Memo<Promise<Rendered>>(METRICS_MAX_AGE_MS),
    open: new Memo<Promise<Rendered>>(METRICS_MAX_AGE_MS),
  }

  constructor(sources: Sources, onError: OnCollectError) {
    this.#sources = sources
    this.#text = this.#registry(Registry.PROMETHEUS_CONTENT_TYPE, onError)
    this.#open = this.#registry(Registry.OPENMETRICS_CONTENT_TYPE, onError)
  }

  render(openMetrics: boolean): Promise<Rendered> {
    const memo = openMetrics ? this.#memos.open : this.#memos.text
    return memo.get(this.#sources.changes.generation, () => this.#render(openMetrics))
  }

  async #render(openMetrics: boolean): Promise<Rendered> {
    const registry = openMetrics ? this.#open : this.#text
    this.#input = scrapeInput(this.#sources)
    // Every collect runs synchronously inside metrics() before its first await: one input per scrape.
    const pending = registry.metrics()
    this.#input = undefined
    return { contentType: registry.contentType, body: Buffer.from(await pending) }
  }

  #registry(contentType: RegistryContentType, onError: OnCollectError): Registry<RegistryContentType> {
    const registry = new Registry<RegistryContentType>()
    registry.setContentType(contentType)
    const read = (): ScrapeInput => {
      if (this.#input === undefined) throw new Error('metrics read outside a scrape')
      return this.#input
    }
    for (const spec of [...AGENT_GAUGES, ...HOST_GAUGES, ...COLLECTOR_GAUGES])
      define(registry, 'gauge', spec, read, onError)
    for (const spec of [...AGENT_COUNTERS, ...HOST_COUNTERS]) define(registry, 'counter', spec, read, onError)
    return registry
  }
}
