import { Counter, Gauge, type Registry, type RegistryContentType } from 'prom-client'

/** Sets one series: labels and value. A null or undefined value leaves the series out. */
export type Emit = (labels: Record<string, string>, value: number | null | undefined) => void

/** Reports a metric whose collection threw: the scrape goes on without it. */
export type OnCollectError = (metric: string, error: unknown) => void

export interface MetricSpec<I> {
  readonly name: string
  readonly help: string
  readonly labelNames?: readonly string[]
  /** Called at each scrape with that scrape's input; `emit` once per series. */
  readonly collect: (input: I, emit: Emit) => void
}

/**
 * Registers a gauge or counter whose series are rebuilt at every scrape from `read()`. A collect
 * that throws empties its metric and is reported, never failing the scrape.
 */
export function define<I>(
  registry: Registry<RegistryContentType>,
  kind: 'gauge' | 'counter',
  spec: MetricSpec<I>,
  read: () => I,
  onError: OnCollectError,
): void {
  const config = {
    name: spec.name,
    help: spec.help,
    labelNames: spec.labelNames ?? [],
    registers: [registry],
  }
  if (kind === 'gauge') {
    new Gauge({
      ...config,
      collect() {
        this.reset()
        try {
          spec.collect(read(), (labels, value) => {
            if (value !== null && value !== undefined) this.set(labels, value)
          })
        } catch (error) {
          this.reset()
          onError(spec.name, error)
        }
      },
    })
    return
  }
  new Counter({
    ...config,
    collect() {
      this.reset()
      try {
        spec.collect(read(), (labels, value) => {
          if (value !== null && value !== undefined) this.inc(labels, value)
        })
      } catch (error) {
        this.reset()
        onError(spec.name, error)
      }
    },
  })
}
