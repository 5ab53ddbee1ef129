#pragma once
// Small string helpers shared by the parsers of DICOM values, CSV cells and
// command-line lists.
#include <string>

namespace sinar {

// `s` without leading and trailing spaces, tabs, line ends and NULs (DICOM pads
// values with a space or a NUL to an even length).
std::string trimmed(const std::string& s);

// Text from a file as a message can show it: bytes outside printable ASCII as
// \xNN, at most 120 characters (then "...").
std::string shown(const std::string& s);

// Whether `s` has the form of a DICOM UID (PS3.5 9.1): digits in components separated by
// single dots, at most 64 characters. (Leading zeros in a component, which the standard
// forbids but real files carry, are let through.)
bool isDicomUid(const std::string& s);

} // namespace sinar
