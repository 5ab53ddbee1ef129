#include "ui/classify/classification_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QSettings>
#include <QToolButton>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>
#include <exception>

#include "common/error.h"
#include "nn/model.h"
#include "ui/heatmap/heatmap_controls.h"
#include "ui/classify/model_catalog.h"
#include "ui/widgets/probability_bars.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {
const char* kOtherModel = "__other__";
}

ClassificationPanel::ClassificationPanel(QWidget* parent)
    : QWidget(parent),
      classifier_(new Classifier(this)),
      modelRunner_(
          this, [this](ModelLoad m) { onModelLoaded(std::move(m)); }, [this](bool) { updateBusy(); },
          JobThread::Own) // a bundle read stuck on a hung share is left behind when another model is chosen
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(8);

    auto* modelBox = new QGroupBox(tr("Model"), this);
    auto* modelLayout = new QVBoxLayout(modelBox);
    modelCombo_ = new QComboBox(modelBox);
    modelCombo_->setObjectName(QStringLiteral("modelCombo"));
    modelCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    modelCombo_->setMinimumContentsLength(16);
    modelCombo_->setToolTip(tr("The model bundle that classifies the shown image"));
    modelLayout->addWidget(modelCombo_);
    modelStatus_ = new QLabel(modelBox);
    modelStatus_->setObjectName(QStringLiteral("dimLabel"));
    modelStatus_->setWordWrap(true);
    modelLayout->addWidget(modelStatus_);
    // The recipe and the model card take many lines: folded away by default
    // (the choice is kept), so the result and the actions fit a 720-pixel screen.
    detailsToggle_ = new QToolButton(modelBox);
    detailsToggle_->setObjectName(QStringLiteral("modelDetailsToggle"));
    detailsToggle_->setText(tr("Recipe and model card"));
    detailsToggle_->setCheckable(true);
    detailsToggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    detailsToggle_->setAutoRaise(true);
    modelLayout->addWidget(detailsToggle_);
    recipe_ = new QLabel(modelBox);
    recipe_->setObjectName(QStringLiteral("dimLabel"));
    recipe_->setWordWrap(true);
    recipe_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    modelLayout->addWidget(recipe_);
    card_ = new QLabel(modelBox);
    card_->setObjectName(QStringLiteral("dimLabel"));
    card_->setWordWrap(true);
    card_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    modelLayout->addWidget(card_);
    layout->addWidget(modelBox);
    auto showDetails = [this](bool on) {
        detailsToggle_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        recipe_->setVisible(on);
        card_->setVisible(on);
        QSettings().setValue(QStringLiteral("panel/modelDetails"), on);
    };
    connect(detailsToggle_, &QToolButton::toggled, this, showDetails);
    detailsToggle_->setChecked(QSettings().value(QStringLiteral("panel/modelDetails"), false).toBool());
    showDetails(detailsToggle_->isChecked());

    auto* resultBox = new QGroupBox(tr("Prediction"), this);
    auto* resultLayout = new QVBoxLayout(resultBox);
    prediction_ = new QLabel(tr("—"), resultBox);
    prediction_->setObjectName(QStringLiteral("predictionLabel"));
    prediction_->setWordWrap(true);
    scope_ = new QLabel(resultBox);
    scope_->setObjectName(QStringLiteral("scopeLabel"));
    scope_->setWordWrap(true);
    scope_->setVisible(false);
    scope_->setTextFormat(Qt::RichText);
    connect(scope_, &QLabel::linkActivated, this, [this](const QString& link) {
        if (!link.isEmpty())
            chooseModel(link); // the user accepted the offered model
    });
    placement_ = new QLabel(resultBox);
    placement_->setObjectName(QStringLiteral("dimLabel"));
    placement_->setWordWrap(true);
    placement_->setVisible(false);
    resultLayout->addWidget(placement_);
    resultLayout->addWidget(scope_);
    resultLayout->addWidget(prediction_);
    notResult_ = new QLabel(resultBox);
    notResult_->setObjectName(QStringLiteral("qualityWarning"));
    notResult_->setWordWrap(true);
    notResult_->setVisible(false);
    resultLayout->addWidget(notResult_);
    bars_ = new ProbabilityBars(resultBox);
    resultLayout->addWidget(bars_);
    quality_ = new QLabel(resultBox);
    quality_->setWordWrap(true);
    quality_->setVisible(false);
    resultLayout->addWidget(quality_);
    timing_ = new QLabel(resultBox);
    timing_->setObjectName(QStringLiteral("dimLabel"));
    timing_->setWordWrap(true);
    resultLayout->addWidget(timing_);
    layout->addWidget(resultBox);

    auto* controls = new QHBoxLayout;
    autoRun_ = new QCheckBox(tr("Auto-classify"), this);
    autoRun_->setChecked(true);
    autoRun_->setToolTip(tr("Classify every image as it is shown"));
    controls->addWidget(autoRun_);
    controls->addStretch(1);
    classifyButton_ = new QPushButton(tr("Classify"), this);
    classifyButton_->setToolTip(tr("Classify the shown image now (C)"));
    controls->addWidget(classifyButton_);
    layout->addLayout(controls); // the actions right under the result

    heat_ = new HeatMapControls(this);
    layout->addWidget(heat_);

    busyBar_ = new QProgressBar(this);
    busyBar_->setRange(0, 0); // an animated "working" bar
    busyBar_->setTextVisible(false);
    busyBar_->setMaximumHeight(6);
    busyBar_->setVisible(false);
    layout->addWidget(busyBar_);
    layout->addStretch(1);

    connect(heat_, &HeatMapControls::requestChanged, this, &ClassificationPanel::onHeatMapRequestChanged);
    connect(classifier_, &Classifier::resultReady, this, &ClassificationPanel::onResult);
    connect(classifier_, &Classifier::busyChanged, this, [this](bool) { updateBusy(); });
    connect(classifyButton_, &QPushButton::clicked, this, &ClassificationPanel::classifyNow);
    connect(autoRun_, &QCheckBox::toggled, this, [this](bool on) {
        emit autoRunChanged(on);
        if (on)
            classifyNow();
    });
    connect(modelCombo_, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        const QString data = modelCombo_->itemData(index).toString();
        if (data == QLatin1String(kOtherModel))
            chooseModelFile();
        else if (!data.isEmpty())
            chooseModel(data);
    });
    refreshModelList();
    showModelInfo();
}

void ClassificationPanel::refreshModelList(const QStringList& extra)
{
    updatingCombo_ = true;
    const QString current = model() ? model()->path() : QString();
    modelCombo_->clear();
    QStringList paths = ModelCatalog::findModels();
    for (const QString& e : extra)
        if (!e.isEmpty() && !paths.contains(QFileInfo(e).absoluteFilePath()))
            paths << QFileInfo(e).absoluteFilePath();
    if (!current.isEmpty() && !paths.contains(current))
        paths << current;
    for (const QString& p : paths) {
        modelCombo_->addItem(QFileInfo(p).completeBaseName(), p);
        modelCombo_->setItemData(modelCombo_->count() - 1, p, Qt::ToolTipRole);
    }
    modelCombo_->addItem(tr("Other model file…"), QString::fromLatin1(kOtherModel));
    const int index = modelCombo_->findData(current);
    modelCombo_->setCurrentIndex(index >= 0 ? index : (paths.isEmpty() ? -1 : 0));
    if (current.isEmpty() && paths.isEmpty())
        modelCombo_->setCurrentIndex(-1);
    updatingCombo_ = false;
}

void ClassificationPanel::chooseModelFile()
{
    const QString start = model() ? QFileInfo(model()->path()).absolutePath() : QString();
    const QString path = QFileDialog::getOpenFileName(this, tr("Choose a model"), start,
                                                      tr("Sinar model bundles (*.sinar);;TorchScript models (*.pt *.pth);;All files (*)"));
    if (path.isEmpty()) {
        refreshModelList(); // back to the model in use
        return;
    }
    chooseModel(path);
}

void ClassificationPanel::loadModel(const QString& path)
{
    pinned_.clear();
    autoSwitchedFrom_.clear();
    startLoad(path);
}

void ClassificationPanel::chooseModel(const QString& path)
{
    pinned_ = QFileInfo(path).absoluteFilePath();
    autoSwitchedFrom_.clear();
    startLoad(path);
}

void ClassificationPanel::startLoad(const QString& path)
{
    offered_.clear();
    modelStatus_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
    modelRunner_.submit([path] {
        ModelLoad m;
        m.path = path;
        try {
            m.model = ModelHandle::load(path);
        } catch (const std::exception& e) {
            m.error = errorText(e, false); // shown with the model's file name
        }
        return m;
    });
    updateBusy();
}

void ClassificationPanel::onModelLoaded(ModelLoad m)
{
    if (!m.model) {
        modelStatus_->setText(tr("Could not load %1: %2").arg(QFileInfo(m.path).fileName(), m.error));
        refreshModelList();
        emit modelFailed(m.path, m.error);
        updateBusy();
        return;
    }
    classifier_->setModel(m.model);
    heat_->setModel(m.model);
    classifier_->setHeatMap(heat_->request());
    refreshModelList({m.path});
    showModelInfo();
    emit modelChanged(m.model->path());
    if (autoRun() && !image_.empty())
        classifyNow();
    updateBusy();
}

void ClassificationPanel::showModelInfo()
{
    const auto m = model();
    if (!m) {
        modelStatus_->setText(ModelCatalog::findModels().isEmpty()
                                  ? tr("No model found. Choose a model bundle (*.sinar) with “Other model file…”.")
                                  : tr("No model loaded."));
        recipe_->clear();
        card_->clear();
        modelCombo_->setToolTip({});
        return;
    }
    modelStatus_->setText(tr("%1 classes: %2").arg(m->classNames().size()).arg(m->classNames().join(QStringLiteral(", "))));
    recipe_->setText(tr("Recipe: %1").arg(m->recipeSummary()));
    // The model card's lines on training data and held-out metrics.
    QStringList card;
    for (const QString& line : m->cardSummary().split('\n'))
        if (line.startsWith(QLatin1String("Trained on")) || line.startsWith(QLatin1String("Scope")) ||
            line.startsWith(QLatin1String("Held-out")) || line.startsWith(QLatin1String("Created")))
            card << line;
    card_->setText(card.join('\n'));
    modelCombo_->setToolTip(m->cardSummary());
}

void ClassificationPanel::onHeatMapRequestChanged()
{
    const HeatMapRequest request = heat_->request();
    if (request == classifier_->heatMap())
        return;
    classifier_->setHeatMap(request);
    if (!request.enabled) {
        heat_->clearResult();
        return;
    }
    // A new map of the image in hand: the same background job as classifying.
    if (!image_.empty() && model())
        classifyNow();
}

void ClassificationPanel::setImage(const imaging::Image& image)
{
    setImage(image, std::nullopt);
}

void ClassificationPanel::setImage(const imaging::Image& image, const trust::ImageFacts& facts)
{
    setImage(image, std::optional<trust::ImageFacts>(facts));
}

void ClassificationPanel::setImage(const imaging::Image& image, const std::optional<trust::ImageFacts>& facts)
{
    image_ = image;
    facts_ = facts;
    if (autoRun())
        classifyNow();
    else
        bars_->setStale(true);
}

void ClassificationPanel::clearImage()
{
    image_ = {};
    facts_.reset();
    classifier_->cancelPending();
    last_ = {};
    scope_->setVisible(false);
    notResult_->setVisible(false);
    offered_.clear();
    lastAutoSource_.clear();
    prediction_->setText(QStringLiteral("—"));
    bars_->clear();
    quality_->setVisible(false);
    timing_->clear();
    heat_->clearResult();
    heat_->setPredictedClass({});
    updateBusy();
}

void ClassificationPanel::classifyNow()
{
    if (image_.empty())
        return;
    bars_->setStale(true);
    classifier_->classify(image_, facts_ ? &*facts_ : nullptr);
    updateBusy();
}

void ClassificationPanel::setAutoRun(bool on)
{
    autoRun_->setChecked(on);
}

bool ClassificationPanel::autoRun() const
{
    return autoRun_->isChecked();
}

QString ClassificationPanel::qualityText() const
{
    return quality_->isVisibleTo(this) ? quality_->text() : QString();
}

QString ClassificationPanel::modelCardText() const
{
    return card_->text();
}

QString ClassificationPanel::shownClass() const
{
    if (!last_.ok() || last_.notAResult())
        return {};
    return QString::fromStdString(last_.classNames.at(static_cast<size_t>(last_.best)));
}

void ClassificationPanel::onResult(const Classification& c)
{
    last_ = c;
    if (!c.error.isEmpty()) {
        prediction_->setText(tr("Not classified"));
        bars_->clear();
        timing_->setText(c.error);
    } else if (!c.ok()) {
        prediction_->setText(tr("No model"));
        bars_->clear();
        timing_->setText(tr("Choose a model to classify the image."));
    } else {
        QStringList names;
        for (const auto& n : c.classNames)
            names << QString::fromStdString(n);
        const QString top =
            QStringLiteral("%1  %2 %").arg(names.at(c.best)).arg(c.probabilities[static_cast<size_t>(c.best)] * 100.0, 0, 'f', 1);
        bars_->setProbabilities(names, c.probabilities);
        if (c.notAResult()) {
            prediction_->setText(tr("Not a result"));
            bars_->setStale(true); // greyed: not a result
        } else {
            prediction_->setText(top);
        }
        heat_->setPredictedClass(names.at(c.best));
        QString timing = tr("%1 ms on %2 threads · %3")
                             .arg(c.milliseconds, 0, 'f', 1)
                             .arg(nn::threadCount())
                             .arg(QFileInfo(c.source).fileName());
        if (c.oodChecked && !c.unlikeTraining())
            timing += tr(" · like the training images (out-of-distribution score %1 ≤ %2)")
                          .arg(c.oodScore, 0, 'f', 1)
                          .arg(c.oodThreshold, 0, 'f', 1);
        timing_->setText(timing);
    }
    if (c.error.isEmpty()) {
        const QString flags = QString::fromStdString(imaging::describeQualityFlags(c.quality.flags));
        const auto& q = c.quality.measures;
        quality_->setToolTip(tr("Mean %1, 1st/99th percentile %2/%3, RMS contrast %4, sharpness %5")
                                 .arg(q.mean, 0, 'f', 1)
                                 .arg(q.p01, 0, 'f', 0)
                                 .arg(q.p99, 0, 'f', 0)
                                 .arg(q.contrast, 0, 'f', 1)
                                 .arg(q.sharpness, 0, 'f', 3));
        if (flags.isEmpty()) {
            quality_->setObjectName(QStringLiteral("qualityOk"));
            quality_->setText(tr("Image quality: no warnings"));
        } else {
            quality_->setObjectName(QStringLiteral("qualityWarning"));
            quality_->setText(tr("⚠ Image %1: the prediction may be unreliable.").arg(flags));
        }
        quality_->style()->unpolish(quality_);
        quality_->style()->polish(quality_);
        quality_->setVisible(true);
    } else {
        quality_->setVisible(false);
    }
    showScope(c);
    heat_->showResult(c);
    updateBusy();
    emit resultShown(c);
}

void ClassificationPanel::showScope(const Classification& c)
{
    const auto m = model();
    const bool outside = c.ok() && c.scope.outside();
    if (outside)
        notResult_->setText(tr("The image is outside this model's scope: the greyed probabilities below are the "
                               "model's output for reference, not a result."));
    else if (c.unlikeTraining())
        notResult_->setText(tr("Unlike the images this model was trained on (out-of-distribution score %1, "
                               "threshold %2): the greyed probabilities below are the model's output for reference, "
                               "not a result.")
                                .arg(c.oodScore, 0, 'f', 1)
                                .arg(c.oodThreshold, 0, 'f', 1));
    notResult_->setVisible(c.notAResult());
    offered_.clear();
    QString text;
    QString style = QStringLiteral("dimLabel");
    const QString switched = autoSwitchedFrom_.isEmpty() || c.source != lastAutoSource_
                                 ? QString()
                                 : tr(" Switched automatically from %1, whose scope the image is outside.")
                                       .arg(autoSwitchedFrom_.toHtmlEscaped());
    const QString described = m ? QString::fromStdString(m->scope().describe()).toHtmlEscaped() : QString();
    switch (c.scope.fit) {
    case trust::ScopeFit::Fits:
        text = c.unlikeTraining()
                   ? tr("Within this model's scope by its tags (%1), but unlike its training images (below).").arg(described)
                   : tr("Within this model's scope (%1).").arg(described);
        text += switched;
        break;
    case trust::ScopeFit::Unknown:
        text = tr("Scope not checked: %1 (the model is for %2).")
                   .arg(QString::fromStdString(c.scope.reasons.empty() ? std::string() : c.scope.reasons.front())
                            .toHtmlEscaped(),
                        described);
        style = QStringLiteral("dimLabel");
        break;
    case trust::ScopeFit::Outside: {
        style = QStringLiteral("qualityWarning");
        QStringList reasons;
        for (const auto& r : c.scope.reasons)
            reasons << QString::fromStdString(r).toHtmlEscaped();
        text = QStringLiteral("<b>%1</b> %2.").arg(tr("Outside this model's scope:"), reasons.join(QStringLiteral("; ")));
        const bool canSwitch = pinned_.isEmpty() && !c.fittingModel.isEmpty() && c.source != lastAutoSource_;
        if (canSwitch && c.modelPath == (m ? m->path() : QString())) {
            // An automatic pick: the user did not choose this model by hand.
            autoSwitchedFrom_ = m ? m->name() : QString();
            lastAutoSource_ = c.source;
            text += QLatin1Char(' ') + tr("Switching to %1, whose scope fits…")
                                           .arg(QFileInfo(c.fittingModel).completeBaseName().toHtmlEscaped());
            startLoad(c.fittingModel);
        } else if (!c.fittingModel.isEmpty()) {
            offered_ = c.fittingModel;
            text += QLatin1Char(' ') + tr("<a href=\"%1\">Use %2</a>, whose scope fits this image.")
                                           .arg(c.fittingModel.toHtmlEscaped(),
                                                QFileInfo(c.fittingModel).completeBaseName().toHtmlEscaped());
        } else {
            text += QLatin1Char(' ') + tr("No model in the library declares a scope this image fits.");
        }
        break;
    }
    case trust::ScopeFit::NoScope:
        break;
    }
    if (c.scope.fit == trust::ScopeFit::Outside || c.scope.fit == trust::ScopeFit::Fits) {
        QStringList notes;
        for (const auto& n : c.scope.notes)
            notes << QString::fromStdString(n).toHtmlEscaped();
        scope_->setToolTip(notes.isEmpty() ? QString() : tr("Notes: %1").arg(notes.join(QStringLiteral("; "))));
    } else {
        scope_->setToolTip({});
    }
    scope_->setObjectName(style);
    scope_->style()->unpolish(scope_);
    scope_->style()->polish(scope_);
    scope_->setText(text);
    scope_->setVisible(!text.isEmpty());
}

QString ClassificationPanel::scopeText() const
{
    return scope_->isVisibleTo(this) ? scope_->text() : QString();
}

bool ClassificationPanel::resultMarkedNotAResult() const
{
    return notResult_->isVisibleTo(this);
}

void ClassificationPanel::updateBusy()
{
    const bool b = busy();
    busyBar_->setVisible(b);
    classifyButton_->setEnabled(!image_.empty());
    if (b != busyBar_->property("wasBusy").toBool()) {
        busyBar_->setProperty("wasBusy", b);
        emit busyChanged(b);
    }
}

QString ClassificationPanel::resultPlacement() const
{
    return placement_->isHidden() ? QString() : placement_->text();
}

void ClassificationPanel::setResultPlacement(const QString& text, bool onScreen)
{
    placement_->setText(text);
    placement_->setVisible(!text.isEmpty());
    placement_->setObjectName(onScreen ? QStringLiteral("dimLabel") : QStringLiteral("qualityWarning"));
    placement_->style()->unpolish(placement_);
    placement_->style()->polish(placement_);
    prediction_->setVisible(onScreen);
    bars_->setVisible(onScreen);
    resultOnScreen_ = onScreen;
}

} // namespace sinar::ui
