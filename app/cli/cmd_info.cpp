#include <QCommandLineParser>
#include <QJsonDocument>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/integrity.h"
#include "common/json_io.h"
#include "nn/model.h"

namespace sinar::cli {

int runInfo(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({{"model", "Model bundle.", "BUNDLE"},
                  {"seal", "Add the SHA-256 seal to a bundle written before bundles carried one (after it loads "
                           "and checks out; the weights and metadata stay byte for byte as they are)."}});
    p.addPositionalArgument("BUNDLE", "Model bundle (instead of --model).", "[BUNDLE]");
    int code = 0;
    if (!parseOrExit(p, args, "Print a model bundle's metadata as JSON (architecture, classes, recipe, data, metrics).", code))
        return code;
    std::string path = p.value("model").toStdString();
    if (path.empty() && !p.positionalArguments().isEmpty())
        path = p.positionalArguments().first().toStdString();
    if (path.empty())
        throw Error("no model bundle given (see --help)");
    const nn::Model model = nn::Model::load(path);
    bool sealed = model.isSealed();
    if (p.isSet("seal") && !sealed) {
        writeFileDurably(path, sealZip(readFileBytes(path)));
        sealed = nn::Model::load(path).isSealed();
        std::fprintf(stderr, "sealed %s\n", path.c_str());
    }
    QJsonObject o = model.info().toJson();
    o["integrity"] = sealed ? "sealed: its SHA-256 matched on loading"
                            : "unsealed: written before bundles carried a SHA-256 (or a foreign TorchScript file); "
                              "`sinar-cli info --seal` adds one";
    o["parameters"] = static_cast<qint64>(model.parameterCount());
    // The out-of-distribution statistics' matrices (base64, hundreds of kB)
    // are data, not metadata a reader wants: shown by their size only.
    QJsonObject ood = o.value("ood").toObject();
    for (const char* key : {"means", "precision"})
        if (ood.contains(key))
            ood[key] = QString("(%1 bytes of float32)").arg(QByteArray::fromBase64(ood.value(key).toString().toLatin1()).size());
    if (!ood.isEmpty())
        o["ood"] = ood;
    std::fputs(QJsonDocument(o).toJson(QJsonDocument::Indented).constData(), stdout);
    return kExitOk;
}

} // namespace sinar::cli
