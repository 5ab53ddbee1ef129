#include "ui/annotate/measurement_panel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/annotate/measurement_layer.h"

namespace sinar::ui {

MeasurementPanel::MeasurementPanel(MeasurementLayer* layer, QWidget* parent) : QWidget(parent), layer_(layer)
{
    auto* box = new QVBoxLayout(this);
    box->setContentsMargins(6, 6, 6, 6);
    calibration_ = new QLabel(this);
    calibration_->setWordWrap(true);
    calibration_->setObjectName(QStringLiteral("calibration"));
    box->addWidget(calibration_);
    list_ = new QListWidget(this);
    list_->setWordWrap(true);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    box->addWidget(list_, 1);
    auto* row = new QHBoxLayout;
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setToolTip(tr("Remove the selected measurement (Delete)"));
    key_ = new QCheckBox(tr("Key image"), this);
    key_->setToolTip(tr("Mark the shown image as a key image (K); saved as a Key Object Selection"));
    row->addWidget(key_);
    row->addStretch(1);
    row->addWidget(remove_);
    box->addLayout(row);
    save_ = new QPushButton(tr("Save annotations"), this);
    save_->setToolTip(tr("Write the study's measurements and annotations as a DICOM presentation state "
                         "(and key images as a Key Object Selection) next to the study (Ctrl+S)"));
    box->addWidget(save_);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(status_);

    connect(layer_, &MeasurementLayer::shapesChanged, this, &MeasurementPanel::refresh);
    connect(layer_, &MeasurementLayer::selectionChanged, this, [this](int index) {
        quiet_ = true;
        list_->setCurrentRow(index);
        if (index < 0)
            list_->clearSelection();
        quiet_ = false;
        remove_->setEnabled(index >= 0);
    });
    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (!quiet_)
            layer_->select(row);
    });
    connect(remove_, &QPushButton::clicked, this, [this] { layer_->removeShape(layer_->selected()); });
    connect(layer_, &MeasurementLayer::keyImageChanged, key_, [this](bool on) {
        quiet_ = true;
        key_->setChecked(on);
        quiet_ = false;
    });
    connect(key_, &QCheckBox::toggled, this, [this](bool on) {
        if (!quiet_)
            layer_->setKeyImage(on);
    });
    connect(save_, &QPushButton::clicked, this, &MeasurementPanel::saveRequested);
    refresh();
}

void MeasurementPanel::setStatus(const QString& text)
{
    status_->setText(text);
}

QString MeasurementPanel::status() const
{
    return status_->text();
}

void MeasurementPanel::refresh()
{
    const MeasurementLayer::Entry* e = layer_->current();
    quiet_ = true;
    list_->clear();
    if (e) {
        calibration_->setText(tr("Calibration: %1").arg(QString::fromStdString(e->calibration.description())));
        for (size_t i = 0; i < e->shapes.size(); ++i)
            list_->addItem(layer_->describe(static_cast<int>(i)));
        list_->setCurrentRow(layer_->selected());
    } else {
        calibration_->setText(tr("No image"));
    }
    quiet_ = false;
    remove_->setEnabled(layer_->selected() >= 0);
    key_->setEnabled(e && !e->image.sopInstanceUid.empty());
}

} // namespace sinar::ui
