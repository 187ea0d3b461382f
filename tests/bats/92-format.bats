#!/usr/bin/env bats
# --format with Go templates, as Podman users write them, on the verbs that
# print data. The engine itself is unit-tested (tests/unit/test-template.c);
# these check what a user sees end to end.

load helpers

has_command() {
  "$CTOOL" __commands | awk -F'\t' -v p="ctool $1" '$1 == "command" && $2 == p { found = 1 } END { exit !found }'
}

@test "version --format '{{.Version}}' prints the version alone" {
  run -0 ctool version
  version=$(awk '/^Version:/ { print $2 }' <<< "$output")
  run -0 --separate-stderr ctool version --format '{{.Version}}'
  assert_output "$version"
  [ -z "$stderr" ]
}

@test "version --format: pipes, functions, \\t typed in a shell, json" {
  run -0 ctool version --format '{{.OsArch | upper}}\t{{json .Version}}'
  assert_output "$("$CTOOL" version --format '{{.OsArch}}' | tr a-z A-Z)	\"$("$CTOOL" version --format '{{.Version}}')\""
  run -0 ctool version --format '{{json .}}'
  run -0 jq -r .Kernel <<< "$output"
  assert_output "$(uname -r)"
  run -0 ctool version --format '{{range $k, $v := .}}{{if eq $k "Kernel"}}{{$v}}{{end}}{{end}}'
  assert_output "$(uname -r)"
}

@test "version --format with an unknown field fails with 125, one line naming it" {
  run -125 --separate-stderr ctool version --format '{{.Nope}}'
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: template: 1:3: executing at <.Nope>: can't evaluate field Nope in type struct (it has: Version, "* ]]
}

@test "version --format with a broken template fails with 125 and says where" {
  run -125 --separate-stderr ctool version --format '{{if .Version}}x'
  [ -z "$output" ]
  assert_equal "$stderr" "ctool: template: 1:3: unexpected EOF: {{if}} without {{end}}"
  run -125 --separate-stderr ctool version --format '{{.Version | nosuch}}'
  assert_equal "$stderr" "ctool: template: 1:14: function \"nosuch\" not defined"
}

@test "inspect --format '{{.State.Pid}}' gives the PID a user feeds to nsenter" {
  has_command inspect || skip "ctool has no 'inspect' yet"
  has_command run || skip "ctool has no 'run' yet"
  run -0 ctool run -d --name pidtest "$IMAGE" sleep 300
  run -0 --separate-stderr ctool inspect --format '{{.State.Pid}}' pidtest
  pid=$output
  [[ "$pid" =~ ^[1-9][0-9]*$ ]] || fail "not a PID: '$pid'"
  grep -q sleep "/proc/$pid/cmdline" || fail "/proc/$pid is not the container's sleep: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
  # The user owns the container's user namespace: nsenter works without root.
  run -0 nsenter -t "$pid" -U -m -p --preserve-credentials cat /etc/hostname
  run -0 ctool inspect --format '{{.Name}} {{.State.Status}} {{json .State.Running}}' pidtest
  assert_output "pidtest running true"
  run -0 ctool rm -f pidtest
}

@test "ps --format table aligns columns under Podman's headers" {
  has_command ps || skip "ctool has no 'ps' yet"
  has_command run || skip "ctool has no 'run' yet"
  run -0 ctool run -d --name a-rather-long-name "$IMAGE" sleep 300
  run -0 ctool run -d --name b "$IMAGE" sleep 300
  run -0 ctool ps --format 'table {{.Names}}\t{{.Status}}'
  assert_line --index 0 --regexp '^NAMES               STATUS$'
  assert_line --regexp '^a-rather-long-name  Up '
  assert_line --regexp '^b                   Up '
  run -0 ctool ps --format '{{.Names}}'
  assert_equal "$(sort <<< "$output")" "a-rather-long-name
b"
  run -0 ctool rm -f a-rather-long-name b
}
