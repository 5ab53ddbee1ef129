#include "ui/training/run_report.h"

#include <QBuffer>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QUrl>
#include <QtGlobal>

#include "common/privacy.h"
#include "ui/training/confusion_matrix_view.h"
#include "ui/training/curve_plot.h"
#include "ui/training/cv_plot.h"
#include "ui/training/roc_plot.h"

#ifndef SINAR_VERSION
#define SINAR_VERSION "0.0.0"
#endif
#ifndef SINAR_TORCH_VERSION
#define SINAR_TORCH_VERSION "?"
#endif

namespace sinar::ui {

namespace {

QString esc(const std::string& s)
{
    return QString::fromStdString(s).toHtmlEscaped();
}

QString num(double v, int decimals = 3)
{
    return v < 0 ? QStringLiteral("–") : QString::number(v, 'f', decimals);
}

QString row(const QString& name, const QString& value)
{
    return QStringLiteral("<tr><th align=left>%1</th><td>%2</td></tr>\n").arg(name.toHtmlEscaped(), value);
}

struct Plot {
    const char* file;
    const char* title;
    int width, height;
};
const Plot kPlots[] = {{"curves.png", "Training curves", 1200, 860},
                       {"confusion.png", "Confusion matrix (held-out test set)", 760, 640},
                       {"roc.png", "ROC curves (held-out test set, one class against the rest)", 760, 640},
                       {"cross_validation.png", "Cross-validation of the baseline's hyper-parameters", 900, 600}};
// A classical baseline's first plot: its cross-validation, in the curves' place.
const Plot& kCrossValidationPlot = kPlots[3];

bool classical(const ReportInput& in)
{
    return !in.outcome.classical.isEmpty();
}

} // namespace

QString reportHtml(const ReportInput& in)
{
    const train::TrainingJobSpec& s = in.spec;
    const eval::Report& t = in.outcome.test;
    QString h;
    h += QStringLiteral("<html><head><meta charset=\"utf-8\"><title>Sinar training report</title>"
                        "<style>body{font-family:sans-serif;font-size:10pt;max-width:60em;margin:auto}"
                        "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #999;padding:3px 8px}"
                        "th{background:#e8e8e8}td.n{text-align:right}pre{background:#f2f2f2;padding:6px;white-space:pre-wrap}"
                        "h1{font-size:16pt}h2{font-size:12pt;margin-top:16px}</style></head><body>\n");
    h += QStringLiteral("<h1>Sinar training report — %1</h1>\n").arg(QFileInfo(in.outcome.runDir).fileName().toHtmlEscaped());
    h += QStringLiteral("<p>Written %1. Model bundle: <code>%2</code>. Run folder: <code>%3</code>.</p>\n")
             .arg(QDateTime::currentDateTime().toString(Qt::ISODate), in.outcome.bundlePath.toHtmlEscaped(), in.outcome.runDir.toHtmlEscaped());

    // Data and split.
    h += QStringLiteral("<h2>Data</h2><table>\n");
    h += row(QStringLiteral("Data set"), esc(privacy::dataRef(s.dataPath, in.outcome.recordedPaths)));
    QStringList classes;
    for (const auto& c : t.classNames)
        classes << QString::fromStdString(c).toHtmlEscaped();
    h += row(QStringLiteral("Classes"), classes.join(QStringLiteral(", ")));
    h += row(QStringLiteral("Split"), QStringLiteral("%1 train, %2 validation (early stopping), %3 held-out test; seed %4; "
                                                     "test fraction %5, validation fraction %6%7%8")
                                          .arg(in.outcome.trainCount)
                                          .arg(in.outcome.valCount)
                                          .arg(in.outcome.testCount)
                                          .arg(s.train.seed)
                                          .arg(s.testFraction)
                                          .arg(s.valFraction)
                                          .arg(s.groupDuplicates ? QStringLiteral("; near-duplicates kept together") : QString())
                                          .arg(s.groupByPatient ? QStringLiteral("; patients kept apart") : QString()));
    h += row(QStringLiteral("Skipped files"), QString::number(in.outcome.skippedFiles) +
                                                  (in.outcome.skippedFiles ? QStringLiteral(" (listed in skipped.tsv)") : QString()));
    h += QStringLiteral("</table>\n");

    // Results.
    h += QStringLiteral("<h2>Held-out test results</h2>\n");
    if (t.n > 0) {
        h += QStringLiteral("<table>\n");
        h += row(QStringLiteral("Images"), QString::number(t.n));
        h += row(QStringLiteral("Accuracy"), num(t.accuracy));
        h += row(QStringLiteral("Macro precision / recall / F1"),
                 QStringLiteral("%1 / %2 / %3").arg(num(t.macroPrecision), num(t.macroRecall), num(t.macroF1)));
        h += row(QStringLiteral("Weighted F1"), num(t.weightedF1));
        h += row(QStringLiteral("ROC AUC (macro, one-vs-rest)"), num(t.rocAuc));
        if (t.sensitivity >= 0)
            h += row(QStringLiteral("Sensitivity / specificity (class %1 positive)").arg(QString::fromStdString(t.classNames.back())),
                     QStringLiteral("%1 / %2").arg(num(t.sensitivity), num(t.specificity)));
        h += QStringLiteral("</table>\n<table><tr><th>Class</th><th>Precision</th><th>Recall</th><th>F1</th><th>ROC AUC</th>"
                            "<th>Support</th></tr>\n");
        for (const auto& c : t.perClass)
            h += QStringLiteral("<tr><td>%1</td><td class=n>%2</td><td class=n>%3</td><td class=n>%4</td><td class=n>%5</td>"
                                "<td class=n>%6</td></tr>\n")
                     .arg(esc(c.name), num(c.precision), num(c.recall), num(c.f1), num(c.rocAuc))
                     .arg(c.support);
        h += QStringLiteral("</table>\n");
        // The confusion matrix as a table too (counts and row percentages).
        h += QStringLiteral("<p>Confusion matrix: rows are the true class, columns the predicted one.</p><table><tr><th></th>");
        for (const auto& c : t.classNames)
            h += QStringLiteral("<th>%1</th>").arg(esc(c));
        h += QStringLiteral("</tr>\n");
        for (size_t r = 0; r < t.confusion.size(); ++r) {
            long rowSum = 0;
            for (long v : t.confusion[r])
                rowSum += v;
            h += QStringLiteral("<tr><th>%1</th>").arg(esc(t.classNames[r]));
            for (size_t c = 0; c < t.confusion[r].size(); ++c)
                h += QStringLiteral("<td class=n%1>%2 (%3 %)</td>")
                         .arg(r == c ? QStringLiteral(" style=\"font-weight:bold\"") : QString())
                         .arg(t.confusion[r][c])
                         .arg(rowSum ? 100.0 * t.confusion[r][c] / rowSum : 0.0, 0, 'f', 1);
            h += QStringLiteral("</tr>\n");
        }
        h += QStringLiteral("</table>\n");
    } else {
        h += QStringLiteral("<p>No held-out test images (test fraction 0).</p>\n");
    }

    // Plots.
    for (const Plot& p : kPlots)
        if (QFileInfo::exists(in.outcome.runDir + QLatin1Char('/') + QLatin1String(p.file)))
            h += QStringLiteral("<h2>%1</h2><p><img src=\"%2\" width=\"560\"></p>\n").arg(QLatin1String(p.title), QLatin1String(p.file));

    // Training: a network's epochs, or a baseline's one-step fit.
    const train::TrainingHistory& hist = in.outcome.history;
    if (classical(in)) {
        const QJsonObject& c = in.outcome.classical;
        h += QStringLiteral("<h2>Baseline fit</h2><table>\n");
        h += row(QStringLiteral("Features"), esc(c.value(QStringLiteral("features")).toString().toStdString()) +
                                                 QStringLiteral(", %1 dimensions").arg(c.value(QStringLiteral("feature_dimension")).toInt()));
        h += row(QStringLiteral("Cross-validation"), QStringLiteral("%1 folds; accuracy of the chosen point %2")
                                                         .arg(c.value(QStringLiteral("cv_folds")).toInt())
                                                         .arg(num(c.value(QStringLiteral("cv_accuracy")).toDouble(-1))));
        h += row(QStringLiteral("Fitted on"), QStringLiteral("%1 training and validation images")
                                                  .arg(c.value(QStringLiteral("fitted_on")).toInt()));
        h += row(QStringLiteral("Fitting time"), QStringLiteral("%1 s").arg(c.value(QStringLiteral("fit_seconds")).toDouble(), 0, 'f', 1));
        h += row(QStringLiteral("Total time (decoding, fitting, test)"),
                 QStringLiteral("%1 min").arg(in.outcome.totalSeconds / 60.0, 0, 'f', 1));
        h += QStringLiteral("</table>\n<table><tr><th>Hyper-parameters</th><th>Cross-validation accuracy</th></tr>\n");
        const QJsonObject chosen = c.value(QStringLiteral("chosen")).toObject();
        for (const QJsonValue& v : c.value(QStringLiteral("cross_validation")).toArray()) {
            QJsonObject r = v.toObject();
            const double accuracy = r.take(QStringLiteral("accuracy")).toDouble(-1);
            QStringList point;
            for (auto it = r.constBegin(); it != r.constEnd(); ++it)
                point << QStringLiteral("%1 %2").arg(it.key().toHtmlEscaped()).arg(it.value().toDouble(), 0, 'g', 4);
            h += QStringLiteral("<tr%1><td>%2</td><td class=n>%3</td></tr>\n")
                     .arg(r == chosen ? QStringLiteral(" style=\"font-weight:bold\"") : QString(), point.join(QStringLiteral(", ")),
                          num(accuracy));
        }
        h += QStringLiteral("</table>\n");
    } else {
        h += QStringLiteral("<h2>Training</h2><table>\n");
        h += row(QStringLiteral("Epochs run"), QStringLiteral("%1 of %2%3")
                                                   .arg(hist.epochs.size())
                                                   .arg(s.train.epochs)
                                                   .arg(hist.stoppedEarly ? QStringLiteral(", stopped early")
                                                                          : hist.stoppedByTimeBudget ? QStringLiteral(", fitted to the time budget")
                                                                                                     : QString()));
        h += row(QStringLiteral("Best epoch (weights kept)"),
                 hist.bestEpoch > 0 ? QStringLiteral("%1, validation loss %2").arg(hist.bestEpoch).arg(hist.bestValLoss, 0, 'f', 4)
                                    : QStringLiteral("–"));
        h += row(QStringLiteral("Training time"), QStringLiteral("%1 min").arg(hist.seconds / 60.0, 0, 'f', 1));
        h += row(QStringLiteral("Total time (decoding, training, test)"), QStringLiteral("%1 min").arg(in.outcome.totalSeconds / 60.0, 0, 'f', 1));
        h += row(QStringLiteral("Parameters"), QString::number(in.outcome.parameters));
        h += QStringLiteral("</table>\n<table><tr><th>Epoch</th><th>Train loss</th><th>Train acc.</th><th>Val. loss</th>"
                            "<th>Val. acc.</th><th>LR</th><th>img/s</th></tr>\n");
        for (const auto& e : hist.epochs)
            h += QStringLiteral("<tr%1><td class=n>%2</td><td class=n>%3</td><td class=n>%4</td><td class=n>%5</td><td class=n>%6</td>"
                                "<td class=n>%7</td><td class=n>%8</td></tr>\n")
                     .arg(e.epoch == hist.bestEpoch ? QStringLiteral(" style=\"font-weight:bold\"") : QString())
                     .arg(e.epoch)
                     .arg(num(e.trainLoss, 4), num(e.trainAccuracy), num(e.valLoss, 4), num(e.valAccuracy))
                     .arg(e.learningRate, 0, 'g', 4)
                     .arg(e.imagesPerSecond, 0, 'f', 0);
        h += QStringLiteral("</table>\n");
    }

    // Recipe.
    QStringList filters;
    for (int f : s.cnn.filters)
        filters << QString::number(f);
    h += QStringLiteral("<h2>Recipe</h2><table>\n");
    h += row(QStringLiteral("Network"),
             s.architecture != "standard-cnn"
                 ? QString::fromStdString(s.architecture)
                 : QStringLiteral("standard CNN: filters %1, kernel %2, %3 conv(s) per block, first stride %4, %5batch norm, dropout %6%7")
                       .arg(filters.join(QLatin1Char(',')))
                       .arg(s.cnn.kernelSize)
                       .arg(s.cnn.convsPerBlock)
                       .arg(s.cnn.stemStride)
                       .arg(s.cnn.batchNorm ? QString() : QStringLiteral("no "))
                       .arg(s.cnn.dropout)
                       .arg(s.cnn.fcHidden ? QStringLiteral(", hidden FC %1").arg(s.cnn.fcHidden) : QString()));
    h += row(QStringLiteral("Optimisation"), QStringLiteral("%1, lr %2, momentum %3, weight decay %4, %5 schedule, warm-up %6, "
                                                            "batch %7, patience %8%9%10")
                                                 .arg(QString::fromStdString(s.train.optimizer))
                                                 .arg(s.train.learningRate)
                                                 .arg(s.train.momentum)
                                                 .arg(s.train.weightDecay)
                                                 .arg(QString::fromStdString(s.train.schedule))
                                                 .arg(s.train.warmupEpochs)
                                                 .arg(s.train.batchSize)
                                                 .arg(s.train.patience)
                                                 .arg(s.train.classWeights ? QStringLiteral(", class weights") : QString())
                                                 .arg(s.train.labelSmoothing > 0
                                                          ? QStringLiteral(", label smoothing %1").arg(s.train.labelSmoothing)
                                                          : QString()));
    h += row(QStringLiteral("Preprocessing"), QStringLiteral("%1×%2, %3 channel(s)%4, normalisation %5%6, noise reduction %7")
                                                  .arg(s.recipe.width)
                                                  .arg(s.recipe.height)
                                                  .arg(s.recipe.channels)
                                                  .arg(s.recipe.keepAspect ? QStringLiteral(", letterboxed") : QString())
                                                  .arg(QString::fromStdString(imaging::toString(s.recipe.normalisation)))
                                                  .arg(s.recipe.clahe ? QStringLiteral(", CLAHE") : QString())
                                                  .arg(QString::fromStdString(imaging::toString(s.recipe.denoise))));
    const imaging::AugmentConfig& a = s.augment;
    h += row(QStringLiteral("Augmentation"),
             a.enabled ? QStringLiteral("rotation ±%1°, zoom ±%2, shift ±%3, %4%5brightness ±%6, contrast ±%7, noise σ %8, blur p %9, grey-level curve p %10, inversion p %11")
                             .arg(a.rotationDeg)
                             .arg(a.scale)
                             .arg(a.translate)
                             .arg(a.horizontalFlip ? QStringLiteral("horizontal flips, ") : QString())
                             .arg(a.verticalFlip ? QStringLiteral("vertical flips, ") : QString())
                             .arg(a.brightness)
                             .arg(a.contrast)
                             .arg(a.noiseStd)
                             .arg(a.blurProbability)
                             .arg(a.curveProbability)
                             .arg(a.invertProbability)
                       : QStringLiteral("none"));
    h += QStringLiteral("</table>\n<p>The command that reproduces this run (same seed and thread count give the same model):</p>"
                        "<pre>%1</pre>\n")
             .arg(in.command.toHtmlEscaped());
    h += QStringLiteral("<h2>Versions</h2><p>Sinar %1 · Qt %2 · LibTorch %3</p>\n")
             .arg(QStringLiteral(SINAR_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(SINAR_TORCH_VERSION));
    h += QStringLiteral("</body></html>\n");
    return h;
}

bool exportReportPlot(const ReportInput& in, int step, QString* error)
{
    const QDir dir(in.outcome.runDir);
    if (!dir.exists()) {
        if (error)
            *error = QStringLiteral("%1: the run folder does not exist").arg(in.outcome.runDir);
        return false;
    }
    if (step < 0 || step >= kReportPlots || (step > 0 && in.outcome.test.n == 0))
        return true;
    const Plot& p = step == 0 && classical(in) ? kCrossValidationPlot : kPlots[step];
    const QString file = dir.filePath(QLatin1String(p.file));
    bool ok = true;
    if (step == 0 && classical(in)) {
        if (in.crossValidation)
            ok = in.crossValidation->exportPng(file, p.width, p.height);
    } else if (step == 0 && in.curves)
        ok = in.curves->exportPng(file, p.width, p.height);
    else if (step == 1 && in.confusion)
        ok = in.confusion->exportPng(file, p.width, p.height);
    else if (step == 2 && in.roc)
        ok = in.roc->exportPng(file, p.width, p.height);
    if (!ok && error)
        *error = QStringLiteral("%1: cannot write the plot").arg(file);
    return ok;
}

bool writeRunReport(const ReportInput& in, QString* error)
{
    for (int step = 0; step < kReportPlots; ++step)
        if (!exportReportPlot(in, step, error))
            return false;
    return writeReportFiles(in, error);
}

bool writeReportFiles(const ReportInput& in, QString* error)
{
    auto fail = [error](const QString& text) {
        if (error)
            *error = text;
        return false;
    };
    const QDir dir(in.outcome.runDir);
    if (!dir.exists())
        return fail(QStringLiteral("%1: the run folder does not exist").arg(in.outcome.runDir));
    const QString html = reportHtml(in);

    // HTML: one file, the images embedded.
    QString standalone = html;
    for (const Plot& p : kPlots) {
        QFile f(dir.filePath(QLatin1String(p.file)));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        standalone.replace(QStringLiteral("src=\"%1\"").arg(QLatin1String(p.file)),
                           QStringLiteral("src=\"data:image/png;base64,%1\"").arg(QString::fromLatin1(f.readAll().toBase64())));
    }
    QSaveFile htmlFile(dir.filePath(QStringLiteral("report.html")));
    if (!htmlFile.open(QIODevice::WriteOnly) || htmlFile.write(standalone.toUtf8()) < 0 || !htmlFile.commit())
        return fail(QStringLiteral("%1: %2").arg(htmlFile.fileName(), htmlFile.errorString()));

    // PDF through Qt's text layout and PDF writer.
    QTextDocument doc;
    for (const Plot& p : kPlots) {
        QImage img(dir.filePath(QLatin1String(p.file)));
        if (!img.isNull())
            doc.addResource(QTextDocument::ImageResource, QUrl(QLatin1String(p.file)), img);
    }
    doc.setHtml(html);
    const QString pdfPath = dir.filePath(QStringLiteral("report.pdf"));
    const QString tmp = pdfPath + QStringLiteral(".part");
    {
        QPdfWriter pdf(tmp);
        pdf.setTitle(QStringLiteral("Sinar training report"));
        pdf.setCreator(QStringLiteral("Sinar %1").arg(QStringLiteral(SINAR_VERSION)));
        pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 15),
                                      QPageLayout::Millimeter));
        pdf.setResolution(150);
        doc.print(&pdf);
    }
    if (QFileInfo(tmp).size() == 0) {
        QFile::remove(tmp);
        return fail(QStringLiteral("%1: cannot write the PDF").arg(pdfPath));
    }
    QFile::remove(pdfPath);
    if (!QFile::rename(tmp, pdfPath))
        return fail(QStringLiteral("%1: cannot write the PDF").arg(pdfPath));
    return true;
}

} // namespace sinar::ui
