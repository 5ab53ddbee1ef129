#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <cstdio>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli/cli_common.h"
#include "common/error.h"
#include "explain/grad_cam.h"
#include "imaging/preprocessor.h"
#include "nn/model.h"

namespace sinar::cli {

int runExplain(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle.", "BUNDLE"},
        {"out", "Folder for the overlay PNGs and the raw maps (32-bit float TIFF).", "DIR"},
        {"method", "gradcam or gradcampp (default gradcam).", "NAME", "gradcam"},
        {"class", "Explain this class (default: the predicted one).", "NAME"},
        {"alpha", "Opacity of the map over the image (default 0.45).", "A", "0.45"},
        {"threads", "Compute threads (default: one per core).", "N"},
    });
    p.addPositionalArgument("FILES", "Images to explain (DICOM, PNG, JPEG, BMP, TIFF).", "FILES...");
    int code = 0;
    if (!parseOrExit(p, args, "Show where the CNN found the evidence for a class (Grad-CAM, Grad-CAM++).", code))
        return code;
    const QStringList files = p.positionalArguments();
    if (files.isEmpty())
        throw Error("no image files given (see --help)");
    applyThreads(p);
    const nn::Model model = nn::Model::load(requiredOption(p, "model"));
    const std::string outDir = requiredOption(p, "out");
    if (!QDir().mkpath(QString::fromStdString(outDir)))
        throw Error("cannot create the output folder", outDir);
    const explain::Method method = explain::methodFromString(p.value("method").toStdString());
    const double alpha = doubleOption(p, "alpha", 0.0, 1.0);
    const auto& names = model.info().classNames;
    int classIndex = -1;
    if (p.isSet("class")) {
        const auto it = std::find(names.begin(), names.end(), p.value("class").toStdString());
        if (it == names.end()) {
            std::string known;
            for (const auto& n : names)
                known += (known.empty() ? "" : ", ") + n;
            throw Error("--class: the model has no class '" + p.value("class").toStdString() + "' (classes: " + known + ")");
        }
        classIndex = static_cast<int>(it - names.begin());
    }

    int failed = 0;
    for (const QString& f : files) {
        interruptToken().throwIfCancelled();
        try {
            const imaging::Image image = imaging::readImageFile(f.toStdString());
            const explain::Explanation e = explain::explainImage(model, image, classIndex, method);
            // The grey image as the model's recipe windows it, at full resolution.
            imaging::Recipe view = model.info().recipe;
            view.width = image.width();
            view.height = image.height();
            view.keepAspect = false;
            view.clahe = false;
            view.denoise = imaging::Denoise::None;
            const cv::Mat shown = imaging::Preprocessor(view).base(image);
            const cv::Mat overlay = explain::overlayMap(shown, e.map, alpha);
            const std::string stem = outDir + "/" + QFileInfo(f).completeBaseName().toStdString() + "_" +
                                     explain::toString(method) + "_" + names[static_cast<size_t>(e.classIndex)];
            cv::Mat bgr;
            cv::cvtColor(overlay, bgr, cv::COLOR_RGB2BGR);
            if (!cv::imwrite(stem + ".png", bgr) || !cv::imwrite(stem + "_map.tiff", e.map))
                throw Error("cannot write the output files", stem + ".png");
            std::printf("%s: %s (%.3f) -> %s.png\n", qPrintable(f), names[static_cast<size_t>(e.classIndex)].c_str(),
                        e.probabilities[static_cast<size_t>(e.classIndex)], stem.c_str());
        } catch (const Error& e) {
            std::fprintf(stderr, "sinar-cli: error: %s\n", e.what());
            ++failed;
        }
    }
    if (failed)
        std::fprintf(stderr, "%d of %lld files could not be explained\n", failed, static_cast<long long>(files.size()));
    return failed ? kExitUser : kExitOk;
}

} // namespace sinar::cli
