#!/usr/bin/env bash
# Run bash's completion for ctool the way readline would call it, and print
# what it offers (COMPREPLY, one per line).
#
#   bash complete-bash.sh COMPLETION_SCRIPT LINE
#
# LINE is what the user typed before pressing TAB; COMP_WORDS is split from
# it as bash does: at blanks, and each run of '=' or ':' (the word-break
# characters that matter here) becomes a word of its own.
set -u
script=$1 line=$2

# shellcheck disable=SC1091
. /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1090
. "$script"

COMP_WORDS=()
for word in $line; do
  while [[ -n $word ]]; do
    [[ $word =~ ^([=:]+|[^=:]+)(.*)$ ]]
    COMP_WORDS+=("${BASH_REMATCH[1]}")
    word=${BASH_REMATCH[2]}
  done
done
[[ -z $line || $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$line
COMP_POINT=${#line}

func=$(complete -p ctool | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$func" ] || { echo "no completion function registered for ctool" >&2; exit 2; }
COMPREPLY=()
"$func" ctool "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]:-}"
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
