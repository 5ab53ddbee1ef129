#pragma once
// The report of a finished training run, as HTML (images embedded, one file)
// and PDF (Qt's own printing: QTextDocument on a QPdfWriter), written into the
// run folder as report.html and report.pdf, with the plots as PNG files beside
// them (curves.png, confusion.png, roc.png): data summary and split, recipe,
// curves, confusion matrix, per-class table, ROC, timing, versions, and the
// command that reproduces the run.
#include <QString>

#include "train/training_job.h"
#include "ui/training/training_worker.h"

namespace sinar::ui {

class ConfusionMatrixView;
class CrossValidationPlot;
class CurvePlot;
class RocPlot;

struct ReportInput {
    TrainingOutcome outcome; // the finished run: folders, test results, history, counts, times
    QString command;         // sinar-cli train ... that reproduces the run
    train::TrainingJobSpec spec;
    // The plots as shown (any may be null).
    CurvePlot* curves = nullptr;
    CrossValidationPlot* crossValidation = nullptr; // a classical baseline's fit, drawn instead of the curves
    ConfusionMatrixView* confusion = nullptr;
    RocPlot* roc = nullptr;
};

// The report's HTML with images referenced by file name (curves.png, ...).
QString reportHtml(const ReportInput& in);

// The plots as PNG files into the run folder; on the GUI thread (widgets).
// `step` 0, 1, 2: curves, confusion matrix, ROC (one at a time, so the event
// loop runs between them). False with `error` set when a file cannot be written.
bool exportReportPlot(const ReportInput& in, int step, QString* error = nullptr);
constexpr int kReportPlots = 3;

// report.html (images embedded) and report.pdf from the PNGs; on any thread.
bool writeReportFiles(const ReportInput& in, QString* error = nullptr);

// Both, at once (on the GUI thread).
bool writeRunReport(const ReportInput& in, QString* error = nullptr);

} // namespace sinar::ui
