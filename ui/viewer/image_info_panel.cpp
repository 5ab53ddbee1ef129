#include "ui/viewer/image_info_panel.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QTableWidget>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QVBoxLayout>
#include <algorithm>
#include <opencv2/core.hpp>

#include "dicom/tag_dump.h"

namespace sinar::ui {

QString dicomDateText(const std::string& d)
{
    const QString s = QString::fromStdString(d).trimmed();
    return s.size() == 8 ? s.left(4) + '-' + s.mid(4, 2) + '-' + s.mid(6, 2) : s;
}

ImageInfoPanel::ImageInfoPanel(QWidget* parent)
    : QTabWidget(parent)
{
    setObjectName(QStringLiteral("infoTabs"));
    setDocumentMode(true);

    infoTable_ = new QTableWidget(this);
    infoTable_->setObjectName(QStringLiteral("infoTable"));
    infoTable_->setColumnCount(2);
    infoTable_->setHorizontalHeaderLabels({tr("Attribute"), tr("Value")});
    infoTable_->verticalHeader()->setVisible(false);
    infoTable_->verticalHeader()->setDefaultSectionSize(20);
    infoTable_->horizontalHeader()->setStretchLastSection(true);
    infoTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    infoTable_->setAlternatingRowColors(true);

    // All tags: the full attribute list of the shown DICOM file, filterable.
    auto* tagsPage = new QWidget(this);
    auto* tagsLayout = new QVBoxLayout(tagsPage);
    tagsLayout->setContentsMargins(0, 0, 0, 0);
    tagFilter_ = new QLineEdit(tagsPage);
    tagFilter_->setObjectName(QStringLiteral("tagFilter"));
    tagFilter_->setPlaceholderText(tr("Filter by tag, name or value"));
    tagFilter_->setClearButtonEnabled(true);
    tagTree_ = new QTreeWidget(tagsPage);
    tagTree_->setObjectName(QStringLiteral("tagTree"));
    tagTree_->setColumnCount(4);
    tagTree_->setHeaderLabels({tr("Tag"), tr("VR"), tr("Name"), tr("Value")});
    tagTree_->setRootIsDecorated(true);
    tagTree_->setUniformRowHeights(true);
    tagTree_->setAlternatingRowColors(true);
    tagsLayout->addWidget(tagFilter_);
    tagsLayout->addWidget(tagTree_);
    connect(tagFilter_, &QLineEdit::textChanged, this, &ImageInfoPanel::filterTags);

    addTab(infoTable_, tr("Summary"));
    addTab(tagsPage, tr("All tags"));
}

void ImageInfoPanel::clear()
{
    infoTable_->setRowCount(0);
}

void ImageInfoPanel::filterTags(const QString& text)
{
    for (QTreeWidgetItemIterator it(tagTree_); *it; ++it) {
        QTreeWidgetItem* item = *it;
        bool match = text.isEmpty();
        for (int c = 0; c < 4 && !match; ++c)
            match = item->text(c).contains(text, Qt::CaseInsensitive);
        item->setHidden(!match);
        if (match) // keep the sequences a match sits in visible
            for (QTreeWidgetItem* p = item->parent(); p; p = p->parent())
                p->setHidden(false);
    }
}

void ImageInfoPanel::showImage(const ImageStack& stack, int index, const LoadedImage& image)
{
    QList<QPair<QString, QString>> rows;
    const StackItem& item = stack.item(static_cast<size_t>(index));
    const imaging::Image& img = image.image;
    rows << qMakePair(tr("File"), item.path);
    rows << qMakePair(tr("Size"), QStringLiteral("%1 × %2%3").arg(img.width()).arg(img.height()).arg(img.isColor() ? tr(", colour") : QString()));
    double lo = 0, hi = 0;
    cv::minMaxLoc(img.pixels.reshape(1), &lo, &hi);
    rows << qMakePair(tr("Value range"), QStringLiteral("%1 … %2").arg(lo).arg(hi));
    if (image.dicom) {
        const dicom::InstanceInfo& i = image.info;
        const dicom::FrameAttributes& f = image.frame;
        auto s = [](const std::string& v) { return QString::fromStdString(v).trimmed(); };
        rows << qMakePair(tr("Patient name"), s(i.patientName)) << qMakePair(tr("Patient ID"), s(i.patientId))
             << qMakePair(tr("Birth date"), dicomDateText(i.patientBirthDate)) << qMakePair(tr("Sex"), s(i.patientSex))
             << qMakePair(tr("Study date"), dicomDateText(i.studyDate)) << qMakePair(tr("Study"), s(i.studyDescription))
             << qMakePair(tr("Accession"), s(i.accessionNumber)) << qMakePair(tr("Modality"), s(i.modality))
             << qMakePair(tr("Series"), QStringLiteral("%1 %2").arg(i.seriesNumber).arg(s(i.seriesDescription)))
             << qMakePair(tr("Body part"), s(i.bodyPart)) << qMakePair(tr("Instance"), QString::number(i.instanceNumber))
             << qMakePair(tr("SOP class"), s(i.sopClassName.empty() ? i.sopClassUid : i.sopClassName))
             << qMakePair(tr("Transfer syntax"), s(i.transferSyntaxName.empty() ? i.transferSyntaxUid : i.transferSyntaxName))
             << qMakePair(tr("Photometric"), s(i.photometric))
             << qMakePair(tr("Bits"), QStringLiteral("%1 allocated, %2 stored%3").arg(i.bitsAllocated).arg(i.bitsStored).arg(i.isSigned ? tr(", signed") : QString()))
             << qMakePair(tr("Frames"), QString::number(i.numberOfFrames))
             << qMakePair(tr("Pixel spacing"), i.hasPixelSpacing ? QStringLiteral("%1 × %2 mm (%3)").arg(i.rowSpacing).arg(i.columnSpacing).arg(s(i.spacingSource)) : QString())
             << qMakePair(tr("Slice thickness"), i.sliceThickness > 0 ? QStringLiteral("%1 mm").arg(i.sliceThickness) : QString())
             << qMakePair(tr("Rescale"), QStringLiteral("slope %1, intercept %2 %3").arg(f.rescaleSlope).arg(f.rescaleIntercept).arg(s(i.rescaleType)));
        if (f.hasPosition)
            rows << qMakePair(tr("Image position"), QStringLiteral("%1, %2, %3").arg(f.position[0]).arg(f.position[1]).arg(f.position[2]));
        if (f.hasOrientation) {
            const auto& r = f.rowDirection;
            const auto& c = f.columnDirection;
            rows << qMakePair(tr("Orientation"), QStringLiteral("%1 %2 %3 / %4 %5 %6").arg(r[0], 0, 'f', 3).arg(r[1], 0, 'f', 3).arg(r[2], 0, 'f', 3).arg(c[0], 0, 'f', 3).arg(c[1], 0, 'f', 3).arg(c[2], 0, 'f', 3));
        }
        const dicom::SeriesGeometry& g = stack.geometry;
        if (g.isVolume) {
            QString spacing = g.spacingRegular ? tr("%1 mm, regular").arg(g.sliceSpacing, 0, 'g', 4)
                                               : tr("irregular: gaps %1 to %2 mm (median %3 mm)")
                                                     .arg(g.smallestGap, 0, 'g', 4)
                                                     .arg(g.largestGap, 0, 'g', 4)
                                                     .arg(g.sliceSpacing, 0, 'g', 4);
            if (g.missingSlices > 0)
                spacing += g.missingSlices == 1 ? tr(", 1 missing slice") : tr(", %1 missing slices").arg(g.missingSlices);
            rows << qMakePair(tr("Slice spacing"), spacing);
            rows << qMakePair(tr("Gantry tilt"), g.sheared ? tr("%1° (slices up to %2 mm off their normal)")
                                                                 .arg(g.tiltDegrees, 0, 'f', 2)
                                                                 .arg(g.shearShift, 0, 'f', 1)
                                                           : tr("none"));
            const QString correction = geometryCorrectionText(g);
            rows << qMakePair(tr("Volume (MPR)"), correction.isEmpty() ? tr("the slices as acquired") : correction);
        }
        QStringList windows;
        for (const auto& w : img.windows)
            windows << QStringLiteral("%1 C %2 W %3").arg(QString::fromStdString(w.name)).arg(w.center).arg(w.width);
        rows << qMakePair(tr("Windows"), windows.join(QStringLiteral("; ")));
    }
    infoTable_->setRowCount(0);
    for (const auto& [k, v] : rows) {
        if (v.trimmed().isEmpty())
            continue;
        const int r = infoTable_->rowCount();
        infoTable_->insertRow(r);
        infoTable_->setItem(r, 0, new QTableWidgetItem(k));
        auto* value = new QTableWidgetItem(v);
        value->setToolTip(v);
        infoTable_->setItem(r, 1, value);
    }
    infoTable_->resizeColumnToContents(0);
    updateTagTree(item.path, image);
}

void ImageInfoPanel::updateTagTree(const QString& path, const LoadedImage& image)
{
    if (tagTree_->property("path").toString() == path)
        return; // frames of one file share their tags
    tagTree_->setProperty("path", path);
    tagTree_->clear();
    if (!image.dicom)
        return;
    if (!image.tagError.isEmpty()) {
        new QTreeWidgetItem(tagTree_, {QString(), QString(), tr("cannot list tags"), image.tagError});
        return;
    }
    std::vector<QTreeWidgetItem*> parents; // parents[d]: the sequence an entry of depth d+1 belongs to
    for (const dicom::TagEntry& t : image.tags) {
        const QStringList cols{QString::fromStdString(t.tag), QString::fromStdString(t.vr), QString::fromStdString(t.name),
                               QString::fromStdString(t.value)};
        const size_t depth = static_cast<size_t>(std::max(0, t.depth));
        QTreeWidgetItem* item = (depth == 0 || depth > parents.size()) ? new QTreeWidgetItem(tagTree_, cols)
                                                                       : new QTreeWidgetItem(parents[depth - 1], cols);
        item->setToolTip(3, cols[3]);
        if (t.vr == "SQ") {
            parents.resize(depth + 1);
            parents[depth] = item;
        }
    }
    tagTree_->resizeColumnToContents(0);
    tagTree_->resizeColumnToContents(1);
    tagTree_->resizeColumnToContents(2);
    if (!tagFilter_->text().isEmpty())
        filterTags(tagFilter_->text());
}

} // namespace sinar::ui
