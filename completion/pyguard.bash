# bash completion for pyguard(1)                                 -*- shell-script -*-

_pyguard_rules()
{
    local dir
    for dir in /usr/share/pyguard/rules /etc/pyguard/rules.d; do
        [[ -d $dir ]] && compgen -G "$dir/*.rule"
    done | sed 's|.*/||; s|\.rule$||' | sort -u
}

_pyguard_releases()
{
    sed -n 's/^Release: *//p' /usr/share/pyguard/rules/releases.deb822 2>/dev/null
}

_pyguard()
{
    local cur prev words cword
    _init_completion || return

    local i command="" action=""
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --root | --format | --only | --output | --config | --state-dir | --venv-root | \
                --interpreter | --pythonpath | --to)
                ((i++)) ;;
            -*) ;;
            *)
                if [[ -z $command ]]; then
                    command=${words[i]}
                elif [[ -z $action ]]; then
                    action=${words[i]}
                fi
                ;;
        esac
    done

    case $prev in
        --root | --state-dir | --venv-root | --pythonpath)
            _filedir -d
            return ;;
        --output | --config | --interpreter)
            _filedir
            return ;;
        --only)
            COMPREPLY=($(compgen -W "$(_pyguard_rules)" -- "$cur"))
            return ;;
        --to)
            COMPREPLY=($(compgen -W "$(_pyguard_releases)" -- "$cur"))
            return ;;
        --format)
            case $command in
                report) COMPREPLY=($(compgen -W "text json prometheus nagios" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
            esac
            return ;;
    esac

    local opts
    case $command in
        "")
            COMPREPLY=($(compgen -W "doctor explain rules report venvs upgrade-check fix undo guard hooks pip --root --help --version" -- "$cur"))
            return ;;
        doctor) opts="--root --format --only --help" ;;
        explain)
            if [[ -z $action && $cur != -* ]]; then
                COMPREPLY=($(compgen -W "$(_pyguard_rules)" -- "$cur"))
                return
            fi
            opts="--root --help" ;;
        rules) opts="--root --help" ;;
        report) opts="--root --format --output --config --state-dir --help" ;;
        venvs) opts="--root --venv-root --format --help" ;;
        upgrade-check) opts="--root --to --format --no-record --state-dir --help" ;;
        fix) opts="--root --only --dry-run --yes --allow-upgrade --no-allow-upgrade --format --help" ;;
        undo)
            if [[ -z $action && $cur != -* ]]; then
                COMPREPLY=($(compgen -W "$(command ls /var/lib/pyguard/undo 2>/dev/null)" -- "$cur"))
                return
            fi
            opts="--root --list --yes --help" ;;
        guard)
            case $action in
                "") opts="install uninstall status --help" ;;
                install) opts="--root --interpreter --pythonpath --help" ;;
                *) opts="--root --help" ;;
            esac ;;
        hooks)
            case $action in
                "") opts="install uninstall status pre-invoke post-invoke post-update --help" ;;
                install) opts="--root --interpreter --pythonpath --help" ;;
                uninstall) opts="--root --help" ;;
                *) opts="--root --config --help" ;;
            esac ;;
        pip)
            # pip's own command line: leave it to pip's completion, if any.
            return ;;
        *) return ;;
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
    complete -F _pyguard pyguard

# ex: filetype=sh
