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

namespace detail {
// The value of a successful Result, for STRATA_TRY; Result<void> yields void.
template <typename T, typename E>
T try_value(tl::expected<T, E>&& r) {
  return std::move(*r);
}
template <typename E>
void try_value(tl::expected<void, E>&&) {}
}  // namespace detail

}  // namespace strata

// Propagate an error from an expression of type Result<T>; evaluates to the value otherwise
// (to nothing for Result<void>).
#define STRATA_TRY(expr)                                      \
  ({                                                          \
    auto _strata_r = (expr);                                  \
    if (!_strata_r) return tl::unexpected(_strata_r.error()); \
    ::strata::detail::try_value(std::move(_strata_r));        \
  })
