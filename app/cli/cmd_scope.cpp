// sinar-cli scope: show or set the images a model bundle is for, and check
// DICOM files against it.
#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/cli_options.h"
#include "common/error.h"
#include "nn/model.h"
#include "trust/scope.h"

namespace sinar::cli {

namespace {

struct Setter {
    const char* option;
    std::vector<std::string> trust::Scope::*list;
};

const Setter kSetters[] = {
    {"modality", &trust::Scope::modalities}, {"body-part", &trust::Scope::bodyParts},
    {"view", &trust::Scope::views},          {"photometric", &trust::Scope::photometric},
    {"input", &trust::Scope::inputs},
};

} // namespace

int runScope(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle.", "BUNDLE"},
        {"modality", "Set the DICOM modalities (e.g. MR or CR,DX; empty clears).", "LIST"},
        {"body-part", "Set the body parts (e.g. BRAIN or CHEST; HEAD/SKULL count as BRAIN).", "LIST"},
        {"view", "Set the planes and views (axial, coronal, sagittal, PA, AP, LAT).", "LIST"},
        {"photometric", "Set the photometric interpretations (e.g. MONOCHROME2).", "LIST"},
        {"input", "Set the input kinds (dicom, film-photograph, research-image).", "LIST"},
        {"clear", "Remove the whole scope (before applying any setter)."},
        {"out", "Write the bundle with the new scope here (default: replace BUNDLE, which needs --overwrite).", "BUNDLE2"},
        {"overwrite", "Allow replacing an existing file."},
        {"json", "Print the scope (and the checks) as JSON."},
    });
    p.addPositionalArgument("FILES", "DICOM files to check against the bundle's (new) scope.", "[FILES...]");
    int code = 0;
    if (!parseOrExit(p, args,
                     "Show or set a model bundle's scope: the modalities, body parts, views, photometric "
                     "interpretations and input kinds it is for. Without setters it prints the scope; with FILES "
                     "it checks each DICOM file's tags against it.",
                     code))
        return code;
    const std::string modelPath = p.value("model").toStdString();
    if (modelPath.empty())
        throw Error("no model bundle given (--model BUNDLE; see --help)");
    nn::Model model = nn::Model::load(modelPath);
    trust::Scope scope = trust::Scope::fromJson(model.info().scope, modelPath);

    bool changed = p.isSet("clear");
    if (p.isSet("clear"))
        scope = {};
    for (const Setter& s : kSetters)
        if (p.isSet(s.option)) {
            scope.*s.list = stringListValue(p.value(s.option));
            changed = true;
        }
    scope.normalise("scope options");

    if (changed) {
        const std::string outPath = p.isSet("out") ? p.value("out").toStdString() : modelPath;
        if (QFileInfo::exists(QString::fromStdString(outPath)) && !p.isSet("overwrite"))
            throw Error(outPath == modelPath ? "would replace the model bundle; pass --overwrite or choose --out"
                                             : "the output exists; pass --overwrite to replace it",
                        outPath);
        model.info().scope = scope.toJson();
        model.save(outPath); // atomically
        if (!p.isSet("json"))
            std::printf("scope of %s set: %s\n", outPath.c_str(), scope.describe().c_str());
    } else if (p.isSet("out")) {
        throw Error("--out without a setter (--modality, --body-part, --view, --photometric, --input or --clear)");
    }

    QJsonArray checks;
    for (const QString& file : p.positionalArguments()) {
        const std::string path = file.toStdString();
        if (!QFileInfo(file).isFile())
            throw Error("no such file", path);
        const trust::ImageFacts facts = trust::ImageFacts::fromSource(path);
        const trust::ScopeVerdict v = trust::checkScope(scope, facts);
        if (p.isSet("json")) {
            QJsonObject o = v.toJson();
            o["file"] = file;
            checks.append(o);
        } else {
            std::printf("%s: %s\n", path.c_str(), v.summary().c_str());
            for (const auto& n : v.notes)
                std::printf("  note: %s\n", n.c_str());
        }
    }

    if (p.isSet("json")) {
        QJsonObject o;
        o["scope"] = scope.toJson();
        if (!p.positionalArguments().isEmpty())
            o["checks"] = checks;
        std::fputs(QJsonDocument(o).toJson(QJsonDocument::Indented).constData(), stdout);
    } else if (!changed && p.positionalArguments().isEmpty()) {
        std::printf("%s\n", scope.describe().c_str());
    }
    return kExitOk;
}

} // namespace sinar::cli
