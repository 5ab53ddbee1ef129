#include "data/dataset.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <algorithm>
#include <map>
#include <opencv2/imgproc.hpp>
#include <set>

#include "common/privacy.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/npz_reader.h"

namespace sinar::data {

Dataset::Dataset(std::string source, std::vector<std::string> classNames, std::vector<Sample> samples)
    : source_(std::move(source)), classNames_(std::move(classNames)), samples_(std::move(samples))
{
}

std::vector<int> Dataset::labels() const
{
    std::vector<int> out;
    out.reserve(samples_.size());
    for (const Sample& s : samples_)
        out.push_back(s.label);
    return out;
}

std::vector<size_t> Dataset::classCounts() const
{
    std::vector<size_t> counts(classNames_.size(), 0);
    for (const Sample& s : samples_)
        if (s.label >= 0 && static_cast<size_t>(s.label) < counts.size())
            ++counts[static_cast<size_t>(s.label)];
    return counts;
}

imaging::Image loadSample(const Sample& s)
{
    if (!s.pixels.empty())
        return imaging::imageFromMat(s.pixels, s.path);
    return imaging::readImageFile(s.path);
}

imaging::Image Dataset::load(size_t i) const
{
    return loadSample(samples_.at(i));
}

void Dataset::remapClasses(const std::vector<std::string>& names)
{
    std::vector<int> map(classNames_.size(), -1);
    std::string unknown;
    for (size_t c = 0; c < classNames_.size(); ++c) {
        const auto it = std::find(names.begin(), names.end(), classNames_[c]);
        if (it == names.end())
            unknown += (unknown.empty() ? "" : ", ") + classNames_[c];
        else
            map[c] = static_cast<int>(it - names.begin());
    }
    if (!unknown.empty()) {
        std::string known;
        for (const auto& n : names)
            known += (known.empty() ? "" : ", ") + n;
        throw Error("classes not known to the model: " + unknown + " (model classes: " + known + ")", source_);
    }
    for (Sample& s : samples_)
        s.label = map[static_cast<size_t>(s.label)];
    classNames_ = names;
}

Dataset openClassFolder(const std::string& folder)
{
    QDir dir(QString::fromStdString(folder));
    if (!dir.exists())
        throw Error("folder not found", folder);
    const QStringList classDirs = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (classDirs.isEmpty())
        throw Error("no class sub-folders (expected one folder per class holding images)", folder);
    std::vector<std::string> names;
    std::vector<Sample> samples;
    std::vector<FileFailure> skipped;
    for (const QString& cls : classDirs) {
        const int label = static_cast<int>(names.size());
        names.push_back(cls.toStdString());
        QStringList files;
        QDirIterator it(dir.filePath(cls), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            files << it.next();
        files.sort();
        size_t found = 0;
        for (const QString& f : files) {
            const std::string path = f.toStdString();
            if (imaging::isImageFileName(path)) {
                samples.push_back({path, label, {}});
                ++found;
            } else if (!QFileInfo(f).fileName().startsWith('.')) {
                skipped.push_back({path, "not an image file (DICOM, PNG, JPEG, BMP, TIFF)"});
            }
        }
        if (found == 0)
            throw Error("class folder '" + cls.toStdString() + "' holds no images", folder);
    }
    Dataset d(folder, names, std::move(samples));
    for (auto& s : skipped)
        d.addSkipped(std::move(s));
    return d;
}

static std::vector<std::string> splitCsvLine(const std::string& line)
{
    std::vector<std::string> cells;
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (quoted) {
            if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') { cur += '"'; ++i; }
            else if (ch == '"') quoted = false;
            else cur += ch;
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == ',') {
            cells.push_back(cur);
            cur.clear();
        } else if (ch != '\r') {
            cur += ch;
        }
    }
    cells.push_back(cur);
    for (auto& c : cells) {
        const size_t a = c.find_first_not_of(" \t"), b = c.find_last_not_of(" \t");
        c = a == std::string::npos ? std::string() : c.substr(a, b - a + 1);
    }
    return cells;
}

Dataset openCsvList(const std::string& csvPath)
{
    const std::string text = readFileBytes(csvPath);
    const QDir base = QFileInfo(QString::fromStdString(csvPath)).absoluteDir();
    std::vector<std::pair<std::string, std::string>> rows;
    std::vector<FileFailure> skipped;
    size_t lineNo = 0, pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++lineNo;
        if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#')
            continue;
        const auto cells = splitCsvLine(line);
        if (lineNo == 1 && cells.size() >= 2 && (cells[0] == "path" || cells[0] == "file" || cells[0] == "filename"))
            continue; // header
        if (cells.size() < 2 || cells[0].empty() || cells[1].empty()) {
            skipped.push_back({csvPath + ":" + std::to_string(lineNo), "expected 'path,label'"});
            continue;
        }
        const QString p = QString::fromStdString(cells[0]);
        const std::string abs = QDir::isAbsolutePath(p) ? cells[0] : base.filePath(p).toStdString();
        rows.emplace_back(abs, cells[1]);
    }
    if (rows.empty())
        throw Error("the CSV list holds no 'path,label' rows", csvPath);
    std::set<std::string> labelSet;
    for (const auto& r : rows)
        labelSet.insert(r.second);
    std::vector<std::string> names(labelSet.begin(), labelSet.end());
    // Purely numeric labels sort numerically so "10" comes after "9".
    if (std::all_of(names.begin(), names.end(), [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos && s.size() < 9; }))
        std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
    std::vector<Sample> samples;
    for (const auto& r : rows)
        samples.push_back({r.first, static_cast<int>(std::find(names.begin(), names.end(), r.second) - names.begin()), {}});
    Dataset d(csvPath, names, std::move(samples));
    for (auto& s : skipped)
        d.addSkipped(std::move(s));
    return d;
}

std::vector<std::string> medmnistClassNames(const std::string& fileName)
{
    const std::string f = QFileInfo(QString::fromStdString(fileName)).fileName().toLower().toStdString();
    static const std::map<std::string, std::vector<std::string>> known = {
        {"pneumoniamnist", {"normal", "pneumonia"}},
        {"breastmnist", {"malignant", "normal_benign"}},
        {"chestmnist", {}},
    };
    for (const auto& [prefix, names] : known)
        if (f.rfind(prefix, 0) == 0)
            return names;
    return {};
}

Dataset openNpz(const std::string& npzPath, const DatasetOptions& options)
{
    NpzReader npz(npzPath);
    const std::string& subset = options.subset;
    if (subset != "train" && subset != "val" && subset != "test")
        throw Error("unknown subset '" + subset + "' (train, val or test)", npzPath);
    const std::string imgKey = subset + "_images", labelKey = subset + "_labels";
    if (!npz.contains(imgKey) || !npz.contains(labelKey)) {
        std::string have;
        for (const auto& k : npz.keys())
            have += (have.empty() ? "" : ", ") + k;
        throw Error("no '" + imgKey + "'/'" + labelKey + "' arrays for subset '" + subset + "' (the archive has: " + have + ")", npzPath);
    }
    const NpyArray images = npz.read(imgKey);
    const NpyArray labels = npz.read(labelKey);
    if (images.dtype != "|u1")
        throw Error("'" + imgKey + "' must be uint8, not " + images.dtype, npzPath);
    if (images.fortranOrder)
        throw Error("'" + imgKey + "' is Fortran-ordered; save it C-ordered", npzPath);
    const bool rgb = images.shape.size() == 4 && images.shape[3] == 3;
    if (!(images.shape.size() == 3 || rgb))
        throw Error("'" + imgKey + "' must have shape (N,H,W) or (N,H,W,3)", npzPath);
    const int64_t n = images.shape[0];
    const int h = static_cast<int>(images.shape[1]), w = static_cast<int>(images.shape[2]);
    if (labels.count() != n && !(labels.shape.size() == 2 && labels.shape[0] == n))
        throw Error("'" + labelKey + "' has " + std::to_string(labels.count()) + " labels for " + std::to_string(n) + " images", npzPath);
    if (labels.shape.size() == 2 && labels.shape[1] != 1)
        throw Error("'" + labelKey + "' is multi-label (shape N x " + std::to_string(labels.shape[1]) + "); only single-label sets are supported", npzPath);

    int maxLabel = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double v = labels.at(i);
        if (v < 0 || v != static_cast<int>(v))
            throw Error("'" + labelKey + "' holds a label that is not a non-negative integer", npzPath);
        maxLabel = std::max(maxLabel, static_cast<int>(v));
    }
    std::vector<std::string> names = options.classNames;
    if (!names.empty() && maxLabel + 1 < static_cast<int>(names.size())) {
        // A model's (or the user's) classes that the archive's labels do not fill: a
        // different data set, whose metrics would silently pair the wrong classes.
        std::string expected;
        for (const auto& c : names)
            expected += (expected.empty() ? "" : ", ") + c;
        throw Error("the labels of '" + subset + "' name " + std::to_string(maxLabel + 1) + " classes (0-" +
                        std::to_string(maxLabel) + ") where " + std::to_string(names.size()) + " are expected (" + expected +
                        "); this is not the data set these classes belong to",
                    npzPath);
    }
    if (names.empty())
        names = medmnistClassNames(npzPath);
    if (names.empty() || static_cast<int>(names.size()) <= maxLabel) {
        if (!options.classNames.empty())
            throw Error(std::to_string(options.classNames.size()) + " class names given but labels go up to " + std::to_string(maxLabel), npzPath);
        names.clear();
        for (int c = 0; c <= maxLabel; ++c)
            names.push_back(std::to_string(c));
    }
    const size_t imageBytes = static_cast<size_t>(h) * w * (rgb ? 3 : 1);
    std::vector<Sample> samples;
    samples.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        cv::Mat m(h, w, rgb ? CV_8UC3 : CV_8UC1);
        std::copy_n(images.bytes.data() + static_cast<size_t>(i) * imageBytes, imageBytes, m.data);
        if (rgb)
            cv::cvtColor(m, m, cv::COLOR_RGB2BGR); // Dataset::load expects OpenCV's BGR order
        samples.push_back({npzPath + "[" + subset + "]#" + std::to_string(i), static_cast<int>(labels.at(i)), m});
    }
    return Dataset(npzPath + "[" + subset + "]", names, std::move(samples));
}

Dataset openDataset(const std::string& path, const DatasetOptions& options)
{
    const QFileInfo info(QString::fromStdString(path));
    if (!info.exists())
        throw Error("data set not found (expected a class folder, a .csv list or an .npz archive)", path);
    if (info.isDir())
        return openClassFolder(path);
    const QString suffix = info.suffix().toLower();
    if (suffix == "csv")
        return openCsvList(path);
    if (suffix == "npz")
        return openNpz(path, options);
    throw Error("unknown data set kind (expected a class folder, a .csv list or an .npz archive)", path);
}

bool holdsPatientFiles(const Dataset& data)
{
    for (size_t i = 0; i < data.size(); ++i)
        if (privacy::isPatientFile(data.sample(i).path))
            return true;
    return false;
}

} // namespace sinar::data
