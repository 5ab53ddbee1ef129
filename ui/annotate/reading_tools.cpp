#include "ui/annotate/reading_tools.h"

#include <QAction>
#include <QActionGroup>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QInputDialog>
#include <QMenuBar>
#include <QStatusBar>
#include <QtConcurrent/QtConcurrentRun>
#include <map>
#include <set>

#include "annotate/annotation_files.h"
#include "common/error.h"
#include "ui/annotate/measurement_layer.h"
#include "ui/annotate/measurement_panel.h"
#include "ui/shell/main_window.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/study_browser.h"
#include "ui/widgets/notification_bar.h"

namespace sinar::ui {

namespace {
using annotate::ShapeKind;

// Every DICOM instance of the open series, by SOP Instance UID.
std::map<std::string, dicom::InstanceInfo> openInstances(const StudyBrowser* browser)
{
    std::map<std::string, dicom::InstanceInfo> out;
    for (int i = 0; i < browser->seriesCount(); ++i) {
        const auto s = browser->series(i);
        if (s->dicomSeries)
            for (const dicom::InstanceInfo& info : s->dicomSeries->instances)
                out.emplace(info.sopInstanceUid, info);
    }
    return out;
}
} // namespace

ReadingTools::ReadingTools(MainWindow* window) : QObject(window), window_(window)
{
    layer_ = new MeasurementLayer(window->view(), this);
    panel_ = new MeasurementPanel(layer_);
    dock_ = new QDockWidget(tr("Measurements"), window);
    dock_->setObjectName(QStringLiteral("measurementsDock"));
    dock_->setWidget(panel_);
    window->addDockWidget(Qt::LeftDockWidgetArea, dock_);

    // The Measure menu, before Help.
    auto* menu = new QMenu(tr("&Measure"), window);
    QAction* help = nullptr;
    for (QAction* a : window->menuBar()->actions())
        if (a->text() == tr("&Help"))
            help = a;
    window->menuBar()->insertMenu(help, menu);
    tools_ = new QActionGroup(this);
    tools_->setExclusionPolicy(QActionGroup::ExclusionPolicy::ExclusiveOptional);
    const struct {
        ShapeKind kind;
        QString text;
        Qt::Key key;
    } tools[] = {
        {ShapeKind::Ruler, tr("&Ruler (length)"), Qt::Key_L},
        {ShapeKind::Angle, tr("An&gle"), Qt::Key_G},
        {ShapeKind::Ellipse, tr("&Ellipse ROI"), Qt::Key_E},
        {ShapeKind::Rectangle, tr("Rectangle ROI (&box)"), Qt::Key_B},
        {ShapeKind::Freehand, tr("&Freehand ROI (polygon)"), Qt::Key_P},
        {ShapeKind::Arrow, tr("Arro&w"), Qt::Key_W},
        {ShapeKind::Text, tr("&Text"), Qt::Key_T},
    };
    for (const auto& t : tools) {
        QAction* a = menu->addAction(t.text);
        a->setCheckable(true);
        a->setShortcut(QKeySequence(t.key));
        a->setData(static_cast<int>(t.kind));
        tools_->addAction(a);
        actions_ << a;
    }
    connect(tools_, &QActionGroup::triggered, this, [this](QAction* a) {
        layer_->setTool(a->isChecked() ? std::optional<ShapeKind>(static_cast<ShapeKind>(a->data().toInt())) : std::nullopt);
        window_->view()->setFocus();
    });
    connect(layer_, &MeasurementLayer::toolChanged, this, [this] {
        for (QAction* a : tools_->actions())
            a->setChecked(layer_->tool() && static_cast<int>(*layer_->tool()) == a->data().toInt());
    });
    menu->addSeparator();
    QAction* key = menu->addAction(tr("&Key image"));
    key->setCheckable(true);
    key->setShortcut(QKeySequence(Qt::Key_K));
    connect(key, &QAction::triggered, layer_, &MeasurementLayer::setKeyImage);
    connect(layer_, &MeasurementLayer::keyImageChanged, key, &QAction::setChecked);
    actions_ << key;
    QAction* save = menu->addAction(tr("&Save annotations"));
    save->setShortcut(QKeySequence::Save);
    connect(save, &QAction::triggered, this, [this] { saveAnnotations({}); });
    actions_ << save;
    menu->addSeparator();
    menu->addAction(dock_->toggleViewAction());

    connect(panel_, &MeasurementPanel::saveRequested, this, [this] { saveAnnotations({}); });
    connect(layer_, &MeasurementLayer::textRequested, this, &ReadingTools::askText);
    connect(window, &MainWindow::imageShown, this, &ReadingTools::onImageShown);
    connect(window, &MainWindow::scanFinished, this, [this](int added) {
        if (added > 0)
            loadAnnotations();
    });
}

void ReadingTools::onImageShown()
{
    const auto stack = window_->currentStack();
    const int index = window_->shownIndex();
    const ImageView* view = window_->view();
    if (!stack || index < 0 || index >= static_cast<int>(stack->size()) || !view->hasImage()) {
        layer_->showImage({}, {});
        return;
    }
    const StackItem& item = stack->item(static_cast<size_t>(index));
    if (view->image().source.rfind(item.path.toStdString(), 0) != 0) {
        layer_->showImage({}, {}); // another series' image is on screen
        return;
    }
    annotate::ImageRef ref;
    ref.file = item.path.toStdString();
    ref.frame = item.frame;
    ref.frameCount = item.frameCount;
    annotate::Calibration calibration;
    if (item.dicom && stack->dicomSeries)
        for (const dicom::InstanceInfo& info : stack->dicomSeries->instances)
            if (info.path == ref.file) {
                ref = annotate::ImageRef::of(info, item.frame);
                calibration = annotate::Calibration::of(info);
            }
    layer_->showImage(ref, calibration);
}

void ReadingTools::askText(const QPointF& imagePos)
{
    bool ok = false;
    const QString text = QInputDialog::getText(window_, tr("Text annotation"), tr("Text:"), QLineEdit::Normal, {}, &ok);
    if (!ok || text.trimmed().isEmpty())
        return;
    annotate::Shape s;
    s.kind = ShapeKind::Text;
    s.points = {{imagePos.x(), imagePos.y()}};
    s.text = text.trimmed().toStdString();
    layer_->addShape(s);
}

QStringList ReadingTools::saveAnnotations(const QString& folder, QString* error)
{
    // The DICOM images with shapes or marked key, by study.
    std::map<std::string, std::vector<annotate::ImageAnnotations>> shapes;
    std::map<std::string, std::vector<annotate::ImageRef>> keys;
    int plain = 0;
    for (const auto& [k, e] : layer_->entries()) {
        if (e.image.sopInstanceUid.empty()) {
            plain += static_cast<int>(e.shapes.size());
            continue;
        }
        if (!e.shapes.empty()) {
            annotate::ImageAnnotations a{e.image, e.shapes, {}};
            for (const QString& l : e.labels)
                a.labels.push_back(QString(l).replace('\n', QStringLiteral(", ")).toStdString());
            shapes[e.image.studyInstanceUid].push_back(a);
        }
        if (e.keyImage)
            keys[e.image.studyInstanceUid].push_back(e.image);
    }
    std::set<std::string> studies;
    for (const auto& s : shapes)
        studies.insert(s.first);
    for (const auto& s : keys)
        studies.insert(s.first);
    QStringList written, errors;
    if (studies.empty())
        errors << (plain ? tr("Only DICOM images' annotations can be saved (%1 on plain images are not)").arg(plain)
                         : tr("Nothing to save: no measurements, annotations or key images"));
    for (const std::string& study : studies) {
        const annotate::ImageRef& any = shapes.count(study) ? shapes[study].front().image : keys[study].front();
        QString dir = folder.isEmpty() ? QFileInfo(QString::fromStdString(any.file)).absolutePath() : folder;
        if (folder.isEmpty() && !QFileInfo(dir).isWritable()) {
            dir = QFileDialog::getExistingDirectory(window_, tr("The study's folder is read-only: save the annotations in"));
            if (dir.isEmpty()) {
                errors << tr("Not saved: %1 is read-only").arg(QFileInfo(QString::fromStdString(any.file)).absolutePath());
                continue;
            }
        }
        try {
            if (shapes.count(study)) {
                const std::string path = annotate::annotationPath(dir.toStdString(), study, "PR");
                annotate::writePresentationState(path, shapes[study]);
                written << QString::fromStdString(path);
            }
            const std::string koPath = annotate::annotationPath(dir.toStdString(), study, "KO");
            if (keys.count(study)) {
                annotate::writeKeyObjectSelection(koPath, keys[study]);
                written << QString::fromStdString(koPath);
            } else if (QFileInfo::exists(QString::fromStdString(koPath))) {
                QFile::remove(QString::fromStdString(koPath)); // Sinar's own, now without key images
            }
        } catch (const std::exception& e) {
            errors << QString::fromStdString(userMessage(e));
        }
    }
    QString status;
    if (!written.isEmpty()) {
        QStringList names;
        for (const QString& w : written)
            names << QFileInfo(w).fileName();
        status = tr("Saved %1 in %2").arg(names.join(QStringLiteral(", ")), QFileInfo(written.front()).absolutePath());
    }
    if (!errors.isEmpty())
        status += (status.isEmpty() ? QString() : QStringLiteral("\n")) + errors.join('\n');
    panel_->setStatus(status);
    window_->statusBar()->showMessage(status.section('\n', 0, 0), 6000);
    if (error)
        *error = errors.join('\n');
    return written;
}

void ReadingTools::loadAnnotations()
{
    const std::map<std::string, dicom::InstanceInfo> open = openInstances(window_->studyBrowser());
    std::set<std::string> folders, files, studies;
    for (const auto& [uid, info] : open) {
        folders.insert(QFileInfo(QString::fromStdString(info.path)).absolutePath().toStdString());
        files.insert(info.path);
        studies.insert(info.studyInstanceUid);
    }
    if (open.empty())
        return;
    loading_ = true;
    auto* watcher = new QFutureWatcher<annotate::FoundAnnotations>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, open] {
        watcher->deleteLater();
        loading_ = false;
        const annotate::FoundAnnotations found = watcher->result();
        int added = 0, unknown = 0;
        // The images a reference means: its frame, or every frame of the instance.
        auto each = [&](const annotate::ImageRef& ref, auto apply) {
            const auto it = open.find(ref.sopInstanceUid);
            if (it == open.end()) {
                ++unknown;
                return;
            }
            const int n = ref.frame >= 0 ? 1 : std::max(1, it->second.numberOfFrames);
            for (int f = 0; f < n; ++f)
                apply(annotate::ImageRef::of(it->second, ref.frame >= 0 ? ref.frame : f));
        };
        for (const annotate::PresentationState& s : found.states)
            for (const annotate::ImageAnnotations& a : s.images)
                each(a.image, [&](const annotate::ImageRef& r) { added += layer_->addLoaded(r, a.shapes); });
        int keyImages = 0;
        for (const annotate::KeyObjectSelection& k : found.keyImages)
            for (const annotate::ImageRef& ref : k.images)
                each(ref, [&](const annotate::ImageRef& r) {
                    layer_->markKeyImage(r);
                    ++keyImages;
                });
        window_->notifications()->addFailures(found.failures);
        const int files = static_cast<int>(found.states.size() + found.keyImages.size());
        if (files) {
            QString text = tr("Loaded %n shape(s)", nullptr, added) + tr(" and %n key image(s)", nullptr, keyImages) +
                           tr(" from %n file(s) next to the study", nullptr, files);
            if (unknown)
                text += tr("; %n reference(s) to images that are not open", nullptr, unknown);
            panel_->setStatus(text);
        }
        emit annotationsLoaded(files, added);
    });
    watcher->setFuture(QtConcurrent::run([folders, files, studies] {
        return annotate::findAnnotations({folders.begin(), folders.end()}, files, studies);
    }));
}

} // namespace sinar::ui
