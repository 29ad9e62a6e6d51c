# lit configuration for nabla's FileCheck tests.
import os
import sys

import lit.formats

config.name = "nabla"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.nabla_binary_dir, "tests", "lit")
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]

# Tools: nabla's own binaries first, then FileCheck/not from LLVM 14.
config.environment["PATH"] = os.pathsep.join(
    [os.path.join(config.nabla_binary_dir, "bin"), config.llvm_tools_dir,
     config.environment.get("PATH", os.environ.get("PATH", ""))])

# %onnx-encode < model.textproto > model.onnx: ONNX test models stay readable
# text in the tree and become binary ModelProtos only when a test runs.
config.substitutions.append(
    ("%onnx-encode", "{} -I{} --encode=onnx.ModelProto onnx/onnx.proto".format(
        config.protoc, config.onnx_proto_dir)))

# %python: the interpreter running lit, for tests that generate their input.
config.substitutions.append(("%python", sys.executable))

# REQUIRES: avx512 -- tests that read the host assembly of AVX-512 code.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        if " avx512f" in cpuinfo.read():
            config.available_features.add("avx512")
except OSError:
    pass
