#!/usr/bin/env bash
# One entry point for the README quick start and CI.
#   packaging/sinar.sh run    install dependencies, build, run the main job
#   packaging/sinar.sh test   install dependencies, build, run the whole test suite
#   packaging/sinar.sh build  install dependencies and build only
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
preset="${SINAR_PRESET:-release}"
data="${SINAR_DATA:-$root/../shared/data}"

build() {
  bash "$here/install-deps.sh"
  cmake --preset "$preset" -S "$root" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
}

case "${1:-run}" in
  build)
    build
    ;;
  test)
    build
    cd "$root"
    ctest --preset "$preset" --output-on-failure
    ;;
  run)
    build
    cli="$root/build/$preset/app/sinar-cli"
    model="$root/models/brain-mri-cnn.sinar"
    image=""
    if [ -d "$data/brain-mri/Training/glioma" ]; then
      image="$(find "$data/brain-mri/Training" -name '*.jpg' | sort | head -n 1)"
    fi
    if [ -z "$image" ]; then
      echo "sinar: no real image found under $data (set SINAR_DATA); showing the model card instead"
      exec "$cli" info "$model"
    fi
    exec "$cli" predict --model "$model" "$image"
    ;;
  *)
    echo "usage: $0 run|test|build" >&2
    exit 1
    ;;
esac
