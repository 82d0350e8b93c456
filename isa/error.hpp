// The error value that crosses module boundaries: one human-readable message that already says
// what went wrong, where (file:line:col, or section/function/offset) and what was expected.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace strata {

struct Error {
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

template <typename... Args>
[[nodiscard]] tl::unexpected<Error> fail(fmt::format_string<Args...> f, Args&&... args) {
  return tl::unexpected(Error{fmt::format(f, std::forward<Args>(args)...)});
}

}  // namespace strata

// Propagate an error from an expression of type Result<T>; evaluates to the value otherwise.
#define STRATA_TRY(expr)                                   \
  ({                                                       \
    auto _strata_r = (expr);                               \
    if (!_strata_r) return tl::unexpected(_strata_r.error()); \
    std::move(*_strata_r);                                 \
  })
