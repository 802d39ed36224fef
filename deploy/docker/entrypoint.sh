#!/bin/sh
# Runs the command given (the runecast CLI in the image) after reading secrets from files:
# for every RUNECAST_<NAME>_FILE=/path it exports RUNECAST_<NAME> with the file's content
# (trailing newlines removed), as Docker and Kubernetes secrets are mounted as files.
# Setting both RUNECAST_<NAME> and RUNECAST_<NAME>_FILE, or naming an unreadable or empty file,
# stops the start with exit code 2, as a bad setting does.
set -eu

fail() {
  echo "runecast: $1" >&2
  exit 2
}

for name in $(env | sed -n 's/^\(RUNECAST_[A-Z0-9_]*\)_FILE=.*$/\1/p'); do
  file=$(printenv "${name}_FILE")
  if [ -n "$(printenv "$name" || true)" ]; then
    fail "${name} and ${name}_FILE are both set; set only one"
  fi
  [ -r "$file" ] || fail "${name}_FILE=${file}: no readable file there"
  value=$(cat "$file")
  [ -n "$value" ] || fail "${name}_FILE=${file}: the file is empty"
  export "$name=$value"
  unset "${name}_FILE"
done

[ "$#" -gt 0 ] || fail "no command to run"
exec "$@"
