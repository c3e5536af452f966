# Sourced by test-all.sh and bench.sh: the passed and failed counts in a test runner's log.
# shellcheck shell=bash
count() { # $1 = kind, $2 = log  -> "pass fail"
  local p=0 f=0 plain
  # A log with no count (a runner that crashed) reads 0, also under a caller's `set -e -o pipefail`.
  local -; set +e +o pipefail
  # Runners colour their output even when piped (e.g. with CI=true); count on plain text.
  plain=$(mktemp); sed 's/\x1b\[[0-9;]*m//g' "$2" > "$plain"; set -- "$1" "$plain"
  case $1 in
    node)
      p=$(grep -E '^# pass [0-9]+' "$2" | awk '{s+=$3} END {print s+0}')
      f=$(grep -E '^# fail [0-9]+' "$2" | awk '{s+=$3} END {print s+0}') ;;
    vitest)
      p=$(grep -E 'Tests +[0-9]+' "$2" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
      f=$(grep -E 'Tests +[0-9]+' "$2" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}') ;;
    cargo)
      p=$(grep -E '^test result:' "$2" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
      f=$(grep -E '^test result:' "$2" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}') ;;
  esac
  rm -f "$plain"
  echo "$p $f"
}
