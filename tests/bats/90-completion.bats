#!/usr/bin/env bats
# Shell completion as users get it: bash (bash-completion calling the
# function of completions/ctool.bash), zsh (the real completion system in a
# pseudo-terminal) and fish (`complete -C`), all asking `ctool __complete`.
# The expectations come from the command table (`ctool __commands`), so new
# verbs and options are covered without editing this file.

load helpers

setup_file() {
  export SRCDIR="${BATS_TEST_DIRNAME%/tests/bats}"
  export COMPLETIONS="$SRCDIR/completions"
  export TABLE="$BATS_FILE_TMPDIR/table"
  "$CTOOL" __commands > "$TABLE"
  # The shells run "ctool": this one uses the test's store.
  mkdir -p "$BATS_FILE_TMPDIR/bin"
  cat > "$BATS_FILE_TMPDIR/bin/ctool" <<'EOF'
#!/bin/sh
exec "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" "$@"
EOF
  chmod +x "$BATS_FILE_TMPDIR/bin/ctool"
  export PATH="$BATS_FILE_TMPDIR/bin:$PATH"
}

# What bash offers after LINE, sorted, one per line.
complete_bash() {
  bash --norc --noprofile "$BATS_TEST_DIRNAME/complete-bash.sh" "$COMPLETIONS/ctool.bash" "$1" | sort
}

# What fish offers after LINE (candidates without descriptions), sorted.
complete_fish() {
  fish --no-config -c "set -p fish_complete_path $COMPLETIONS; complete -C $(printf '%q' "$1")" | cut -f1 | sort
}

# zsh: "BUFFER:..." then "MATCH:..." lines (see complete-zsh.zsh).
complete_zsh() {
  zsh -f "$BATS_TEST_DIRNAME/complete-zsh.zsh" "$COMPLETIONS" "$1"
}

visible_verbs() {
  awk -F'\t' '$1 == "command" && $3 == "visible" && split($2, p, " ") == 2 { print p[2] }' "$TABLE" | sort
}

visible_commands() {
  awk -F'\t' '$1 == "command" && $3 == "visible" && $2 != "ctool" { print $2 }' "$TABLE"
}

has_verb() {
  awk -F'\t' -v p="ctool $1" '$1 == "command" && $2 == p { found = 1 } END { exit !found }' "$TABLE"
}

skip_unless_command() {
  has_verb "$1" || skip "ctool has no '$1' command yet"
}

# Pull the test image into this test's store (for image completion).
pull_test_image() {
  skip_unless_command pull
  run -0 ctool pull -q "$IMAGE"
}

# ---- bash -------------------------------------------------------------

@test "bash: 'ctool <TAB>' offers exactly the visible verbs" {
  run -0 complete_bash "ctool "
  assert_output "$(visible_verbs)"
}

@test "bash: a verb's first letters complete to the verbs that start with them" {
  while read -r verb; do
    prefix=${verb:0:2}
    expected=$(visible_verbs | grep "^$prefix" || true)
    run -0 complete_bash "ctool $prefix"
    [ "$output" = "$expected" ] || fail "'ctool $prefix<TAB>' offered [$output], expected [$expected]"
  done < <(visible_verbs)
  run -0 complete_bash "ctool ve"
  assert_output "version"
}

@test "bash: 'ctool ru<TAB>' completes to run" {
  skip_unless_command run
  run -0 complete_bash "ctool ru"
  assert_output "run"
}

@test "bash: hidden verbs are never offered" {
  run -0 complete_bash "ctool __"
  assert_output ""
  run -0 complete_bash "ctool "
  refute_line --partial "__"
}

@test "bash: every command offers exactly its options from the table, plus --help" {
  while read -r path; do
    expected=$( { awk -F'\t' -v p="$path" '$1 == "option" && $2 == p { print $3 }' "$TABLE"; echo --help; } | sort -u)
    run -0 complete_bash "$path --"
    [ "$output" = "$expected" ] || fail "'$path --<TAB>' offered [$output], expected [$expected]"
  done < <(visible_commands)
}

@test "bash: 'ctool -<TAB>' offers the global options" {
  expected=$(awk -F'\t' '$1 == "option" && $2 == "ctool" { print $3 }' "$TABLE" | sort)
  run -0 complete_bash "ctool -"
  assert_output "$expected"
}

@test "bash: options with a fixed list of values offer that list, after a space and after '='" {
  local checked=0
  while IFS=$'\t' read -r kind path long short type arg values; do
    case $values in -|none|files|dirs|images|containers|running|signals|volumes) continue ;; esac
    expected=$(tr '|' '\n' <<< "$values" | sort)
    run -0 complete_bash "$path $long "
    [ "$output" = "$expected" ] || fail "'$path $long <TAB>' offered [$output], expected [$expected]"
    # With "=": bash replaces only the part after '=', so the reply is the value.
    run -0 complete_bash "$path $long="
    [ "$output" = "$expected" ] || fail "'$path $long=<TAB>' offered [$output], expected [$expected]"
    checked=$((checked + 1))
  done < <(awk -F'\t' '$1 == "option"' "$TABLE")
  [ "$checked" -gt 0 ]
  run -0 complete_bash "ctool version --format j"
  assert_output "json"
  run -0 complete_bash "ctool --log-level=d"
  assert_output "debug"
}

@test "bash: 'ctool run --network <TAB>' offers the network modes" {
  skip_unless_command run
  modes=$(awk -F'\t' '$1 == "option" && $2 == "ctool run" && $3 == "--network" { print $7 }' "$TABLE")
  [[ "$modes" == *"|"* ]] || fail "run --network has no list of modes in the table: '$modes'"
  run -0 complete_bash "ctool run --network "
  assert_output "$(tr '|' '\n' <<< "$modes" | sort)"
  assert_line "none"
  run -0 complete_bash "ctool run -it --network=n"
  assert_output "none"
}

@test "bash: --root completes directories" {
  mkdir -p "$BATS_TEST_TMPDIR/dirs/store-a" "$BATS_TEST_TMPDIR/dirs/store-b"
  touch "$BATS_TEST_TMPDIR/dirs/store-file"
  run -0 complete_bash "ctool --root $BATS_TEST_TMPDIR/dirs/st"
  assert_output "$BATS_TEST_TMPDIR/dirs/store-a
$BATS_TEST_TMPDIR/dirs/store-b"
  run -0 complete_bash "ctool --root=$BATS_TEST_TMPDIR/dirs/store-"
  assert_output "$BATS_TEST_TMPDIR/dirs/store-a
$BATS_TEST_TMPDIR/dirs/store-b"
}

@test "bash: 'ctool help <TAB>' offers the commands, and a family's subcommands after it" {
  run -0 complete_bash "ctool help "
  assert_output "$(visible_verbs)"
  run -0 complete_bash "ctool help ver"
  assert_output "version"
  family=$(awk -F'\t' '$1 == "command" && $3 == "visible" && split($2, p, " ") == 3 { print p[2]; exit }' "$TABLE")
  [ -n "$family" ] || skip "no command family (like 'image ls') in the table yet"
  expected=$(awk -F'\t' -v f="ctool $family" '$1 == "command" && $3 == "visible" && index($2, f " ") == 1 { n = split($2, p, " "); print p[n] }' "$TABLE" | sort)
  run -0 complete_bash "ctool help $family "
  assert_output "$expected"
  run -0 complete_bash "ctool $family "
  assert_output "$expected"
}

@test "bash: 'ctool run -it <TAB>' offers local images; -e VALUE is skipped" {
  skip_unless_command run
  pull_test_image
  run -0 complete_bash "ctool run -it "
  assert_line "$IMAGE"
  run -0 complete_bash "ctool run -e FOO=1 "
  assert_line "$IMAGE"
  run -0 complete_bash "ctool run -it -e FOO=1 --name x "
  assert_line "$IMAGE"
  # "127.0.0.1:5000/..." holds a ':', a bash word break: bash replaces only
  # what follows it, so that is what the reply holds.
  run -0 complete_bash "ctool run ${IMAGE%%:*}:"
  assert_output "${IMAGE#*:}"
  # After the image come the command and its arguments: files.
  run -0 complete_bash "ctool run -it $IMAGE /bi"
  assert_output "/bin"
}

@test "bash: 'ctool stop <TAB>' offers running containers, 'ctool rm <TAB>' all of them" {
  skip_unless_command run
  skip_unless_command stop
  skip_unless_command rm
  pull_test_image
  run -0 ctool run -d --name busy-one "$IMAGE" sleep 300
  run -0 ctool run --name done-one "$IMAGE" true
  id=$(ctool inspect --format '{{.Id}}' busy-one 2>/dev/null || true)
  run -0 complete_bash "ctool stop "
  assert_output "busy-one"
  run -0 complete_bash "ctool rm "
  assert_output "busy-one
done-one"
  if [ -n "$id" ]; then
    run -0 complete_bash "ctool rm ${id:0:4}"
    assert_output "${id:0:12}"
  fi
  run -0 ctool rm -f busy-one done-one
}

@test "bash: '--' ends the options" {
  has_verb rm || skip "ctool has no 'rm' command yet"
  run -0 complete_bash "ctool rm -- -"
  assert_output ""
}

# ---- zsh --------------------------------------------------------------

@test "zsh: 'ctool <TAB>' lists the visible verbs" {
  command -v zsh >/dev/null || skip "zsh is not installed"
  run -0 complete_zsh "ctool "
  assert_line "BUFFER:ctool "
  [ "$(grep '^MATCH:' <<< "$output" | cut -d: -f2- | sort)" = "$(visible_verbs)" ] \
    || fail "zsh listed: $output"
}

@test "zsh: a unique verb, option and value complete in the command line" {
  command -v zsh >/dev/null || skip "zsh is not installed"
  run -0 complete_zsh "ctool vers"
  assert_line "BUFFER:ctool version "
  run -0 complete_zsh "ctool version --for"
  assert_line "BUFFER:ctool version --format "
  run -0 complete_zsh "ctool version --format=j"
  assert_line "BUFFER:ctool version --format=json "
  run -0 complete_zsh "ctool --log-level deb"
  assert_line "BUFFER:ctool --log-level debug "
  mkdir -p "$BATS_TEST_TMPDIR/only-dir"
  run -0 complete_zsh "ctool --root=$BATS_TEST_TMPDIR/only-d"
  assert_line "BUFFER:ctool --root=$BATS_TEST_TMPDIR/only-dir/"
}

@test "zsh: 'ctool run -it <TAB>' offers local images" {
  command -v zsh >/dev/null || skip "zsh is not installed"
  skip_unless_command run
  pull_test_image
  run -0 complete_zsh "ctool run -it -e A=1 ${IMAGE%%/*}/ctool-test/busyb"
  assert_line "BUFFER:ctool run -it -e A=1 $IMAGE "
}

# ---- fish -------------------------------------------------------------

@test "fish: verbs, options and values" {
  command -v fish >/dev/null || skip "fish is not installed"
  run -0 complete_fish "ctool "
  assert_output "$(visible_verbs)"
  run -0 complete_fish "ctool vers"
  assert_output "version"
  run -0 complete_fish "ctool version --fo"
  assert_output "--format"
  run -0 complete_fish "ctool version --format="
  assert_output "--format=json"
  run -0 complete_fish "ctool --log-level "
  assert_output "$(printf '%s\n' debug error info warn)"
  mkdir -p "$BATS_TEST_TMPDIR/only-dir"
  run -0 complete_fish "ctool --root $BATS_TEST_TMPDIR/only-d"
  assert_output "$BATS_TEST_TMPDIR/only-dir/"
}

@test "fish: verbs come with their summaries" {
  command -v fish >/dev/null || skip "fish is not installed"
  run -0 fish --no-config -c "set -p fish_complete_path $COMPLETIONS; complete -C 'ctool vers'"
  assert_output "version	$(awk -F'\t' '$1 == "command" && $2 == "ctool version" { print $5 }' "$TABLE")"
}

@test "fish: 'ctool run -it <TAB>' offers local images" {
  command -v fish >/dev/null || skip "fish is not installed"
  skip_unless_command run
  pull_test_image
  run -0 complete_fish "ctool run -it "
  assert_line "$IMAGE"
}
