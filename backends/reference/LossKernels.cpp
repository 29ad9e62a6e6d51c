// Reference kernels for the loss ops. (Being filled in.)
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

namespace nabla::reference {

void registerLossKernels(KernelTable &) {}

} // namespace nabla::reference
