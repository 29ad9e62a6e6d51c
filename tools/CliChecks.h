// CLI11 validators for the numeric options of nablac and the examples: the
// message names the bound and the value given ("--epochs: must be at least
// 1, got 0"), where CLI11's own PositiveNumber prints the whole double range,
// and an integer too large for its type is refused instead of clamped.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace nabla::cli {

/// An integer option of at least `min`.
inline CLI::Validator atLeast(int64_t min) {
  std::string description = min == 1   ? "POSITIVE"
                            : min == 0 ? "NONNEGATIVE"
                                       : "INT>=" + std::to_string(min);
  return CLI::Validator(
      [min](std::string &input) -> std::string {
        int64_t value = 0;
        const char *end = input.data() + input.size();
        auto [stop, error] = std::from_chars(input.data(), end, value);
        if (error == std::errc::result_out_of_range) return input + " is out of range";
        if (error != std::errc() || stop != end) return "'" + input + "' is not an integer";
        if (value < min) return "must be at least " + std::to_string(min) + ", got " + input;
        return {};
      },
      description);
}

/// A floating-point option that is finite and greater than zero (a learning
/// rate, a step size).
inline CLI::Validator positiveFinite() {
  return CLI::Validator(
      [](std::string &input) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(input, value)) return "'" + input + "' is not a number";
        if (!std::isfinite(value) || value <= 0) return "must be a finite number above 0, got " + input;
        return {};
      },
      "POSITIVE");
}

/// A floating-point option in [lo, hi) (a dropout ratio: 0 keeps all, 1 none).
inline CLI::Validator inHalfOpen(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string &input) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(input, value)) return "'" + input + "' is not a number";
        if (!(value >= lo && value < hi))
          return "must be at least " + CLI::detail::to_string(lo) + " and below " +
                 CLI::detail::to_string(hi) + ", got " + input;
        return {};
      },
      "[" + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + ")");
}

} // namespace nabla::cli
