#!/usr/bin/env bash
# Throughput of a published port, host to container over loopback: 1 GiB
# (SIZE_MB) sent to busybox nc listening in a detached container started
# with -p 127.0.0.1:PORT:8080, ctool and podman (rootless, slirp4netns for
# both) on the same machine. The time runs from connect to the container
# closing the connection after the last byte, so every byte went through
# the network helper. ROUNDS (default 3) runs each, interleaved; medians.
#
#   tests/setup/as-user bench/net-throughput.sh /tmp/build-rel/ctool
set -euo pipefail
bench_name=tput.sh  # short: podman refuses a runroot over 50 characters
bench_usage="bench/net-throughput.sh PATH/TO/ctool (a build without sanitizers)"
. "$(dirname "$0")/lib.sh"

image=$REGISTRY/${BENCH_IMAGE:-ctool-test/busybox:latest}
size_mb=${SIZE_MB:-1024}
rounds=${ROUNDS:-3}
need_image "$image"
pull_both "$image"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Seconds to push SIZE_MB MiB to 127.0.0.1:PORT and see the peer close.
send_mb() {
  python3 - "$1" "$size_mb" <<'PY'
import socket, sys, time
port, mb = int(sys.argv[1]), int(sys.argv[2])
deadline = time.time() + 20
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.time() > deadline:
            raise
        time.sleep(0.05)
chunk = b"\0" * (1 << 20)
t0 = time.time()
for _ in range(mb):
    s.sendall(chunk)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
print("%.3f" % (time.time() - t0))
PY
}

# One round for TOOL (ctool or podman): MiB/s.
round() {
  local -n cmd=$1
  local port secs name=tput-$1-$RANDOM
  port=$(free_port)
  "${cmd[@]}" run -d --name "$name" -p "127.0.0.1:$port:8080" "$image" sh -c 'nc -l -p 8080 > /dev/null' >/dev/null
  # nc listens a moment after the container starts: connect may be refused once.
  sleep 0.5
  secs=$(send_mb "$port")
  "${cmd[@]}" rm -f "$name" >/dev/null 2>&1 || "${cmd[@]}" rm -f -t 0 "$name" >/dev/null
  echo "$size_mb / $secs" | bc -l
}

c=() p=()
for ((i = 0; i < rounds; i++)); do
  c+=("$(round ctool)")
  p+=("$(round podman)")
done
c_med=$(printf '%s\n' "${c[@]}" | median)
p_med=$(printf '%s\n' "${p[@]}" | median)
result net.tput.ctool.mibs "$c_med"
result net.tput.podman.mibs "$p_med"
printf 'published port, host -> container, %d MiB: ctool %7.1f MiB/s, podman %7.1f MiB/s (medians of %d)\n' \
  "$size_mb" "$c_med" "$p_med" "$rounds"
