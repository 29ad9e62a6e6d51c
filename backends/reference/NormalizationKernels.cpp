// Reference kernels for the normalization ops. (Being filled in.)
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

namespace nabla::reference {

void registerNormalizationKernels(KernelTable &) {}

} // namespace nabla::reference
