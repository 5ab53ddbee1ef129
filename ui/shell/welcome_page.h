#pragma once
// What the viewer shows while no study is open: how to open images (file,
// folder, DICOMDIR, the demo study when one is installed), the recent
// studies, and the models found with what each is for. The models are read
// in the background, on a thread of their own (a bundle takes a moment to
// load; one on a hung share may never come, and is then left behind).
#include <QList>
#include <QWidget>
#include <memory>

#include "ui/classify/model_catalog.h"

class QLabel;
class QListWidget;
class QPushButton;

namespace sinar::ui {

class JobTicket;

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);
    ~WelcomePage() override;

    // Refills the recent list and the demo button, and reads the models again.
    void refresh(const QStringList& recentPaths);

    QListWidget* recentList() const { return recent_; }
    QListWidget* modelList() const { return models_; }
    QPushButton* demoButton() const { return demo_; }
    // Still reading the models.
    bool busy() const { return reader_ != nullptr; }

signals:
    void openFilesRequested();
    void openFolderRequested();
    void openPathRequested(const QString& path);

private:
    void showModels(const QList<ModelSummary>& models);

    QPushButton* demo_ = nullptr;
    QLabel* demoNote_ = nullptr;
    QListWidget* recent_ = nullptr;
    QListWidget* models_ = nullptr;
    QString demoPath_;
    std::shared_ptr<JobTicket> reader_; // of the model list being read
};

} // namespace sinar::ui
