#include "trust/scope.h"

#include <QJsonArray>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <set>

#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "dicom/instance_info.h"
#include "common/text.h"

namespace sinar::trust {

namespace {

std::string upper(std::string s)
{
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string lower(std::string s)
{
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ")
{
    std::string out;
    for (const auto& x : v)
        out += (out.empty() ? "" : sep) + x;
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x)
{
    return std::find(v.begin(), v.end(), x) != v.end();
}

const std::vector<std::string> kPlanes = {"axial", "coronal", "sagittal"};

// Synonym groups: the canonical name first, then terms (BodyPartExamined values)
// and description keywords (lower case, matched as word starts).
struct BodyGroup {
    const char* name;
    std::vector<std::string> terms;
    std::vector<std::string> keywords;
};

const std::vector<BodyGroup>& bodyGroups()
{
    static const std::vector<BodyGroup> groups = {
        {"BRAIN",
         {"BRAIN", "HEAD", "SKULL", "CRANIUM", "CEREBRUM", "HEADNECK", "HEAD_NECK"},
         {"brain", "head", "skull", "cerebr", "cranial", "intracranial", "neuro"}},
        {"CHEST", {"CHEST", "THORAX", "LUNG", "LUNGS", "RIBS"}, {"chest", "thorax", "thoracic", "lung", "pulmo", "cxr"}},
        {"ABDOMEN", {"ABDOMEN", "ABD", "LIVER"}, {"abdomen", "abdominal", "liver"}},
        {"PELVIS", {"PELVIS", "HIP"}, {"pelvis", "pelvic"}},
        {"SPINE", {"SPINE", "CSPINE", "TSPINE", "LSPINE", "SSPINE"}, {"spine", "spinal", "lumbar", "cervical"}},
        {"BREAST", {"BREAST"}, {"breast", "mammo"}},
        {"KNEE", {"KNEE"}, {"knee"}},
    };
    return groups;
}

bool isWordStart(const std::string& text, size_t pos)
{
    return pos == 0 || !std::isalpha(static_cast<unsigned char>(text[pos - 1]));
}

// The body-part groups a free-text description names.
std::vector<std::string> bodyPartsInText(const std::string& text)
{
    const std::string t = lower(text);
    std::vector<std::string> out;
    for (const BodyGroup& g : bodyGroups())
        for (const std::string& k : g.keywords) {
            bool found = false;
            for (size_t pos = t.find(k); pos != std::string::npos; pos = t.find(k, pos + 1))
                if (isWordStart(t, pos)) {
                    found = true;
                    break;
                }
            if (found) {
                out.push_back(g.name);
                break;
            }
        }
    return out;
}

std::string viewInText(const std::string& text)
{
    const std::string t = upper(text);
    // Whole tokens only: "PA", "AP", "LAT"/"LATERAL".
    std::string token;
    std::vector<std::string> tokens;
    for (char c : t + " ") {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            token += c;
        } else if (!token.empty()) {
            tokens.push_back(token);
            token.clear();
        }
    }
    for (const auto& tk : tokens) {
        if (tk == "PA" || tk == "AP")
            return tk;
        if (tk == "LAT" || tk == "LATERAL" || tk == "LL" || tk == "RL")
            return "LAT";
    }
    return {};
}

std::vector<std::string> stringList(const QJsonObject& o, const char* key, const std::string& context)
{
    std::vector<std::string> out;
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull())
        return out;
    if (v.isString()) { // tolerate "MR" for ["MR"]
        out.push_back(v.toString().toStdString());
        return out;
    }
    if (!v.isArray())
        throw Error(std::string("the scope's \"") + key + "\" must be a list of strings", context);
    for (const QJsonValue& x : v.toArray()) {
        if (!x.isString())
            throw Error(std::string("the scope's \"") + key + "\" must be a list of strings", context);
        out.push_back(x.toString().toStdString());
    }
    return out;
}

QJsonArray jsonList(const std::vector<std::string>& v)
{
    QJsonArray a;
    for (const auto& x : v)
        a.append(QString::fromStdString(x));
    return a;
}

void clean(std::vector<std::string>& v, bool toUpper)
{
    std::vector<std::string> out;
    for (const auto& raw : v) {
        const std::string x = toUpper ? upper(trimmed(raw)) : lower(trimmed(raw));
        if (!x.empty() && !contains(out, x))
            out.push_back(x);
    }
    v = std::move(out);
}

} // namespace

const std::vector<std::string>& knownViews()
{
    static const std::vector<std::string> views = {"axial", "coronal", "sagittal", "PA", "AP", "LAT"};
    return views;
}

const std::vector<std::string>& knownInputs()
{
    static const std::vector<std::string> inputs = {"dicom", "film-photograph", "research-image"};
    return inputs;
}

namespace {
// The lists in their JSON and describe() order.
struct ListField {
    const char* key;
    std::vector<std::string> Scope::*list;
};
const ListField kLists[] = {
    {"modalities", &Scope::modalities}, {"body_parts", &Scope::bodyParts}, {"views", &Scope::views},
    {"photometric", &Scope::photometric}, {"inputs", &Scope::inputs},
};
} // namespace

bool Scope::empty() const
{
    for (const ListField& f : kLists)
        if (!(this->*f.list).empty())
            return false;
    return true;
}

QJsonObject Scope::toJson() const
{
    QJsonObject o;
    for (const ListField& f : kLists)
        if (!(this->*f.list).empty())
            o[QLatin1String(f.key)] = jsonList(this->*f.list);
    return o;
}

Scope Scope::fromJson(const QJsonObject& o, const std::string& context)
{
    Scope s;
    for (const ListField& f : kLists)
        s.*f.list = stringList(o, f.key, context);
    s.normalise(context);
    return s;
}

void Scope::normalise(const std::string& context)
{
    clean(modalities, true);
    clean(bodyParts, true);
    clean(photometric, true);
    clean(inputs, false);
    std::vector<std::string> v;
    for (const auto& raw : views) {
        const std::string x = trimmed(raw);
        if (x.empty())
            continue;
        std::string name = lower(x);
        if (name == "transverse" || name == "transversal" || name == "axial")
            name = "axial";
        else if (!contains(kPlanes, name))
            name = upper(x) == "LATERAL" ? "LAT" : upper(x);
        if (!contains(knownViews(), name))
            throw Error("unknown view '" + x + "' in the scope (known: " + join(knownViews()) + ")", context);
        if (!contains(v, name))
            v.push_back(name);
    }
    views = std::move(v);
    for (const auto& i : inputs)
        if (!contains(knownInputs(), i))
            throw Error("unknown input kind '" + i + "' in the scope (known: " + join(knownInputs()) + ")", context);
    for (const auto& m : modalities)
        if (m.size() > 16 || m.find(' ') != std::string::npos)
            throw Error("'" + m + "' is not a DICOM modality code (MR, CT, CR, DX, ...)", context);
}

std::string Scope::describe() const
{
    std::vector<std::string> parts;
    for (const ListField& f : kLists)
        if (!(this->*f.list).empty())
            parts.push_back(join(this->*f.list));
    return parts.empty() ? "none declared" : join(parts, " · ");
}

std::string canonicalBodyPart(const std::string& term)
{
    std::string t = upper(trimmed(term));
    std::replace(t.begin(), t.end(), ' ', '_');
    for (const BodyGroup& g : bodyGroups())
        if (contains(g.terms, t))
            return g.name;
    // A description word ("skull", "lung") that is no BodyPartExamined term.
    const std::vector<std::string> inText = bodyPartsInText(term);
    if (inText.size() == 1)
        return inText.front();
    return t;
}

std::string planeOf(const std::array<double, 3>& n, bool* oblique)
{
    const double ax = std::abs(n[0]), ay = std::abs(n[1]), az = std::abs(n[2]);
    const double len = std::sqrt(ax * ax + ay * ay + az * az);
    const double top = std::max({ax, ay, az});
    if (oblique)
        *oblique = len > 0 && top / len < 0.9; // more than ~25 degrees off
    if (top == az)
        return "axial";
    if (top == ay)
        return "coronal";
    return "sagittal";
}

ImageFacts ImageFacts::fromDicom(const dicom::InstanceInfo& info, const dicom::FrameAttributes& frame)
{
    ImageFacts f;
    f.dicom = true;
    f.modality = upper(trimmed(info.modality));
    f.bodyPart = upper(trimmed(info.bodyPart));
    f.studyDescription = info.studyDescription;
    f.seriesDescription = info.seriesDescription;
    f.imageType = info.imageType;
    f.photometric = upper(trimmed(info.photometric));
    if (frame.hasOrientation) {
        const dicom::Vec3 n = frame.normal();
        if (std::abs(n[0]) + std::abs(n[1]) + std::abs(n[2]) > 0.5)
            f.plane = planeOf(n, &f.obliquePlane);
    }
    f.viewPosition = viewInText(info.seriesDescription);
    if (f.viewPosition.empty())
        f.viewPosition = viewInText(info.studyDescription);
    return f;
}

ImageFacts ImageFacts::fromDicom(const dicom::InstanceInfo& info, int frame)
{
    return fromDicom(info, info.frame(frame));
}

ImageFacts ImageFacts::fromSource(const std::string& source)
{
    std::string path = source;
    int frame = 0;
    const auto bracket = source.rfind(" [frame ");
    if (bracket != std::string::npos && !source.empty() && source.back() == ']') {
        path = source.substr(0, bracket);
        frame = std::max(0, std::atoi(source.c_str() + bracket + 8) - 1);
    }
    try {
        if (path.empty() || !dicom::isDicomFile(path))
            return {};
        return fromDicom(dicom::readInstanceInfo(path), frame);
    } catch (const std::exception&) {
        return {};
    }
}

std::string ScopeVerdict::fitName() const
{
    switch (fit) {
    case ScopeFit::Fits:
        return "fits";
    case ScopeFit::Outside:
        return "outside";
    case ScopeFit::Unknown:
        return "unknown";
    case ScopeFit::NoScope:
        break;
    }
    return "no-scope";
}

std::string ScopeVerdict::summary() const
{
    switch (fit) {
    case ScopeFit::Fits:
        return "Within this model's scope.";
    case ScopeFit::Outside:
        return "Outside this model's scope: " + join(reasons, "; ") + ".";
    case ScopeFit::Unknown:
        return "Scope not checked: " + join(reasons, "; ") + ".";
    case ScopeFit::NoScope:
        break;
    }
    return "The model declares no scope.";
}

QJsonObject ScopeVerdict::toJson() const
{
    QJsonObject o;
    o["fit"] = QString::fromStdString(fitName());
    o["reasons"] = jsonList(reasons);
    o["notes"] = jsonList(notes);
    return o;
}

ScopeVerdict checkScope(const Scope& scope, const ImageFacts& image)
{
    ScopeVerdict v;
    if (scope.empty()) {
        v.fit = ScopeFit::NoScope;
        return v;
    }
    if (!image.dicom) {
        v.fit = ScopeFit::Unknown;
        v.reasons.push_back("no DICOM tags to check the scope");
        if (!scope.inputs.empty())
            v.notes.push_back("the model is made for " + join(scope.inputs) + " input");
        return v;
    }
    const bool namesTags = !scope.modalities.empty() || !scope.bodyParts.empty() || !scope.views.empty() ||
                           !scope.photometric.empty();
    if (!namesTags) {
        v.fit = ScopeFit::Unknown;
        v.reasons.push_back("the model's scope names no DICOM attributes (only input kinds)");
        return v;
    }
    int checked = 0;
    std::vector<std::string> unchecked;

    // An attribute compared as it is (a code): one of the scope's values, unrecorded, or a reason.
    const auto checkCode = [&](const std::vector<std::string>& allowed, const std::string& value, const std::string& label) {
        if (allowed.empty())
            return;
        if (value.empty()) {
            unchecked.push_back(label);
            return;
        }
        ++checked;
        if (!contains(allowed, value))
            v.reasons.push_back(label + " " + value + " is not in the model's scope (" + join(allowed) + ")");
    };
    checkCode(scope.modalities, image.modality, "Modality");

    if (!scope.bodyParts.empty()) {
        std::vector<std::string> wanted;
        for (const auto& b : scope.bodyParts)
            wanted.push_back(canonicalBodyPart(b));
        const std::string scopeText = join(scope.bodyParts, " or ");
        if (!image.bodyPart.empty()) {
            ++checked;
            const std::string have = canonicalBodyPart(image.bodyPart);
            if (!contains(wanted, have)) {
                // A tag that says nothing we know but descriptions that name the scope's part: tolerated.
                const std::vector<std::string> described =
                    bodyPartsInText(image.studyDescription + " " + image.seriesDescription);
                bool describedFits = false;
                for (const auto& d : described)
                    describedFits = describedFits || contains(wanted, d);
                bool knownTerm = false;
                for (const BodyGroup& g : bodyGroups())
                    knownTerm = knownTerm || have == g.name;
                if (!(describedFits && !knownTerm))
                    v.reasons.push_back("body part " + image.bodyPart + " is not " + scopeText);
            }
        } else {
            const std::string text = image.studyDescription + " " + image.seriesDescription;
            const std::vector<std::string> described = bodyPartsInText(text);
            if (described.empty()) {
                unchecked.push_back("body part");
            } else {
                ++checked;
                bool any = false;
                for (const auto& d : described)
                    any = any || contains(wanted, d);
                if (!any)
                    v.reasons.push_back("body part " + join(described, "/") + " (from the descriptions) is not " + scopeText);
            }
        }
    }

    if (!scope.views.empty()) {
        std::vector<std::string> planes, projections;
        for (const auto& x : scope.views)
            (contains(kPlanes, x) ? planes : projections).push_back(x);
        bool checkedView = false;
        if (!planes.empty() && !image.plane.empty()) {
            checkedView = true;
            if (!contains(planes, image.plane))
                v.reasons.push_back("plane " + image.plane + " is not in the model's scope (" + join(planes) + ")");
            else if (image.obliquePlane)
                v.notes.push_back("the image is an oblique " + image.plane + " slice");
        }
        if (!projections.empty() && !image.viewPosition.empty()) {
            checkedView = true;
            if (!contains(projections, image.viewPosition))
                v.reasons.push_back("view " + image.viewPosition + " is not in the model's scope (" + join(projections) + ")");
        }
        const std::string recorded = image.plane.empty() ? image.viewPosition : image.plane;
        if (checkedView)
            ++checked;
        else if (!recorded.empty())
            v.notes.push_back("view " + recorded + " not compared: the scope names " +
                              (planes.empty() ? "only projections (" + join(projections) + ")"
                                              : "only planes (" + join(planes) + ")"));
        else
            unchecked.push_back("view");
    }

    checkCode(scope.photometric, image.photometric, "photometric interpretation");

    const std::string type = upper(image.imageType);
    if (type.find("LOCALIZER") != std::string::npos || type.find("SCOUT") != std::string::npos)
        v.notes.push_back("the image is a localizer (ImageType " + image.imageType + ")");
    if (!scope.inputs.empty() && !contains(scope.inputs, "dicom"))
        v.notes.push_back("the model was made from " + join(scope.inputs) + " input, not DICOM files");
    if (!unchecked.empty())
        v.notes.push_back("not recorded, so not checked: " + join(unchecked));

    if (!v.reasons.empty()) {
        for (std::string& r : v.reasons)
            r[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(r[0])));
        v.fit = ScopeFit::Outside;
    } else if (checked == 0) {
        v.fit = ScopeFit::Unknown;
        v.reasons.push_back("the image records none of the attributes the scope names (" + join(unchecked) + ")");
    } else {
        v.fit = ScopeFit::Fits;
    }
    return v;
}

} // namespace sinar::trust
