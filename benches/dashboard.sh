#!/usr/bin/env bash
# The dashboard process as users run it: `cutover` attached to a control plane with live data
# at 1 Hz (the simulator, 1 s evaluations), in a 200×50 tmux pane whose output is captured with
# pipe-pane. Reports the dashboard's CPU (from /proc), terminal bytes per second in steady
# state, and its peak RSS. Usage: benches/dashboard.sh [SECONDS] (default 60). Needs tmux.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cargo build --release -q
bin="$PWD/target/release/cutover"
work="$(mktemp -d)"
trap 'tmux -L cutover-bench kill-server 2>/dev/null || true; kill "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" serve --profile vividwalls --source sim --eval-interval 1s --listen 127.0.0.1:0 --data "$work/data" 2>"$work/serve.log" &
serve=$!
for _ in $(seq 50); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url="$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)"

tmux -L cutover-bench new-session -d -s dash -x 200 -y 50 "$bin --connect $url"
tmux -L cutover-bench pipe-pane -t dash "cat >> $work/out.bin"
sleep 5   # connect and draw the first full frame
# The pane's process, or its child when a shell sits between (not the tmux server, whose
# command line also names the dashboard).
pane="$(tmux -L cutover-bench display -p -t dash '#{pane_pid}')"
if [ "$(cat "/proc/$pane/comm")" = "cutover" ]; then pid="$pane"; else pid="$(pgrep -P "$pane" cutover)"; fi
echo "measuring pid $pid ($(cat /proc/$pid/comm))"
hz="$(getconf CLK_TCK)"
cpu0="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
bytes0="$(stat -c %s "$work/out.bin")"
sleep "$seconds"
cpu1="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
bytes1="$(stat -c %s "$work/out.bin")"
hwm="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")"
echo "dashboard 200x50, 1 Hz live data, ${seconds}s:"
echo "  CPU: $(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.2f%% of one core", 100 * (b - a) / hz / s }')"
echo "  terminal bytes: $(( (bytes1 - bytes0) / seconds )) B/s"
echo "  peak RSS: $(( hwm / 1024 )) MB"
