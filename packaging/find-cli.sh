# Sourced by the benchmark scripts: sets CLI to $SINAR_CLI or the newest
# built sinar-cli (release first, then dev); exits with a message naming the
# calling script ($1) when there is none. Needs ROOT (the repository).
CLI="${SINAR_CLI:-}"
if [ -z "$CLI" ]; then
  for c in "$ROOT/build/release/app/sinar-cli" "$ROOT/build/dev/app/sinar-cli"; do
    if [ -x "$c" ]; then CLI="$c"; break; fi
  done
fi
[ -x "$CLI" ] || { echo "$1: sinar-cli not built (cmake --build --preset release)" >&2; exit 1; }
