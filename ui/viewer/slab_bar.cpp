#include "ui/viewer/slab_bar.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

namespace sinar::ui {

namespace {

const dicom::SlabMode kModes[] = {dicom::SlabMode::Mip, dicom::SlabMode::MinIp, dicom::SlabMode::Average};

} // namespace

QString SlabBar::modeTitle(dicom::SlabMode mode)
{
    switch (mode) {
    case dicom::SlabMode::Mip: return tr("MIP");
    case dicom::SlabMode::MinIp: return tr("MinIP");
    case dicom::SlabMode::Average: return tr("Average");
    }
    return {};
}

QString SlabBar::describe(double thickness, dicom::SlabMode mode)
{
    if (thickness <= 0)
        return {};
    return tr("%1 %2 mm").arg(modeTitle(mode)).arg(thickness, 0, 'g', 4);
}

SlabBar::SlabBar(QWidget* parent) : QWidget(parent)
{
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(6, 2, 6, 2);
    row->setSpacing(6);
    auto* label = new QLabel(tr("Slab:"), this);
    mode_ = new QComboBox(this);
    mode_->setObjectName(QStringLiteral("slabMode"));
    for (dicom::SlabMode m : kModes)
        mode_->addItem(modeTitle(m), QString::fromStdString(dicom::MprReslicer::slabModeName(m)));
    mode_->setToolTip(tr("How the planes across the slab become one pixel: maximum intensity projection (MIP), "
                         "minimum intensity projection (MinIP) or their mean (D cycles thin, MIP, MinIP, average)"));
    thickness_ = new QDoubleSpinBox(this);
    thickness_->setObjectName(QStringLiteral("slabThickness"));
    thickness_->setRange(0, kMaxThickness);
    thickness_->setDecimals(1);
    thickness_->setSingleStep(1);
    thickness_->setSuffix(tr(" mm"));
    thickness_->setSpecialValueText(tr("thin"));
    thickness_->setToolTip(tr("Slab thickness along each pane's normal, centred on the crosshair; 0: thin planes"));
    label->setBuddy(mode_);
    row->addWidget(label);
    row->addWidget(mode_);
    row->addWidget(thickness_);
    row->addStretch(1);
    connect(mode_, &QComboBox::currentIndexChanged, this, [this] { emit slabChanged(); });
    connect(thickness_, &QDoubleSpinBox::valueChanged, this, [this] { emit slabChanged(); });
}

void SlabBar::setSlab(double thickness, dicom::SlabMode mode)
{
    const QSignalBlocker a(mode_), b(thickness_);
    for (int i = 0; i < 3; ++i)
        if (kModes[i] == mode)
            mode_->setCurrentIndex(i);
    thickness_->setValue(thickness);
}

double SlabBar::thickness() const
{
    return thickness_->value();
}

dicom::SlabMode SlabBar::mode() const
{
    return kModes[std::max(0, mode_->currentIndex())];
}

} // namespace sinar::ui
