#include "runtime/Checkpoint.h"

#include "runtime/Error.h"
#include "runtime/checkpoint.pb.h"

#include <zlib.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <sstream>

namespace nabla {
namespace {

namespace pb = nabla::checkpoint;

constexpr const char *kMagic = "nabla-checkpoint";

std::mutex hookMutex;
std::function<void(AtomicWriteStage)> saveHook;

pb::DType toProto(DType dtype) {
  switch (dtype) {
  case DType::F32: return pb::DTYPE_F32;
  case DType::F64: return pb::DTYPE_F64;
  case DType::I32: return pb::DTYPE_I32;
  case DType::I64: return pb::DTYPE_I64;
  }
  throw Error("checkpoint: unknown tensor dtype");
}

bool fromProto(int dtype, DType &out) {
  switch (dtype) {
  case pb::DTYPE_F32: out = DType::F32; return true;
  case pb::DTYPE_F64: out = DType::F64; return true;
  case pb::DTYPE_I32: out = DType::I32; return true;
  case pb::DTYPE_I64: out = DType::I64; return true;
  default: return false;
  }
}

// Copies `bytes` bytes of elements of `elementSize` bytes, converting between
// host order and little-endian (the file's order). A no-op swap on x86/ARM.
void copyLittleEndian(void *dst, const void *src, size_t bytes, size_t elementSize) {
  std::memcpy(dst, src, bytes);
  if constexpr (std::endian::native == std::endian::big) {
    auto *p = static_cast<unsigned char *>(dst);
    for (size_t i = 0; i < bytes; i += elementSize)
      for (size_t a = 0, b = elementSize - 1; a < b; ++a, --b) std::swap(p[i + a], p[i + b]);
  }
}

uint32_t crc32Of(const std::string &bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto *p = reinterpret_cast<const Bytef *>(bytes.data());
  size_t left = bytes.size();
  while (left) { // crc32 takes a uInt length
    uInt chunk = uInt(std::min<size_t>(left, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    left -= chunk;
  }
  return uint32_t(crc);
}

void addTensors(const std::vector<NamedTensor> &tensors, const char *group,
                google::protobuf::RepeatedPtrField<pb::TensorRecord> *out) {
  std::set<std::string> seen;
  for (const NamedTensor &named : tensors) {
    if (!seen.insert(named.name).second)
      throw Error(std::string("saveCheckpoint: duplicate ") + group + " name '" + named.name + "'");
    if (!named.tensor.defined())
      throw Error(std::string("saveCheckpoint: ") + group + " '" + named.name + "' is undefined");
    pb::TensorRecord *record = out->Add();
    record->set_name(named.name);
    record->set_dtype(toProto(named.tensor.dtype()));
    for (int64_t d : named.tensor.shape()) record->add_shape(d);
    std::string *data = record->mutable_data();
    data->resize(named.tensor.bytes());
    copyLittleEndian(data->data(), named.tensor.rawData(), named.tensor.bytes(),
                     dtypeSize(named.tensor.dtype()));
  }
}

std::vector<NamedTensor> readTensors(const google::protobuf::RepeatedPtrField<pb::TensorRecord> &in,
                                     const char *group, const std::string &path) {
  std::vector<NamedTensor> out;
  std::set<std::string> seen;
  for (const pb::TensorRecord &record : in) {
    const std::string where = path + ": " + group + " '" + record.name() + "'";
    if (!seen.insert(record.name()).second) throw Error(where + " appears twice");
    DType dtype;
    if (!fromProto(record.dtype(), dtype))
      throw Error(where + " has unknown dtype code " + std::to_string(record.dtype()));
    Shape shape(record.shape().begin(), record.shape().end());
    uint64_t count = 1, expected = 0;
    bool valid = true;
    for (int64_t d : shape)
      valid = valid && d >= 0 && !__builtin_mul_overflow(count, uint64_t(d), &count);
    valid = valid && count <= uint64_t(INT64_MAX) &&
            !__builtin_mul_overflow(count, uint64_t(dtypeSize(dtype)), &expected);
    if (!valid) throw Error(where + " has an invalid shape " + shapeToString(shape));
    if (record.data().size() != expected)
      throw Error(where + ": " + dtypeName(dtype) + " " + shapeToString(shape) + " needs " +
                  std::to_string(expected) + " bytes, the file holds " +
                  std::to_string(record.data().size()));
    Tensor tensor(std::move(shape), dtype);
    copyLittleEndian(tensor.rawData(), record.data().data(), expected, dtypeSize(dtype));
    out.push_back({record.name(), std::move(tensor)});
  }
  return out;
}

const Tensor &findTensor(const std::vector<NamedTensor> &tensors, const std::string &name,
                         const char *group) {
  for (const NamedTensor &t : tensors)
    if (t.name == name) return t.tensor;
  throw Error(std::string("checkpoint has no ") + group + " named '" + name + "'");
}

} // namespace

const Tensor &Checkpoint::parameter(const std::string &name) const {
  return findTensor(parameters, name, "parameter");
}
const Tensor &Checkpoint::optimizerTensor(const std::string &name) const {
  return findTensor(optimizerState, name, "optimizer state tensor");
}

void setCheckpointSaveHookForTesting(std::function<void(AtomicWriteStage)> hook) {
  std::lock_guard lock(hookMutex);
  saveHook = std::move(hook);
}

void saveCheckpoint(const Checkpoint &checkpoint, const std::string &path) {
  pb::Payload payload;
  addTensors(checkpoint.parameters, "parameter", payload.mutable_parameters());
  addTensors(checkpoint.optimizerState, "optimizer state tensor",
             payload.mutable_optimizer_state());
  payload.set_step(checkpoint.step);
  payload.set_epoch(checkpoint.epoch);
  payload.set_optimizer(checkpoint.optimizer);
  for (const auto &[key, value] : checkpoint.hyperparameters)
    (*payload.mutable_hyperparameters())[key] = value;

  // Protobuf messages are limited to 2 GiB.
  if (payload.ByteSizeLong() > (size_t(1) << 31) - 1024)
    throw Error(path + ": checkpoint of " + std::to_string(payload.ByteSizeLong()) +
                " bytes exceeds the 2 GiB protobuf limit");
  pb::CheckpointFile file;
  file.set_magic(kMagic);
  file.set_format_version(kCheckpointFormatVersion);
  std::string *bytes = file.mutable_payload();
  if (!payload.SerializeToString(bytes)) throw Error(path + ": cannot serialize checkpoint");
  file.set_payload_crc32(crc32Of(*bytes));
  std::string serialized;
  if (!file.SerializeToString(&serialized)) throw Error(path + ": cannot serialize checkpoint");

  std::function<void(AtomicWriteStage)> hook;
  {
    std::lock_guard lock(hookMutex);
    hook = saveHook;
  }
  writeFileAtomically(path, serialized, hook);
}

Checkpoint loadCheckpoint(const std::string &path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": checkpoint file not found (or not a regular file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open checkpoint: " + std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": read error");

  pb::CheckpointFile file;
  if (!file.ParseFromString(bytes))
    throw Error(path + ": not a readable checkpoint (" + std::to_string(bytes.size()) +
                " bytes): the file is truncated or corrupt");
  if (file.magic() != kMagic)
    throw Error(path + ": not a nabla checkpoint: expected magic '" + kMagic + "', found '" +
                file.magic() + "'");
  if (file.format_version() != kCheckpointFormatVersion)
    throw Error(path + ": unsupported checkpoint format version " +
                std::to_string(file.format_version()) + ", this build reads version " +
                std::to_string(kCheckpointFormatVersion));
  const uint32_t actualCrc = crc32Of(file.payload());
  if (actualCrc != file.payload_crc32()) {
    std::ostringstream os;
    os << path << ": checkpoint checksum mismatch (file corrupt): stored CRC32 0x" << std::hex
       << file.payload_crc32() << ", computed 0x" << actualCrc << " over " << std::dec
       << file.payload().size() << " payload bytes";
    throw Error(os.str());
  }
  pb::Payload payload;
  if (!payload.ParseFromString(file.payload()))
    throw Error(path + ": checkpoint payload does not parse although its checksum matches");

  Checkpoint out;
  out.parameters = readTensors(payload.parameters(), "parameter", path);
  out.optimizerState = readTensors(payload.optimizer_state(), "optimizer state tensor", path);
  out.step = payload.step();
  out.epoch = payload.epoch();
  out.optimizer = payload.optimizer();
  out.hyperparameters.insert(payload.hyperparameters().begin(), payload.hyperparameters().end());
  return out;
}

} // namespace nabla
