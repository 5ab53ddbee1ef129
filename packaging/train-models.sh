#!/usr/bin/env bash
# Re-creates the model bundles shipped in models/ from ../shared/data.
# The commands here are the ones recorded in the model cards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${SINAR_DATA:-$root/../shared/data}"
cli="$root/build/${SINAR_PRESET:-release}/app/sinar-cli"
out="${1:-$root/models}"

# Brain MRI, 4 classes: the standard CNN with the defaults.
"$cli" train --data "$data/brain-mri/Training" --out "$out/brain-mri-cnn.sinar" --overwrite

# PneumoniaMNIST: 28x28 input, three blocks, no stride in the first convolution.
"$cli" train --data "$data/pneumoniamnist/pneumoniamnist_trainval.npz" --size 28 --filters 32,64,128 \
  --stem-stride 1 --epochs 80 --out "$out/pneumoniamnist-cnn.sinar" --overwrite

# Brain MRI, transfer learning: ImageNet MobileNetV2 fine-tuned (models/brain-mri-transfer.md).
"$cli" train --data "$data/brain-mri/Training" --out "$out/brain-mri-transfer.sinar" --architecture mobilenet_v2 \
  --pretrained "$data/pretrained/mobilenet_v2_imagenet.torchscript.pt" --channels 3 --size 160 \
  --normalise minus-one-one --optimizer adam --lr 0.0003 --epochs 12 --max-minutes 27 --threads 2 --overwrite
"$cli" scope --model "$out/brain-mri-transfer.sinar" --modality MR --body-part BRAIN --view axial,coronal,sagittal \
  --input research-image --overwrite
