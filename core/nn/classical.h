#pragma once
// Classical baselines as networks (internal to core: LibTorch): the study's
// SVM (linear or RBF kernel) and k-nearest neighbours, on raw down-scaled
// pixels or on HOG features of the preprocessed image.
//
// They are fitted in one step (Network::fitsDirectly) with OpenCV's ml module:
// the SVM's C (and the RBF kernel's gamma) and k are chosen by stratified
// cross-validation on the training part. The fitted model (support vectors,
// dual coefficients, offsets; or the training features for k-NN) is stored in
// the bundle as tensors and evaluated with LibTorch, so predict, evaluate,
// calibration, out-of-distribution statistics (on the centred and scaled features),
// occlusion maps and the viewer work on them as on any network. They have no
// feature maps, so Grad-CAM does not apply.
//
// Scores: an SVM's logits are its one-vs-one votes plus its summed decision
// values squashed into (-1/3, 1/3) (as scikit-learn's decision_function_shape
// "ovr"); k-NN's are log((n_c + 0.5) / (k + 0.5 K)) from the n_c of the k
// neighbours in class c, nearer neighbours breaking ties. Temperature scaling
// on the validation images (trust/calibration.h) turns them into probabilities.
#include <string>

#include "nn/network.h"

namespace sinar::nn {

// "svm-linear", "svm-rbf" or "knn". The bundle's "classical" record holds
// {"features": "raw"|"hog"} (default raw); HOG needs an input size that is a
// multiple of 8 (16x16 blocks, 8x8 cells and stride, 9 bins).
NetworkRegistration classicalRegistration(const std::string& architecture);

} // namespace sinar::nn
