import type { ResourceDataPoint } from '@warden/store'

/** A full point with defaults, overridden by `p`. */
export function point(p: Partial<ResourceDataPoint> & { timestamp: number }): ResourceDataPoint {
  return {
    cpuPercent: 0,
    memoryRss: 0,
    memoryVms: 0,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    openFiles: 0,
    threads: 1,
    ...p,
  }
}

const s = 1000

/**
 * The hand-computed aggregation fixture: nulls in every nullable field and a counter reset
 * (diskReadBytes drops from 3000 to 500 at t=60 s). Expected buckets are in `EXPECTED_60S`.
 */
export const TABLE_POINTS: ResourceDataPoint[] = [
  {
    timestamp: 0 * s,
    cpuPercent: null,
    memoryRss: 100,
    memoryVms: 1000,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    openFiles: 10,
    threads: 2,
  },
  {
    timestamp: 20 * s,
    cpuPercent: 10,
    memoryRss: 200,
    memoryVms: 1000,
    diskReadBytes: 1000,
    diskWriteBytes: null,
    openFiles: null,
    threads: 2,
  },
  {
    timestamp: 40 * s,
    cpuPercent: 30,
    memoryRss: 300,
    memoryVms: 1000,
    diskReadBytes: 3000,
    diskWriteBytes: 500,
    openFiles: 12,
    threads: 4,
  },
  {
    timestamp: 60 * s,
    cpuPercent: 20,
    memoryRss: 400,
    memoryVms: 1000,
    diskReadBytes: 500,
    diskWriteBytes: 700,
    openFiles: 14,
    threads: 4,
  },
  {
    timestamp: 80 * s,
    cpuPercent: null,
    memoryRss: 100,
    memoryVms: 1000,
    diskReadBytes: 2500,
    diskWriteBytes: null,
    openFiles: null,
    threads: 3,
  },
  {
    timestamp: 100 * s,
    cpuPercent: 40,
    memoryRss: 300,
    memoryVms: 1000,
    diskReadBytes: 4500,
    diskWriteBytes: 1700,
    openFiles: 16,
    threads: 5,
  },
  {
    timestamp: 130 * s,
    cpuPercent: 0,
    memoryRss: 200,
    memoryVms: 1000,
    diskReadBytes: null,
    diskWriteBytes: 1900,
    openFiles: 10,
    threads: 1,
  },
]

const g = (avg: number | null, min: number | null, max: number | null, count: number) => ({
  avg,
  min,
  max,
  count,
})

/*
 * Worked by hand, 60 s buckets:
 * [0,60)   cpu {10,30} (null left out); rss {100,200,300}; threads {2,2,4}; open {10,12}
 *          read pairs 0→1000 (20 s) + 1000→3000 (20 s) = 3000 B / 40 s = 75 B/s
 *          write 0 → (null) → 500: one pair over 40 s = 12.5 B/s
 * [60,120) cpu {20,40}; rss {400,100,300}; threads {4,3,5}; open {14,16}
 *          read 3000→500 is a restart (left out); 500→2500→4500 = 4000 B / 40 s = 100 B/s
 *          write 500→700 (20 s) + 700→1700 (40 s, null skipped) = 1200 B / 60 s = 20 B/s
 * [120,180) cpu {0} (a real 0, counted); read null → no rate; write 1700→1900 over 30 s
 */
export const EXPECTED_60S = [
  {
    start: 0,
    end: 60 * s,
    count: 3,
    cpuPercent: g(20, 10, 30, 2),
    memoryRss: g(200, 100, 300, 3),
    memoryVms: g(1000, 1000, 1000, 3),
    openFiles: g(11, 10, 12, 2),
    threads: g(8 / 3, 2, 4, 3),
    diskReadRate: 75,
    diskWriteRate: 12.5,
  },
  {
    start: 60 * s,
    end: 120 * s,
    count: 3,
    cpuPercent: g(30, 20, 40, 2),
    memoryRss: g(800 / 3, 100, 400, 3),
    memoryVms: g(1000, 1000, 1000, 3),
    openFiles: g(15, 14, 16, 2),
    threads: g(4, 3, 5, 3),
    diskReadRate: 100,
    diskWriteRate: 20,
  },
  {
    start: 120 * s,
    end: 180 * s,
    count: 1,
    cpuPercent: g(0, 0, 0, 1),
    memoryRss: g(200, 200, 200, 1),
    memoryVms: g(1000, 1000, 1000, 1),
    openFiles: g(10, 10, 10, 1),
    threads: g(1, 1, 1, 1),
    diskReadRate: null,
    diskWriteRate: (200 * 1000) / 30_000,
  },
]

/** The same points in 120 s buckets. */
export const EXPECTED_120S = [
  {
    start: 0,
    end: 120 * s,
    count: 6,
    cpuPercent: g(25, 10, 40, 4),
    memoryRss: g(1400 / 6, 100, 400, 6),
    memoryVms: g(1000, 1000, 1000, 6),
    openFiles: g(13, 10, 16, 4),
    threads: g(20 / 6, 2, 5, 6),
    // (3000 + 4000) B over (40 + 40) s; (500 + 1200) B over (40 + 60) s
    diskReadRate: 87.5,
    diskWriteRate: 17,
  },
  { ...EXPECTED_60S[2]!, end: 240 * s },
]
