// Reference kernels for the pool ops. (Being filled in.)
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

namespace nabla::reference {

void registerPoolKernels(KernelTable &) {}

} // namespace nabla::reference
