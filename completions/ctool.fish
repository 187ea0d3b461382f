# fish completion for ctool.
#
# Thin: `ctool __complete -- WORD...` computes the candidates from the
# command table (see src/complete.h); this only hands them to fish.

function __ctool_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l cmd $tokens[1]
    set -e tokens[1]
    # The value of --opt=VALUE is completed after the "=".
    set -l prefix (string match -r -- '^--[^=]*=' $current)
    set -l value (string replace -r -- '^--[^=]*=' '' $current)
    for line in ($cmd __complete -- $tokens $current 2>/dev/null)
        switch $line
            case :files
                for path in (__fish_complete_path $value)
                    printf '%s%s\n' "$prefix" $path
                end
            case :dirs
                for path in (__fish_complete_directories $value)
                    printf '%s%s\n' "$prefix" $path
                end
            case '*'
                printf '%s\n' $line
        end
    end
end

complete -c ctool -f -a '(__ctool_complete)'
