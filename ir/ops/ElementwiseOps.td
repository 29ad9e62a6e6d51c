// Elementwise ops: unary activations and math, broadcasting binary math.
#ifndef NABLA_ELEMENTWISE_OPS_TD
#define NABLA_ELEMENTWISE_OPS_TD

include "ir/NablaBase.td"

def Nabla_ConstantOp : Nabla_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor";
  let description = [{
    Produces the tensor held by its dense elements attribute.

    ```mlir
    %c = nabla.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def Nabla_NegOp : Nabla_UnaryOp<"neg", "-x">;
def Nabla_ExpOp : Nabla_UnaryOp<"exp", "exp(x)">;
def Nabla_LogOp : Nabla_UnaryOp<"log", "log(x)">;
def Nabla_SqrtOp : Nabla_UnaryOp<"sqrt", "sqrt(x)">;
def Nabla_SquareOp : Nabla_UnaryOp<"square", "x * x">;
def Nabla_ReluOp : Nabla_UnaryOp<"relu", "max(x, 0)">;
def Nabla_SigmoidOp : Nabla_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Nabla_TanhOp : Nabla_UnaryOp<"tanh", "tanh(x)">;
// Heaviside step as in the perceptron chapter: 1 where x > 0, else 0
// (so step(0) = 0, which also makes mul(g, step(x)) the ReLU gradient).
def Nabla_StepOp : Nabla_UnaryOp<"step", "x > 0 ? 1 : 0">;

def Nabla_AddOp : Nabla_BinaryOp<"add", "lhs + rhs", [Commutative]>;
def Nabla_SubOp : Nabla_BinaryOp<"sub", "lhs - rhs">;
def Nabla_MulOp : Nabla_BinaryOp<"mul", "lhs * rhs", [Commutative]>;
def Nabla_DivOp : Nabla_BinaryOp<"div", "lhs / rhs">;
def Nabla_MaximumOp : Nabla_BinaryOp<"maximum", "max(lhs, rhs)", [Commutative]>;
def Nabla_PowOp : Nabla_BinaryOp<"pow", "pow(lhs, rhs)">;

#endif // NABLA_ELEMENTWISE_OPS_TD
