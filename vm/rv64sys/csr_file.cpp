#include "vm/rv64sys/csr_file.hpp"

namespace strata::vm::rv64sys {

namespace {

using namespace mstatus;

// misa: MXL = 2 (64-bit) and the extensions A, C, D, F, I, M, S, U.
constexpr std::uint64_t kMisaValue = (2ull << 62) | (1 << ('A' - 'A')) | (1 << ('C' - 'A')) |
                                     (1 << ('D' - 'A')) | (1 << ('F' - 'A')) | (1 << ('I' - 'A')) |
                                     (1 << ('M' - 'A')) | (1 << ('S' - 'A')) | (1 << ('U' - 'A'));
// UXL = SXL = 2: U and S are 64-bit too (read-only).
constexpr std::uint64_t kXlen64 = (2ull << 32) | (2ull << 34);
constexpr std::uint64_t kMstatusWritable =
    kSie | kMie | kSpie | kMpie | kSpp | kMpp | kFs | kMprv | kSum | kMxr | kTvm | kTw | kTsr;
constexpr std::uint64_t kSstatusVisible = kSie | kSpie | kSpp | kFs | kSum | kMxr | kUxl | kSd;
constexpr std::uint64_t kSstatusWritable = kSie | kSpie | kSpp | kFs | kSum | kMxr;
// Bits whose change alters what a cached translation allows. Not SUM, MPRV or MPP: they only
// choose which MMU index (soft_tlb.hpp) the accesses use, and each index caches translations
// made under its own privilege and SUM.
constexpr std::uint64_t kTranslationBits = kMxr;

constexpr std::uint64_t kSupervisorInterrupts = kSsip | kStip | kSeip;
constexpr std::uint64_t kAllInterrupts = kSupervisorInterrupts | kMsip | kMtip | kMeip;
// Exceptions M may delegate: all standard ones but ecall from M (11) and the reserved 10, 14.
constexpr std::uint64_t kDelegableExceptions = 0xb3ff;

std::uint64_t legal_tvec(std::uint64_t old, std::uint64_t value) {
  // MODE 0 (direct) and 1 (vectored); 2 and 3 are reserved: keep the old mode.
  const std::uint64_t mode = (value & 3) <= 1 ? (value & 3) : (old & 3);
  return (value & ~3ull) | mode;
}

}  // namespace

CsrFile::CsrFile(std::uint64_t hartid) : hartid_(hartid) {
  mstatus = kXlen64;
}

std::uint64_t CsrFile::read_mstatus() const {
  std::uint64_t v = (mstatus & ~(kSd | kUxl | kSxl)) | kXlen64;
  if ((v & kFs) != 0) v |= kFs | kSd;  // see the header: FP state always reads Dirty
  return v;
}

void CsrFile::write_mstatus(std::uint64_t value, std::uint64_t writable) {
  std::uint64_t next = (mstatus & ~writable) | (value & writable);
  // MPP is WARL over {U, S, M}: the reserved encoding 2 keeps the old value.
  if (((next & kMpp) >> kMppShift) == 2) next = (next & ~kMpp) | (mstatus & kMpp);
  if ((next ^ mstatus) & kTranslationBits) translation_changed_ = true;
  mstatus = next;
}

// cycle, time, instret and hpm counters below M: gated by mcounteren (for S and U) and
// scounteren (for U).
bool CsrFile::counter_allowed(std::uint16_t number, Priv priv) const {
  const std::uint32_t bit = 1u << (number & 0x1f);
  if (priv != Priv::Machine && (mcounteren & bit) == 0) return false;
  if (priv == Priv::User && (scounteren & bit) == 0) return false;
  return true;
}

bool CsrFile::read(std::uint16_t number, Priv priv, CsrHost& host, std::uint64_t* value) {
  // Bits 9:8 of the number are the lowest privilege that may access it.
  if (static_cast<unsigned>(priv) < ((number >> 8) & 3u)) return false;
  std::uint64_t v = 0;
  switch (number) {
    case csr::kFflags: v = host.fcsr() & 0x1f; break;
    case csr::kFrm: v = (host.fcsr() >> 5) & 7; break;
    case csr::kFcsr: v = host.fcsr() & 0xff; break;
    case csr::kCycle:
    case csr::kInstret:
      if (!counter_allowed(number, priv)) return false;
      v = host.instret();
      break;
    case csr::kTime:
      if (!counter_allowed(number, priv)) return false;
      v = host.time();
      break;
    case csr::kSstatus: v = read_mstatus() & kSstatusVisible; break;
    case csr::kSie: v = mie & mideleg; break;
    case csr::kStvec: v = stvec; break;
    case csr::kScounteren: v = scounteren; break;
    case csr::kSenvcfg: v = 0; break;
    case csr::kSscratch: v = sscratch; break;
    case csr::kSepc: v = sepc; break;
    case csr::kScause: v = scause; break;
    case csr::kStval: v = stval; break;
    case csr::kSip: v = mip_ & mideleg; break;
    case csr::kSatp:
      if (priv == Priv::Supervisor && (mstatus & kTvm) != 0) return false;
      v = satp;
      break;
    case csr::kMvendorid:
    case csr::kMarchid:
    case csr::kMimpid:
    case csr::kMconfigptr: v = 0; break;
    case csr::kMhartid: v = hartid_; break;
    case csr::kMstatus: v = read_mstatus(); break;
    case csr::kMisa: v = kMisaValue; break;
    case csr::kMedeleg: v = medeleg; break;
    case csr::kMideleg: v = mideleg; break;
    case csr::kMie: v = mie; break;
    case csr::kMtvec: v = mtvec; break;
    case csr::kMcounteren: v = mcounteren; break;
    case csr::kMenvcfg:
    case csr::kMcountinhibit: v = 0; break;
    case csr::kMscratch: v = mscratch; break;
    case csr::kMepc: v = mepc; break;
    case csr::kMcause: v = mcause; break;
    case csr::kMtval: v = mtval; break;
    case csr::kMip: v = mip_; break;
    case csr::kMcycle:
    case csr::kMinstret: v = host.instret(); break;
    default:
      if (number >= csr::kHpmcounter3 && number <= csr::kHpmcounter31) {
        if (!counter_allowed(number, priv)) return false;
        v = 0;
      } else if ((number >= csr::kMhpmcounter3 && number <= csr::kMhpmcounter31) ||
                 (number >= csr::kMhpmevent3 && number <= csr::kMhpmevent31)) {
        v = 0;
      } else if (number >= csr::kPmpcfg0 && number <= csr::kPmpcfg15) {
        if ((number & 1) != 0 || number > csr::kPmpcfg0 + 2) return false;  // pmpcfg0, pmpcfg2
        v = pmpcfg[(number - csr::kPmpcfg0) / 2];
      } else if (number >= csr::kPmpaddr0 && number <= csr::kPmpaddr15) {
        v = pmpaddr[number - csr::kPmpaddr0];
      } else {
        return false;
      }
  }
  *value = v;
  return true;
}

bool CsrFile::write(std::uint16_t number, Priv priv, CsrHost& host, std::uint64_t value) {
  if (static_cast<unsigned>(priv) < ((number >> 8) & 3u)) return false;
  if ((number >> 10) == 3) return false;  // bits 11:10 = 11: read-only
  switch (number) {
    case csr::kFflags: host.set_fcsr((host.fcsr() & ~0x1fu) | (value & 0x1f)); break;
    case csr::kFrm: host.set_fcsr((host.fcsr() & ~0xe0u) | ((value & 7) << 5)); break;
    case csr::kFcsr: host.set_fcsr(static_cast<std::uint32_t>(value & 0xff)); break;
    case csr::kSstatus: write_mstatus(value, kSstatusWritable); break;
    case csr::kSie: mie = (mie & ~mideleg) | (value & mideleg); break;
    case csr::kStvec: stvec = legal_tvec(stvec, value); break;
    case csr::kScounteren: scounteren = static_cast<std::uint32_t>(value); break;
    case csr::kSenvcfg: break;  // no field implemented: all WARL zero
    case csr::kSscratch: sscratch = value; break;
    case csr::kSepc: sepc = value & ~1ull; break;
    case csr::kScause: scause = value; break;
    case csr::kStval: stval = value; break;
    case csr::kSip:  // only SSIP is writable from S, and only when delegated
      mip_ = (mip_ & ~(kSsip & mideleg)) | (value & kSsip & mideleg);
      break;
    case csr::kSatp: {
      if (priv == Priv::Supervisor && (mstatus & kTvm) != 0) return false;
      const std::uint64_t mode = value >> 60;
      // An unsupported mode leaves satp unchanged (WARL); no ASID bits are implemented.
      if (mode != kSatpModeBare && mode != kSatpModeSv39 && mode != kSatpModeSv48) break;
      const std::uint64_t next =
          mode == kSatpModeBare ? 0 : (value & ((1ull << 44) - 1)) | (mode << 60);
      satp = next;
      translation_changed_ = true;  // even an equal value: software writes satp to flush
      break;
    }
    case csr::kMstatus: write_mstatus(value, kMstatusWritable); break;
    case csr::kMisa: break;  // fixed
    case csr::kMedeleg: medeleg = value & kDelegableExceptions; break;
    case csr::kMideleg: mideleg = value & kSupervisorInterrupts; break;
    case csr::kMie: mie = value & kAllInterrupts; break;
    case csr::kMtvec: mtvec = legal_tvec(mtvec, value); break;
    case csr::kMcounteren: mcounteren = static_cast<std::uint32_t>(value); break;
    case csr::kMenvcfg:
    case csr::kMcountinhibit: break;
    case csr::kMscratch: mscratch = value; break;
    case csr::kMepc: mepc = value & ~1ull; break;
    case csr::kMcause: mcause = value; break;
    case csr::kMtval: mtval = value; break;
    case csr::kMip:  // M writes the supervisor bits; MTIP, MSIP and MEIP belong to the devices
      mip_ = (mip_ & ~kSupervisorInterrupts) | (value & kSupervisorInterrupts);
      break;
    case csr::kMcycle:
    case csr::kMinstret: break;  // counting is the hart's: a write is accepted and ignored
    default:
      if ((number >= csr::kMhpmcounter3 && number <= csr::kMhpmcounter31) ||
          (number >= csr::kMhpmevent3 && number <= csr::kMhpmevent31)) {
        break;
      } else if (number >= csr::kPmpcfg0 && number <= csr::kPmpcfg15) {
        if ((number & 1) != 0 || number > csr::kPmpcfg0 + 2) return false;
        pmpcfg[(number - csr::kPmpcfg0) / 2] = value;
      } else if (number >= csr::kPmpaddr0 && number <= csr::kPmpaddr15) {
        pmpaddr[number - csr::kPmpaddr0] = value & ((1ull << 54) - 1);  // PA bits 55:2
      } else {
        return false;
      }
  }
  return true;
}

}  // namespace strata::vm::rv64sys
