import type { AgentMetadata } from '@warden/store'
import { SCHEMA_VERSION } from '../../src/file/format.js'
import { HISTORY_PARTS } from '../../src/history/history.js'
import { encodeFloat32 } from '../../src/history/serialize.js'

/**
 * The synchronous whole-file encoder that checkpoints used before they were formatted in steps,
 * kept as written then (over the same copied-out parts), as the reference the stepwise encoder
 * must match byte for byte.
 */
export function wholeFileEncoding(meta: AgentMetadata, journalLsn: number): Buffer {
  const {
    resourceUsage,
    schemaVersion: _version,
    journalLsn: _lsn,
    ...rest
  } = meta as AgentMetadata & { schemaVersion?: unknown; journalLsn?: unknown }
  const fields = JSON.stringify(rest)
  const head = `{"schemaVersion":${SCHEMA_VERSION},"journalLsn":${journalLsn},${fields.slice(1, -1)}${fields === '{}' ? '' : ','}"resourceUsage":`
  const parts = resourceUsage[HISTORY_PARTS]()
  const out = [
    `{"maxSize":${parts.maxSize},"evicted":${parts.evicted},"deltaEncoded":${JSON.stringify(parts.deltaEncoded)},"points":{`,
  ]
  parts.columns.forEach(([name, values], i) => {
    out.push(`${i === 0 ? '' : ','}"${name}":[`, listBody(values), ']')
  })
  out.push(`},"counters":${JSON.stringify(parts.counters)},"tiers":[`)
  parts.tiers.forEach((t, i) => {
    out.push(
      `${i === 0 ? '' : ','}{"intervalMs":${t.intervalMs},"size":${t.size},"evicted":${t.evicted},"starts":[`,
      listBody(t.starts),
      '],"data":"',
      encodeFloat32(t.data),
      '","head":',
    )
    if (t.head === null) out.push('null}')
    else out.push(`{"start":${t.head.start},"record":[`, listBody(t.head.record), ']}}')
  })
  out.push(']}')
  return Buffer.from(`${head}${out.join('')}}`, 'utf8')
}

function listBody(values: Float64Array | Int32Array): string {
  const list = values.join(',')
  const nul = values instanceof Int32Array ? '-1' : 'NaN'
  return list.includes(nul) ? list.replaceAll(nul, 'null') : list
}
