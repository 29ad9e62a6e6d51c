// The nabla dialect: tensor-level neural-network ops on builtin ranked
// tensors. Activations are NCHW, conv filters OIHW, the batch dimension may be
// dynamic (`?`). Every op infers its result type (InferTypeOpInterface), so the
// verifier checks the written result type against the inferred one and the DSL
// can build ops without spelling result types.
#ifndef NABLA_BASE_TD
#define NABLA_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Nabla_Dialect : Dialect {
  let name = "nabla";
  let cppNamespace = "::nabla";
  let summary = "Neural-network graph ops differentiated and compiled by nabla";
  let description = [{
    Ops on ranked tensors: elementwise math with numpy broadcasting, matmul,
    reductions, losses, NCHW convolution and pooling, normalization, dropout,
    the im2col/col2im pair that the lowering passes target, and the backward
    ops that reverse-mode autodiff emits.
  }];
  let emitAccessorPrefix = kEmitAccessorPrefix_Both;
  let hasConstantMaterializer = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Nabla_FloatTensor : RankedTensorOf<[F32]>;
def Nabla_IndexTensor : RankedTensorOf<[I32, I64]>;
// Class labels: integer indices [N] or one-hot / soft targets [N, C] in f32.
def Nabla_LabelTensor : AnyTypeOf<[Nabla_IndexTensor, Nabla_FloatTensor],
                                  "integer class indices or f32 one-hot labels">;
def Nabla_Scalar : 0DTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

// Every nabla op is pure and infers its result types; shape errors are raised
// by the op's inferReturnTypes, which names the op, the shapes and attributes.
class Nabla_Op<string mnemonic, list<Trait> traits = []>
    : Op<Nabla_Dialect, mnemonic,
         !listconcat(traits, [NoSideEffect,
                              DeclareOpInterfaceMethods<InferTypeOpInterface>])>;

class Nabla_UnaryOp<string mnemonic, string formula>
    : Nabla_Op<mnemonic, [SameOperandsAndResultType]> {
  let summary = "elementwise " # formula;
  let description = [{
    Applies `}] # formula # [{` to every element; the result has the
    operand's type.

    ```mlir
    %y = nabla.}] # mnemonic # [{ %x : tensor<?x100xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$input);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class Nabla_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Nabla_Op<mnemonic, traits> {
  let summary = "elementwise " # formula # " with numpy broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise. Shapes broadcast as in numpy:
    they are aligned at the trailing dimension and a dimension of size 1
    stretches to the other's size.

    ```mlir
    %z = nabla.}] # mnemonic # [{ %x, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$lhs, Nabla_FloatTensor:$rhs);
  let results = (outs Nabla_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

// Spatial attributes shared by convolution, pooling and im2col.
// pads are [top, left, bottom, right] (ONNX's begin..., end... order).
defvar Nabla_Strides = DefaultValuedAttr<I64ArrayAttr, "{1, 1}">;
defvar Nabla_Pads = DefaultValuedAttr<I64ArrayAttr, "{0, 0, 0, 0}">;
defvar Nabla_Dilations = DefaultValuedAttr<I64ArrayAttr, "{1, 1}">;

#endif // NABLA_BASE_TD
