#include "ui/shell/about_dialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>
#include <opencv2/core/version.hpp>

#include "ui/classify/model_handle.h"

#ifndef SINAR_VERSION
#define SINAR_VERSION "unknown"
#endif
#ifndef SINAR_TORCH_VERSION
#define SINAR_TORCH_VERSION "unknown"
#endif
#ifndef SINAR_DCMTK_VERSION
#define SINAR_DCMTK_VERSION "unknown"
#endif
#ifndef SINAR_VTK_VERSION
#define SINAR_VTK_VERSION "unknown"
#endif

namespace sinar::ui {

QString AboutDialog::librariesText()
{
    return QStringLiteral("Qt %1 (built with %2) · LibTorch %3 · OpenCV %4 · DCMTK %5 · VTK %6")
        .arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR), QStringLiteral(SINAR_TORCH_VERSION),
             QStringLiteral(CV_VERSION), QStringLiteral(SINAR_DCMTK_VERSION), QStringLiteral(SINAR_VTK_VERSION));
}

AboutDialog::AboutDialog(const ModelHandle* model, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("About Sinar"));
    resize(560, 460);
    auto* layout = new QVBoxLayout(this);
    auto* head = new QHBoxLayout;
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/sinar.svg")).pixmap(72, 72));
    head->addWidget(icon, 0, Qt::AlignTop);
    auto* text = new QLabel(this);
    text->setWordWrap(true);
    text->setTextFormat(Qt::RichText);
    text->setText(tr("<h2>Sinar %1</h2>"
                     "<p>A workstation for CNN image classification in radiology: a DICOM and image viewer "
                     "with a model's prediction, its quality warnings and batch classification.</p>"
                     "<p><b>Not a medical device.</b> Predictions are for research and teaching; "
                     "they are no diagnosis.</p>"
                     "<p>%2</p>")
                      .arg(QStringLiteral(SINAR_VERSION), librariesText().toHtmlEscaped()));
    head->addWidget(text, 1);
    layout->addLayout(head);

    auto* cardTitle = new QLabel(model ? tr("Model card") : tr("No model loaded"), this);
    QFont f = cardTitle->font();
    f.setBold(true);
    cardTitle->setFont(f);
    layout->addWidget(cardTitle);
    auto* card = new QPlainTextEdit(this);
    card->setObjectName(QStringLiteral("modelCard"));
    card->setReadOnly(true);
    card->setPlainText(model ? model->cardSummary() : tr("Choose a model in the classification panel."));
    layout->addWidget(card, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

} // namespace sinar::ui
