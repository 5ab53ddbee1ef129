#include "ui/training/class_metrics_table.h"

#include <QHeaderView>
#include <cmath>
#include <numeric>

namespace sinar::ui {

namespace {
QTableWidgetItem* cell(const QString& text, bool number, bool bold)
{
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setTextAlignment(number ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter);
    if (bold) {
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
    }
    return item;
}

QString formatMetric(double v)
{
    return v >= 0 && std::isfinite(v) ? QString::number(v, 'f', 3) : QStringLiteral("–");
}
} // namespace

ClassMetricsTable::ClassMetricsTable(QWidget* parent) : QTableWidget(parent)
{
    setColumnCount(ColumnCount);
    setHorizontalHeaderLabels({tr("Class"), tr("Precision"), tr("Recall"), tr("F1"), tr("Support"), tr("ROC AUC")});
    const QString tips[] = {
        tr("Class name"),
        tr("Of the images predicted as this class, the share that truly are (positive predictive value)"),
        tr("Of the images of this class, the share found (sensitivity)"),
        tr("Harmonic mean of precision and recall"),
        tr("Number of images of this class"),
        tr("Area under the one-vs-rest ROC curve; – when undefined")};
    for (int c = 0; c < ColumnCount; ++c)
        horizontalHeaderItem(c)->setToolTip(tips[c]);
    verticalHeader()->setVisible(false);
    horizontalHeader()->setSectionResizeMode(ClassColumn, QHeaderView::Stretch);
    for (int c = PrecisionColumn; c < ColumnCount; ++c)
        horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    setWordWrap(false);
}

void ClassMetricsTable::setRow(int row, const QString& name, double precision, double recall, double f1,
                               long support, double auc, bool summary)
{
    setItem(row, ClassColumn, cell(name, false, summary));
    setItem(row, PrecisionColumn, cell(std::isnan(precision) ? QString() : formatMetric(precision), true, summary));
    setItem(row, RecallColumn, cell(std::isnan(recall) ? QString() : formatMetric(recall), true, summary));
    setItem(row, F1Column, cell(formatMetric(f1), true, summary));
    setItem(row, SupportColumn, cell(QString::number(support), true, summary));
    setItem(row, AucColumn, cell(std::isnan(auc) ? QString() : formatMetric(auc), true, summary));
}

void ClassMetricsTable::setReport(const eval::Report& report)
{
    report_ = report;
    const int k = static_cast<int>(report.perClass.size());
    clearContents();
    setRowCount(k + 3);
    for (int c = 0; c < k; ++c) {
        const eval::ClassMetrics& m = report.perClass[c];
        setRow(c, QString::fromStdString(m.name), m.precision, m.recall, m.f1, m.support, m.rocAuc, false);
    }
    // Weighted AUC over the classes where it is defined.
    double aucWeighted = 0;
    long aucSupport = 0;
    for (const eval::ClassMetrics& m : report.perClass)
        if (m.rocAuc >= 0) {
            aucWeighted += m.rocAuc * m.support;
            aucSupport += m.support;
        }
    const double nan = std::nan("");
    setRow(k, tr("macro average"), report.macroPrecision, report.macroRecall, report.macroF1, report.n, report.rocAuc,
           true);
    setRow(k + 1, tr("weighted average"), report.weightedPrecision, report.weightedRecall, report.weightedF1,
           report.n, aucSupport ? aucWeighted / aucSupport : -1, true);
    setRow(k + 2, tr("accuracy"), nan, nan, report.accuracy, report.n, nan, true);
    item(k + 2, F1Column)->setToolTip(tr("Share of all images classified correctly"));
    if (report.sensitivity >= 0 || report.specificity >= 0) {
        const QString tip = tr("Sensitivity %1, specificity %2 (class %3 positive)")
                                .arg(formatMetric(report.sensitivity), formatMetric(report.specificity),
                                     k == 2 ? QString::fromStdString(report.perClass[1].name) : QString());
        item(k + 2, ClassColumn)->setToolTip(tip);
    }
    resizeRowsToContents();
}

void ClassMetricsTable::clearReport()
{
    report_ = eval::Report{};
    clearContents();
    setRowCount(0);
}

int ClassMetricsTable::macroRow() const
{
    return rowCount() ? static_cast<int>(report_.perClass.size()) : -1;
}

int ClassMetricsTable::weightedRow() const
{
    return rowCount() ? static_cast<int>(report_.perClass.size()) + 1 : -1;
}

int ClassMetricsTable::accuracyRow() const
{
    return rowCount() ? static_cast<int>(report_.perClass.size()) + 2 : -1;
}

} // namespace sinar::ui
