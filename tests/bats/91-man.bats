#!/usr/bin/env bats
# The man pages and every `--help` agree with the one command table, which
# `ctool __commands` prints (see src/cmd-complete.c for the format):
#   command PATH VISIBILITY ALIAS_OF SUMMARY
#   option  PATH --LONG -S TYPE ARG_NAME COMPLETE
# A visible command PATH ("ctool image ls") has the page
# man/ctool-image-ls.1.scd; an alias uses its target's page.

load helpers

setup_file() {
  export SRCDIR="${BATS_TEST_DIRNAME%/tests/bats}"
  export TABLE="$BATS_FILE_TMPDIR/table"
  "$CTOOL" __commands > "$TABLE"
  [ -s "$TABLE" ]
}

# Visible command paths, one per line.
visible_commands() {
  awk -F'\t' '$1 == "command" && $3 == "visible" { print $2 }' "$TABLE"
}

# The page of a command path (through its alias).
page_of() {
  local path=$1 alias
  alias=$(awk -F'\t' -v p="$path" '$1 == "command" && $2 == p { print $4 }' "$TABLE")
  [ "$alias" != "-" ] && path="ctool $alias"
  echo "$SRCDIR/man/${path// /-}.1.scd"
}

# "--long -s value|flag" for each option of a command path, sorted.
table_options() {
  awk -F'\t' -v p="$1" '$1 == "option" && $2 == p {
    print $3, $4, ($5 == "bool" ? "flag" : "value") }' "$TABLE" | sort
}

# The same from a page's OPTIONS section: its term lines (unindented lines
# starting with "*-"), e.g. "*-d*, *--detach*" or "*--name*=_NAME_".
page_options() {
  awk '
    /^# / { in_options = ($0 == "# OPTIONS"); next }
    in_options && /^\*-/ {
      line = $0; short = "-"; n = 0
      value = (line ~ /\*=/) ? "value" : "flag"
      while (match(line, /\*-[A-Za-z0-9]\*/)) { short = substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH) }
      line = $0
      while (match(line, /\*--[A-Za-z0-9][A-Za-z0-9-]*\*/)) {
        longs[n++] = substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH)
      }
      for (i = 0; i < n; i++) print longs[i], short, value
    }' "$1" | sort
}

# The text of one section ("# NAME") of a page; nothing when either is missing.
section_text() {
  [ -f "$1" ] || return 0
  awk -v want="# $2" '/^# / { inside = ($0 == want); next } inside' "$1"
}

# The same from `ctool PATH --help`: lines of the "Options:" block such as
# "  -f, --format FORMAT   ..." or "      --root DIR   ...".
help_options() {
  local path=$1
  # shellcheck disable=SC2086
  "$CTOOL" ${path#ctool} --help | awk '
    /^Options:$/ { in_options = 1; next }
    /^$/ { in_options = 0 }
    in_options && /^  (-[A-Za-z0-9], |    )--[a-z0-9]/ {
      short = ($1 ~ /^-[A-Za-z0-9],$/) ? substr($1, 1, 2) : "-"
      long = (short == "-") ? $1 : $2
      arg = (short == "-") ? $2 : $3
      print long, short, (arg ~ /^[A-Z][A-Z0-9_.]*$/ ? "value" : "flag")
    }' | sort
}

# Report every problem at once, then fail when there was one.
problems=()
problem() { problems+=("$*"); }
check_problems() {
  if [ ${#problems[@]} -gt 0 ]; then
    printf '%s\n' "${problems[@]}" >&2
    return 1
  fi
}

@test "every visible command has a man page" {
  while read -r path; do
    page=$(page_of "$path")
    [ -f "$page" ] || problem "'$path' has no man page: write ${page#"$SRCDIR"/} (see the team brief for its shape)"
  done < <(visible_commands)
  check_problems
}

@test "every man page belongs to a command" {
  local -A wanted=()
  while read -r path; do
    wanted[$(page_of "$path")]=1
  done < <(visible_commands)
  for page in "$SRCDIR"/man/*.1.scd; do
    [ -n "${wanted[$page]:-}" ] || problem "${page#"$SRCDIR"/} documents no visible command in the table (remove it or add the command)"
  done
  check_problems
}

@test "every man page is built and installed by man/Makefile.inc" {
  for page in "$SRCDIR"/man/*.scd; do
    rel=${page#"$SRCDIR"/}
    grep -qx "man_pages += ${rel%.scd}" "$SRCDIR/man/Makefile.inc" \
      || problem "$rel is not in man/Makefile.inc: add the line 'man_pages += ${rel%.scd}'"
  done
  check_problems
}

@test "each page's title and NAME match its file name" {
  for page in "$SRCDIR"/man/*.scd; do
    base=$(basename "$page" .scd)        # ctool-run.1
    name=${base%.*} section=${base##*.}
    [ "$(head -n1 "$page")" = "$name($section)" ] \
      || problem "${page#"$SRCDIR"/}: the first line must be '$name($section)'"
    grep -q "^$name - " "$page" \
      || problem "${page#"$SRCDIR"/}: the NAME section must start with '$name - '"
  done
  check_problems
}

@test "each page's OPTIONS section documents exactly the table's options" {
  while read -r path; do
    page=$(page_of "$path")
    [ -f "$page" ] || continue
    rel=${page#"$SRCDIR"/}
    while read -r long short kind; do
      [ -n "$long" ] || continue
      problem "$rel: '$path' has $long ($short, $kind) but the page's OPTIONS section does not document it"
    done < <(comm -23 <(table_options "$path") <(page_options "$page"))
    while read -r long short kind; do
      [ -n "$long" ] || continue
      problem "$rel: OPTIONS documents $long ($short, $kind), which '$path' does not have in the command table"
    done < <(comm -13 <(table_options "$path") <(page_options "$page"))
  done < <(visible_commands)
  check_problems
}

@test "ctool(1) lists every command; family pages list their subcommands" {
  while read -r path; do
    [ "$path" = ctool ] && continue
    parent=${path% *} name=${path##* }
    alias=$(awk -F'\t' -v p="$path" '$1 == "command" && $2 == p { print $4 }' "$TABLE")
    listing="$SRCDIR/man/${parent// /-}.1.scd"
    if [ "$alias" = "-" ]; then
      want="*${path// /-}*(1)"
    else
      want="*$name*"
    fi
    section_text "$listing" COMMANDS | grep -qF -- "$want" \
      || problem "${listing#"$SRCDIR"/}: its COMMANDS section does not list '$want' for '$path'"
  done < <(visible_commands)
  check_problems
}

@test "every --help lists exactly the table's options" {
  while read -r path; do
    while read -r line; do
      [ -n "$line" ] && problem "'$path --help' lacks: $line"
    done < <(comm -23 <(table_options "$path") <(help_options "$path"))
    while read -r line; do
      [ -n "$line" ] && problem "'$path --help' shows an option not in the table: $line"
    done < <(comm -13 <(table_options "$path") <(help_options "$path"))
  done < <(visible_commands)
  check_problems
}

@test "scdoc builds every page and man renders it without warnings" {
  command -v scdoc >/dev/null || skip "scdoc is not installed (tests/setup/install-packages.sh installs it)"
  command -v man >/dev/null || skip "man is not installed (tests/setup/install-packages.sh installs man-db)"
  for page in "$SRCDIR"/man/*.scd; do
    rel=${page#"$SRCDIR"/}
    out="$BATS_TEST_TMPDIR/$(basename "$page" .scd)"
    if ! scdoc < "$page" > "$out" 2> "$out.err"; then
      problem "$rel: scdoc failed: $(cat "$out.err")"
      continue
    fi
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$out" 2>&1 >/dev/null)
    [ -z "$warnings" ] || problem "$rel: man reports: $warnings"
  done
  check_problems
}
