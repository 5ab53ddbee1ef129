#include <QCommandLineParser>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <chrono>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "imaging/image.h"
#include "dicom/dicom_reader.h"
#include "explain/colour_map.h"
#include "explain/explain.h"
#include "nn/model.h"
#include "pacs/result_objects.h"
#include "trust/ood.h"
#include "trust/scope.h"

namespace sinar::cli {

int runPredict(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle.", "BUNDLE"},
        {"json", "Write the results as JSON.", "OUT"},
        {"threads", "Compute threads (default: one per core).", "N"},
        {"dicom-results", "For each DICOM input, write the result as DICOM objects into DIR/<study>/<series>/: a "
                          "Secondary Capture of the image with its Grad-CAM heat map and a Comprehensive SR (model, "
                          "finding, probabilities, scope and out-of-distribution verdicts), in the image's study; "
                          "'sinar-cli pacs send' stores them in a PACS.", "DIR"},
        {"heat-map-class", "With --dicom-results: the class the heat map explains (default: the predicted one).",
         "NAME"},
    });
    p.addPositionalArgument("FILES", "Images (DICOM, PNG, JPEG, BMP, TIFF) or folders of them (searched recursively).", "FILES...");
    int code = 0;
    if (!parseOrExit(p, args, "Classify image files with a model bundle.", code))
        return code;
    const QStringList files = expandImageArguments(p.positionalArguments());
    if (files.isEmpty())
        throw Error("no image files given (see --help)");
    applyThreads(p);
    const nn::Model model = nn::Model::load(requiredOption(p, "model"));
    const auto& names = model.info().classNames;
    trust::OodDetector ood; // empty for a bundle without out-of-distribution statistics
    if (!model.info().ood.isEmpty() && model.hasEmbeddings())
        ood = trust::OodDetector::fromJson(model.info().ood, requiredOption(p, "model"));

    const std::string resultsDir = p.value("dicom-results").toStdString();
    std::unique_ptr<pacs::ResultWriter> writer;
    if (!resultsDir.empty())
        writer = std::make_unique<pacs::ResultWriter>(resultsDir);
    const int heatClass = p.isSet("heat-map-class")
                              ? explain::classIndexFromName(model, p.value("heat-map-class").toStdString())
                              : -1;
    if (p.isSet("heat-map-class") && !writer)
        throw Error("--heat-map-class needs --dicom-results");
    const trust::Scope scope = model.info().scope.isEmpty()
                                   ? trust::Scope{}
                                   : trust::Scope::fromJson(model.info().scope, requiredOption(p, "model"));
    const std::string modelName = QFileInfo(p.value("model")).completeBaseName().toStdString();

    QJsonArray results;
    int failed = 0;
    for (const QString& f : files) {
        interruptToken().throwIfCancelled();
        const std::string path = f.toStdString();
        QJsonObject r;
        r["file"] = f;
        try {
            const auto t0 = std::chrono::steady_clock::now();
            std::vector<float> embedding;
            const std::vector<float> probs = model.predict(imaging::readImageFile(path), ood.empty() ? nullptr : &embedding);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            const size_t best = static_cast<size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
            std::printf("%s: %s (%.3f)", path.c_str(), names[best].c_str(), probs[best]);
            QJsonObject pj;
            for (size_t c = 0; c < names.size(); ++c) {
                pj[QString::fromStdString(names[c])] = static_cast<double>(probs[c]);
                std::printf("%s%s %.3f", c == 0 ? "  [" : ", ", names[c].c_str(), probs[c]);
            }
            std::printf("]");
            if (!ood.empty()) {
                const double score = ood.score(embedding);
                r["ood_score"] = score;
                r["in_distribution"] = ood.inDistribution(score);
                if (!ood.inDistribution(score))
                    std::printf("  OUT OF DISTRIBUTION (score %.1f > %.1f)", score, ood.threshold());
            }
            std::printf("  %.1f ms\n", ms);
            if (writer && dicom::isDicomFile(path)) {
                // The result as DICOM objects: the heat map, and a report that says how far to trust it.
                const imaging::Image image = imaging::readImageFile(path);
                explain::ExplainOptions eo;
                eo.classIndex = heatClass;
                const explain::Explanation e = explain::explainImage(model, image, eo);
                pacs::AiResult ar;
                ar.sourceFile = path;
                ar.modelName = modelName;
                ar.modelVersion = "created " + model.info().createdAt;
                ar.classNames = names;
                ar.probabilities = probs;
                ar.predicted = static_cast<int>(best);
                ar.heatMapClass = e.classIndex;
                ar.overlay = explain::overlayMap(explain::windowedImage(model, image), e.map);
                const trust::ScopeVerdict verdict = trust::checkScope(scope, trust::ImageFacts::fromSource(path));
                ar.scopeVerdict = verdict.summary();
                if (ood.empty()) {
                    ar.oodVerdict = "not checked: the model has no out-of-distribution statistics";
                } else {
                    const double score = ood.score(embedding);
                    char b[160];
                    std::snprintf(b, sizeof b, "%s (score %.1f, threshold %.1f)",
                                  ood.inDistribution(score) ? "like the model's training images"
                                                            : "UNLIKE the model's training images",
                                  score, ood.threshold());
                    ar.oodVerdict = b;
                    ar.reliable = ood.inDistribution(score);
                }
                ar.reliable = ar.reliable && !verdict.outside();
                const pacs::ResultFiles written = writer->write(ar);
                std::printf("  results: %s\n           %s\n", written.secondaryCapture.c_str(),
                            written.structuredReport.c_str());
                r["dicom_results"] = QJsonArray{QString::fromStdString(written.secondaryCapture),
                                                QString::fromStdString(written.structuredReport)};
            }
            r["class"] = QString::fromStdString(names[best]);
            r["probability"] = static_cast<double>(probs[best]);
            r["probabilities"] = pj;
            r["milliseconds"] = ms;
        } catch (const Error& e) {
            std::fprintf(stderr, "sinar-cli: error: %s\n", e.what());
            r["error"] = QString::fromStdString(e.message());
            ++failed;
        }
        results.append(r);
    }
    if (p.isSet("json")) {
        QJsonObject o;
        o["model"] = p.value("model");
        QJsonArray cn;
        for (const auto& n : names)
            cn.append(QString::fromStdString(n));
        o["class_names"] = cn;
        if (!ood.empty())
            o["ood_threshold"] = ood.threshold();
        o["results"] = results;
        writeJsonFile(p.value("json").toStdString(), o);
    }
    if (failed)
        std::fprintf(stderr, "%d of %lld files could not be classified\n", failed, static_cast<long long>(files.size()));
    return failed ? kExitUser : kExitOk;
}

} // namespace sinar::cli
