#!/usr/bin/env bats
# Container networking with real slirp4netns (and pasta when it works
# here): published TCP and UDP ports reached from the host over loopback,
# the host's loopback closed by default, resolv.conf and hosts, none and
# host modes, port checks before anything is made, and the helper process
# ending with the container.

load helpers
load containers

# A UDP server for the container (busybox's nc has no -u): prints each
# datagram it gets on PORT, static so that it runs in any image.
udp_server_source='
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
  if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof a) < 0) { perror("udp-server"); return 1; }
  char buf[512];
  for (;;) { ssize_t n = recv(fd, buf, sizeof buf, 0); if (n > 0) { fwrite(buf, 1, n, stdout); fflush(stdout); } }
}'

setup_file() {
  containers_setup_file
  export UDP_SERVER=$BATS_FILE_TMPDIR/udp-server
  printf '%s\n' "$udp_server_source" | cc -static -O -o "$UDP_SERVER" -x c - || rm -f "$UDP_SERVER"
}
setup() { containers_setup; }

# Network helpers (slirp4netns, pasta) serving the namespaces of PID (the
# container's process on the host): their command line ends with it.
helpers_of() {
  pgrep -u "$(id -u)" -f "^(slirp4netns|pasta) .* $1( tap0)?\$" || true
}

# The PIDs of the helpers this test saw, none of them still running.
no_helpers_of() {
  local p
  for p in "$@"; do
    [ -e "/proc/$p" ] && [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ] && return 1
  done
  return 0
}

ctr_pid() {
  inspect_field "$1" .State.Pid
}

# A TCP server on the host's 127.0.0.1:PORT answering "host-secret".
start_host_server() {
  mkdir -p "$BATS_TEST_TMPDIR/www"
  echo host-secret > "$BATS_TEST_TMPDIR/www/index.html"
  python3 -m http.server --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR/www" "$1" >/dev/null 2>&1 &
  HOST_SERVER=$!
  wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$1/"
}

teardown() {
  [ -z "${HOST_SERVER:-}" ] || { kill "$HOST_SERVER"; wait "$HOST_SERVER" || true; }
  [ -z "${HOLDER:-}" ] || { kill "$HOLDER"; wait "$HOLDER" || true; }
  basic_teardown
}

@test "-p publishes a TCP port: busybox httpd reached from the host; ps, port, inspect show it" {
  port=$(free_port)
  run -0 ctool run -d --name web -p "127.0.0.1:$port:8080" "$IMAGE" \
    sh -c 'echo hello-from-ctr > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'
  run -0 curl -sS --max-time 10 "http://127.0.0.1:$port/index.html"
  assert_output hello-from-ctr
  run -0 ctool ps --format '{{.Ports}}'
  assert_output "127.0.0.1:$port->8080/tcp"
  run -0 ctool port web
  assert_output "8080/tcp -> 127.0.0.1:$port"
  run -0 ctool port web 8080/tcp
  assert_output "127.0.0.1:$port"
  run -125 ctool port web 9999
  assert_output --partial "does not publish port 9999/tcp"
  run -0 ctool port -a
  assert_output --regexp "^[0-9a-f]{12}	8080/tcp -> 127\.0\.0\.1:$port\$"
  run -0 ctool inspect web --format '{{json .NetworkSettings.Ports}}'
  assert_output "{\"8080/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}]}"
  run -0 inspect_field web .NetworkSettings.IPAddress
  assert_output 10.0.2.100
  run -0 inspect_field web .NetworkSettings.Gateway
  assert_output 10.0.2.2
  helpers=$(helpers_of "$(ctr_pid web)")
  [ -n "$helpers" ]
  run -0 ctool stop -t 1 web
  no_helpers_of $helpers || fail "slirp4netns left after stop"
  # Started again, the same port is forwarded again.
  run -0 ctool start web
  wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"
  helpers=$(helpers_of "$(ctr_pid web)")
  [ -n "$helpers" ]
  run -0 ctool rm -f web
  no_helpers_of $helpers || fail "slirp4netns left after rm -f"
  assert_nothing_left
}

@test "-p with a free host port chosen, create then start" {
  run -0 ctool create --name web -p 8080 "$IMAGE" sh -c 'echo picked > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'
  run -0 ctool port web 8080
  [[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]] || fail "port prints '$output'"
  port=${BASH_REMATCH[1]}
  run -0 ctool start web
  run -0 curl -sS --max-time 10 "http://127.0.0.1:$port/index.html"
  assert_output picked
  helpers=$(helpers_of "$(ctr_pid web)")
  run -0 ctool rm -f web
  assert_nothing_left
  no_helpers_of $helpers
}

# The first of N consecutive TCP ports free on 127.0.0.1.
free_port_run() {
  python3 -c 'import socket, sys
n = int(sys.argv[1])
for _ in range(50):
    first = socket.socket(); first.bind(("127.0.0.1", 0)); base = first.getsockname()[1]
    held = [first]
    try:
        for k in range(1, n):
            s = socket.socket(); held.append(s); s.bind(("127.0.0.1", base + k))
        print(base); sys.exit(0)
    except OSError:
        pass
    finally:
        for s in held: s.close()
sys.exit("no run of %d free ports" % n)' "$1"
}

@test "-p with port ranges: ps shows one entry a run, as Podman; port a line a port; each forwards" {
  port=$(free_port_run 3)
  last=$((port + 2))
  run -0 ctool run -d --name web -p "127.0.0.1:$port-$last:8080-8082" -p "127.0.0.1::9000" "$IMAGE" \
    sh -c 'mkdir /www; echo ranged > /www/index.html; httpd -p 8081 -h /www; exec httpd -f -p 8082 -h /www'
  run -0 ctool port web 9000
  [[ "$output" =~ ^127\.0\.0\.1:([0-9]+)$ ]] || fail "port prints '$output'"
  single=${BASH_REMATCH[1]}
  run -0 ctool ps --format '{{.Ports}}'
  assert_output "127.0.0.1:$port-$last->8080-8082/tcp, 127.0.0.1:$single->9000/tcp"
  run -0 ctool ps --format json
  run -0 jq -c '.[0].Ports[0]' <<< "$output"
  assert_output "{\"host_ip\":\"127.0.0.1\",\"container_port\":8080,\"host_port\":$port,\"range\":3,\"protocol\":\"tcp\"}"
  run -0 ctool port web
  assert_output "8080/tcp -> 127.0.0.1:$port
8081/tcp -> 127.0.0.1:$((port + 1))
8082/tcp -> 127.0.0.1:$last
9000/tcp -> 127.0.0.1:$single"
  run -0 ctool port web 8081/tcp
  assert_output "127.0.0.1:$((port + 1))"
  wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$last/index.html"
  run -0 curl -sS --max-time 10 "http://127.0.0.1:$((port + 1))/index.html"
  assert_output ranged
  run -0 ctool inspect web --format '{{json .NetworkSettings.Ports}}'
  assert_output --partial "\"8081/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$((port + 1))\"}]"
  run -0 ctool rm -f web
  assert_nothing_left
}

@test "-P publishes the image's EXPOSEd ports on free host ports; port shows them; the web server answers" {
  run -0 ctool pull -q "$IMAGE_EXPOSED"
  run -0 ctool run -d --name web -P "$IMAGE_EXPOSED"
  run -0 ctool port web 8080/tcp
  [[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]] || fail "port prints '$output'"
  tcp=${BASH_REMATCH[1]}
  run -0 ctool port web 9999/udp
  [[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]] || fail "port prints '$output'"
  udp=${BASH_REMATCH[1]}
  run -0 ctool port web
  assert_output "8080/tcp -> 0.0.0.0:$tcp
9999/udp -> 0.0.0.0:$udp"
  run -0 ctool ps --format '{{.Ports}}'
  assert_output "0.0.0.0:$tcp->8080/tcp, 0.0.0.0:$udp->9999/udp"
  wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$tcp/index.html"
  run -0 curl -sS --max-time 10 "http://127.0.0.1:$tcp/index.html"
  assert_output exposed
  # Without -P the same image publishes nothing.
  run -0 ctool run -d --name quiet "$IMAGE_EXPOSED"
  run -0 ctool port quiet
  assert_output ""
  # A port -p publishes is not published a second time by -P (as Podman).
  port=$(free_port)
  run -0 ctool create --name both -P -p "127.0.0.1:$port:8080" "$IMAGE_EXPOSED"
  run -0 ctool port both 8080/tcp
  assert_output "127.0.0.1:$port"
  run -0 ctool port both 9999/udp
  [[ "$output" =~ ^0\.0\.0\.0:[0-9]+$ ]] || fail "port prints '$output'"
  run -0 ctool rm -f web quiet both
  assert_nothing_left
}

# A TCP port free on the host's IPv6 loopback.
free_port6() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])'
}

skip_unless_ipv6_loopback() {
  ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' || skip "this host has no IPv6 loopback address ::1"
}

skip_unless_pasta() {
  run ctool run --rm --network pasta "$IMAGE" true
  [ "$status" -eq 0 ] || skip "pasta does not work here: $output"
}

@test "-p [::1]:PORT:PORT: published on the IPv6 loopback through ctool's relay (slirp4netns binds IPv4 only)" {
  skip_unless_ipv6_loopback
  port=$(free_port6)
  run -0 ctool run -d --name web6 -p "[::1]:$port:8080" "$IMAGE" \
    sh -c 'mkdir /www; echo over-ipv6 > /www/index.html; exec httpd -f -p 8080 -h /www'
  run -0 ctool port web6
  assert_output "8080/tcp -> [::1]:$port"
  run -0 ctool ps --format '{{.Ports}}'
  assert_output "[::1]:$port->8080/tcp"
  wait_until 10 curl -sf -o /dev/null "http://[::1]:$port/index.html"
  for i in 1 2 3 4; do curl -sS --max-time 10 -o "$BATS_TEST_TMPDIR/got$i" "http://[::1]:$port/index.html" & done
  wait
  run -0 cat "$BATS_TEST_TMPDIR"/got{1,2,3,4}
  assert_output "over-ipv6
over-ipv6
over-ipv6
over-ipv6"
  # Only on ::1: not on the IPv4 loopback.
  run ! curl -sS --max-time 5 "http://127.0.0.1:$port/index.html"
  run -125 ctool run -d --name busy6 -p "[::1]:$port:8080" "$IMAGE" sleep 100
  assert_output "ctool: host port [::1]:$port/tcp is already in use: choose another host port with -p"
  run -125 ctool create --name udp6 -p "[::1]:$port:53/udp" "$IMAGE" true
  assert_output --partial "cannot publish UDP on the IPv6 address ::1: slirp4netns forwards UDP from IPv4 addresses only"
  run -0 ctool ps -a --format '{{.Names}}'
  assert_output web6
  # The relay ends with the container: after stop, and after rm.
  proxy=$(jq -r .ProxyPid "$CTOOL_TEST_RUNROOT"/containers/*/network.json)
  [[ "$proxy" =~ ^[0-9]+$ ]] || fail "no relay recorded: $proxy"
  run -0 ctool stop -t 0 web6
  wait_until 10 no_helpers_of "$proxy" || fail "the relay is still there after stop"
  run -0 ctool start web6
  wait_until 10 curl -sf -o /dev/null "http://[::1]:$port/index.html"
  proxy=$(jq -r .ProxyPid "$CTOOL_TEST_RUNROOT"/containers/*/network.json)
  run -0 ctool rm -f -t 0 web6
  no_helpers_of "$proxy" || fail "the relay is still there after rm -f"
  run ! curl -sS --max-time 5 "http://[::1]:$port/index.html"
  assert_nothing_left
}

@test "--network pasta: -p [::1]:PORT:PORT on the IPv6 loopback" {
  skip_unless_ipv6_loopback
  skip_unless_pasta
  port=$(free_port6)
  run -0 ctool run -d --name web6 --network pasta -p "[::1]:$port:8080" "$IMAGE" \
    sh -c 'echo pasta-ipv6 > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'
  wait_until 10 curl -sf -o /dev/null "http://[::1]:$port/index.html"
  run -0 curl -sS --max-time 10 "http://[::1]:$port/index.html"
  assert_output pasta-ipv6
  run -0 ctool rm -f -t 0 web6
  assert_nothing_left
}

@test "-p 127.0.0.1:PORT:PORT/udp forwards UDP datagrams" {
  [ -x "$UDP_SERVER" ] || skip "no C compiler with a static libc to build the UDP server"
  port=$(free_port)
  run -0 ctool run -d --name udp -p "127.0.0.1:$port:9999/udp" -v "$UDP_SERVER:/udp-server:ro" "$IMAGE" \
    /udp-server 9999
  # The listener may not be up for the first datagrams: send until one arrives.
  got_it() {
    echo udp-hello > "/dev/udp/127.0.0.1/$port"
    ctool logs udp | grep -q udp-hello
  }
  wait_until 10 got_it
  run -0 ctool port udp
  assert_output "9999/udp -> 127.0.0.1:$port"
  helpers=$(helpers_of "$(ctr_pid udp)")
  run -0 ctool rm -f udp
  assert_nothing_left
  no_helpers_of $helpers
}

@test "the host's loopback: closed by default, open as 10.0.2.2 with allow_host_loopback=true" {
  port=$(free_port)
  start_host_server "$port"
  get="printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.2.2 $port"
  run -1 ctool run --rm "$IMAGE" sh -c "$get"
  refute_output --partial host-secret
  run -0 ctool run --rm --network slirp4netns:allow_host_loopback=true "$IMAGE" sh -c "$get"
  assert_line host-secret
  assert_nothing_left
}

@test "resolv.conf and hosts: the host's resolvers, --dns*, --add-host, hostname, host.containers.internal" {
  run -0 ctool run --rm --hostname box "$IMAGE" cat /etc/hosts /etc/resolv.conf
  assert_line --regexp '^127\.0\.0\.1[[:space:]]+localhost'
  assert_line --regexp '^10\.0\.2\.100[[:space:]]+box$'
  assert_line --regexp '^10\.0\.2\.2[[:space:]]+host\.containers\.internal'
  # The host's nameservers, loopback ones (127.0.0.53) replaced by slirp4netns's.
  expected=$(awk '$1 == "nameserver" && $2 !~ /^127\./ && $2 != "::1" { print "nameserver " $2 }' /etc/resolv.conf)
  [ -n "$expected" ] || expected="nameserver 10.0.2.3"
  while read -r line; do assert_line "$line"; done <<< "$expected"
  refute_line --regexp '^nameserver 127\.'

  run -0 ctool run --rm --dns 192.0.2.53 --dns-search example.test --dns-option ndots:2 \
    --add-host db.test:192.0.2.7 "$IMAGE" cat /etc/resolv.conf /etc/hosts
  assert_line "nameserver 192.0.2.53"
  assert_line "search example.test"
  assert_line "options ndots:2"
  assert_line --regexp '^192\.0\.2\.7[[:space:]]+db\.test$'
  [ "$(grep -c '^nameserver' <<< "$output")" -eq 1 ]

  # --no-hosts: the image's own file; a file the user mounts there is left alone.
  run -0 ctool run --rm --no-hosts "$IMAGE" sh -c '! grep -s host.containers.internal /etc/hosts'
  printf '192.0.2.99\tmine\n' > "$BATS_TEST_TMPDIR/hosts"
  run -0 ctool run --rm -v "$BATS_TEST_TMPDIR/hosts:/etc/hosts" "$IMAGE" cat /etc/hosts
  assert_output "$(printf '192.0.2.99\tmine')"
  run -0 cat "$BATS_TEST_TMPDIR/hosts"
  assert_output "$(printf '192.0.2.99\tmine')"
  assert_nothing_left
}

@test "--network none: only lo and no helper; --network host: the host's interfaces" {
  run -0 ctool run -d --name quiet --network none "$IMAGE" sleep 100
  run -0 ctool exec quiet sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
  assert_output lo
  [ -z "$(helpers_of "$(ctr_pid quiet)")" ] || fail "a helper runs for --network none"
  [ ! -e "$CTOOL_TEST_RUNROOT/containers/$(inspect_field quiet .Id)/network.json" ]
  run -0 ctool port quiet
  assert_output ""
  run -0 ctool rm -f quiet
  host_ifs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\n' ' ')
  run -0 ctool run --rm --network host "$IMAGE" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "'
  assert_output "$host_ifs"
  # The host's resolv.conf as it is: its loopback resolvers answer there.
  run -0 ctool run --rm --network host "$IMAGE" cat /etc/resolv.conf
  assert_output "$(cat /etc/resolv.conf)"
  # The default is slirp4netns: lo and tap0.
  run -0 ctool run --rm "$IMAGE" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "'
  assert_output "lo tap0 "
  assert_nothing_left
}

@test "a host port in use, a privileged port, bad values: one-line errors, nothing left" {
  port=$(free_port)
  python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("ready", flush=True); time.sleep(60)' "$port" \
    > "$BATS_TEST_TMPDIR/holder" &
  HOLDER=$!
  wait_until 10 grep -q ready "$BATS_TEST_TMPDIR/holder"
  run -125 ctool run -d --name busy -p "127.0.0.1:$port:80" "$IMAGE" sleep 100
  assert_output "ctool: host port 127.0.0.1:$port/tcp is already in use: choose another host port with -p"
  run -125 ctool create -p "$port:80" "$IMAGE" true
  assert_output --partial "already in use"
  assert_nothing_left

  lowest=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
  if [ "$lowest" -gt 80 ]; then
    run -125 ctool run --rm -p 80:80 "$IMAGE" true
    assert_output --partial "net.ipv4.ip_unprivileged_port_start"
    [ "${#lines[@]}" -eq 1 ]
  fi
  run -125 ctool run --rm --network bogus "$IMAGE" true
  assert_output --partial "invalid --network 'bogus'"
  run -125 ctool run --rm --network slirp4netns:mtu=1 "$IMAGE" true
  assert_output --partial "mtu"
  run -125 ctool run --rm -p 70000:80 "$IMAGE" true
  assert_output --partial "70000"
  run -125 ctool run --rm --network none -p 8080:80 "$IMAGE" true
  assert_output --partial "cannot publish ports with --network none"
  run -125 ctool run --rm --add-host nocolon "$IMAGE" true
  assert_output --partial "--add-host"
  run -125 ctool run --rm --dns not-an-ip "$IMAGE" true
  assert_output --partial "--dns"
  assert_nothing_left
}

@test "the helper ends with the container: exit, stop, rm, kill -9 of the monitor or of ctool" {
  # The container's command exits: the monitor goes, and slirp4netns with it.
  run -0 ctool run -d --name brief "$IMAGE" sh -c 'sleep 2'
  helpers=$(helpers_of "$(ctr_pid brief)")
  [ -n "$helpers" ]
  wait_until 15 no_helpers_of $helpers
  run -0 ctool rm brief
  # kill -9 of the monitor: its exit fd closes, slirp4netns ends.
  run -0 ctool run -d --name victim "$IMAGE" sleep 1000
  helpers=$(helpers_of "$(ctr_pid victim)")
  [ -n "$helpers" ]
  kill -9 "$(inspect_field victim .State.ConmonPid)"
  wait_until 10 no_helpers_of $helpers
  run -0 ctool rm -f victim
  # kill -9 of a foreground ctool.
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run --name fg "$IMAGE" sleep 1000 3>&- &
  fg=$!
  wait_until 10 bash -c "[ \"\$($(declare -f ctool inspect_field); inspect_field fg .State.Status)\" = running ]"
  helpers=$(helpers_of "$(ctr_pid fg)")
  [ -n "$helpers" ]
  kill -9 "$fg"
  wait "$fg" || true
  wait_until 10 no_helpers_of $helpers
  run -0 ctool rm -f fg
  assert_nothing_left
}

@test "--network pasta: an interface like the host's, a published port" {
  skip_unless_pasta
  run -0 ctool run --rm --network pasta "$IMAGE" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | grep -vx lo | wc -l'
  [ "$output" -ge 1 ]
  port=$(free_port)
  run -0 ctool run -d --name web --network pasta -p "127.0.0.1:$port:8080" "$IMAGE" \
    sh -c 'echo via-pasta > /tmp/index.html; exec httpd -f -p 8080 -h /tmp'
  wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"
  run -0 curl -sS --max-time 10 "http://127.0.0.1:$port/index.html"
  assert_output via-pasta
  helpers=$(helpers_of "$(ctr_pid web)")
  [ -n "$helpers" ]
  run -0 ctool rm -f web
  no_helpers_of $helpers || fail "pasta left after rm -f"
  assert_nothing_left
}
