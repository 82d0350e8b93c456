// The call stack of a paused RV64 guest, unwound with its program's .eh_frame (eh_frame.hpp):
// each frame's CFA and saved registers come from the unwind tables, so the result is exact
// wherever the tables cover the code (every function of a gcc- or clang-built program, libc's
// included), with no frame-pointer guessing. It stops at a frame the tables do not cover, at
// the outermost frame (_start's return address is undefined), or at unreadable stack memory.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/strata/monitor/eh_frame.hpp"
#include "vm/vcpu.hpp"

namespace strata::monitor {

// The pcs of the frames, innermost first (at most `max_frames`).
std::vector<uint64_t> unwind_rv64(const vm::Vcpu& cpu, const CallFrameInfo& cfi,
                                  size_t max_frames = 256);

}  // namespace strata::monitor
