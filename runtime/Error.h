// The one exception type nabla throws for user-facing errors (bad shapes, bad
// files, bad IR). Tools catch it at main() and exit non-zero with the message.
#pragma once

#include <stdexcept>
#include <string>

namespace nabla {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace nabla
