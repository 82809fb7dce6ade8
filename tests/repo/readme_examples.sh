#!/usr/bin/env bash
# Runs every `build/floodgate ...` command shown in the README's sh blocks (lines with "..." are
# templates, not examples) against the build under test; fails on any non-zero exit.
set -euo pipefail
root=$1
bin_dir=$2
cd "$root"  # relative paths in the examples are the repository's, as a reader runs them
count=0
in_block=0
while IFS= read -r line; do
  if [[ "$line" == '```sh' ]]; then in_block=1; continue; fi
  if [[ "$line" == '```' ]]; then in_block=0; continue; fi
  [[ $in_block -eq 1 ]] || continue
  cmd=${line%%#*}
  [[ "$cmd" == build/floodgate* ]] || continue
  [[ "$cmd" == *"..."* ]] && continue
  cmd="$bin_dir/${cmd#build/}"
  echo "+ $cmd"
  if ! eval "$cmd" >/dev/null; then
    echo "README example failed: $line" >&2
    exit 1
  fi
  count=$((count + 1))
done < "$root/README.md"
if [[ $count -eq 0 ]]; then
  echo "no README examples found" >&2
  exit 1
fi
echo "$count README examples ran"
