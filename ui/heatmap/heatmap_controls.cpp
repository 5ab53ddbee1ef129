#include "ui/heatmap/heatmap_controls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QStandardItemModel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "ui/heatmap/heatmap_render.h"
#include "ui/classify/model_handle.h"

namespace sinar::ui {

HeatMapControls::HeatMapControls(QWidget* parent) : QGroupBox(tr("Heat map"), parent)
{
    setObjectName(QStringLiteral("heatMapControls"));
    auto* layout = new QVBoxLayout(this);

    auto* toggles = new QHBoxLayout;
    overlay_ = new QCheckBox(tr("Overlay"), this);
    overlay_->setObjectName(QStringLiteral("heatMapOverlay"));
    overlay_->setToolTip(tr("Compute where the CNN found its evidence and draw it over the image (O).\n"
                            "In the MPR layout it is drawn only on a pane that shows the classified slice's plane."));
    toggles->addWidget(overlay_);
    sideBySide_ = new QCheckBox(tr("Side by side"), this);
    sideBySide_->setObjectName(QStringLiteral("heatMapSideBySide"));
    sideBySide_->setToolTip(tr("The plain image on the left, the image with the heat map on the right (S)"));
    toggles->addWidget(sideBySide_);
    toggles->addStretch(1);
    layout->addLayout(toggles);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    method_ = new QComboBox(this);
    method_->setObjectName(QStringLiteral("heatMapMethod"));
    for (explain::Method m : explain::allMethods())
        method_->addItem(methodName(m), static_cast<int>(m));
    method_->setToolTip(tr("Grad-CAM and Grad-CAM++ weight a convolution layer's feature maps by gradients; "
                           "Score-CAM by the class score of the image masked with each map (slower); "
                           "Occlusion measures the drop in probability when patches are covered (slowest, any model)."));
    form->addRow(tr("Method"), method_);
    layer_ = new QComboBox(this);
    layer_->setObjectName(QStringLiteral("heatMapLayer"));
    layer_->setToolTip(tr("The convolution block whose feature maps Grad-CAM, Grad-CAM++ and Score-CAM use: "
                          "the last one is the coarsest and most class-specific, earlier ones are finer"));
    form->addRow(tr("Layer"), layer_);
    class_ = new QComboBox(this);
    class_->setObjectName(QStringLiteral("heatMapClass"));
    class_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    class_->setMinimumContentsLength(12);
    class_->setToolTip(tr("The class whose evidence the map shows"));
    form->addRow(tr("Class"), class_);
    colours_ = new QComboBox(this);
    colours_->setObjectName(QStringLiteral("heatMapColours"));
    for (explain::ColourMap c : explain::allColourMaps())
        colours_->addItem(colourMapName(c), static_cast<int>(c));
    colours_->setToolTip(tr("Jet: the classic rainbow. Inferno: perceptually uniform. "
                            "Cividis: readable with colour-vision deficiency and in grey."));
    form->addRow(tr("Colours"), colours_);
    auto* opacityRow = new QHBoxLayout;
    opacity_ = new QSlider(Qt::Horizontal, this);
    opacity_->setObjectName(QStringLiteral("heatMapOpacity"));
    opacity_->setRange(0, 100);
    opacity_->setValue(45);
    opacity_->setToolTip(tr("How strongly the heat map covers the image"));
    opacityValue_ = new QLabel(this);
    opacityValue_->setMinimumWidth(opacityValue_->fontMetrics().horizontalAdvance(QStringLiteral("100 %")));
    opacityRow->addWidget(opacity_, 1);
    opacityRow->addWidget(opacityValue_);
    form->addRow(tr("Opacity"), opacityRow);
    layout->addLayout(form);

    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("dimLabel"));
    status_->setWordWrap(true);
    layout->addWidget(status_);
    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("qualityWarning"));
    error_->setWordWrap(true);
    error_->setVisible(false);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(error_);
    note_ = new QLabel(this);
    note_->setObjectName(QStringLiteral("dimLabel"));
    note_->setWordWrap(true);
    note_->setVisible(false);
    layout->addWidget(note_);

    auto* exportRow = new QHBoxLayout;
    exportRow->addStretch(1);
    export_ = new QPushButton(tr("Export PNG…"), this);
    export_->setObjectName(QStringLiteral("heatMapExport"));
    export_->setToolTip(tr("Save the image in its current window with the heat map, at the image's own size "
                           "(Ctrl+Shift+E)"));
    export_->setEnabled(false);
    exportRow->addWidget(export_);
    layout->addLayout(exportRow);

    opacityValue_->setText(QStringLiteral("%1 %").arg(opacity_->value()));

    connect(overlay_, &QCheckBox::toggled, this, [this](bool on) {
        if (!on && sideBySide_->isChecked())
            sideBySide_->setChecked(false); // nothing to compare without a map
        emit requestChanged();
    });
    connect(sideBySide_, &QCheckBox::toggled, this, [this](bool on) {
        if (on && !overlay_->isChecked())
            overlay_->setChecked(true); // the right-hand view needs the map
        emit sideBySideChanged(on);
    });
    connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { emit requestChanged(); });
    connect(class_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { emit requestChanged(); });
    connect(layer_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { emit requestChanged(); });
    connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { layer_->setEnabled(layer_->count() > 1 && method() != explain::Method::Occlusion); });
    connect(colours_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { emit appearanceChanged(); });
    connect(opacity_, &QSlider::valueChanged, this, [this](int v) {
        opacityValue_->setText(QStringLiteral("%1 %").arg(v));
        emit appearanceChanged();
    });
    connect(export_, &QPushButton::clicked, this, &HeatMapControls::exportRequested);
    setModel(nullptr);
}

void HeatMapControls::setModel(const std::shared_ptr<const ModelHandle>& model)
{
    {
        // A new model starts on its predicted class; that is no change of request by itself.
        const QSignalBlocker block(class_);
        class_->clear();
        class_->addItem(tr("Predicted class"), -1);
        if (model) {
            const QStringList names = model->classNames();
            for (int i = 0; i < names.size(); ++i)
                class_->addItem(names[i], i);
        }
        class_->setCurrentIndex(0);
        // Layers are the model's own: a new model starts on its default.
        const QSignalBlocker blockLayer(layer_);
        layer_->clear();
        const QStringList layers = model ? model->explainableLayers() : QStringList();
        layer_->addItem(layers.isEmpty() ? tr("Default") : tr("%1 (default)").arg(layers.first()), QString());
        for (int i = 1; i < layers.size(); ++i)
            layer_->addItem(layers[i], layers[i]);
        layer_->setCurrentIndex(0);
        layer_->setEnabled(layers.size() > 1 && method() != explain::Method::Occlusion);
    }
    auto* items = qobject_cast<QStandardItemModel*>(method_->model());
    for (int i = 0; i < method_->count(); ++i) {
        const auto m = static_cast<explain::Method>(method_->itemData(i).toInt());
        const bool ok = !model || model->supports(m);
        if (items)
            items->item(i)->setEnabled(ok);
        method_->setItemData(i, ok ? QVariant() : QVariant(tr("%1 cannot explain this model").arg(methodName(m))),
                             Qt::ToolTipRole);
    }
    clearResult();
}

void HeatMapControls::setPredictedClass(const QString& name)
{
    class_->setItemText(0, name.isEmpty() ? tr("Predicted class") : tr("Predicted class (%1)").arg(name));
}

void HeatMapControls::showResult(const Classification& c)
{
    if (!c.heatRequest.enabled || !c.ok()) {
        clearResult();
        return;
    }
    if (c.hasHeatMap()) {
        QString text = tr("%1 %2 ms").arg(c.heatMethod).arg(c.heatMilliseconds, 0, 'f', c.heatMilliseconds < 10 ? 1 : 0);
        if (c.heatClass >= 0 && static_cast<size_t>(c.heatClass) < c.classNames.size())
            text += tr(" · %1").arg(QString::fromStdString(c.classNames[static_cast<size_t>(c.heatClass)]));
        if (!c.heatLayer.isEmpty()) {
            // Kept on one line: no break after the space or the dot of "blocks.3".
            QString layer = c.heatLayer;
            layer.replace(QLatin1Char('.'), QStringLiteral(".\u2060"));
            text += tr(" · layer\u00a0%1").arg(layer);
        }
        status_->setText(text);
        error_->clear();
        error_->setVisible(false);
    } else {
        status_->clear();
        error_->setText(c.heatError.isEmpty() ? tr("%1 gave no map").arg(c.heatMethod) : c.heatError);
        error_->setVisible(true);
    }
}

void HeatMapControls::clearResult()
{
    status_->clear();
    error_->clear();
    error_->setVisible(false);
}

void HeatMapControls::setNote(const QString& text)
{
    note_->setText(text);
    note_->setVisible(!text.isEmpty());
}

void HeatMapControls::setExportEnabled(bool on)
{
    export_->setEnabled(on);
}

bool HeatMapControls::overlayOn() const
{
    return overlay_->isChecked();
}

void HeatMapControls::setOverlayOn(bool on)
{
    overlay_->setChecked(on);
}

explain::Method HeatMapControls::method() const
{
    return static_cast<explain::Method>(method_->currentData().toInt());
}

void HeatMapControls::setMethod(explain::Method method)
{
    const int i = method_->findData(static_cast<int>(method));
    if (i >= 0)
        method_->setCurrentIndex(i);
}

int HeatMapControls::classIndex() const
{
    return class_->currentIndex() < 0 ? -1 : class_->currentData().toInt();
}

void HeatMapControls::setClassIndex(int index)
{
    const int i = class_->findData(index < 0 ? -1 : index);
    if (i >= 0)
        class_->setCurrentIndex(i);
}

explain::ColourMap HeatMapControls::colours() const
{
    return static_cast<explain::ColourMap>(colours_->currentData().toInt());
}

void HeatMapControls::setColours(explain::ColourMap colours)
{
    const int i = colours_->findData(static_cast<int>(colours));
    if (i >= 0)
        colours_->setCurrentIndex(i);
}

double HeatMapControls::opacity() const
{
    return opacity_->value() / 100.0;
}

void HeatMapControls::setOpacity(double opacity)
{
    opacity_->setValue(static_cast<int>(std::lround(std::clamp(opacity, 0.0, 1.0) * 100)));
}

bool HeatMapControls::sideBySide() const
{
    return sideBySide_->isChecked();
}

void HeatMapControls::setSideBySide(bool on)
{
    sideBySide_->setChecked(on);
}

HeatMapRequest HeatMapControls::request() const
{
    HeatMapRequest r;
    r.enabled = overlayOn();
    r.method = method();
    r.classIndex = classIndex();
    if (r.method != explain::Method::Occlusion)
        r.layer = layer().toStdString();
    return r;
}

QString HeatMapControls::layer() const
{
    return layer_->currentIndex() < 0 ? QString() : layer_->currentData().toString();
}

void HeatMapControls::setLayer(const QString& layer)
{
    const int i = layer_->findData(layer);
    layer_->setCurrentIndex(i >= 0 ? i : 0);
}

QStringList HeatMapControls::layerEntries() const
{
    QStringList out;
    for (int i = 0; i < layer_->count(); ++i)
        out << layer_->itemText(i);
    return out;
}

QString HeatMapControls::statusText() const
{
    return status_->text();
}

QString HeatMapControls::errorText() const
{
    return error_->isVisibleTo(this) ? error_->text() : QString();
}

QString HeatMapControls::noteText() const
{
    return note_->text();
}

QStringList HeatMapControls::classEntries() const
{
    QStringList out;
    for (int i = 0; i < class_->count(); ++i)
        out << class_->itemText(i);
    return out;
}

bool HeatMapControls::methodEnabled(explain::Method method) const
{
    const auto* items = qobject_cast<const QStandardItemModel*>(method_->model());
    const int i = method_->findData(static_cast<int>(method));
    return items && i >= 0 && items->item(i)->isEnabled();
}

} // namespace sinar::ui
