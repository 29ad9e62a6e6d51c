// A PNG of a training run: train loss (left panel) and train/test accuracy
// (right panel) per epoch, drawn with PLplot's cairo PNG device.
#pragma once

#include "runtime/History.h"

#include <string>

namespace nabla {

/// Writes the two-panel plot of `history` to `path` (through a temporary
/// file and a rename, so a reader never sees half a PNG). Throws nabla::Error
/// when PLplot cannot write it.
void plotHistory(const History &history, const std::string &path, const std::string &title);

} // namespace nabla
