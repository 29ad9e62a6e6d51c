// Reference kernels for the conv ops. (Being filled in.)
#include "backends/reference/Kernels.h"
#include "ir/Dialect.h"

namespace nabla::reference {

void registerConvKernels(KernelTable &) {}

} // namespace nabla::reference
