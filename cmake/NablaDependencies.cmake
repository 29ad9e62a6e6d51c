# Finds the Debian-packaged toolchain: MLIR/LLVM 14 (shared libMLIR + libLLVM,
# the same libLLVM-14 that Halide 14 links), GoogleTest, CLI11, fmt.

find_package(MLIR CONFIG REQUIRED PATHS /usr/lib/llvm-14/lib/cmake/mlir NO_DEFAULT_PATH)
if(NOT LLVM_VERSION_MAJOR EQUAL 14)
  message(FATAL_ERROR "nabla needs LLVM/MLIR 14, found ${LLVM_PACKAGE_VERSION}")
endif()
list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
include(TableGen)
include(AddLLVM)
include(AddMLIR)

# mlir_tablegen only sees directory-level include paths.
include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
separate_arguments(NABLA_LLVM_DEFINITIONS NATIVE_COMMAND ${LLVM_DEFINITIONS})
add_definitions(${NABLA_LLVM_DEFINITIONS})

# One interface target for "links the MLIR compiler libraries".
add_library(nabla_mlir INTERFACE)
target_link_libraries(nabla_mlir INTERFACE MLIR LLVM)

find_package(GTest REQUIRED)
find_package(fmt REQUIRED)

find_program(NABLA_FILECHECK FileCheck PATHS /usr/lib/llvm-14/bin NO_DEFAULT_PATH REQUIRED)
set(NABLA_LIT /usr/lib/llvm-14/build/utils/lit/lit.py)

# ONNX's generated protobuf classes (onnx-ml.pb.h) and the runtime they need.
find_package(Protobuf REQUIRED)
find_package(ONNX CONFIG REQUIRED)
