// nabla's passes; one file per pass, named after its flag.
#ifndef NABLA_PASSES_TD
#define NABLA_PASSES_TD

include "mlir/Pass/PassBase.td"

def Autodiff : Pass<"nabla-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of scalar-loss functions";
  let description = [{
    For the function named by `function` (default `loss`), whose first result
    is a scalar f32 loss, adds `<function>_grad`: it takes the same arguments
    and returns the original results followed by the gradient of the loss with
    respect to each differentiated argument. Differentiated are the arguments
    whose `nabla.role` is `param` (or, when no argument has a role, every f32
    argument); integer arguments such as labels never are. Gradients follow
    the chain rule backwards over the ops, one rule per op (passes/gradients/),
    and are summed where a value fans out. Calls are inlined first. If some
    ops on the path from the arguments to the loss have no gradient rule, one
    error lists all of them.

    ```mlir
    // nabla-opt --nabla-autodiff="function=loss" model.mlir
    func @loss_grad(%x: ..., %w: ... {nabla.role = "param"}) -> (tensor<f32>, tensor<...>)
    ```
  }];
  let constructor = "nabla::createAutodiffPass()";
  let options = [
    Option<"functionName", "function", "std::string", /*default=*/"\"loss\"",
           "the function to differentiate">,
  ];
  let dependentDialects = ["nabla::NablaDialect"];
}

#endif // NABLA_PASSES_TD
