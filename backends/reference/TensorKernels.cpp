// Reference kernels for the tensor ops. (Being filled in.)
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

namespace nabla::reference {

void registerTensorKernels(KernelTable &) {}

} // namespace nabla::reference
