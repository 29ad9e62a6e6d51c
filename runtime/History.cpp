#include "runtime/History.h"

#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace nabla {
namespace {

void appendDouble(std::string &out, double v) {
  if (std::isnan(v)) return; // empty field: not measured
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, end);
}

std::vector<std::string> splitFields(const std::string &line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

template <typename T>
T parseField(const std::string &text, const std::string &where, const char *column) {
  if constexpr (std::is_floating_point_v<T>)
    if (text.empty()) return NAN;
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw Error(where + ", column " + column + ": expected a number, found '" + text + "'");
  return value;
}

} // namespace

std::string History::toCsv() const {
  std::string out = std::string(kCsvHeader) + "\n";
  for (const EpochMetrics &m : epochs_) {
    out += std::to_string(m.epoch) + "," + std::to_string(m.step) + ",";
    for (double v : {m.trainLoss, m.trainAccuracy, m.testAccuracy, m.seconds}) {
      appendDouble(out, v);
      out += ',';
    }
    appendDouble(out, m.imagesPerSecond);
    out += '\n';
  }
  return out;
}

void History::writeCsv(const std::string &path) const { writeFileAtomically(path, toCsv()); }

History History::readCsv(const std::string &path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open metrics CSV");
  std::string line;
  if (!std::getline(in, line) || line != kCsvHeader)
    throw Error(path + ", line 1: expected the header '" + kCsvHeader + "', found '" + line + "'");
  History history;
  for (int lineNo = 2; std::getline(in, line); ++lineNo) {
    const std::string where = path + ", line " + std::to_string(lineNo);
    std::vector<std::string> f = splitFields(line);
    if (f.size() != 7)
      throw Error(where + ": expected 7 fields, found " + std::to_string(f.size()));
    EpochMetrics m;
    m.epoch = parseField<int64_t>(f[0], where, "epoch");
    m.step = parseField<int64_t>(f[1], where, "step");
    m.trainLoss = parseField<double>(f[2], where, "train_loss");
    m.trainAccuracy = parseField<double>(f[3], where, "train_acc");
    m.testAccuracy = parseField<double>(f[4], where, "test_acc");
    m.seconds = parseField<double>(f[5], where, "seconds");
    m.imagesPerSecond = parseField<double>(f[6], where, "images_per_s");
    history.add(m);
  }
  return history;
}

} // namespace nabla
