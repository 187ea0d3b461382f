#!/usr/bin/env bats
# The command line itself: help, version, and errors for bad input.

load helpers

# The verbs (or subcommands) listed in the "Commands:" section of a help text.
listed_commands() {
  awk '/^Commands:/ { inside = 1; next } inside && /^$/ { inside = 0 } inside && NF { print $1 }'
}

@test "ctool --help lists the verbs and the global options" {
  run -0 --separate-stderr ctool --help
  assert_line --index 0 --partial "ctool"
  assert_line --regexp '^Usage: ctool \[options\] COMMAND'
  assert_line --regexp '^  version +Show '
  assert_line --regexp '^  help +Show '
  assert_line --regexp '^ +--root DIR'
  assert_line --regexp '^ +--runroot DIR'
  assert_line --regexp '^ +--log-level LEVEL'
  [ -z "$stderr" ]
}

@test "ctool with no arguments fails with 125 and points to --help" {
  run -125 --separate-stderr ctool
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"'ctool --help'"* ]]
}

@test "ctool version prints ctool's version, the platform and the kernel" {
  run -0 ctool version
  assert_line --regexp '^Version: +[0-9]+\.[0-9]+\.[0-9]+'
  assert_line --regexp "^OS/Arch: +linux/"
  assert_line --regexp "^Kernel: +$(uname -r)\$"
}

@test "ctool --version and ctool version agree" {
  run -0 ctool --version
  assert_output --regexp '^ctool version [0-9]+\.[0-9]+\.[0-9]+$'
  local short=${output##* }
  run -0 ctool version
  assert_line --regexp "^Version: +$short\$"
}

@test "ctool version --format json is JSON with the same version" {
  run -0 ctool version
  local text_version
  text_version=$(awk '/^Version:/ { print $2 }' <<< "$output")
  run -0 --separate-stderr ctool version --format json
  local json=$output
  run -0 jq -r '.Version' <<< "$json"
  assert_output "$text_version"
  run -0 jq -r '.OsArch' <<< "$json"
  assert_output --regexp '^linux/'
  run -0 jq -r '.Kernel' <<< "$json"
  assert_output "$(uname -r)"
}

@test "ctool version --format with an unknown format fails with 125 and names it" {
  run -125 --separate-stderr ctool version --format yaml
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"yaml"* ]]
}

@test "an unknown verb fails with 125 and one line on stderr" {
  run -125 --separate-stderr ctool frobnicate
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"frobnicate"* ]]
}

@test "an unknown global option fails with 125, one line, and a hint that works" {
  run -125 --separate-stderr ctool --frobnicate version
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"--frobnicate"* ]]
  # The hint quotes a command; it must be one that runs.
  local hint
  hint=$(sed -n "s/.*see '\\(ctool [^']*\\)'.*/\\1/p" <<< "$stderr")
  [[ "$hint" =~ ^ctool(\ [a-z][a-z-]*)*\ --help$ ]]
  run -0 $hint
}

@test "an unknown option of a verb fails with 125, one line, and a hint that works" {
  run -125 --separate-stderr ctool version --frobnicate
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"--frobnicate"* ]]
  local hint
  hint=$(sed -n "s/.*see '\\(ctool [^']*\\)'.*/\\1/p" <<< "$stderr")
  [[ "$hint" =~ ^ctool(\ [a-z][a-z-]*)*\ --help$ ]]
  run -0 $hint
  assert_line --regexp '^Usage: ctool version'
}

@test "a surplus argument fails with 125 and shows the usage" {
  run -125 --separate-stderr ctool version extra
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"usage: ctool version"* ]]
}

@test "every listed verb and subcommand answers --help with its usage" {
  run -0 ctool --help
  local verbs=() checked=0 verb sub
  mapfile -t verbs < <(listed_commands <<< "$output")
  [ ${#verbs[@]} -ge 2 ]
  for verb in "${verbs[@]}"; do
    run -0 --separate-stderr ctool "$verb" --help
    assert_line --regexp "^Usage: ctool $verb( |\$)"
    checked=$((checked + 1))
    # Families (image, container, ...) list their own subcommands.
    local subs=()
    mapfile -t subs < <(listed_commands <<< "$output")
    for sub in "${subs[@]}"; do
      run -0 --separate-stderr ctool "$verb" "$sub" --help
      assert_line --regexp "^Usage: ctool $verb $sub( |\$)"
      checked=$((checked + 1))
    done
  done
  echo "# checked $checked commands" >&3
}

@test "ctool help VERB prints the same as ctool VERB --help" {
  run -0 ctool version --help
  local direct=$output
  run -0 ctool help version
  assert_output "$direct"
}

@test "--log-level rejects an unknown level with 125" {
  run -125 --separate-stderr ctool --log-level loud version
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: "*"loud"* ]]
}
