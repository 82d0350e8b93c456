// The machine- and supervisor-level CSRs of one RV64 hart (privileged spec 1.12), as Linux and
// OpenSBI use them, with their WARL rules: what reads back after a write is what real hardware
// of this configuration would give, so software probing a field learns the truth.
//
// Implemented: RV64IMAFDC + S + U (misa), Sv39/Sv48 with no ASID bits (satp.ASID reads 0, so
// Linux flushes the whole TLB on a switch instead of tagging), direct and vectored trap vectors,
// 16 PMP entries that are stored but not enforced (every access is allowed, as with no PMP
// configured; OpenSBI programs them and reads them back), cycle/time/instret with the
// m/scounteren gates, hpm counters that read 0. Absent (illegal instruction): the H extension,
// debug/trigger CSRs, Sstc's stimecmp, mseccfg, and odd pmpcfg numbers (RV64).
//
// mstatus.FS is kept as written except that any state other than Off reads back as Dirty (and
// SD = 1): the translator does not track FP writes, so the kernel always saves FP state on a
// context switch — correct, and at most a few hundred bytes per switch.
#pragma once

#include <array>
#include <cstdint>

#include "vm/rv64sys/page_walk.hpp"

namespace strata::vm::rv64sys {

namespace csr {
// Numbers (the csr field of a Zicsr instruction).
inline constexpr std::uint16_t kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003;
inline constexpr std::uint16_t kCycle = 0xc00, kTime = 0xc01, kInstret = 0xc02;
inline constexpr std::uint16_t kHpmcounter3 = 0xc03, kHpmcounter31 = 0xc1f;
inline constexpr std::uint16_t kSstatus = 0x100, kSie = 0x104, kStvec = 0x105, kScounteren = 0x106,
                               kSenvcfg = 0x10a, kSscratch = 0x140, kSepc = 0x141, kScause = 0x142,
                               kStval = 0x143, kSip = 0x144, kSatp = 0x180;
inline constexpr std::uint16_t kMvendorid = 0xf11, kMarchid = 0xf12, kMimpid = 0xf13,
                               kMhartid = 0xf14, kMconfigptr = 0xf15;
inline constexpr std::uint16_t kMstatus = 0x300, kMisa = 0x301, kMedeleg = 0x302, kMideleg = 0x303,
                               kMie = 0x304, kMtvec = 0x305, kMcounteren = 0x306, kMenvcfg = 0x30a,
                               kMcountinhibit = 0x320, kMhpmevent3 = 0x323, kMhpmevent31 = 0x33f,
                               kMscratch = 0x340, kMepc = 0x341, kMcause = 0x342, kMtval = 0x343,
                               kMip = 0x344, kPmpcfg0 = 0x3a0, kPmpcfg15 = 0x3af, kPmpaddr0 = 0x3b0,
                               kPmpaddr15 = 0x3bf, kMcycle = 0xb00, kMinstret = 0xb02,
                               kMhpmcounter3 = 0xb03, kMhpmcounter31 = 0xb1f;
}  // namespace csr

// mstatus bits and fields.
namespace mstatus {
inline constexpr std::uint64_t kSie = 1ull << 1, kMie = 1ull << 3, kSpie = 1ull << 5,
                               kMpie = 1ull << 7, kSpp = 1ull << 8, kMppShift = 11,
                               kMpp = 3ull << 11, kFsShift = 13, kFs = 3ull << 13,
                               kMprv = 1ull << 17, kSum = 1ull << 18, kMxr = 1ull << 19,
                               kTvm = 1ull << 20, kTw = 1ull << 21, kTsr = 1ull << 22,
                               kUxl = 3ull << 32, kSxl = 3ull << 34, kSd = 1ull << 63;
}  // namespace mstatus

// Interrupt bits of mip/mie (and the interrupt cause numbers).
inline constexpr std::uint64_t kSsip = 1 << 1, kMsip = 1 << 3, kStip = 1 << 5, kMtip = 1 << 7,
                               kSeip = 1 << 9, kMeip = 1 << 11;

// What the CSR file needs from the rest of the hart: the user-level FP CSR (kept in the
// translated code's state) and the counters.
class CsrHost {
 public:
  virtual ~CsrHost() = default;
  virtual std::uint64_t time() = 0;     // mtime (the CLINT's), for the time CSR
  virtual std::uint64_t instret() = 0;  // instructions retired, also used as cycle
  virtual std::uint32_t fcsr() = 0;
  virtual void set_fcsr(std::uint32_t value) = 0;
};

class CsrFile {
 public:
  explicit CsrFile(std::uint64_t hartid);

  // Zicsr semantics for the hart at privilege `priv`: false means the access raises an illegal
  // instruction (no such CSR, too little privilege, a write to a read-only CSR, TVM for satp).
  // A write to satp, or one that changes mstatus.MXR, is reported through
  // take_translation_changed() so the hart can flush its TLB. SUM, MPRV and MPP are not: they
  // select the MMU index of data accesses (soft_tlb.hpp), whose entries stay right.
  [[nodiscard]] bool read(std::uint16_t number, Priv priv, CsrHost& host, std::uint64_t* value);
  [[nodiscard]] bool write(std::uint16_t number, Priv priv, CsrHost& host, std::uint64_t value);

  // Set and cleared by devices (CLINT: MTIP, MSIP; PLIC: MEIP, SEIP). The software-writable
  // bits of mip (SSIP, STIP, SEIP from M-mode) are changed through write().
  void set_pending(std::uint64_t bits, bool on) { mip_ = on ? (mip_ | bits) : (mip_ & ~bits); }

  // Raw state, for trap handling (traps.hpp), the REPL's `sregs` and snapshots.
  std::uint64_t mstatus = 0;
  std::uint64_t medeleg = 0, mideleg = 0, mie = 0;
  std::uint64_t mtvec = 0, mscratch = 0, mepc = 0, mcause = 0, mtval = 0;
  std::uint64_t stvec = 0, sscratch = 0, sepc = 0, scause = 0, stval = 0;
  std::uint64_t satp = 0;
  std::uint32_t mcounteren = 0, scounteren = 0;
  std::array<std::uint64_t, 2> pmpcfg{};  // pmpcfg0 and pmpcfg2 (entries 0-7, 8-15)
  std::array<std::uint64_t, 16> pmpaddr{};
  // Read by the hart's loop before every unit: inline.
  std::uint64_t mip() const { return mip_; }
  // Where mip lives, for code that tests it without a call (the hart's chained exits).
  const std::uint64_t* mip_word() const { return &mip_; }
  std::uint64_t hartid() const { return hartid_; }

  // True once after a write that can change address translation (read-and-clear).
  bool take_translation_changed() {
    const bool c = translation_changed_;
    translation_changed_ = false;
    return c;
  }

 private:
  std::uint64_t read_mstatus() const;
  void write_mstatus(std::uint64_t value, std::uint64_t writable);
  bool counter_allowed(std::uint16_t number, Priv priv) const;

  std::uint64_t hartid_;
  std::uint64_t mip_ = 0;
  bool translation_changed_ = false;
};

}  // namespace strata::vm::rv64sys
