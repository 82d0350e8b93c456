// Random RV64IMA instruction sequences, run natively by qemu-riscv64 and through the translator
// (both SVI tiers), must leave the same registers and memory. The sequences are built from the
// encoders of translate_test_support.hpp with a fixed seed; the same words are assembled into one
// static program (`.word`) for qemu and copied into the rig for us.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

constexpr int kSeqs = 60;
constexpr int kSeqLen = 48;
constexpr uint32_t kBufBytes = 64;              // the memory a sequence may touch (x31)
constexpr uint32_t kArea = kBufBytes + 32 * 8;  // per sequence: buffer, then x0..x31 out
constexpr unsigned kBase = 31;                  // x31 = buffer address, never written

struct Seq {
  std::vector<uint32_t> words;
  uint64_t regs[32] = {};
  uint8_t buf[kBufBytes] = {};
  uint64_t fcsr = 0;
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  uint64_t value() {
    static constexpr uint64_t kSpecial[] = {0,
                                            1,
                                            ~uint64_t{0},
                                            uint64_t{1} << 63,
                                            (uint64_t{1} << 63) - 1,
                                            0x80000000,
                                            0xffffffff80000000,
                                            0x7fffffff,
                                            0xffffffff,
                                            2,
                                            31,
                                            63};
    if (pick(3) == 0) return kSpecial[pick(std::size(kSpecial))];
    return rng_();
  }
  unsigned rd() { return pick(8) == 0 ? 0 : 1 + pick(30); }  // sometimes x0; never x31
  unsigned rs() { return pick(31); }                         // x0..x30
  int32_t imm12() { return static_cast<int32_t>(pick(4096)) - 2048; }

  // Appends one unit, an instruction or a pair, to `out`. Control transfers only go forward, by
  // 1..4 units (never into the middle of a pair), at most to the end: every run terminates.
  void insn(std::vector<uint32_t>& out) {
    units_.push_back(out.size());
    using F = uint32_t (*)(unsigned, unsigned, unsigned);
    static constexpr F kR[] = {rv::add,   rv::sub,   rv::sll,  rv::slt,  rv::sltu, rv::xor_,
                               rv::srl,   rv::sra,   rv::or_,  rv::and_, rv::addw, rv::subw,
                               rv::sllw,  rv::srlw,  rv::sraw, rv::mul,  rv::mulh, rv::mulhsu,
                               rv::mulhu, rv::div,   rv::divu, rv::rem,  rv::remu, rv::mulw,
                               rv::divw,  rv::divuw, rv::remw, rv::remuw};
    using I = uint32_t (*)(unsigned, unsigned, int32_t);
    static constexpr I kI[] = {rv::addi, rv::slti, rv::sltiu, rv::xori,
                               rv::ori,  rv::andi, rv::addiw};
    using S = uint32_t (*)(unsigned, unsigned, int);
    static constexpr S kSh[] = {rv::slli, rv::srli, rv::srai};
    static constexpr S kShW[] = {rv::slliw, rv::srliw, rv::sraiw};
    static constexpr I kLd[] = {rv::lb, rv::lh, rv::lw, rv::ld, rv::lbu, rv::lhu, rv::lwu};
    static constexpr I kSt[] = {rv::sb, rv::sh, rv::sw, rv::sd};
    static constexpr uint32_t kAmo[] = {kAmoAdd, kAmoSwap, kAmoXor,  kAmoOr,  kAmoAnd,
                                        kAmoMin, kAmoMax,  kAmoMinu, kAmoMaxu};
    const auto left = static_cast<unsigned>(kSeqLen - out.size());  // slots from this one
    // A control transfer: its word is patched by resolve() once the units are laid out.
    const auto transfer = [&](size_t base, std::function<uint32_t(int32_t)> encode) {
      fixups_.push_back({out.size(), base, units_.size() - 1, 1 + pick(4), std::move(encode)});
      out.push_back(0);
    };
    unsigned kind = pick(13);
    switch (kind) {
      case 0:
      case 1:
      case 2: out.push_back(kR[pick(std::size(kR))](rd(), rs(), rs())); return;
      case 3: out.push_back(kI[pick(std::size(kI))](rd(), rs(), imm12())); return;
      case 4: out.push_back(kSh[pick(3)](rd(), rs(), static_cast<int>(pick(64)))); return;
      case 5: out.push_back(kShW[pick(3)](rd(), rs(), static_cast<int>(pick(32)))); return;
      case 6: {
        const uint32_t hi = static_cast<uint32_t>(rng_()) & 0xfffff000u;
        out.push_back(pick(2) ? rv::lui(rd(), hi) : rv::auipc(rd(), hi));
        return;
      }
      case 7:
        out.push_back(kLd[pick(std::size(kLd))](rd(), kBase, static_cast<int32_t>(pick(57))));
        return;
      case 8:
        out.push_back(kSt[pick(std::size(kSt))](rs(), kBase, static_cast<int32_t>(pick(57))));
        return;
      case 9: {
        using B = uint32_t (*)(unsigned, unsigned, int32_t);
        static constexpr B kB[] = {rv::beq, rv::bne, rv::blt, rv::bge, rv::bltu, rv::bgeu};
        const size_t at = out.size();
        if (pick(3) == 0) {
          const unsigned d = rd();
          transfer(at, [d](int32_t off) { return rv::jal(d, off); });
        } else {
          const B br = kB[pick(std::size(kB))];
          const unsigned x = rs(), y = rs();
          transfer(at, [br, x, y](int32_t off) { return br(x, y, off); });
        }
        return;
      }
      case 10: {
        // auipc t, 0 ; jalr rd, t, 4 * (1 + skip): a computed forward jump.
        if (left < 2) return;
        const unsigned t = 1 + pick(30), d = rd();
        const size_t at = out.size();
        out.push_back(rv::auipc(t, 0));
        transfer(at, [d, t](int32_t off) { return rv::jalr(d, t, off); });
        return;
      }
      case 11: {
        static constexpr uint32_t kCsrs[] = {0x001, 0x002, 0x003};
        const uint32_t c = kCsrs[pick(3)];
        const uint32_t f3 = 1 + pick(3) + (pick(2) ? 4 : 0);  // csrrw..csrrc, csrrwi..csrrci
        out.push_back(rv::csr(f3, rd(), c, f3 >= 4 ? pick(32) : rs()));
        return;
      }
      default:
        if (pick(4) == 0 && left >= 2) {
          // lr/sc back to back (a store in between would make qemu's value-based sc differ
          // from a reservation by address, both legal).
          const bool d = pick(2);
          out.push_back(d ? rv::lr_d(rd(), kBase) : rv::lr_w(rd(), kBase));
          out.push_back(d ? rv::sc_d(rd(), kBase, rs()) : rv::sc_w(rd(), kBase, rs()));
          return;
        }
        out.push_back(enc::amo(kAmo[pick(std::size(kAmo))], pick(2) ? 3 : 2, rd(), kBase, rs()));
        return;
    }
  }

  Seq seq() {
    Seq s;
    for (unsigned i = 1; i < 31; ++i) s.regs[i] = value();
    for (uint8_t& b : s.buf) b = static_cast<uint8_t>(rng_());
    s.fcsr = pick(256);
    while (s.words.size() < kSeqLen) insn(s.words);
    resolve(s.words);
    return s;
  }

  // Patches every control transfer now that the units are laid out (kSeqLen words or more).
  void resolve(std::vector<uint32_t>& out) {
    for (const Fixup& f : fixups_) {
      const size_t target = f.unit + f.skip < units_.size() ? units_[f.unit + f.skip] : out.size();
      out[f.at] = f.encode(static_cast<int32_t>(4 * (target - f.base)));
    }
    fixups_.clear();
    units_.clear();
  }

 private:
  struct Fixup {
    size_t at;    // word to patch
    size_t base;  // word the offset is relative to (the jalr's auipc, else the transfer itself)
    size_t unit;  // unit of the transfer
    size_t skip;  // units forward
    std::function<uint32_t(int32_t)> encode;
  };
  unsigned pick(size_t n) { return static_cast<unsigned>(rng_() % n); }
  std::vector<size_t> units_;  // first word of each unit
  std::vector<Fixup> fixups_;
  std::mt19937_64 rng_;
};

// The qemu program: per sequence, set fcsr, load x1..x30, x31 = its buffer, run it, store
// x1..x31 after the buffer (fcsr in x0's slot); then write every area and the sequences'
// addresses to stdout.
std::string program(const std::vector<Seq>& seqs) {
  std::string s = ".option norvc\n.option norelax\n.text\n.globl _start\n_start:\n";
  for (size_t i = 0; i < seqs.size(); ++i) {
    s += fmt::format("  li x31, {}\n  csrw fcsr, x31\n", seqs[i].fcsr);
    s += fmt::format("  lla x31, in_tab + {}\n", i * 256);
    for (unsigned r = 1; r < 31; ++r) s += fmt::format("  ld x{}, {}(x31)\n", r, r * 8);
    s += fmt::format("  lla x31, area + {}\nseq_{}:\n", i * kArea, i);
    for (uint32_t w : seqs[i].words) s += fmt::format("  .word 0x{:08x}\n", w);
    for (unsigned r = 1; r < 32; ++r) s += fmt::format("  sd x{}, {}(x31)\n", r, kBufBytes + r * 8);
    s += fmt::format("  csrr x1, fcsr\n  sd x1, {}(x31)\n", kBufBytes);  // in x0's slot
  }
  s += fmt::format(
      "  li a7, 64\n  li a0, 1\n  lla a1, area\n  li a2, {}\n  ecall\n"
      "  li a7, 93\n  li a0, 0\n  ecall\n",
      seqs.size() * (kArea + 8));
  s += ".data\n.balign 8\nin_tab:\n";
  for (const Seq& q : seqs)
    for (uint64_t v : q.regs) s += fmt::format("  .dword 0x{:x}\n", v);
  s += "area:\n";
  for (const Seq& q : seqs) {
    for (uint8_t b : q.buf) s += fmt::format("  .byte {}\n", b);
    s += fmt::format("  .space {}\n", kArea - kBufBytes);
  }
  for (size_t i = 0; i < seqs.size(); ++i) s += fmt::format("  .dword seq_{}\n", i);
  return s;
}

TEST(Rv64TranslateQemu, RandomIntegerSequencesMatchQemu) {
  std::vector<Seq> seqs;
  Gen gen(20261126);
  for (int i = 0; i < kSeqs; ++i) seqs.push_back(gen.seq());

  const std::string dir = fmt::format("{}/tests/jit/rv64", STRATA_BINARY_DIR);
  const std::string src = dir + "/translate_random.S", exe = dir + "/translate_random";
  std::ofstream(src) << program(seqs);
  if (std::system("command -v riscv64-linux-gnu-gcc >/dev/null && command -v qemu-riscv64 "
                  ">/dev/null") != 0)
    GTEST_SKIP() << "needs riscv64-linux-gnu-gcc and qemu-riscv64";
  const std::string cc = fmt::format(
      "riscv64-linux-gnu-gcc -march=rv64ima_zicsr -mabi=lp64 -nostdlib -static -o {} {} 2>&1", exe,
      src);
  ASSERT_EQ(std::system(cc.c_str()), 0) << cc;
  FILE* p = ::popen(fmt::format("qemu-riscv64 {}", exe).c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::vector<uint8_t> ref(seqs.size() * (kArea + 8));
  const size_t got = std::fread(ref.data(), 1, ref.size(), p);
  const int status = ::pclose(p);
  ASSERT_EQ(got, ref.size()) << "qemu run ended early, status " << status;

  for (size_t i = 0; i < seqs.size(); ++i) {
    const Seq& q = seqs[i];
    uint64_t start;  // the sequence's address in the qemu program: pcs (auipc, links) must match
    std::memcpy(&start, ref.data() + seqs.size() * kArea + i * 8, 8);
    const uint64_t end = start + 4 * q.words.size();
    ASSERT_TRUE(start >= kCode && end + 4 <= kData) << std::hex << start;
    // Block by block, then as regions (where the forward branches are SVI branches).
    for (const bool regions : {false, true}) {
      Rig r;
      if (regions) r.limits = RegionLimits{};
      for (unsigned k = 1; k < 31; ++k) r.set_x(k, q.regs[k]);
      r.set_x(kBase, kData);
      r.set_state(state::kFcsr, q.fcsr);
      for (uint32_t k = 0; k < kBufBytes; ++k) r.poke<uint8_t>(kData + k, q.buf[k]);
      std::vector<uint32_t> code = q.words;
      // Stops a block that runs into the end; a region would make `j .` a loop: ecall ends it.
      code.push_back(regions ? rv::kEcall : rv::jal(0, 0));
      r.code(code, start);
      // The runner's loop, for units that only return pcs (and the final ecall).
      uint64_t pc = start;
      const std::string what = fmt::format("sequence {} ({})", i, regions ? "regions" : "blocks");
      for (int blocks = 0; pc != end; ++blocks) {
        ASSERT_LT(blocks, kSeqLen + 1) << what;
        ASSERT_TRUE(pc >= start && pc < end) << what << " left for 0x" << std::hex << pc;
        const Outcome o = r.run(pc);
        ASSERT_EQ(o.status, vm::ExecStatus::Returned) << what;
        if (regions && o.ret == (end | 1) && r.state(state::kExit) == 1) break;  // the ecall
        ASSERT_EQ(o.ret & 1, 0u) << what << ": special exit " << r.state(state::kExit);
        pc = o.ret;
      }
      const uint8_t* area = ref.data() + i * kArea;
      for (uint32_t k = 0; k < kBufBytes; ++k)
        EXPECT_EQ(r.peek<uint8_t>(kData + k), area[k]) << what << " buffer byte " << k;
      for (unsigned k = 1; k < 31; ++k) {
        uint64_t want;
        std::memcpy(&want, area + kBufBytes + k * 8, 8);
        EXPECT_EQ(r.x(k), want) << what << " x" << k;
      }
      uint64_t fcsr;
      std::memcpy(&fcsr, area + kBufBytes, 8);
      EXPECT_EQ(r.state(state::kFcsr), fcsr) << what << " fcsr";
    }
  }
}

}  // namespace
}  // namespace strata::jit::rv64::test
