// Reference kernels for the reduction ops. (Being filled in.)
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

namespace nabla::reference {

void registerReductionKernels(KernelTable &) {}

} // namespace nabla::reference
