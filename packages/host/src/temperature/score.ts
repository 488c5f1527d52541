/**
 * How CPU-like a hwmon sensor is, 0–100, from its driver (chip) name and label. The package
 * sensor of coretemp, and the die sensors of k10temp / zenpower, are the CPU temperature; k10temp's
 * Tctl carries a fan-control offset on some CPUs (+27 °C on Threadripper 1950X), so Tdie and the
 * per-CCD sensors rank above it.
 */
export function hwmonScore(chip: string, label: string | null): number {
  const l = label ?? ''
  switch (chip) {
    case 'coretemp':
      if (l === 'Package id 0') return 100
      if (/^Package id \d+$/.test(l)) return 95
      if (/^Core \d+$/.test(l)) return 80
      return 60
    case 'k10temp':
    case 'zenpower':
      if (l === 'Tdie') return 100
      if (/^Tccd\d+$/.test(l)) return 95
      // Unlabelled temp1 is Tctl on kernels before 4.16.
      if (l === 'Tctl' || label === null) return 90
      return 60
    case 'cpu_thermal':
    case 'cpu-thermal':
    case 'soc_thermal':
      return 90
    case 'acpitz':
      return 40
  }
  if (/cpu|package|peci/i.test(l) || /cpu/i.test(chip)) return 70
  return 10
}

/** How CPU-like a /sys/class/thermal zone is, 0–100: zones are the last resort after hwmon. */
export function thermalZoneScore(type: string): number {
  if (type === 'x86_pkg_temp') return 85
  if (/cpu|soc|pkg/i.test(type)) return 80
  if (type === 'acpitz') return 40
  return 10
}
