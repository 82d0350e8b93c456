// run_rv64: runs a static (or, with a sysroot, dynamic) RV64 Linux program to its end.
//
// It is Rv64Vcpu (rv64_vcpu.hpp: the CPU loop, how blocks run and how guest faults become the
// guest's signals) run once without breakpoints, plus the --stats report at the end.
//
// Baseline units jump straight to the unit at a constant exit once both are compiled (direct
// block chaining, chain_links.hpp); exits to computed pcs and LLVM units' exits return to the
// loop.
#pragma once

#include <cstdint>

#include "isa/error.hpp"
#include "vm/rv64/guest_layout.hpp"
#include "vm/rv64/process.hpp"

namespace strata::jit::rv64 {

// Off: the SVI interpreter. Baseline: asmjit at a unit's first execution. Auto: asmjit once a
// unit is hot, LLVM (in the background) once it is hotter. Opt: LLVM at a unit's first
// execution, on the CPU loop's thread (differential testing; asmjit only for what LLVM
// declines).
enum class JitMode { Off, Baseline, Auto, Opt };

struct RunOptions {
  vm::rv64::ProcessOptions process;
  JitMode jit = JitMode::Auto;
  uint64_t guest_top = vm::rv64::kDefaultGuestTop;
  // --jit=auto: executions of a block before the baseline tier compiles it. Measured on a
  // loop-heavy guest: a compile costs about 10 µs and saves about 28 ns per execution (38 ns
  // interpreted, 10 ns compiled), so it pays off after a few hundred executions; start-up code
  // that runs a handful of times is never compiled.
  uint32_t hot_threshold = 256;
  // --jit=auto: work done in a unit before the optimizing tier (LLVM, a background thread)
  // compiles it, counted as its entries plus the loop back-edges taken while it ran (the time
  // slice it used: rv64_vcpu.cpp, count_for_opt). An LLVM compile of a unit costs a few ms of CPU
  // (the benchmarks count the worker's CPU time too) and saves a few ns per execution, so only
  // units that do about a million entries' or iterations' worth pay. Loops that run long are
  // also sampled at the ends of time slices (sample_for_opt).
  uint32_t opt_threshold = 1u << 20;
  // An LLVM compile costs about 0.1 ms of CPU per SVI word it is given (fib's regions of ~1150
  // words 100-150 ms each, coremark_like's ~60 ms for ~600), so a unit must do work in
  // proportion to its size before the compile pays: opt_threshold is the work of a unit of up to
  // this many words, a bigger one needs that many times more (at most 16 times). LLVM gets only
  // the blocks that ran (TranslationCache::prepare_opt), often a fraction of the unit: at 256
  // words nbody's one loop nest reached LLVM later (rv64_ab against 1024: nbody 1.33 -> 1.13 s,
  // geomean 0.976; with no scale at all, 1.003 against 1024).
  uint32_t opt_words_per_threshold = 1024;
  // --jit=auto: a time-slice sample weighs as much as the time its slice took, so a loop whose
  // iterations are slow (cache misses, helper calls) reaches LLVM after about this much of its
  // own time, long before its back-edges add up to opt_threshold (0: samples count back-edges
  // only). Scaled with the unit's size like opt_threshold. tools/bench/rv64_ab.sh against 0:
  // hash 0.93, nbody 0.90 (their loops sent 20-40 ms sooner); 3 ms sent mandelbrot's loop
  // before its baseline code had run all its paths (1.33); 16 ms was as good as 8 and 32.
  uint32_t opt_sample_us = 16000;
  // At exit, print the translation and code cache statistics on the diag fd (stderr by default).
  bool stats = false;
};

struct GuestExit {
  enum class Kind { Exited, Signaled };
  Kind kind = Kind::Exited;
  int status = 0;  // the exit code, or the signal number
};

// Runs the program of `opts.process`. Errors only when it cannot start (the file cannot be
// loaded, the host refuses the guest's memory): the message says what and where.
Result<GuestExit> run_rv64(const RunOptions& opts);

}  // namespace strata::jit::rv64
