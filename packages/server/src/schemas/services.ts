import { Type } from '@sinclair/typebox'
import { Nullable } from './common.js'

const ListedUnit = Type.Object({
  unit: Type.String(),
  loadState: Type.String(),
  activeState: Type.String(),
  subState: Type.String(),
  description: Type.String(),
})

export const Services = Type.Object({
  /** Every service unit systemd knows (`systemctl list-units --type=service --all`). */
  units: Type.Array(ListedUnit),
  /** The host's systemd collector's latest reading of its watched units; null when it has none. */
  watched: Nullable(Type.Unknown()),
})
