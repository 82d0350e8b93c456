// What the caller of the baseline tier promises about every run of one function's code, so that
// the emitter can leave out work it must otherwise do for any SVI function. The RV64 runners
// make them for their translated units (jit/rv64/translation_cache.hpp, jit/rv64sys/hart.cpp);
// SVI programs make none.
#pragma once

namespace strata::jit::baseline {

struct CodePromises {
  // The instance's linear memory never moves, grows or shrinks while the code exists: its data
  // address and size are constants in the code (r14 then holds the data address itself, not the
  // LinearMemory), and a bounds check is one compare against a constant.
  bool fixed_memory = false;
  // Register r0 holds 0 when the function is entered (a unit's caller keeps it so). The emitter
  // relies on it only when the function itself never writes r0, and then drops the register load
  // and the bounds check of an access at r0 + offset that the memory's size covers.
  bool zero_r0 = false;
  // Every run has unlimited fuel (vm::Limits::fuel 0), no host stop request through
  // ExecState::stop and no on-stack replacement: a taken backward branch is a plain jump, without
  // the unit of fuel charged to st->fuel_left (a read-modify-write per loop iteration) and the
  // refuel stub. The RV64 runners' units keep their own time slice (state::kSliceLeft).
  bool unlimited_fuel = false;
  // Every host import the function calls (callh of a native) is a leaf: it neither reads nor
  // moves the VM stack or frames, never traps or exits (HostContext::pending stays None), and the
  // host context's `caller` is already the function's instance. A callh of up to four arguments
  // is then a plain C call of the native with its arguments in a scratch array on the host
  // stack, instead of rt::call_host. The full-system hart's units make it (their Sys* helpers,
  // which LLVM's code calls the same way: opt::OptRequest::leaf_host_calls).
  bool leaf_host_calls = false;
  // With fixed_memory, zero_r0 and unlimited_fuel: the registers the function loads from and
  // stores to fixed r0-relative words, and to nothing else there, may live in those words (their
  // homes, register_homes.hpp) instead of the window. The caller promises that the function
  // reads no such register before it writes it or loads it from its word, and accepts what else
  // follows while the code runs: whatever reads such a word (an access at a computed address, a
  // helper, another thread) may see the register's current value, not the one last stored; a
  // value written into it from outside may be seen by the code at once, or lost at its next
  // store. The RV64 runners make it: those words are the guest's registers, which a unit loads
  // at its start and stores at its exits, and the time slice, which a cut should end soon.
  bool register_homes = false;
};

}  // namespace strata::jit::baseline
