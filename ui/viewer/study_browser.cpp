#include "ui/viewer/study_browser.h"

#include <QColor>
#include <QHeaderView>
#include <QMimeData>
#include <QPixmap>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>

#include "ui/viewer/comparison_view.h"

namespace sinar::ui {

namespace {
constexpr int kKeyRole = Qt::UserRole + 1;
constexpr int kSeriesRole = Qt::UserRole + 2;

// A series dragged out of the tree carries its index in the browser (for the
// comparison viewports).
class SeriesTree : public QTreeWidget {
public:
    using QTreeWidget::QTreeWidget;

protected:
    QStringList mimeTypes() const override { return {ComparisonView::seriesMimeType()}; }
    QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override
    {
        for (const QTreeWidgetItem* item : items) {
            const QVariant v = item->data(0, kSeriesRole);
            if (v.isValid()) {
                auto* mime = new QMimeData;
                mime->setData(ComparisonView::seriesMimeType(), QByteArray::number(v.toULongLong()));
                return mime;
            }
        }
        return nullptr; // patients and studies are not dragged
    }
};

QString formatDate(const QString& dicomDate)
{
    if (dicomDate.size() == 8)
        return dicomDate.left(4) + '-' + dicomDate.mid(4, 2) + '-' + dicomDate.mid(6, 2);
    return dicomDate;
}
} // namespace

StudyBrowser::StudyBrowser(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    tree_ = new SeriesTree(this);
    tree_->setDragEnabled(true);
    tree_->setDragDropMode(QAbstractItemView::DragOnly);
    tree_->setObjectName(QStringLiteral("studyTree"));
    tree_->setHeaderHidden(true);
    tree_->setIconSize(QSize(48, 48));
    tree_->setUniformRowHeights(false);
    tree_->setAnimated(true);
    tree_->setIndentation(14);
    layout->addWidget(tree_);
    connect(tree_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (quiet_ || !item)
            return;
        const QVariant v = item->data(0, kSeriesRole);
        if (v.isValid())
            emit seriesActivated(series_.at(v.toULongLong()));
    });
}

QTreeWidgetItem* StudyBrowser::findOrAdd(QTreeWidgetItem* parent, const QString& key, const QString& text)
{
    const int n = parent ? parent->childCount() : tree_->topLevelItemCount();
    for (int i = 0; i < n; ++i) {
        QTreeWidgetItem* it = parent ? parent->child(i) : tree_->topLevelItem(i);
        if (it->data(0, kKeyRole).toString() == key)
            return it;
    }
    auto* it = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree_);
    it->setText(0, text);
    it->setData(0, kKeyRole, key);
    it->setExpanded(true);
    return it;
}

void StudyBrowser::addSeries(const std::vector<std::shared_ptr<const ImageStack>>& series)
{
    quiet_ = true;
    for (const auto& s : series) {
        const SeriesLabels& l = s->labels();
        const bool files = l.studyUid.startsWith(QLatin1String("folder:"));
        QString patientText;
        if (files)
            patientText = tr("Image files");
        else {
            patientText = l.patientName.isEmpty() ? tr("(no name)") : l.patientName;
            if (!l.patientId.isEmpty())
                patientText += QStringLiteral("  [%1]").arg(l.patientId);
        }
        const QString patientKey = files ? QStringLiteral("files") : l.patientId + '|' + l.patientName;
        QTreeWidgetItem* patient = findOrAdd(nullptr, patientKey, patientText);
        QFont bold = patient->font(0);
        bold.setBold(true);
        patient->setFont(0, bold);

        QString studyText = files ? l.studyDescription : formatDate(l.studyDate);
        if (!files && !l.studyDescription.isEmpty())
            studyText += (studyText.isEmpty() ? QString() : QStringLiteral("  ")) + l.studyDescription;
        if (studyText.isEmpty())
            studyText = tr("Study");
        QTreeWidgetItem* study = findOrAdd(patient, l.studyUid, studyText);
        study->setToolTip(0, files ? l.studyUid.mid(7) : tr("Study UID %1").arg(l.studyUid));

        auto* item = new QTreeWidgetItem(study);
        const QString count = s->size() == 1 ? tr("1 image") : tr("%1 images").arg(s->size());
        const QStringList warnings = geometryWarnings(s->geometry);
        item->setText(0, QStringLiteral("%1\n%2 · %3%4").arg(s->title(), l.modality, count,
                                                            warnings.isEmpty() ? QString() : QStringLiteral(" · ⚠ ") + warnings.join(QStringLiteral(", "))));
        QString tip = files ? s->item(0).path.section('/', 0, -2) : tr("Series UID %1").arg(l.seriesUid);
        if (!warnings.isEmpty())
            tip += QStringLiteral("\n") + warnings.join(QStringLiteral("\n")) + QStringLiteral("\n") + geometryCorrectionText(s->geometry);
        item->setToolTip(0, tip);
        if (!warnings.isEmpty())
            item->setForeground(0, QColor(0xe0, 0xa0, 0x30));
        if (!s->thumbnail.isNull())
            item->setIcon(0, QIcon(QPixmap::fromImage(s->thumbnail)));
        item->setData(0, kSeriesRole, static_cast<qulonglong>(series_.size()));
        series_.push_back(s);
    }
    quiet_ = false;
}

void StudyBrowser::clear()
{
    quiet_ = true;
    tree_->clear();
    series_.clear();
    quiet_ = false;
}

void StudyBrowser::setCurrent(const std::shared_ptr<const ImageStack>& stack)
{
    quiet_ = true;
    QTreeWidgetItemIterator it(tree_);
    while (*it) {
        const QVariant v = (*it)->data(0, kSeriesRole);
        if (v.isValid() && series_.at(v.toULongLong()) == stack) {
            tree_->setCurrentItem(*it);
            break;
        }
        ++it;
    }
    quiet_ = false;
}

} // namespace sinar::ui
