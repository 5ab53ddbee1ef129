#include "ui/shell/theme.h"

#include <QApplication>
#include <QFile>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

// Q_INIT_RESOURCE must be called outside any namespace.
static void initSinarResources()
{
    Q_INIT_RESOURCE(sinar);
}

namespace sinar::ui {

namespace {
QString currentTheme = QStringLiteral("dark");

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x1b, 0x1d, 0x21), base(0x17, 0x19, 0x1c), text(0xd9, 0xdd, 0xe3);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x1d, 0x20, 0x24));
    p.setColor(QPalette::ToolTipBase, QColor(0x2a, 0x2e, 0x34));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x7a, 0x82, 0x8c));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2a, 0x2e, 0x34));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x5e, 0x6b));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x4f, 0xb3, 0xc8));
    p.setColor(QPalette::Mid, QColor(0x4a, 0x50, 0x58));
    p.setColor(QPalette::Dark, QColor(0x10, 0x12, 0x14));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6b, 0x72, 0x7b));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6b, 0x72, 0x7b));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6b, 0x72, 0x7b));
    return p;
}

QPalette lightPalette()
{
    QPalette p = QApplication::style()->standardPalette(); // Fusion's
    p.setColor(QPalette::Window, QColor(0xf3, 0xf4, 0xf6));
    p.setColor(QPalette::Highlight, QColor(0xbf, 0xe3, 0xea));
    p.setColor(QPalette::HighlightedText, QColor(0x10, 0x15, 0x1a));
    p.setColor(QPalette::Link, QColor(0x23, 0x70, 0x7f));
    p.setColor(QPalette::Mid, QColor(0xb8, 0xbe, 0xc7));
    return p;
}
} // namespace

void Theme::initResources()
{
    static bool done = false;
    if (!done) {
        initSinarResources();
        done = true;
    }
}

void Theme::apply(const QString& name)
{
    initResources();
    currentTheme = name == QLatin1String("light") ? QStringLiteral("light") : QStringLiteral("dark");
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(currentTheme == QLatin1String("light") ? lightPalette() : darkPalette());
    QFile qss(QStringLiteral(":/styles/%1.qss").arg(currentTheme));
    if (qss.open(QIODevice::ReadOnly))
        qApp->setStyleSheet(QString::fromUtf8(qss.readAll()));
}

QString Theme::current()
{
    return currentTheme;
}

} // namespace sinar::ui
