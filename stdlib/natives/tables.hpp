// One native table per std module (stdlib/natives/<module>.cpp). stdlib.cpp concatenates them
// explicitly: no static-constructor self-registration, which static libraries silently drop.
#pragma once

#include <span>

#include "vm/native.hpp"

namespace strata::stdlib {

std::span<const vm::NativeDef> io_natives();
std::span<const vm::NativeDef> fmt_natives();
std::span<const vm::NativeDef> str_natives();
std::span<const vm::NativeDef> math_natives();
std::span<const vm::NativeDef> array_natives();
std::span<const vm::NativeDef> map_natives();
std::span<const vm::NativeDef> fs_natives();
std::span<const vm::NativeDef> time_natives();
std::span<const vm::NativeDef> sys_natives();

}  // namespace strata::stdlib
