// sinar-cli measure: per-image measures of a data set (the quality measures the
// viewer and the error analysis use, and the bright-interior share that tells
// T2-like from T1-like MR slices), as CSV for grouping and analysis.
#include <QCommandLineParser>
#include <QFile>
#include <QTextStream>
#include <cstdio>
#include <mutex>

#include "cli/cli_common.h"
#include "common/privacy.h"
#include "common/error.h"
#include "common/parallel.h"
#include "data/dataset.h"
#include "imaging/quality.h"

namespace sinar::cli {

int runMeasure(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"data", "Data set: class folder, CSV list (path,label) or MedMNIST .npz.", "D"},
        {"subset", "For an .npz: train, val or test (default train).", "NAME", "train"},
        {"csv", "Write the measures here (default: standard output).", "OUT"},
        {"threads", "Threads (default: one per core).", "N", "0"},
        {"paths", privacy::kPathsOptionHelp, "MODE", "auto"},
    });
    int code = 0;
    if (!parseOrExit(p, args,
                     "Measure every image of a data set: mean, 1st and 99th percentile, RMS contrast, sharpness, "
                     "bright_share (share of the body's interior brighter than half its 99th percentile) and the "
                     "quality flags. One CSV row per image: path,label,mean,p01,p99,contrast,sharpness,bright_share,flags.",
                     code))
        return code;
    data::DatasetOptions options;
    options.subset = p.value("subset").toStdString();
    const data::Dataset set = data::openDataset(requiredOption(p, "data"), options);
    for (const FileFailure& f : set.skipped())
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());

    std::vector<imaging::QualityMeasures> measures(set.size());
    std::vector<std::string> failures(set.size());
    parallelFor(
        set.size(),
        [&](size_t i) {
            try {
                measures[i] = imaging::measureQuality(set.load(i));
            } catch (const Error& e) {
                failures[i] = e.what();
            }
        },
        intOption(p, "threads", 0, 256));

    QFile file;
    const QString outPath = p.value("csv");
    if (outPath.isEmpty()) {
        if (!file.open(stdout, QIODevice::WriteOnly))
            throw Error("cannot write to standard output");
    } else {
        file.setFileName(outPath);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            throw Error("cannot write " + outPath.toStdString() + ": " + file.errorString().toStdString());
    }
    const bool recordPaths = privacy::recordsPaths(p.value("paths").toStdString(), data::holdsPatientFiles(set));
    QTextStream out(&file);
    out << "path,label,mean,p01,p99,contrast,sharpness,bright_share,flags\n";
    size_t failed = 0;
    for (size_t i = 0; i < set.size(); ++i) {
        if (!failures[i].empty()) {
            std::fprintf(stderr, "cannot measure %s\n", failures[i].c_str());
            ++failed;
            continue;
        }
        const imaging::QualityMeasures& q = measures[i];
        QString path = QString::fromStdString(privacy::imageRef(set.sample(i).path, set.source(), recordPaths));
        if (path.contains(',') || path.contains('"'))
            path = '"' + path.replace('"', QStringLiteral("\"\"")) + '"';
        out << path << ',' << QString::fromStdString(set.classNames().at(set.sample(i).label)) << ','
            << QString::number(q.mean, 'f', 2) << ',' << q.p01 << ',' << q.p99 << ',' << QString::number(q.contrast, 'f', 2)
            << ',' << QString::number(q.sharpness, 'f', 4) << ',' << QString::number(q.brightShare, 'f', 4) << ",\""
            << QString::fromStdString(imaging::describeQualityFlags(imaging::qualityFlags(q))) << "\"\n";
    }
    out.flush();
    if (!outPath.isEmpty())
        std::fprintf(stderr, "%zu images measured, %zu failed: %s\n", set.size() - failed, failed,
                     outPath.toLocal8Bit().constData());
    return failed ? kExitUser : kExitOk;
}

} // namespace sinar::cli
