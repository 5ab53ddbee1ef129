#pragma once
// Reads NumPy .npz archives (zip, stored or deflate, zip64 aware) and the
// .npy arrays inside them, without Python.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sinar::data {

struct NpyArray {
    std::string dtype;          // numpy descr, e.g. "|u1", "<i8", "<f4"
    std::vector<int64_t> shape;
    bool fortranOrder = false;
    std::vector<uint8_t> bytes; // raw little-endian element bytes

    int64_t count() const;
    int itemSize() const;
    // Element i converted to double (integer and float dtypes).
    double at(int64_t i) const;
};

class NpzReader {
public:
    // Opens and indexes the archive (only its zip directory is read); throws
    // sinar::Error on a bad zip.
    explicit NpzReader(std::string path);
    const std::string& path() const { return path_; }
    // Array names without the ".npy" suffix.
    std::vector<std::string> keys() const;
    bool contains(const std::string& key) const;
    // Decompresses and parses one array; throws sinar::Error naming the key.
    NpyArray read(const std::string& key) const;

private:
    struct Entry {
        uint16_t method = 0;
        uint64_t compressedSize = 0;
        uint64_t size = 0;
        uint64_t localHeaderOffset = 0;
        uint32_t crc = 0;
    };
    std::string path_;
    uint64_t size_ = 0; // the file's size when opened
    std::map<std::string, Entry> entries_;
};

// Parses a .npy byte stream.
NpyArray parseNpy(const std::string& bytes, const std::string& context);

} // namespace sinar::data
