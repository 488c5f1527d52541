// systemctl output as recorded on a Debian 12 host (systemd 252); service properties print before unit ones.

export const MANAGER = 'Version=252.22-1~deb12u1\nSystemState=degraded\nNFailedUnits=1\n'

export const SHOW_UNITS = `MainPID=1234
NRestarts=2
ExecMainStartTimestamp=Tue 2024-05-14 10:22:31 UTC
ExecMainStartTimestampMonotonic=5000000
MemoryCurrent=8388608
CPUUsageNSec=1234567890
TasksCurrent=3
Id=nginx.service
Description=A high performance web server and a reverse proxy server
LoadState=loaded
ActiveState=active
SubState=running
UnitFileState=enabled
ActiveEnterTimestampMonotonic=5100000

MainPID=0
NRestarts=0
ExecMainStartTimestamp=
ExecMainStartTimestampMonotonic=0
MemoryCurrent=[not set]
CPUUsageNSec=[not set]
TasksCurrent=[not set]
Id=nosuch.service
Description=nosuch.service
LoadState=not-found
ActiveState=inactive
SubState=dead
UnitFileState=
ActiveEnterTimestampMonotonic=0
`

export const LIST_UNITS = `  cron.service                 loaded    active   running Regular background program processing daemon
● nosuch.service              not-found inactive dead    nosuch.service
  nginx.service                loaded    failed   failed  A high performance web server and a reverse proxy server
  ssh.service                  loaded    active   running OpenBSD Secure Shell server
`

export const NOT_BOOTED =
  "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n"
