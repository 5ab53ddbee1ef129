#include "ui/shell/welcome_page.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/shell/demo_study.h"
#include "ui/widgets/background_job.h"

namespace sinar::ui {

namespace {

QLabel* heading(const QString& text, QWidget* parent)
{
    auto* l = new QLabel(text, parent);
    QFont f = l->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.15);
    l->setFont(f);
    return l;
}

// "brain-mri-cnn — standard CNN; for MR · BRAIN · axial, coronal, sagittal; classes glioma, ..."
QString describe(const ModelSummary& m)
{
    const QString name = QFileInfo(m.path).completeBaseName();
    if (!m.error.isEmpty())
        return WelcomePage::tr("%1 — cannot be read: %2").arg(name, m.error);
    const QString scope = m.scope.empty() ? WelcomePage::tr("no declared scope: it cannot tell which images it is for")
                                          : WelcomePage::tr("for %1").arg(QString::fromStdString(m.scope.describe()));
    return WelcomePage::tr("%1 — %2; %3; classes: %4")
        .arg(name, m.architecture == QLatin1String("standard-cnn") ? WelcomePage::tr("standard CNN") : m.architecture, scope,
             m.classes.join(QStringLiteral(", ")));
}

} // namespace

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    auto* outer = new QHBoxLayout(this);
    auto* column = new QVBoxLayout;
    outer->addStretch(1);
    outer->addLayout(column, 4);
    outer->addStretch(1);

    auto* title = new QLabel(tr("Sinar"), this);
    QFont tf = title->font();
    tf.setBold(true);
    tf.setPointSizeF(tf.pointSizeF() * 2.0);
    title->setFont(tf);
    column->addStretch(1);
    column->addWidget(title);
    auto* intro = new QLabel(tr("Open DICOM studies (X-ray, MR, CT), images and DICOM media; a CNN classifies the "
                                "image on screen and shows where it looked. Its results are research aids, not diagnoses: "
                                "each says when an image is outside what its model was made for."),
                             this);
    intro->setWordWrap(true);
    column->addWidget(intro);

    auto* buttons = new QHBoxLayout;
    auto* files = new QPushButton(tr("Open files…"), this);
    files->setToolTip(tr("DICOM files, PNG or JPEG images (Ctrl+O)"));
    auto* folder = new QPushButton(tr("Open folder or DICOMDIR…"), this);
    folder->setToolTip(tr("A folder of DICOM files or images, or DICOM media with a DICOMDIR (Ctrl+Shift+O)"));
    demo_ = new QPushButton(tr("Open the demo study"), this);
    demo_->setObjectName(QStringLiteral("welcomeDemo"));
    buttons->addWidget(files);
    buttons->addWidget(folder);
    buttons->addWidget(demo_);
    buttons->addStretch(1);
    column->addLayout(buttons);
    demoNote_ = new QLabel(this);
    demoNote_->setWordWrap(true);
    column->addWidget(demoNote_);
    connect(files, &QPushButton::clicked, this, &WelcomePage::openFilesRequested);
    connect(folder, &QPushButton::clicked, this, &WelcomePage::openFolderRequested);
    connect(demo_, &QPushButton::clicked, this, [this] {
        if (!demoPath_.isEmpty())
            emit openPathRequested(demoPath_);
    });

    column->addSpacing(12);
    column->addWidget(heading(tr("Recent studies"), this));
    recent_ = new QListWidget(this);
    recent_->setObjectName(QStringLiteral("welcomeRecent"));
    recent_->setMaximumHeight(160);
    column->addWidget(recent_);
    connect(recent_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        const QString path = item->data(Qt::UserRole).toString();
        if (!path.isEmpty())
            emit openPathRequested(path);
    });

    column->addSpacing(12);
    column->addWidget(heading(tr("Models"), this));
    models_ = new QListWidget(this);
    models_->setObjectName(QStringLiteral("welcomeModels"));
    models_->setMaximumHeight(140);
    models_->setWordWrap(true);
    column->addWidget(models_);
    auto* tips = new QLabel(tr("Drop files or folders anywhere on the window. F1 lists the keyboard shortcuts."), this);
    tips->setWordWrap(true);
    column->addWidget(tips);
    column->addStretch(2);
}

WelcomePage::~WelcomePage()
{
    // A read still under way is left behind (see background_job.h).
    if (reader_)
        reader_->abandon();
}

void WelcomePage::refresh(const QStringList& recentPaths)
{
    demoPath_ = DemoStudy::find();
    demo_->setEnabled(!demoPath_.isEmpty());
    demoNote_->setText(demoPath_.isEmpty()
                           ? tr("No demo study is installed (packaging/fetch-demo.sh fetches a brain MR series).")
                           : tr("Demo study: %1").arg(QDir::toNativeSeparators(demoPath_)));

    recent_->clear();
    for (const QString& p : recentPaths) {
        auto* item = new QListWidgetItem(QDir::toNativeSeparators(p), recent_);
        item->setData(Qt::UserRole, p);
        if (!QFileInfo::exists(p)) {
            item->setText(tr("%1 (no longer there)").arg(item->text()));
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
        }
    }
    if (recentPaths.isEmpty())
        (new QListWidgetItem(tr("None yet."), recent_))->setFlags(Qt::NoItemFlags);

    if (reader_)
        return;
    models_->clear();
    (new QListWidgetItem(tr("Reading the models…"), models_))->setFlags(Qt::NoItemFlags);
    const QStringList paths = ModelCatalog::findModels();
    reader_ = std::make_shared<JobTicket>();
    runJob<QList<ModelSummary>>(
        reader_, JobThread::Own, this,
        [paths, ticket = reader_] {
            QList<ModelSummary> out;
            for (const QString& p : paths) {
                if (ticket->abandoned())
                    break; // the page is gone: the program may be ending
                out << ModelCatalog::summaryOf(p);
            }
            return out;
        },
        [this](QList<ModelSummary> models) {
            reader_.reset();
            showModels(models);
        });
}

void WelcomePage::showModels(const QList<ModelSummary>& models)
{
    models_->clear();
    for (const ModelSummary& m : models) {
        auto* item = new QListWidgetItem(describe(m), models_);
        item->setToolTip(QDir::toNativeSeparators(m.path));
        item->setFlags(Qt::ItemIsEnabled);
    }
    if (models.isEmpty())
        (new QListWidgetItem(tr("No model bundles found: Classify ▸ Choose model file, or train one in the Training tab."), models_))
            ->setFlags(Qt::NoItemFlags);
}

} // namespace sinar::ui
