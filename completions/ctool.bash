# bash completion for ctool                                -*- shell-script -*-
#
# Thin: `ctool __complete -- WORD...` computes the candidates from the
# command table (see src/complete.h); this only hands them to bash.

_ctool()
{
    local cur prev words cword
    # Keep "--network=sl" and "registry:5000/img" as one word.
    _init_completion -n =: || return

    local line files="" dirs=""
    local -a candidates=()
    while IFS= read -r line; do
        case $line in
            :files) files=1 ;;
            :dirs) dirs=1 ;;
            *) candidates+=("${line%%$'\t'*}") ;;
        esac
    done < <("${words[0]}" __complete -- "${words[@]:1:cword}" 2>/dev/null)

    COMPREPLY=("${candidates[@]}")
    # Bash replaces only the part of the word after the last '=' or ':'
    # (COMP_WORDBREAKS); drop that part from the candidates.
    local breaks=${COMP_WORDBREAKS//[^=:]/}
    if [[ -n $breaks && $cur == *["$breaks"]* ]]; then
        local done_part=${cur%"${cur##*["$breaks"]}"}
        COMPREPLY=("${COMPREPLY[@]#"$done_part"}")
    fi

    if [[ -n $files || -n $dirs ]]; then
        local -a words_so_far=("${COMPREPLY[@]}")
        [[ $cur == --*=* ]] && cur=${cur#*=}
        if [[ -n $dirs ]]; then _filedir -d; else _filedir; fi
        COMPREPLY+=("${words_so_far[@]}")
    fi
} &&
    complete -F _ctool ctool

# ex: filetype=sh
