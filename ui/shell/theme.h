#pragma once
// The dark (default: reading rooms are dark) and light themes: Fusion style,
// a matching palette and the style sheet from the resources.
#include <QString>

namespace sinar::ui {

class Theme {
public:
    // Registers the compiled-in resources (style sheets, icon); call once.
    static void initResources();
    // Applies "dark" or "light" to the whole application.
    static void apply(const QString& name);
    static QString current();
};

} // namespace sinar::ui
