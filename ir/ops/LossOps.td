// Losses: scalar results averaged over the batch.
#ifndef NABLA_LOSS_OPS_TD
#define NABLA_LOSS_OPS_TD

include "ir/NablaBase.td"

def Nabla_SoftmaxCrossEntropyOp : Nabla_Op<"softmax_cross_entropy"> {
  let summary = "softmax followed by cross-entropy, averaged over the batch";
  let description = [{
    `logits` is [N, C]. `labels` is either integer class indices [N] (i32 or
    i64, each in 0..C-1) or f32 one-hot / probability rows [N, C]. The result
    is `-(1/N) * sum_n sum_c t[n, c] * log_softmax(logits)[n, c]`; its
    gradient with respect to the logits is `(softmax(logits) - t) / N`.

    ```mlir
    %loss = nabla.softmax_cross_entropy %logits, %t : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$logits, Nabla_LabelTensor:$labels);
  let results = (outs Nabla_Scalar:$result);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` functional-type(operands, results)";
}

def Nabla_MseLossOp : Nabla_Op<"mse_loss"> {
  let summary = "half the sum of squared errors, averaged over the batch";
  let description = [{
    `0.5 * sum((prediction - target)^2) / N`, where N is the size of
    dimension 0 for inputs of rank >= 2 and 1 for a single sample of rank
    0 or 1 (the textbook's `mean_squared_error`). Both operands have the
    same shape.

    ```mlir
    %loss = nabla.mse_loss %y, %t : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Nabla_FloatTensor:$prediction, Nabla_FloatTensor:$target);
  let results = (outs Nabla_Scalar:$result);
  let assemblyFormat = "$prediction `,` $target attr-dict `:` functional-type(operands, results)";
}

#endif // NABLA_LOSS_OPS_TD
