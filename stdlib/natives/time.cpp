// std.time: clocks and sleeping.
#include <cerrno>
#include <ctime>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void now_ns(NativeContext&, const Value*, Value* r) {
  *r = Value::from_i(clock_ns(CLOCK_MONOTONIC));
}
void wall_ns(NativeContext&, const Value*, Value* r) {
  *r = Value::from_i(clock_ns(CLOCK_REALTIME));
}

void sleep_ms(NativeContext&, const Value* a, Value*) {
  int64_t ms = a[0].i;
  if (ms <= 0) return;
  timespec req{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
  timespec rem{};
  // A signal (the REPL's stop, a profiler) interrupts; finish the requested time.
  while (nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

constexpr vm::NativeDef kNatives[] = {
    {"std.time", "now_ns", "() -> i64", guarded<now_ns>, "monotonic clock in nanoseconds"},
    {"std.time", "wall_ns", "() -> i64", guarded<wall_ns>, "nanoseconds since the Unix epoch"},
    {"std.time", "sleep_ms", "(i64) -> void", guarded<sleep_ms>, "sleep this many milliseconds"},
};

}  // namespace

std::span<const vm::NativeDef> time_natives() {
  return kNatives;
}

}  // namespace strata::stdlib
