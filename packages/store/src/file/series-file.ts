import type { FileHandle } from 'node:fs/promises'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidOptionError, StoreIOError } from '../errors.js'
import { defineSeries, PROCESS_SERIES, type Series, sameSeries } from '../history/series.js'
import { SEGMENT_FILE } from '../journal/segment.js'
import { writeFileAtomic } from './atomic-write.js'

/**
 * The declaration of a directory whose histories are not process points. Agents' directories have
 * none (their files stay byte for byte what they were), and it does not end in `.json`, so it is
 * never taken for an agent's record.
 */
export const SERIES_FILE = '.warden-series'

const declared = (s: Series) => ({
  gauges: s.gauges,
  counters: s.counters,
  rates: s.rates,
  integers: [...s.integers],
  extras: s.extras,
})

/**
 * Refuses to open a directory written with other columns than `series` (its files would read as
 * corrupt and be set aside, its journal cut). A writer declares a new non-process directory.
 * `names` is the directory's listing; a directory with records but no declaration holds process points.
 */
export async function checkSeriesFile(
  dir: string,
  series: Series,
  names: readonly string[],
  writer: { readonly fsync: boolean; readonly dirHandle: FileHandle | undefined } | undefined,
): Promise<void> {
  const path = join(dir, SERIES_FILE)
  let found: Series
  if (names.includes(SERIES_FILE)) {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (cause) {
      throw new StoreIOError({ path, operation: 'read the series declaration', cause })
    }
    try {
      found = defineSeries(JSON.parse(text))
    } catch (cause) {
      throw new StoreIOError({ path, operation: 'read the series declaration', cause })
    }
  } else if (
    names.some((n) => n.endsWith('.json') || SEGMENT_FILE.test(n)) ||
    sameSeries(series, PROCESS_SERIES)
  ) {
    found = PROCESS_SERIES
  } else if (writer !== undefined) {
    const data = Buffer.from(`${JSON.stringify(declared(series))}\n`)
    try {
      await writeFileAtomic(path, data, { fsync: writer.fsync, dir: writer.dirHandle })
    } catch (cause) {
      throw new StoreIOError({ path, operation: 'write the series declaration', cause })
    }
    return
  } else return
  if (!sameSeries(found, series)) {
    throw new InvalidOptionError({
      option: 'history.series',
      expected: `the columns ${dir} was written with (${found.columns.join(', ')})`,
      value: series.columns,
    })
  }
}
