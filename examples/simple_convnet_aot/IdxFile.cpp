#include "IdxFile.h"

#include <zlib.h>

namespace idx {

namespace {

/// gz* reads gzip and raw files alike. The header is big-endian: 0, 0, the
/// type (0x08: unsigned bytes), the rank, then one u32 per dimension.
bool readHeader(gzFile file, int rank, std::vector<int64_t> &dims, std::string &error) {
  unsigned char magic[4];
  if (gzread(file, magic, 4) != 4 || magic[0] || magic[1] || magic[2] != 0x08 ||
      magic[3] != rank) {
    error = "not an IDX file of unsigned bytes with rank " + std::to_string(rank);
    return false;
  }
  for (int d = 0; d < rank; ++d) {
    unsigned char b[4];
    if (gzread(file, b, 4) != 4) {
      error = "truncated IDX header";
      return false;
    }
    dims.push_back(int64_t(b[0]) << 24 | int64_t(b[1]) << 16 | int64_t(b[2]) << 8 | b[3]);
  }
  return true;
}

bool readBytes(const std::string &path, int rank, int64_t limit, std::vector<int64_t> &dims,
               std::vector<unsigned char> &bytes, std::string &error) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) {
    error = "cannot open " + path;
    return false;
  }
  bool ok = readHeader(file, rank, dims, error);
  if (ok) {
    if (limit > 0 && limit < dims[0]) dims[0] = limit;
    int64_t total = 1;
    for (int64_t d : dims) total *= d;
    bytes.resize(size_t(total));
    ok = gzread(file, bytes.data(), unsigned(total)) == int(total);
    if (!ok) error = "truncated data";
  }
  gzclose(file);
  if (!ok) error = path + ": " + error;
  return ok;
}

} // namespace

bool readSplit(const std::string &dir, const std::string &split, int64_t limit, Images &out,
               std::string &error) {
  std::vector<int64_t> imageDims, labelDims;
  std::vector<unsigned char> pixels, labels;
  if (!readBytes(dir + "/" + split + "-images-idx3-ubyte.gz", 3, limit, imageDims, pixels, error) ||
      !readBytes(dir + "/" + split + "-labels-idx1-ubyte.gz", 1, limit, labelDims, labels, error))
    return false;
  if (imageDims[0] != labelDims[0]) {
    error = split + ": " + std::to_string(imageDims[0]) + " images but " +
            std::to_string(labelDims[0]) + " labels";
    return false;
  }
  out.count = imageDims[0];
  out.rows = imageDims[1];
  out.cols = imageDims[2];
  out.pixels.resize(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i) out.pixels[i] = float(pixels[i]) / 255.0f;
  out.labels.assign(labels.begin(), labels.end());
  return true;
}

} // namespace idx
