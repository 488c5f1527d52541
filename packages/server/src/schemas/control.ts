import { type Static, Type } from '@sinclair/typebox'

export const ControlParams = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' }),
    action: Type.Union([Type.Literal('start'), Type.Literal('stop'), Type.Literal('restart')]),
  },
  { additionalProperties: false },
)
export type ControlParams = Static<typeof ControlParams>
