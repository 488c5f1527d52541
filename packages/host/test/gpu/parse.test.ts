import { describe, expect, it } from 'vitest'
import { parseComputeApps, parseGpus } from '../../src/gpu/parse.js'
import { ParseError } from '../../src/index.js'
import { APPS, FOUR_A100, NA_FIELDS, ONE_GPU } from './recorded.js'

const MIB = 1024 * 1024

describe('parseGpus (recorded nvidia-smi output)', () => {
  it('one GPU: MiB to bytes, W, °C, %', () => {
    expect(parseGpus(ONE_GPU)).toEqual([
      {
        index: 0,
        uuid: 'GPU-3b2a0c7e-5f1d-9a4c-8e21-6d0f7b9c1a52',
        name: 'NVIDIA GeForce RTX 3090',
        utilizationPercent: 37,
        memoryUsedBytes: 10240 * MIB,
        memoryTotalBytes: 24576 * MIB,
        temperatureCelsius: 62,
        powerWatts: 187.35,
      },
    ])
  })

  it('several GPUs', () => {
    const gpus = parseGpus(FOUR_A100)
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3])
    expect(gpus[1]).toMatchObject({ utilizationPercent: 0, memoryUsedBytes: 3 * MIB, powerWatts: 54.12 })
  })

  it('[N/A] and [Not Supported] become null', () => {
    const [gt710, laptop] = parseGpus(NA_FIELDS)
    expect(gt710).toMatchObject({ utilizationPercent: null, powerWatts: null, memoryUsedBytes: 284 * MIB })
    expect(laptop).toMatchObject({
      utilizationPercent: null,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
      temperatureCelsius: 45,
    })
  })

  it('garbage is a ParseError', () => {
    expect(() =>
      parseGpus("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n"),
    ).toThrow(ParseError)
    expect(() => parseGpus('0, GPU-x, Tesla T4, lots, 1, 2, 3, 4\n')).toThrow(ParseError)
    expect(parseGpus('')).toEqual([])
  })
})

describe('parseComputeApps', () => {
  it('pids and MiB; [N/A] memory is null; no processes is empty', () => {
    expect(parseComputeApps(APPS)).toEqual([
      { pid: 4242, usedMemoryBytes: 10198 * MIB },
      { pid: 4250, usedMemoryBytes: 2048 * MIB },
      { pid: 5001, usedMemoryBytes: null },
    ])
    expect(parseComputeApps('')).toEqual([])
    expect(() => parseComputeApps('No running processes found\n')).toThrow(ParseError)
  })
})
