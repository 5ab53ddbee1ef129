#pragma once
// One result for a whole series from the classification of each of its
// slices: the rule is stated with the result, so a reader sees what it rests
// on. Slices the model cannot judge (outside its scope, unlike its training
// images, or unreadable) are left out and counted.
#include <string>
#include <vector>

namespace sinar::eval {

struct SliceResult {
    std::vector<float> probabilities; // one per class; empty when the slice failed
    bool judged = true;               // false: outside the scope, unlike the training images, or failed
};

struct SeriesResult {
    int slices = 0;                  // classified so far
    int judged = 0;                  // of them, the model could judge
    std::vector<double> meanProbabilities; // over the judged slices; empty when none
    int best = -1;                   // arg-max of the mean; -1 when no slice was judged
    std::vector<int> drivers;        // judged slices with the highest probability of `best`, highest first
    std::vector<int> perSliceBest;   // each slice's own arg-max; -1 for a failed slice

    // "mean of the class probabilities over the 18 of 20 slices the model can judge; the
    // class with the highest mean" (the rule, in words).
    std::string rule() const;
};

// At most `maxDrivers` drivers. Throws sinar::Error when slices disagree on the number of classes.
SeriesResult aggregateSeries(const std::vector<SliceResult>& slices, int maxDrivers = 3);

} // namespace sinar::eval
