#!/usr/bin/env bash
# The dashboard process as users run it, beside its peers in the same run: `cutover` attached
# to a control plane with live data at 1 Hz (the simulator, 1 s evaluations), htop (`-d 10`,
# one refresh a second) and bottom (`btm`, 1 s refresh), each in its own 200×50 tmux pane whose
# output is captured with pipe-pane. Reports for each: CPU (from /proc), terminal bytes per
# second in steady state, and peak RSS. Usage: benches/dashboard.sh [SECONDS] (default 60).
# cutover is run as `scripts/install` installs it (the dashboard handed over to
# `cutover-dashboard`, built for a small footprint).
# Needs tmux, htop (`apt-get install htop`) and btm (`cargo install bottom --locked`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
work="$(mktemp -d)"
trap 'tmux -L cutover-bench kill-server 2>/dev/null || true; kill ${serve:-} 2>/dev/null || true; rm -rf "$work"' EXIT
scripts/install "$work/bin" >/dev/null
bin="$work/bin/cutover"

"$bin" serve --profile vividwalls --source sim --eval-interval 1s --listen 127.0.0.1:0 --data "$work/data" 2>"$work/serve.log" &
serve=$!
for _ in $(seq 50); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url="$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)"

declare -A command=(
  [cutover]="$bin --connect $url"
  [htop]="htop -d 10"
  [btm]="btm -r 1000"
)
for name in cutover htop btm; do
  command -v "${command[$name]%% *}" >/dev/null || { echo "missing ${command[$name]%% *}" >&2; exit 1; }
  tmux -L cutover-bench new-session -d -s "$name" -x 200 -y 50 "${command[$name]}"
  tmux -L cutover-bench pipe-pane -t "$name" "cat >> $work/$name.out"
done
sleep 5   # connect and draw the first full frames
hz="$(getconf CLK_TCK)"
declare -A pid cpu0 bytes0
for name in cutover htop btm; do
  pane="$(tmux -L cutover-bench display -p -t "$name" '#{pane_pid}')"
  # The pane's process, or its child when a shell sits between.
  # (`cutover` hands the dashboard to `cutover-dashboard`, same pid: its comm is cut to 15.)
  case "$(cat "/proc/$pane/comm")" in
    "$name" | cutover-dashboa) ;;
    *) pane="$(pgrep -P "$pane" "$name")" ;;
  esac
  pid[$name]="$pane"
  cpu0[$name]="$(awk '{print $14 + $15}' "/proc/$pane/stat")"
  bytes0[$name]="$(stat -c %s "$work/$name.out")"
done
# cutover's resident memory once a minute, to show whether it grows.
for ((elapsed = 0; elapsed < seconds; elapsed += 60)); do
  sleep "$(( seconds - elapsed < 60 ? seconds - elapsed : 60 ))"
  awk '/VmRSS/ {printf "%s ", $2}' "/proc/${pid[cutover]}/status" >> "$work/rss-by-minute"
done
echo "200x50 panes, 1 Hz refresh, ${seconds}s, measured together:"
echo "  cutover's RSS each minute (KiB): $(cat "$work/rss-by-minute")"
printf '  %-8s %10s %14s %16s\n' process CPU "terminal B/s" "peak RSS"
for name in cutover htop btm; do
  p="${pid[$name]}"
  cpu1="$(awk '{print $14 + $15}' "/proc/$p/stat")"
  bytes1="$(stat -c %s "$work/$name.out")"
  hwm="$(awk '/VmHWM/ {print $2}' "/proc/$p/status")"
  cpu="$(awk -v a="${cpu0[$name]}" -v b="$cpu1" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.2f%%", 100 * (b - a) / hz / s }')"
  printf '  %-8s %10s %14s %9d KiB (%.2f MiB, %.2f MB)\n' "$name" "$cpu" "$(( (bytes1 - ${bytes0[$name]}) / seconds ))" "$hwm" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" "$(awk -v k="$hwm" 'BEGIN { print k * 1.024 / 1000 }')"
done
