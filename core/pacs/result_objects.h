#pragma once
// Sinar's results as DICOM objects any viewer and PACS shows, in the study of
// the image they are about:
//
//  * a Secondary Capture of the image with its heat map (RGB, a new series,
//    "Sinar heat map" in its description), and
//  * a Comprehensive SR with the model's name and version, the finding, each
//    class's probability, the scope and out-of-distribution verdicts and what
//    they mean for relying on the result, referencing the source image and
//    the Secondary Capture.
//
// Patient and study attributes are copied from the source instance, so the
// objects file under the same patient and study in a PACS.
#include <map>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sinar::pacs {

struct AiResult {
    std::string sourceFile; // the classified DICOM instance
    int frame = 0;          // its frame (multi-frame files)
    std::string modelName, modelVersion;
    std::vector<std::string> classNames;
    std::vector<float> probabilities;
    int predicted = 0;
    // The heat map: the method, the class it explains, and the image with the
    // map blended in (8-bit RGB, the source's size or a multiple).
    std::string heatMapMethod = "Grad-CAM";
    int heatMapClass = 0;
    cv::Mat overlay;
    // The trust verdicts in words ([Trust]): "fits the model's scope (MR,
    // BRAIN)", "Outside this model's scope: ...", "in distribution (score 3.1,
    // threshold 7.2)", "OUT OF DISTRIBUTION ...", "not checked: ...".
    std::string scopeVerdict, oodVerdict;
    // False when the scope or the out-of-distribution check says the model
    // cannot know: the report then says not to rely on the result.
    bool reliable = true;
};

struct ResultFiles {
    std::string secondaryCapture, structuredReport;
};

// Writes result objects into OUT/<study>/<series>/<instance>.dcm. One writer
// puts all its Secondary Captures of a study into one new series, and all its
// reports into another.
class ResultWriter {
public:
    explicit ResultWriter(std::string outDir);
    ResultFiles write(const AiResult& result);

private:
    struct StudySeries {
        std::string captureSeries, reportSeries;
        int next = 1;
    };
    std::string outDir_;
    std::map<std::string, StudySeries> studies_;
};

} // namespace sinar::pacs
