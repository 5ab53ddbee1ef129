#!/usr/bin/env bash
# One entry point for the README quick start and CI.
#   packaging/sinar.sh run    install dependencies, build, launch the workstation on the demo study
#   packaging/sinar.sh test   install dependencies, build, run the whole test suite and the fuzz targets
#   packaging/sinar.sh build  install dependencies and build only
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
preset="${SINAR_PRESET:-release}"

build() {
  bash "$here/install-deps.sh"
  cmake --preset "$preset" -S "$root" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
}

command="${1:-run}"
shift || true
case "$command" in
  build)
    build
    ;;
  test)
    build
    cd "$root"
    ctest --preset "$preset" --output-on-failure
    # The libFuzzer targets (clang, ASan + UBSan): regression inputs, seeds and a
    # short, fixed fuzzing time per target (SINAR_FUZZ_SECONDS, default 20).
    if [ "${SINAR_SKIP_FUZZ:-0}" != 1 ]; then
      cmake --preset fuzz -S "$root" -DSINAR_FUZZ_SECONDS="${SINAR_FUZZ_SECONDS:-20}" >/dev/null
      cmake --build --preset fuzz -j "$(nproc)"
      ctest --preset fuzz --output-on-failure
    fi
    ;;
  run)
    build
    bash "$here/fetch-demo.sh" "$root/build/demo"
    gui="$root/build/$preset/app/sinar"
    model="$root/models/brain-mri-cnn.sinar"
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec "$gui" --model "$model" "$@"
    fi
    # No display (a server or CI): run the real window off-screen and keep a picture of it.
    shot="$root/build/sinar-demo.png"
    echo "sinar: no display; starting the workstation under xvfb-run and saving $shot"
    exec xvfb-run -a -s "-screen 0 1600x1000x24" "$gui" --model "$model" --size 1560x960 --screenshot "$shot" "$@"
    ;;
  *)
    echo "usage: $0 run|test|build" >&2
    exit 1
    ;;
esac
