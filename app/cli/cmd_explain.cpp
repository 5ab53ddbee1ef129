#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli/cli_common.h"
#include "common/privacy.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "explain/colour_map.h"
#include "explain/explain.h"
#include "explain/faithfulness.h"
#include "imaging/codecs.h"
#include "nn/model.h"
#include "train/training_job.h"

namespace sinar::cli {

namespace {

struct Input {
    QString path;
    QString ref;          // what output names and JSON call it: the path, or a fingerprint (--paths, data sets only)
    imaging::Image image; // set for data-set samples (npz); else read from path
    bool loaded = false;
};

std::vector<explain::Method> methodsOption(const QCommandLineParser& p, const nn::Model& model, bool evaluate)
{
    const QString value = p.value("method");
    std::vector<explain::Method> out;
    if (value == "all" || (value.isEmpty() && evaluate)) {
        for (explain::Method m : explain::allMethods()) {
            if (explain::supports(model, m))
                out.push_back(m);
        }
        return out;
    }
    for (const std::string& name : stringListOption(p, "method"))
        out.push_back(explain::methodFromString(name));
    if (out.empty())
        out.push_back(explain::Method::GradCam);
    return out;
}

// Every k-th of `n` items so that `limit` are left, spread over the whole list.
std::vector<size_t> spread(size_t n, int limit)
{
    std::vector<size_t> idx;
    if (limit <= 0 || static_cast<size_t>(limit) >= n) {
        for (size_t i = 0; i < n; ++i)
            idx.push_back(i);
        return idx;
    }
    for (int i = 0; i < limit; ++i)
        idx.push_back(static_cast<size_t>(static_cast<double>(i) * n / limit));
    return idx;
}

std::vector<Input> collectInputs(const QCommandLineParser& p, const nn::Model& model, int limit)
{
    std::vector<Input> inputs;
    if (p.isSet("data")) {
        if (!p.positionalArguments().isEmpty())
            throw Error("give either --data or image files, not both");
        data::DatasetOptions opts;
        opts.subset = p.value("subset").toStdString();
        opts.classNames = model.info().classNames;
        data::Dataset ds = data::openDataset(p.value("data").toStdString(), opts);
        std::vector<size_t> chosen;
        if (p.isSet("held-out")) {
            chosen = train::heldOutTestIndices(ds, model.info().data, p.value("model").toStdString());
            std::sort(chosen.begin(), chosen.end());
        } else {
            for (size_t i = 0; i < ds.size(); ++i)
                chosen.push_back(i);
        }
        const bool recordPaths = privacy::recordsPaths(p.value("paths").toStdString(), data::holdsPatientFiles(ds));
        for (size_t k : spread(chosen.size(), limit)) {
            const size_t i = chosen[k];
            Input in;
            in.path = QString::fromStdString(ds.sample(i).path);
            in.ref = recordPaths ? in.path : QString::fromStdString(privacy::imageRef(ds.sample(i).path, ds.source(), false));
            in.image = ds.load(i);
            in.loaded = true;
            inputs.push_back(std::move(in));
        }
        return inputs;
    }
    if (p.isSet("held-out"))
        throw Error("--held-out needs --data (the data set the model was trained on)");
    const QStringList files = expandImageArguments(p.positionalArguments());
    for (size_t k : spread(static_cast<size_t>(files.size()), limit))
        inputs.push_back({files[static_cast<int>(k)], {}, {}, false});
    return inputs;
}

struct Stats {
    std::vector<double> deletion, insertion, ms;
    int beatsDeletion = 0, beatsInsertion = 0;
};

double mean(const std::vector<double>& v)
{
    double s = 0;
    for (double x : v)
        s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double sem(const std::vector<double>& v)
{
    if (v.size() < 2)
        return 0.0;
    const double m = mean(v);
    double ss = 0;
    for (double x : v)
        ss += (x - m) * (x - m);
    return std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
}

QJsonObject statsJson(const Stats& s, size_t images, bool withBeats)
{
    QJsonObject o;
    o["deletion_auc"] = mean(s.deletion);
    o["deletion_auc_sem"] = sem(s.deletion);
    o["insertion_auc"] = mean(s.insertion);
    o["insertion_auc_sem"] = sem(s.insertion);
    if (withBeats) {
        o["below_random_deletion"] = images ? static_cast<double>(s.beatsDeletion) / images : 0.0;
        o["above_random_insertion"] = images ? static_cast<double>(s.beatsInsertion) / images : 0.0;
        o["milliseconds"] = mean(s.ms);
    }
    return o;
}

} // namespace

int runExplain(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle, or a TorchScript model with its side-car JSON.", "BUNDLE"},
        {"out", "Folder for the overlay PNGs and the raw maps (32-bit float TIFF).", "DIR"},
        {"method", "gradcam, gradcampp, scorecam, occlusion, a comma-separated list of them, or all "
                   "(default gradcam; with --evaluate all the model supports).",
         "NAME"},
        {"class", "Explain this class (default: the predicted one).", "NAME"},
        {"layer", "Layer of the CAM methods (built-in: blocks.0 ... blocks.N-1, default the last; TorchScript: "
                  "features).",
         "NAME"},
        {"colour-map", "jet, inferno or cividis (default jet).", "NAME", "jet"},
        {"alpha", "Opacity of the map over the image (default 0.45).", "A", "0.45"},
        {"evaluate", "Measure faithfulness: deletion and insertion AUC of each method against random maps."},
        {"data", "Explain the images of a data set (class folder, CSV list or .npz) instead of FILES.", "D"},
        {"paths", "With --data: how output file names and JSON name the images: auto (fingerprints, img-..., when the data set holds DICOM files, whose folder and file names can name patients; paths otherwise), record or fingerprint (default auto).", "MODE", "auto"},
        {"subset", "Subset of an .npz: train, val or test (default test).", "NAME", "test"},
        {"held-out", "With --data: only the held-out test images of the model's own training split."},
        {"limit", "Use at most N images, spread evenly over the list.", "N"},
        {"steps", "Points of the deletion/insertion curves minus one (default 20).", "N", "20"},
        {"random-maps", "Random maps per image for the baseline (default 3).", "N", "3"},
        {"random-grid", "Smoothness of the random maps: a G x G lattice upsampled (default 8).", "G", "8"},
        {"json", "Write the faithfulness results as JSON.", "OUT"},
        {"threads", "Compute threads (default: one per core).", "N"},
    });
    p.addPositionalArgument("FILES", "Images (DICOM, PNG, JPEG, BMP, TIFF) or folders of them.", "FILES...");
    int code = 0;
    if (!parseOrExit(p, args,
                     "Show where the CNN found the evidence for a class, and measure how faithful the maps are "
                     "(--evaluate).\n\n"
                     "Methods (--method):\n"
                     "  gradcam    Grad-CAM: the class score's gradients, averaged over each feature map of the layer,\n"
                     "             weight those maps; positive part, upsampled. One forward and one backward pass.\n"
                     "  gradcampp  Grad-CAM++: like Grad-CAM, with per-position weights from the positive gradients\n"
                     "             (second-order terms); better when a class shows in several places. Same cost.\n"
                     "  scorecam   Score-CAM: each feature map, upsampled and scaled to 0..1, masks the image; the class\n"
                     "             probability of the masked image weights that map. No gradients; one forward pass\n"
                     "             per map (slower).\n"
                     "  occlusion  A black patch (1/8 of the image, moved in half-patch steps) covers the image; the\n"
                     "             drop in the class probability where it covers is the map. Needs no layer and works\n"
                     "             for any model (TorchScript without feature maps too); one forward pass per patch\n"
                     "             position (slowest).\n"
                     "The CAM methods use --layer (default: the last block); their maps are as coarse as that layer.",
                     code))
        return code;
    const bool evaluate = p.isSet("evaluate");
    if (!evaluate && !p.isSet("out"))
        throw Error("--out is required (see --help)");
    if (!p.isSet("data") && p.positionalArguments().isEmpty())
        throw Error("no image files given (see --help)");
    applyThreads(p);
    const std::string modelPath = requiredOption(p, "model");
    const nn::Model model = nn::Model::load(modelPath);
    const auto& names = model.info().classNames;
    const std::vector<explain::Method> methods = methodsOption(p, model, evaluate);
    for (explain::Method m : methods) {
        if (!explain::supports(model, m))
            throw Error(explain::displayName(m) + " cannot explain this model: " +
                            (model.isTorchScript() ? std::string("it is a TorchScript model without feature maps (README, "
                                                                 "\"Explaining TorchScript models\")")
                                                   : "it is a classical baseline (" + model.info().architecture +
                                                         "), which has no feature maps") +
                            "; occlusion can",
                        modelPath);
    }
    explain::ExplainOptions options;
    options.classIndex = p.isSet("class") ? explain::classIndexFromName(model, p.value("class").toStdString()) : -1;
    options.layer = p.value("layer").toStdString();
    options.cancel = &interruptToken();
    if (!options.layer.empty()) {
        const auto layers = explain::explainableLayers(model);
        if (std::find(layers.begin(), layers.end(), options.layer) == layers.end()) {
            std::string known;
            for (const auto& l : layers)
                known += (known.empty() ? "" : ", ") + l;
            throw Error("--layer: the model has no layer '" + options.layer + "' (layers: " +
                        (known.empty() ? "none" : known) + ")");
        }
    }
    const explain::ColourMap colours = explain::colourMapFromString(p.value("colour-map").toStdString());
    const double alpha = doubleOption(p, "alpha", 0.0, 1.0);
    const int limit = p.isSet("limit") ? intOption(p, "limit", 1, 1000000) : 0;
    std::string outDir;
    if (p.isSet("out")) {
        outDir = p.value("out").toStdString();
        if (!QDir().mkpath(QString::fromStdString(outDir)))
            throw Error("cannot create the output folder", outDir);
    }
    explain::CurveOptions curves;
    curves.steps = intOption(p, "steps", 2, 1000);
    const int randomMaps = intOption(p, "random-maps", 1, 100);
    const int randomGrid = intOption(p, "random-grid", 1, 1024);

    const std::vector<Input> inputs = collectInputs(p, model, limit);
    std::vector<Stats> stats(methods.size());
    Stats random;
    QJsonArray perImage;
    int failed = 0, done = 0;
    const bool progress = evaluate && stderrIsTerminal();
    for (const Input& in : inputs) {
        interruptToken().throwIfCancelled();
        try {
            const imaging::Image image = in.loaded ? in.image : imaging::readImageFile(in.path.toStdString());
            cv::Mat shown;
            QJsonObject row;
            const QString ref = in.ref.isEmpty() ? in.path : in.ref;
            row["file"] = ref;
            std::vector<explain::Curves> found;
            for (size_t mi = 0; mi < methods.size(); ++mi) {
                options.method = methods[mi];
                if (methods[mi] == explain::Method::Occlusion)
                    options.layer.clear();
                else
                    options.layer = p.value("layer").toStdString();
                const explain::Explanation e = explain::explainImage(model, image, options);
                const std::string className = names[static_cast<size_t>(e.classIndex)];
                if (!outDir.empty()) {
                    if (shown.empty())
                        shown = explain::windowedImage(model, image);
                    const cv::Mat overlay = explain::overlayMap(shown, e.map, alpha, colours);
                    std::string safeClass = className; // class names become part of a file name
                    for (char& ch : safeClass)
                        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-')
                            ch = '_';
                    const std::string stem = outDir + "/" + QFileInfo(ref).completeBaseName().toStdString() + "_" +
                                             explain::toString(methods[mi]) + "_" + safeClass;
                    cv::Mat bgr;
                    cv::cvtColor(overlay, bgr, cv::COLOR_RGB2BGR);
                    imaging::prepareImageCodecs();
                    if (!cv::imwrite(stem + ".png", bgr) || !cv::imwrite(stem + "_map.tiff", e.map))
                        throw Error("cannot write the output files", stem + ".png");
                    if (!evaluate)
                        std::printf("%s: %s %s (%.3f) -> %s.png\n", qPrintable(in.path), explain::displayName(methods[mi]).c_str(),
                                    className.c_str(), e.probabilities[static_cast<size_t>(e.classIndex)], stem.c_str());
                }
                if (!evaluate)
                    continue;
                const explain::Curves c = explain::measureCurves(model, image, e.inputMap, e.classIndex, curves);
                stats[mi].deletion.push_back(c.deletionAuc);
                stats[mi].insertion.push_back(c.insertionAuc);
                stats[mi].ms.push_back(e.milliseconds);
                row["class"] = QString::fromStdString(className);
                row[QString::fromStdString(explain::toString(methods[mi]))] =
                    QJsonObject{{"deletion_auc", c.deletionAuc}, {"insertion_auc", c.insertionAuc}, {"milliseconds", e.milliseconds}};
                found.push_back(c);
            }
            if (evaluate) {
                // The random baseline for this image, for the class the methods explained.
                const int classIndex = options.classIndex >= 0
                                           ? options.classIndex
                                           : explain::classIndexFromName(model, row["class"].toString().toStdString());
                double del = 0, ins = 0;
                const imaging::Recipe& r = model.info().recipe;
                for (int k = 0; k < randomMaps; ++k) {
                    const cv::Mat m = explain::randomMap(cv::Size(r.width, r.height), randomGrid,
                                                         static_cast<uint32_t>(done * 1000 + k + 1));
                    const explain::Curves c = explain::measureCurves(model, image, m, classIndex, curves);
                    del += c.deletionAuc / randomMaps;
                    ins += c.insertionAuc / randomMaps;
                }
                random.deletion.push_back(del);
                random.insertion.push_back(ins);
                row["random"] = QJsonObject{{"deletion_auc", del}, {"insertion_auc", ins}};
                for (size_t mi = 0; mi < methods.size(); ++mi) {
                    stats[mi].beatsDeletion += found[mi].deletionAuc < del;
                    stats[mi].beatsInsertion += found[mi].insertionAuc > ins;
                }
                perImage.append(row);
            }
            ++done;
            if (progress)
                std::fprintf(stderr, "\r%d/%zu images", done, inputs.size());
        } catch (const Error& e) {
            if (progress)
                std::fprintf(stderr, "\n");
            // Every line names the image, also when the error came from deeper down.
            const Error named = e.file().empty() ? Error(e.message(), in.path.toStdString()) : e;
            std::fprintf(stderr, "sinar-cli: error: %s\n", named.what());
            ++failed;
        }
    }
    if (progress)
        std::fprintf(stderr, "\n");

    if (evaluate && done > 0) {
        std::printf("Faithfulness on %d images (%s; class: %s; %d-step curves; random baseline: %d smooth %dx%d maps "
                    "per image)\n",
                    done, QFileInfo(QString::fromStdString(modelPath)).fileName().toUtf8().constData(),
                    options.classIndex >= 0 ? names[static_cast<size_t>(options.classIndex)].c_str() : "predicted",
                    curves.steps, randomMaps, randomGrid, randomGrid);
        std::printf("%-12s %18s %18s %16s %16s %10s\n", "method", "deletion AUC (lo)", "insertion AUC (hi)",
                    "del < random", "ins > random", "ms/image");
        QJsonObject methodsJson;
        for (size_t mi = 0; mi < methods.size(); ++mi) {
            const Stats& s = stats[mi];
            std::printf("%-12s %11.3f ±%.3f %11.3f ±%.3f %15.0f%% %15.0f%% %10.1f\n", explain::displayName(methods[mi]).c_str(),
                        mean(s.deletion), sem(s.deletion), mean(s.insertion), sem(s.insertion), 100.0 * s.beatsDeletion / done,
                        100.0 * s.beatsInsertion / done, mean(s.ms));
            methodsJson[QString::fromStdString(explain::toString(methods[mi]))] = statsJson(s, static_cast<size_t>(done), true);
        }
        std::printf("%-12s %11.3f ±%.3f %11.3f ±%.3f\n", "random", mean(random.deletion), sem(random.deletion),
                    mean(random.insertion), sem(random.insertion));
        if (p.isSet("json")) {
            QJsonObject root;
            root["model"] = QString::fromStdString(modelPath);
            root["images"] = done;
            root["failed"] = failed;
            root["steps"] = curves.steps;
            root["random_maps"] = randomMaps;
            root["random_grid"] = randomGrid;
            root["methods"] = methodsJson;
            root["random"] = statsJson(random, static_cast<size_t>(done), false);
            root["per_image"] = perImage;
            writeJsonFile(p.value("json").toStdString(), root);
        }
    }
    if (failed)
        std::fprintf(stderr, "%d of %zu images could not be explained\n", failed, inputs.size());
    return failed ? kExitUser : kExitOk;
}

} // namespace sinar::cli
