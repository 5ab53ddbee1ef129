#include "ui/shell/demo_study.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace sinar::ui {

QStringList DemoStudy::candidates()
{
    QStringList c;
    const QByteArray env = qgetenv("SINAR_DEMO");
    if (!env.isEmpty())
        c << QString::fromLocal8Bit(env);
    const QString appDir = QCoreApplication::applicationDirPath();
    c << appDir + QStringLiteral("/../share/sinar/demo") << appDir + QStringLiteral("/../demo")
      << appDir + QStringLiteral("/../../demo");
    return c;
}

QString DemoStudy::find()
{
    for (const QString& p : candidates())
        if (QFileInfo::exists(p))
            return QFileInfo(p).absoluteFilePath();
    return {};
}

} // namespace sinar::ui
