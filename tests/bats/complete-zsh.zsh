#!/usr/bin/env zsh
# Drive zsh's real completion system in a pseudo-terminal, as a user at a
# prompt would: type LINE, press TAB, and report what happened.
#
#   zsh complete-zsh.zsh COMPLETIONS_DIR LINE
#
# prints
#   BUFFER:<the command line after the TAB>
#   MATCH:<a candidate zsh listed>      (one per candidate, when it listed)
#
# The listing is made parseable by list-colors: every match is printed
# between "<M|" and ">" instead of colour codes.
emulate -L zsh
zmodload zsh/zpty || { print -u2 "zsh/zpty is not available"; exit 2 }

compdir=$1 line=$2
tmp=$(mktemp -d) || exit 2
trap 'zpty -d ctest 2>/dev/null; rm -rf $tmp' EXIT

cat > $tmp/init.zsh <<EOF
PS1='<PROMPT>' PROMPT_EOL_MARK='' RPS1=''
fpath=(${(q)compdir} \$fpath)
autoload -Uz compinit && compinit -u -D
zmodload zsh/complist
unsetopt list_ambiguous always_last_prompt
setopt no_beep no_list_beep
LISTMAX=100000
zstyle ':completion:*' list-colors 'no=<M|' 'fi=<M|' 'di=<M|' 'ln=<M|' 'ex=<M|' 'pi=<M|' 'so=<M|' 'bd=<M|' 'cd=<M|' 'or=<M|' 'mi=<M|' 'su=<M|' 'sg=<M|' 'tw=<M|' 'ow=<M|' 'st=<M|' 'lc=' 'rc=' 'ec=>'
zstyle ':completion:*' list-packed false
zstyle ':completion:*' list-separator '--'
_ctest_report() { zle -I; print -r -- "<BUFFER:\$BUFFER>" }
zle -N _ctest_report
bindkey '^X' _ctest_report
print '<READY>'
EOF

# Read from the pty until PATTERN shows up (within 10 s); the text read
# accumulates in $got.
got=''
read_until() {
  local chunk deadline=$(( SECONDS + 10 ))
  while (( SECONDS < deadline )); do
    if zpty -r -t ctest chunk; then
      got+=$chunk
      [[ $got == $~1 ]] && return 0
    else
      sleep 0.05
    fi
  done
  print -u2 "timed out waiting for $1; got: ${(q+)got}"
  return 1
}

zpty ctest "TERM=dumb COLUMNS=200 LINES=500 zsh -f -i" || exit 2
zpty -w ctest "source ${(q)tmp}/init.zsh"
read_until '*<READY>*<PROMPT>*' || exit 1
got=''
zpty -w -n ctest "$line"$'\t'
sleep 0.5
zpty -w -n ctest $'\x18'
read_until '*<BUFFER:*>*' || exit 1

print -r -- "BUFFER:${${got##*<BUFFER:}%%>*}"
# A listed line is "<M|match  -- description>": the match is its first word.
for m in ${(f)"$(print -r -- $got | grep -o '<M|[^>]*>')"}; do
  m=${${m#<M|}%>}
  [[ -n $m ]] && print -r -- "MATCH:${m%% *}"
done
exit 0
