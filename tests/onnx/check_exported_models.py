#!/usr/bin/python3
"""ONNX's own checker on the models nablac exports.

Exports each textbook net with `nablac --model NAME -emit=onnx`, then runs
onnx.checker.check_model(full_check=True) (structure, then type-checking,
strict shape inference) and checks what the exporter promises: opset 17, the
input "x" with a symbolic batch, the output "logits", the parameters as
initializers and not as graph inputs. Re-exporting an exported model through
nablac's ONNX input must keep every initializer bit for bit.

Run by ctest with Debian's /usr/bin/python3 and python3-onnx. A missing onnx
module is a failure with a message, never a skip: the ctest is registered only
where scripts/packages.txt lists python3-onnx, so the package belongs there.
"""
import argparse
import os
import subprocess
import sys

try:
    import onnx
    import onnx.checker
    import onnx.numpy_helper
    import onnx.shape_inference
except ImportError as error:
    sys.exit(f"FAIL: cannot import the onnx Python package ({error}). Install Debian's "
             f"python3-onnx (scripts/install-deps does) and run this with /usr/bin/python3.")

MODELS = {
    # name: (input shape after the batch, parameter names)
    "two_layer_net": ([784], ["affine1.W", "affine1.b", "affine2.W", "affine2.b"]),
    "multi_layer_net": ([784], [f"affine{i}.{p}" for i in range(1, 6) for p in "Wb"]),
    "simple_convnet": ([1, 28, 28], ["conv1.W", "conv1.b", "affine1.W", "affine1.b",
                                     "affine2.W", "affine2.b"]),
    "deep_convnet": ([1, 28, 28], [f"conv{i}.{p}" for i in range(1, 7) for p in "Wb"] +
                     [f"affine{i}.{p}" for i in (1, 2) for p in "Wb"]),
}
EXPORT_OPSET = 17


def nablac(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: nablac {' '.join(args)} exited with {result.returncode}:\n"
                 f"{result.stderr}")


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def check(path, input_shape, params):
    """Returns the problems found in the model at `path` (empty if none)."""
    model = onnx.load(path)
    # check_model on a path with full_check writes the inferred shapes back
    # into the file; on the loaded proto it leaves nablac's output as it is.
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as error:
        return [f"ONNX rejects it: {error}"]
    problems = []
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets != {"": EXPORT_OPSET}:
        problems.append(f"opset imports {opsets}, expected only the default domain at "
                        f"{EXPORT_OPSET}")
    graph = model.graph
    inputs = [(i.name, dims(i)) for i in graph.input]
    if inputs != [("x", ["batch", *input_shape])]:
        problems.append(f"graph inputs {inputs}, expected x: [batch, {input_shape}]")
    outputs = [(o.name, dims(o)) for o in graph.output]
    if outputs != [("logits", ["batch", 10])]:
        problems.append(f"graph outputs {outputs}, expected logits: [batch, 10]")
    initializers = sorted(t.name for t in graph.initializer)
    if initializers != sorted(params):
        problems.append(f"initializers {initializers}, expected {sorted(params)}")
    return problems


def initializers(path):
    return {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nablac", required=True, help="the nablac binary")
    parser.add_argument("--out-dir", required=True, help="where to write the models")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    print(f"onnx {onnx.__version__}, checker with full_check=True")

    failed = False
    for name, (input_shape, params) in MODELS.items():
        path = os.path.join(args.out_dir, f"{name}.onnx")
        nablac(args.nablac, "--model", name, "-emit=onnx", "-o", path)
        problems = check(path, input_shape, params)
        print(f"{'FAIL' if problems else 'ok'}: {name}")
        for problem in problems:
            print(f"  {problem}")
        failed = failed or bool(problems)

    # nablac reads an .onnx file's initializers as the values to export.
    first = os.path.join(args.out_dir, "simple_convnet.onnx")
    again = os.path.join(args.out_dir, "simple_convnet.again.onnx")
    nablac(args.nablac, first, "-emit=onnx", "-o", again)
    onnx.checker.check_model(onnx.load(again), full_check=True)
    before, after = initializers(first), initializers(again)
    same = before.keys() == after.keys() and all(
        before[k].tobytes() == after[k].tobytes() for k in before)
    print(f"{'ok' if same else 'FAIL'}: re-exported simple_convnet keeps its initializers")
    failed = failed or not same
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
