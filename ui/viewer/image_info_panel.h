#pragma once
// The content of the "Image information" dock: a Summary tab (file, size,
// value range and the main DICOM attributes of the shown image) and an
// All tags tab (every attribute of the shown DICOM file as a tree, sequences
// nested, with a filter by tag, name or value). It only displays: the tags
// were read with the image by the loader thread.
#include <QTabWidget>
#include <string>

#include "ui/viewer/image_stack.h"

class QLineEdit;
class QTableWidget;
class QTreeWidget;

namespace sinar::ui {

// A DICOM date (YYYYMMDD) as YYYY-MM-DD; anything else trimmed, as it is.
QString dicomDateText(const std::string& date);

class ImageInfoPanel : public QTabWidget {
    Q_OBJECT
public:
    explicit ImageInfoPanel(QWidget* parent = nullptr);

    // Shows image `index` of `stack` (its loaded pixels and attributes).
    void showImage(const ImageStack& stack, int index, const LoadedImage& image);
    // Empties the summary (nothing is shown).
    void clear();

private:
    void updateTagTree(const QString& path, const LoadedImage& image);
    void filterTags(const QString& text);

    QTableWidget* infoTable_;
    QTreeWidget* tagTree_;
    QLineEdit* tagFilter_;
};

} // namespace sinar::ui
