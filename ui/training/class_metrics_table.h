#pragma once
// eval::Report as a read-only table: one row per class (precision, recall,
// F1, support, ROC AUC), then the macro and support-weighted averages and the
// accuracy (in the F1 column, as scikit-learn prints it).
#include "eval/metrics.h"

#include <QTableWidget>

namespace sinar::ui {

class ClassMetricsTable : public QTableWidget {
    Q_OBJECT
public:
    enum Column { ClassColumn, PrecisionColumn, RecallColumn, F1Column, SupportColumn, AucColumn, ColumnCount };

    explicit ClassMetricsTable(QWidget* parent = nullptr);

    void setReport(const eval::Report& report);
    void clearReport();
    const eval::Report& report() const { return report_; }
    // Row of the macro average, weighted average and accuracy (-1 with no report).
    int macroRow() const;
    int weightedRow() const;
    int accuracyRow() const;

private:
    void setRow(int row, const QString& name, double precision, double recall, double f1, long support, double auc,
                bool summary);

    eval::Report report_;
};

} // namespace sinar::ui
