// Root of the nabla op definitions; one file per op family.
#ifndef NABLA_OPS_TD
#define NABLA_OPS_TD

include "ir/NablaBase.td"
include "ir/ops/ElementwiseOps.td"
include "ir/ops/TensorOps.td"
include "ir/ops/ReductionOps.td"
include "ir/ops/LossOps.td"
include "ir/ops/ConvOps.td"
include "ir/ops/NormalizationOps.td"
include "ir/ops/GradientOps.td"
include "ir/ops/FusedOps.td"

#endif // NABLA_OPS_TD
