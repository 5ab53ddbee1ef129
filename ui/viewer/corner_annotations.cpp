#include "ui/viewer/corner_annotations.h"

#include <QFileInfo>
#include <QStringList>

#include "ui/viewer/image_info_panel.h" // dicomDateText

namespace sinar::ui {

ImageView::Annotations CornerAnnotations::of(const ImageStack& stack, int index, const LoadedImage& image)
{
    const SeriesLabels& s = stack.labels();
    const imaging::Image& img = image.image;
    ImageView::Annotations a;
    QStringList tl, tr_, bl;
    if (image.dicom) {
        tl << (s.patientName.isEmpty() ? tr("(no name)") : s.patientName);
        if (!s.patientId.isEmpty())
            tl << tr("ID %1").arg(s.patientId);
        QString birth = dicomDateText(image.info.patientBirthDate);
        if (!s.patientSex.isEmpty())
            birth += (birth.isEmpty() ? QString() : QStringLiteral("  ")) + s.patientSex;
        if (!birth.isEmpty())
            tl << birth;
        if (!s.studyDescription.isEmpty())
            tr_ << s.studyDescription;
        if (!s.studyDate.isEmpty())
            tr_ << dicomDateText(s.studyDate.toStdString());
        tr_ << QStringLiteral("%1 %2").arg(s.modality, stack.title());
        // Tilt and spacing where the reader looks first, not only in the MPR pane.
        const QStringList warnings = geometryWarnings(stack.geometry);
        if (!warnings.isEmpty())
            tr_ << QStringLiteral("⚠ ") + warnings.join(QStringLiteral(", "));
        const QString correction = geometryCorrectionText(stack.geometry);
        if (!correction.isEmpty())
            tr_ << correction;
    } else {
        tl << QFileInfo(stack.item(static_cast<size_t>(index)).path).fileName();
        tr_ << s.studyDescription + '/' + s.seriesDescription;
    }
    bl << tr("Image %1 / %2").arg(index + 1).arg(stack.size());
    const StackItem& item = stack.item(static_cast<size_t>(index));
    if (item.frameCount > 1)
        bl << tr("Frame %1 / %2").arg(item.frame + 1).arg(item.frameCount);
    QString size = QStringLiteral("%1 × %2").arg(img.width()).arg(img.height());
    if (img.spacingX != 1.0 || img.spacingY != 1.0)
        size += QStringLiteral("  %1 × %2 mm").arg(img.spacingX, 0, 'g', 3).arg(img.spacingY, 0, 'g', 3);
    bl << size;
    if (image.dicom) {
        if (image.info.sliceThickness > 0)
            bl << tr("Thickness %1 mm").arg(image.info.sliceThickness, 0, 'g', 3);
        if (image.frame.hasPosition) {
            const auto& p = image.frame.position;
            bl << tr("Position %1, %2, %3 mm").arg(p[0], 0, 'f', 1).arg(p[1], 0, 'f', 1).arg(p[2], 0, 'f', 1);
        }
    }
    a.topLeft = tl.join('\n');
    a.topRight = tr_.join('\n');
    a.bottomLeft = bl.join('\n');
    if (image.dicom && image.frame.hasOrientation) {
        a.oriented = true;
        a.imageRight = image.frame.rowDirection;
        a.imageDown = image.frame.columnDirection;
    }
    return a;
}

} // namespace sinar::ui
