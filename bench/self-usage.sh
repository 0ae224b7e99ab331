#!/bin/sh
# bench/self-usage.sh COMMAND...: runs COMMAND and prints, on stderr, the CPU time and peak
# memory of that process alone. /usr/bin/time -v would also count the scratch PostgreSQL:
# confgate waits for the server's watchdog, which waits for postgres, so the whole server's
# CPU lands in confgate's "children" figures. This polls /proc/PID/stat (utime, stime: the
# process's own threads) and /proc/PID/status (VmHWM: its peak resident set) every 50 ms
# until it exits; the last sample is at most 50 ms old.
"$@" &
pid=$!
tick=$(getconf CLK_TCK)
last=""
while [ -r /proc/$pid/stat ]; do
  stat=$(cat /proc/$pid/stat 2>/dev/null) || break
  hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
  case $stat in *") Z "*) break ;; esac   # exited, not yet reaped
  [ -n "$hwm" ] && last="$stat|$hwm"
  sleep 0.05
done
wait $pid
rc=$?
[ -z "$last" ] && { echo "self-usage: no sample of pid $pid" >&2; exit $rc; }
echo "$last" | awk -F'|' -v tick="$tick" '{
  split($1, a, ") "); n = split(a[2], f, " ");   # fields after "pid (comm) ": f[1] is state (field 3)
  printf "self-usage: confgate pid user %.2f s, system %.2f s, cpu %.2f s, peak RSS (VmHWM) %.1f MB\n",
    f[12] / tick, f[13] / tick, (f[12] + f[13]) / tick, $2 / 1024 > "/dev/stderr" }'
exit $rc
