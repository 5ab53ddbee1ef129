#include "train/run_plan.h"

#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <opencv2/imgproc.hpp>
#include <set>

#include "common/error.h"
#include "data/image_cache.h"
#include "data/near_duplicates.h"
#include "data/npz_reader.h"
#include "data/patient_groups.h"
#include "imaging/preprocessor.h"

namespace sinar::train {

namespace {

enum Part : uint8_t { None = 0, Train = 1, Val = 2, Test = 4 };

std::vector<size_t> perClass(const data::Dataset& d, const std::vector<size_t>& idx)
{
    std::vector<size_t> c(d.classNames().size(), 0);
    for (size_t i : idx) {
        const int label = d.sample(i).label;
        if (label >= 0 && static_cast<size_t>(label) < c.size())
            ++c[static_cast<size_t>(label)];
    }
    return c;
}

std::string inQuotes(const std::string& s)
{
    return "'" + s + "'";
}

std::string fixed1(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string percent(double v)
{
    return std::to_string(static_cast<long>(std::lround(v * 100.0))) + " %";
}

void addFailures(std::vector<FileFailure>& out, const std::vector<FileFailure>& more)
{
    out.insert(out.end(), more.begin(), more.end());
}

// Sorted by file, one entry per file (the first reason given for it).
void tidy(std::vector<FileFailure>& list)
{
    std::stable_sort(list.begin(), list.end(), [](const FileFailure& a, const FileFailure& b) { return a.file < b.file; });
    list.erase(std::unique(list.begin(), list.end(), [](const FileFailure& a, const FileFailure& b) { return a.file == b.file; }),
               list.end());
}

void addWarnings(RunPlan& plan, const RunPlanRequest& request)
{
    auto& w = plan.warnings;
    const size_t classes = plan.classNames.size();

    // Twins and patients across the split come first: they make a test result wrong.
    if (plan.decoded && plan.testWithTrainTwin > 0)
        w.push_back(std::to_string(plan.testWithTrainTwin) + " of " + std::to_string(plan.testTotal) +
                    " test images have a near-duplicate in the training part, so the test accuracy on them is inflated" +
                    (request.groupDuplicates || plan.isNpz ? std::string(".")
                                                           : "; keep near-duplicates together (group duplicates)."));
    if (plan.hasPatientIds && !request.groupByPatient && plan.patientsOnSeveralSides > 0)
        w.push_back(std::to_string(plan.patientsOnSeveralSides) + " of " + std::to_string(plan.patients) +
                    " patients have images on more than one side of the split; keep patients apart (group by patient).");

    // Class balance and size.
    if (classes >= 2) {
        const auto [minIt, maxIt] = std::minmax_element(plan.classCounts.begin(), plan.classCounts.end());
        const size_t lo = *minIt, hi = *maxIt;
        if (lo > 0 && static_cast<double>(hi) / static_cast<double>(lo) > 3.0)
            w.push_back("class imbalance: " + inQuotes(plan.classNames[static_cast<size_t>(maxIt - plan.classCounts.begin())]) +
                        " has " + std::to_string(hi) + " images, " +
                        inQuotes(plan.classNames[static_cast<size_t>(minIt - plan.classCounts.begin())]) + " only " +
                        std::to_string(lo) + " (" + fixed1(static_cast<double>(hi) / static_cast<double>(lo)) +
                        " times fewer); consider class weights, and judge the model by balanced accuracy.");
    }
    const bool wantVal = request.valFraction > 0;
    const bool wantTest = plan.isNpz || request.testFraction > 0;
    for (size_t c = 0; c < classes; ++c) {
        const std::string name = inQuotes(plan.classNames[c]);
        if (plan.classCounts[c] < 10)
            w.push_back("class " + name + " has only " + std::to_string(plan.classCounts[c]) +
                        (plan.classCounts[c] == 1 ? " image." : " images."));
        const bool missing = plan.trainCounts[c] == 0 || (wantVal && plan.valCounts[c] == 0) ||
                             (wantTest && plan.testCounts[c] == 0);
        if (missing)
            w.push_back("class " + name + " has too few images to appear in every part of the split: " +
                        std::to_string(plan.trainCounts[c]) + " train, " + std::to_string(plan.valCounts[c]) +
                        " validation, " + std::to_string(plan.testCounts[c]) + " test.");
    }

    if (!plan.unreadable.empty())
        w.push_back(std::to_string(plan.unreadable.size()) +
                    (plan.unreadable.size() == 1 ? " file cannot be read and is skipped." : " files cannot be read and are skipped."));

    if (request.groupByPatient) {
        if (plan.imagesWithoutPatientId > 0)
            w.push_back(std::to_string(plan.imagesWithoutPatientId) +
                        " images have no PatientID; each is treated as a patient of its own.");
        const size_t total = plan.trainTotal + plan.valTotal + plan.testTotal;
        if (!plan.isNpz && total > 0 && request.testFraction > 0) {
            const double got = static_cast<double>(plan.testTotal) / static_cast<double>(total);
            if (std::abs(got - request.testFraction) > 0.05)
                w.push_back("keeping " + std::to_string(plan.patients) + " patients apart puts " + percent(got) +
                            " of the images in the test part (" + percent(request.testFraction) + " asked for).");
        }
    }
}

} // namespace

RunPlan planRun(const RunPlanRequest& request, const ProgressFn& progress, const CancelToken* cancel)
{
    if (!(request.testFraction >= 0.0 && request.testFraction < 1.0))
        throw Error("test fraction must be in [0, 1)");
    if (!(request.valFraction >= 0.0 && request.valFraction < 1.0))
        throw Error("validation fraction must be in [0, 1)");
    request.recipe.validate("preprocessing options");
    RunPlan plan;
    plan.source = request.dataPath;

    // Open the data exactly as runTrainingJob does.
    plan.isNpz = QFileInfo(QString::fromStdString(request.dataPath)).suffix().toLower() == "npz";
    data::DatasetOptions opts;
    opts.classNames = request.classNames;
    opts.subset = "train";
    auto trainSet = std::make_shared<data::Dataset>(data::openDataset(request.dataPath, opts));
    std::shared_ptr<data::Dataset> testSet = trainSet;
    if (plan.isNpz) {
        data::NpzReader probe(request.dataPath);
        opts.subset = probe.contains("test_images") ? "test" : "val";
        plan.testSubset = opts.subset;
        testSet = std::make_shared<data::Dataset>(data::openNpz(request.dataPath, opts));
    }
    plan.classNames = trainSet->classNames();
    addFailures(plan.unreadable, trainSet->skipped());
    if (cancel)
        cancel->throwIfCancelled();

    // Patients (DICOM headers only).
    const data::PatientGroups patients = data::readPatientGroups(*trainSet, progress, cancel);
    addFailures(plan.unreadable, patients.failures);
    plan.hasPatientIds = patients.patients > 0;
    plan.patients = patients.patients;
    plan.imagesWithoutPatientId = patients.withoutId;
    std::vector<int> patientGroups;
    if (request.groupByPatient)
        patientGroups = patients.requireGroups(request.dataPath);

    // Decoding, as training does it, when twins are asked for or needed for the split.
    data::DuplicateGroups twins;
    data::ImageCache cache, testCache;
    if (request.checkDuplicates || (request.groupDuplicates && !plan.isNpz)) {
        const imaging::Preprocessor pre(request.recipe);
        cache = data::buildImageCache(*trainSet, pre, progress, cancel);
        addFailures(plan.unreadable, cache.failures);
        if (testSet != trainSet) {
            testCache = data::buildImageCache(*testSet, pre, progress, cancel);
            addFailures(plan.unreadable, testCache.failures);
        }
        if (progress)
            progress(0, 1, "finding near-duplicates");
        twins = data::findNearDuplicates(cache.images);
        plan.decoded = true;
        plan.imagesWithTwins = twins.imagesWithTwins;
        plan.duplicateGroups = twins.groupsWithTwins;
        if (progress)
            progress(1, 1, "finding near-duplicates");
    }
    tidy(plan.unreadable);

    // The split, with runTrainingJob's functions and arguments.
    if (plan.isNpz) {
        plan.split = data::splitTrainVal(trainSet->labels(), request.valFraction, request.seed, {}, request.splitMethod);
        for (size_t i = 0; i < testSet->size(); ++i)
            plan.split.test.push_back(i);
    } else {
        const std::vector<int> groups =
            data::combineGroups(request.groupDuplicates ? twins.group : std::vector<int>(), patientGroups);
        plan.split = data::makeSplit(request.splitMethod, trainSet->labels(), request.testFraction, request.valFraction,
                                     request.seed, groups);
    }
    plan.trainCounts = perClass(*trainSet, plan.split.train);
    plan.valCounts = perClass(*trainSet, plan.split.val);
    plan.testCounts = perClass(*testSet, plan.split.test);
    plan.trainTotal = plan.split.train.size();
    plan.valTotal = plan.split.val.size();
    plan.testTotal = plan.split.test.size();
    plan.classCounts = trainSet->classCounts();
    if (testSet != trainSet) {
        const std::vector<size_t> more = testSet->classCounts();
        for (size_t c = 0; c < plan.classCounts.size() && c < more.size(); ++c)
            plan.classCounts[c] += more[c];
    }

    // Which part each image is in; test images of an .npz follow the training subset.
    const size_t nTrainSet = trainSet->size();
    const size_t nAll = nTrainSet + (testSet != trainSet ? testSet->size() : 0);
    std::vector<uint8_t> part(nAll, None);
    for (size_t i : plan.split.train)
        part[i] = Train;
    for (size_t i : plan.split.val)
        part[i] = Val;
    for (size_t i : plan.split.test)
        part[(testSet != trainSet ? nTrainSet : 0) + i] = Test;

    // Near-duplicate twins across the split.
    if (plan.decoded) {
        std::vector<std::pair<int, int>> pairs = twins.pairs;
        if (testSet != trainSet) { // twins between the archive's subsets
            std::vector<cv::Mat> all = cache.images;
            all.insert(all.end(), testCache.images.begin(), testCache.images.end());
            pairs = data::findNearDuplicates(all).pairs;
        }
        std::vector<uint8_t> hasTrainTwin(nAll, 0);
        for (const auto& [a, b] : pairs) {
            if (part[static_cast<size_t>(b)] == Train)
                hasTrainTwin[static_cast<size_t>(a)] = 1;
            if (part[static_cast<size_t>(a)] == Train)
                hasTrainTwin[static_cast<size_t>(b)] = 1;
        }
        for (size_t i = 0; i < nAll; ++i) {
            plan.testWithTrainTwin += part[i] == Test && hasTrainTwin[i];
            plan.valWithTrainTwin += part[i] == Val && hasTrainTwin[i];
        }
        for (size_t i : plan.split.test)
            plan.testHasTrainTwin.push_back(hasTrainTwin[(testSet != trainSet ? nTrainSet : 0) + i]);
        if (request.keepThumbnails) {
            auto thumbs = [](const std::vector<cv::Mat>& images) {
                std::vector<cv::Mat> out;
                for (const cv::Mat& m : images) {
                    cv::Mat t;
                    if (!m.empty()) {
                        if (m.channels() == 3)
                            cv::cvtColor(m, t, cv::COLOR_RGB2GRAY);
                        else
                            t = m;
                        cv::resize(t, t, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
                    }
                    out.push_back(t);
                }
                return out;
            };
            plan.thumbnails = thumbs(cache.images);
            if (testSet != trainSet)
                plan.testThumbnails = thumbs(testCache.images);
        }
    }

    // Patients with images in more than one part.
    if (plan.hasPatientIds) {
        std::map<std::string, uint8_t> sides;
        for (size_t i = 0; i < nTrainSet; ++i)
            if (!patients.patientIds[i].empty())
                sides[patients.patientIds[i]] |= part[i];
        for (const auto& [id, mask] : sides)
            plan.patientsOnSeveralSides += (mask & (mask - 1)) != 0; // more than one bit set
    }

    plan.dataset = trainSet;
    plan.testDataset = testSet;
    addWarnings(plan, request);
    return plan;
}

std::vector<size_t> previewIndices(const data::Dataset& dataset, int perClass)
{
    std::vector<std::vector<size_t>> byClass(dataset.classNames().size());
    for (size_t i = 0; i < dataset.size(); ++i) {
        const int label = dataset.sample(i).label;
        if (label >= 0 && static_cast<size_t>(label) < byClass.size())
            byClass[static_cast<size_t>(label)].push_back(i);
    }
    std::vector<size_t> out;
    if (perClass <= 0)
        return out;
    const size_t k = static_cast<size_t>(perClass);
    for (const auto& members : byClass) {
        const size_t m = members.size();
        for (size_t j = 0; j < std::min(k, m); ++j)
            out.push_back(members[m <= k ? j : j * m / k]);
    }
    return out;
}

std::vector<std::string> previewPaths(const data::Dataset& dataset, int perClass)
{
    std::vector<std::string> out;
    for (size_t i : previewIndices(dataset, perClass))
        out.push_back(dataset.sample(i).path);
    return out;
}

} // namespace sinar::train
