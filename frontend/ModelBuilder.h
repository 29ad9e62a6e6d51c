// The C++ model DSL. A ModelBuilder records a graph of nabla ops while user
// code calls relu(), conv2d(), operator+ and friends on Var handles; build()
// turns it into an MLIR module with two functions:
//
//   @forward(inputs..., params..., state...) -> outputs...        (inference mode)
//   @loss(inputs..., labels..., params..., state..., [step]) -> (loss, new state...)
//
// Arguments and results carry `nabla.name` and `nabla.role` attributes
// (input, label, param, state, step), which autodiff and the runtime read.
// Shape errors are raised while the user builds the op and name the op, the
// shapes and the user's file:line.
#pragma once

#include "frontend/Init.h"
#include "runtime/Tensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <map>
#include <memory>
#include "frontend/SourceLocation.h"
#include <string>
#include <vector>

namespace nabla::dsl {

/// The dynamic batch dimension in a shape: input("x", {kBatch, 1, 28, 28}).
constexpr int64_t kBatch = -1;

class ModelBuilder;

/// A handle to a value of the graph being built.
class Var {
public:
  Var() = default;
  Var(ModelBuilder *builder, mlir::Value value) : builder_(builder), value_(value) {}

  mlir::Value value() const { return value_; }
  ModelBuilder &builder() const;
  /// The static shape, with kBatch for dynamic dimensions.
  Shape shape() const;
  int64_t rank() const { return int64_t(shape().size()); }
  explicit operator bool() const { return bool(value_); }

private:
  ModelBuilder *builder_ = nullptr;
  mlir::Value value_;
};

/// A Var captured together with the caller's source location, so operators
/// (which cannot take a defaulted location argument) still report user lines.
struct VarAt {
  VarAt(Var v, SourceLocation where = SourceLocation::current())
      : var(v), loc(where) {}
  Var var;
  SourceLocation loc;
};

enum class Role { Input, Label, Param, State, Step };
const char *roleName(Role role);

/// A declared function argument.
struct ArgSpec {
  std::string name;
  Role role;
  Shape shape;   // kBatch for dynamic
  DType dtype;
  Initializer init; // params and state only
};

class ModelBuilder {
public:
  explicit ModelBuilder(std::string name);
  ~ModelBuilder();
  ModelBuilder(const ModelBuilder &) = delete;
  ModelBuilder &operator=(const ModelBuilder &) = delete;

  /// A data input, f32; use kBatch for the batch dimension.
  Var input(const std::string &name, Shape shape,
            SourceLocation loc = SourceLocation::current());
  /// Integer class labels [kBatch] (i64), or one-hot f32 labels when the shape has rank 2.
  Var labels(const std::string &name, Shape shape,
             SourceLocation loc = SourceLocation::current());
  /// A trainable parameter with its initializer.
  Var param(const std::string &name, Shape shape, Initializer init,
            SourceLocation loc = SourceLocation::current());
  /// Non-trainable state updated by the training function (batch-norm running statistics).
  Var state(const std::string &name, Shape shape, Initializer init,
            SourceLocation loc = SourceLocation::current());
  /// The training-step counter that seeds dropout masks (created on first use).
  Var step();

  /// Marks `value` as a result of @forward.
  void output(const std::string &name, Var value);
  /// Sets the scalar training loss returned by @loss.
  void loss(Var value, SourceLocation loc = SourceLocation::current());
  /// Adds 0.5 * lambda * sum(W^2) of every parameter registered so far whose
  /// name ends in `suffix` (".W" by default) to the loss.
  void weightDecay(double lambda, const std::string &suffix = ".W");
  /// Records that the training function returns `value` as the new `name` state.
  void updateState(const std::string &name, Var value);

  /// Builds the module. The builder stays usable for more outputs afterwards.
  mlir::OwningOpRef<mlir::ModuleOp> build();
  /// build() printed as text that nabla-opt reads.
  std::string dumpIR();
  void dumpIR(const std::string &path);

  /// Fresh initial values for every param and state, seeded and reproducible.
  std::map<std::string, Tensor> initialParameters(uint64_t seed) const;

  const std::string &name() const { return name_; }
  const std::vector<ArgSpec> &arguments() const { return args_; }
  mlir::MLIRContext &context() { return *context_; }

  // Used by the op functions of the DSL.
  mlir::OpBuilder &opBuilder() { return builder_; }
  mlir::Location location(const SourceLocation &loc);
  Var wrap(mlir::Value value) { return Var(this, value); }
  Var constant(double value);

private:
  Var addArgument(ArgSpec spec, mlir::Type type);
  mlir::FuncOp extract(mlir::ModuleOp module, const std::string &name,
                       llvm::ArrayRef<std::pair<std::string, mlir::Value>> results,
                       bool training, bool withLabels);

  std::string name_;
  std::unique_ptr<mlir::MLIRContext> context_;
  mlir::OpBuilder builder_;
  // The staging graph: one block holding every op the user created, with one
  // block argument per declared ArgSpec (same order).
  std::unique_ptr<mlir::Block> graph_;
  std::vector<ArgSpec> args_;
  std::vector<std::pair<std::string, mlir::Value>> outputs_;
  std::vector<std::pair<std::string, mlir::Value>> stateUpdates_;
  mlir::Value loss_;
  Var step_;
};

} // namespace nabla::dsl
