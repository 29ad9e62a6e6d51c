#include "backends/halide/AutoSchedule.h"

#include "runtime/Error.h"

#include <cstdlib>
#include <map>
#include <mutex>

namespace nabla::halide {
namespace {

/// The plugin file of each autoscheduler, as Halide's CMake package names
/// it (set by CMakeLists.txt; empty when the package lacks one), and the
/// name under which the plugin registers the autoscheduler with Halide.
struct Plugin {
  const char *path, *registeredName;
};

Plugin pluginOf(Scheduler scheduler) {
  switch (scheduler) {
  case Scheduler::Mullapudi2016:
    return {NABLA_PLUGIN_MULLAPUDI2016, "Mullapudi2016"};
  case Scheduler::Li2018:
    return {NABLA_PLUGIN_LI2018, "Li2018"};
  case Scheduler::Adams2019:
    return {NABLA_PLUGIN_ADAMS2019, "Adams2019"};
  case Scheduler::Manual:
    break;
  }
  throw Error("internal: the manual schedule has no autoscheduler plugin");
}

/// Loads `plugin` once per process (each plugin registers itself with
/// Halide as it loads, and a second registration is an error).
void loadOnce(Scheduler scheduler, const Plugin &plugin) {
  static std::mutex mutex;
  static std::map<Scheduler, std::string> loaded; // "" or the load's error
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded.find(scheduler);
  if (it == loaded.end()) {
    std::string error;
    if (!*plugin.path) {
      error = "Halide's CMake package names no plugin for it";
    } else {
      try {
        Halide::load_plugin(plugin.path);
      } catch (const Halide::Error &e) {
        error = e.what();
      }
    }
    it = loaded.emplace(scheduler, error).first;
    // Adams2019 reads its beam from the environment only; nabla's default
    // is the greedy pass (adams2019Settings says why). Set under the lock,
    // before the plugin first runs.
    if (scheduler == Scheduler::Adams2019)
      setenv("HL_BEAM_SIZE", kAdams2019DefaultBeamSize, /*overwrite=*/0);
  }
  if (!it->second.empty())
    throw Error(std::string("cannot load the ") + schedulerName(scheduler) +
                " autoscheduler (" + (*plugin.path ? plugin.path : "no plugin") +
                "): " + it->second);
}

/// Halide's MachineParams for autoScheduleMachine(), with Halide's generic
/// cost of a load against arithmetic (and its generic cache where the
/// system names none).
Halide::MachineParams machineParams() {
  Halide::MachineParams generic = Halide::MachineParams::generic();
  AutoScheduleMachine machine = autoScheduleMachine();
  uint64_t cache = machine.lastLevelCacheBytes > 0 ? uint64_t(machine.lastLevelCacheBytes)
                                                   : generic.last_level_cache_size;
  return Halide::MachineParams(machine.parallelism, cache, generic.balance);
}

/// `extent` with every dynamic input extent replaced by its estimate.
int32_t estimated(const Halide::Expr &extent, const std::map<std::string, Halide::Expr> &dynamic,
                  const std::string &what) {
  Halide::Expr e = Halide::Internal::simplify(Halide::Internal::substitute(dynamic, extent));
  const int64_t *value = Halide::Internal::as_const_int(e);
  if (!value) throw Error("cannot estimate the size of " + what + " for the autoscheduler");
  return int32_t(*value);
}

} // namespace

void storeWhereComputed(const std::vector<Halide::Func> &outputs) {
  std::vector<Halide::Internal::Function> roots;
  for (const Halide::Func &f : outputs) roots.push_back(f.function());
  for (auto &[name, function] : Halide::Internal::build_environment(roots)) {
    Halide::Internal::FuncSchedule &s = function.schedule();
    Halide::LoopLevel store = s.store_level(), compute = s.compute_level();
    store.lock();
    compute.lock();
    // An inlined store level means "where computed" already.
    if (!store.is_inlined() && !store.match(compute)) s.store_level() = s.compute_level();
  }
}

void autoSchedule(const std::vector<Halide::ImageParam> &inputs,
                  const std::vector<LoweredTensor> &outputs, const Schedule &schedule,
                  const Halide::Target &target) {
  Scheduler scheduler = schedule.scheduler;
  if (schedule.batch < 1)
    throw Error("the autoschedulers need a batch of at least 1, not " +
                std::to_string(schedule.batch));
  if (target.has_gpu_feature())
    throw Error(std::string("the ") + schedulerName(scheduler) +
                " autoscheduler is available for CPU targets only, not " + target.to_string());
  Plugin plugin = pluginOf(scheduler);
  loadOnce(scheduler, plugin);

  // Inputs: every dim from 0, static extents as they are, dynamic ones the
  // batch estimate; outputs: their shapes under the same estimate.
  std::map<std::string, Halide::Expr> dynamic;
  for (const Halide::ImageParam &param : inputs)
    for (int d = 0; d < param.dimensions(); ++d) {
      Halide::Expr extent = param.dim(d).extent();
      const auto *variable = extent.as<Halide::Internal::Variable>();
      const int64_t *fixed = Halide::Internal::as_const_int(param.parameter().extent_constraint(d));
      int32_t size = fixed ? int32_t(*fixed) : int32_t(schedule.batch);
      if (!fixed && variable) dynamic[variable->name] = size;
      param.dim(d).set_estimate(0, size);
    }
  std::vector<Halide::Func> funcs;
  for (const LoweredTensor &out : outputs) {
    Halide::Region region;
    for (size_t d = out.shape.size(); d-- > 0;) // Halide's dims: innermost first
      region.emplace_back(0, estimated(out.shape[d], dynamic, out.func.name()));
    Halide::Func f = out.func;
    f.set_estimates(region);
    funcs.push_back(f);
  }
  try {
    Halide::Pipeline(funcs).auto_schedule(plugin.registeredName, target, machineParams());
    storeWhereComputed(funcs);
  } catch (const Halide::Error &e) {
    throw Error(std::string("the ") + schedulerName(scheduler) + " autoscheduler failed: " +
                e.what());
  }
}

} // namespace nabla::halide
