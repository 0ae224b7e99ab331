#!/bin/bash
# Monitoring cost of `confgate canary` on the watched server: the sampling backend's CPU
# time (utime+stime from /proc) and the transactions in its database, over 20 s of a watch at
# --interval 1s and at 100ms, on a scratch server of its own (`scripts/canary-cost.sh`;
# the server must run on this machine: the backend is read from /proc).
set -u
bin=${CONFGATE_BIN:-$(dirname "$0")/../.build/debug/confgate}
work=$(mktemp -d); trap "rm -rf $work" EXIT
out=$work/pg.out
$bin postgres --users 200 --settings $(dirname "$0")/../fixtures/current.conf > $out 2>$work/pg.err &
pgpid=$!
for i in $(seq 1 100); do grep -q "superuser" $out 2>/dev/null && break; sleep 0.2; done
su=$(grep -o 'postgresql://confgate[^ ]*' $out | head -1)
for interval in 1s 100ms; do
  d=30
  $bin canary --postgres "$su" --settings $(dirname "$0")/../fixtures/current.conf --duration ${d}s --interval $interval --no-probe --min-samples 1 --format json > $work/c.json 2>/dev/null &
  cpid=$!
  bpid=""
  for i in $(seq 1 100); do
    bpid=$(psql "$su" -Atc "select pid from pg_stat_activity where application_name like 'confgate-canary%' limit 1" 2>/dev/null)
    [ -n "$bpid" ] && break; sleep 0.1
  done
  x0=$(psql "$su" -Atc "select xact_commit from pg_stat_database where datname = current_database()")
  t0=$(awk '{print $14+$15}' /proc/$bpid/stat); s0=$(date +%s.%N)
  sleep 20
  t1=$(awk '{print $14+$15}' /proc/$bpid/stat); s1=$(date +%s.%N)
  x1=$(psql "$su" -Atc "select xact_commit from pg_stat_database where datname = current_database()")
  wait $cpid
  tck=$(getconf CLK_TCK)
  python3 -c "
cpu=($t1-$t0)/$tck; wall=$s1-$s0
print(f'interval $interval: sampling backend CPU {cpu:.2f} s over {wall:.1f} s = {100*cpu/wall:.2f}% of one core; transactions/s in its database (all sessions) {($x1-$x0)/wall:.1f}')"
done
kill -INT $pgpid; wait $pgpid
