// Bare-metal RISC-V programs (programs/*.S) run by the full-system hart under each tier: each
// program checks the architectural effects itself (cause, epc, tval, PTE bits...) and ends
// through the test device with 0 or the code of the check that failed.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/jit/rv64sys/test_host.hpp"
#include "vm/rv64sys/csr_file.hpp"

namespace strata::jit::rv64sys::test {
namespace {

using vm::StopReason;
using vm::rv64sys::Priv;

constexpr std::uint64_t kRamBase = 0x8000'0000;

std::vector<std::uint8_t> program(const std::string& name) {
  std::ifstream in(std::string(STRATA_BINARY_DIR) + "/rv64sys/" + name + ".bin", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A tier, and whether its baseline compiles run on the BaselineWorker's thread (Auto only).
struct Tier {
  JitMode jit;
  bool background = false;
  bool chaining = true;  // HartOptions::chaining: off, every link is the loop's
};

class HartProgram : public ::testing::TestWithParam<Tier> {
 protected:
  // Runs `name` from RAM's start in `priv`; a run longer than 10 s is stopped (a hang fails).
  StopReason run(const std::string& name, bool sbi, Priv priv, void (*setup)(Hart&) = nullptr) {
    const auto image = program(name);
    EXPECT_FALSE(image.empty()) << name << ".bin was not built (riscv64-linux-gnu-gcc missing?)";
    HartOptions opts;
    opts.ram_size = 4 << 20;
    opts.jit = GetParam().jit;
    opts.background_compiles = GetParam().background;
    opts.chaining = GetParam().chaining;
    opts.sbi = sbi;
    opts.hot_threshold = 2;
    auto h = Hart::create(opts, host_);
    EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
    if (!h) return {};
    hart_ = std::move(*h);
    host_.hart = hart_.get();
    std::copy(image.begin(), image.end(), hart_->ram());
    hart_->reset(kRamBase, priv, 0);
    if (setup != nullptr) setup(*hart_);
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
      for (int i = 0; i < 1000 && !done; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!done) hart_->request_stop();
    });
    auto r = hart_->run({});
    done = true;
    watchdog.join();
    EXPECT_TRUE(r.has_value());
    return r ? *r : StopReason{};
  }
  void expect_pass(const StopReason& r) {
    EXPECT_EQ(r.kind, StopReason::Kind::Exited)
        << r.message << " pc 0x" << std::hex << hart_->pc() << " priv "
        << static_cast<int>(hart_->priv()) << " s0 " << hart_->xreg(8) << " t0 " << hart_->xreg(5)
        << " t1 " << hart_->xreg(6) << "\n"
        << hart_->stats();
    EXPECT_EQ(r.code, 0) << "the program's check " << r.code << " failed";
  }

  // The successor links followed, by the loop or by chained code: "successor links N taken, M
  // chained in code" of the hart's --stats.
  unsigned long links_taken() const {
    const std::string s = hart_->stats();
    const std::size_t at = s.find("successor links ");
    unsigned long n = 0, chained = 0;
    if (at == std::string::npos ||
        std::sscanf(s.c_str() + at, "successor links %lu taken, %lu chained", &n, &chained) != 2)
      return 0;
    return n + chained;
  }

  // "link epochs N ended" of the hart's --stats.
  unsigned long link_epochs() const {
    const std::string s = hart_->stats();
    const std::size_t at = s.find("link epochs ");
    unsigned long n = 0;
    if (at == std::string::npos || std::sscanf(s.c_str() + at, "link epochs %lu", &n) != 1)
      return ~0ul;
    return n;
  }

  TestHost host_;
  std::unique_ptr<Hart> hart_;
};

TEST_P(HartProgram, MachineTraps) {
  expect_pass(run("m_traps", false, Priv::Machine));
}

// --stats: "cpu X s in Hart::run (...), Y s of it in the host kernel", Y within X.
TEST_P(HartProgram, StatsGiveTheHostKernelsShareOfTheCpuTime) {
  expect_pass(run("m_traps", false, Priv::Machine));
  const std::string s = hart_->stats();
  const std::size_t at = s.find("  cpu ");
  ASSERT_NE(at, std::string::npos) << s;
  double cpu = -1, kernel = -1;
  ASSERT_EQ(std::sscanf(s.c_str() + at,
                        "  cpu %lf s in Hart::run (the compile threads apart), %lf s of it in the "
                        "host kernel",
                        &cpu, &kernel),
            2)
      << s;
  EXPECT_GE(kernel, 0.0);
  EXPECT_LE(kernel, cpu + 0.0005) << s;  // both printed to the millisecond
}

// Runs of accesses off one base checked once (jit/rv64/mem_groups.hpp): inside a page,
// misaligned, across a page end, on a device, a load into the base, a fault at a later member.
TEST_P(HartProgram, AccessRunsCheckedOnceBehaveAsAccessesOneByOne) {
  expect_pass(run("mem_groups", false, Priv::Machine));
  // --stats counts them: "tlb checks N loads and stores checked inline, M more covered by a
  // run's check" (stores_loads alone has two runs with three members each).
  const std::string s = hart_->stats();
  const std::size_t at = s.find("tlb checks ");
  unsigned long inline_checks = 0, covered = 0;
  ASSERT_NE(at, std::string::npos) << s;
  ASSERT_EQ(std::sscanf(s.c_str() + at,
                        "tlb checks %lu loads and stores checked inline, %lu more covered",
                        &inline_checks, &covered),
            2)
      << s;
  EXPECT_GE(covered, 4u) << s;
  EXPECT_GT(inline_checks, 0u) << s;
}

TEST_P(HartProgram, DelegationToSupervisorAndSret) {
  expect_pass(run("s_deleg", false, Priv::Machine));
}

TEST_P(HartProgram, Sv39PageFaultsSumAccessedDirty) {
  expect_pass(run("sv39", false, Priv::Machine));
}

TEST_P(HartProgram, SumMprvAndMxrWithCachedTranslations) {
  expect_pass(run("mmu_index", false, Priv::Machine));
}

TEST_P(HartProgram, InstructionAcrossAPageEndIsCachedAndInvalidated) {
  expect_pass(run("cross_page", false, Priv::Machine));
  // Nine runs, three translations: the first run, after the write, after the remap to P2;
  // mapped back to P1, the unit for (P0, P1) is found again.
  EXPECT_NE(hart_->stats().find("3 instructions across a page end"), std::string::npos)
      << hart_->stats();
}

TEST_P(HartProgram, SelfModifyingCode) {
  expect_pass(run("smc", false, Priv::Machine));
  EXPECT_NE(hart_->stats().find("stores into pages with translations"), std::string::npos);
}

// With chaining, the store comes from a unit the loop's unit chained into: the loop's unit must
// survive the run, its page dropped after it (without that, valgrind reports execute() reading
// the freed unit).
TEST_P(HartProgram, CodeOfTheLoopsUnitWrittenByAUnitItChainedInto) {
  expect_pass(run("smc_chain", false, Priv::Machine));
  EXPECT_NE(hart_->stats().find("20 stores into pages with translations"), std::string::npos)
      << hart_->stats();
}

TEST_P(HartProgram, TimerInterruptWakesWfi) {
  expect_pass(run("timer_wfi", true, Priv::Supervisor));
  EXPECT_EQ(host_.sbi_calls, 2u);
}

TEST_P(HartProgram, IllegalInstructionDelegatedToSupervisor) {
  expect_pass(run("illegal_s", true, Priv::Supervisor));
}

TEST_P(HartProgram, TrapToMachineWithoutHandlerIsAFault) {
  const StopReason r =
      run("m_no_handler", true, Priv::Supervisor, [](Hart& h) { h.csrs().medeleg = 0; });
  ASSERT_EQ(r.kind, StopReason::Kind::Fault);
  EXPECT_NE(r.message.find("illegal instruction"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("0xffffffff"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("0000000000001234"), std::string::npos) << r.message;  // a0
  EXPECT_EQ(r.addr, kRamBase + 8);
}

TEST_P(HartProgram, UnfetchableTrapVectorIsAFault) {
  const StopReason r = run("m_no_handler", false, Priv::Machine);
  ASSERT_EQ(r.kind, StopReason::Kind::Fault);
  EXPECT_NE(r.message.find("illegal instruction"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("cannot fetch its trap handler at 0x0"), std::string::npos) << r.message;
}

TEST_P(HartProgram, PageTableLoopIsAPageFault) {
  expect_pass(run("pt_loop", false, Priv::Machine));
}

TEST_P(HartProgram, DeviceAccess) {
  expect_pass(run("mmio", false, Priv::Machine));
  EXPECT_EQ(host_.uart, "ok\n");
}

TEST_P(HartProgram, MisalignedAccesses) {
  expect_pass(run("misaligned", false, Priv::Machine));
}

TEST_P(HartProgram, InterruptEnabledMidUnitIsTakenAtTheNextInstruction) {
  expect_pass(run("csr_irq", false, Priv::Machine));
}

TEST_P(HartProgram, SumChangedMidUnitAppliesToTheNextAccess) {
  expect_pass(run("csr_sum", false, Priv::Machine));
}

TEST_P(HartProgram, IllegalCsrMidUnitAndExactCounters) {
  expect_pass(run("csr_trap", false, Priv::Machine));
}

TEST_P(HartProgram, SfenceVmaOfTheRunningPageFetchesFromItsNewMapping) {
  expect_pass(run("sfence_remap", false, Priv::Machine));
}

// The loops of both programs follow successor links (sys_code_cache.hpp) to the unit of a page
// whose mapping then changes: the new code must run, never the linked unit.
TEST_P(HartProgram, SuccessorLinkEndsWithASfenceOfItsTargetsPage) {
  expect_pass(run("link_remap", false, Priv::Machine));
  EXPECT_GT(links_taken(), 10u) << hart_->stats();
}

TEST_P(HartProgram, SuccessorLinkEndsWithASfenceAtAnotherPageOfItsTargetsSuperpage) {
  expect_pass(run("link_remap_super", false, Priv::Machine));
  EXPECT_GT(links_taken(), 10u) << hart_->stats();
}

// sfence.vma of a page no pick fetched from leaves the links (linked_fetches.hpp): both links of
// each of the 80 passes are taken but the first few (a link made in one pass is taken in the
// next). Without that, each flush would end them all and none would be taken.
TEST_P(HartProgram, SfenceOfAnUnfetchedPageKeepsTheSuccessorLinks) {
  expect_pass(run("link_keep", false, Priv::Machine));
  EXPECT_GT(links_taken(), 120u) << hart_->stats();
}

TEST_P(HartProgram, SuccessorLinkEndsWithAPrivilegeChange) {
  expect_pass(run("link_priv", false, Priv::Machine));
  EXPECT_GT(links_taken(), 10u) << hart_->stats();
}

// Traps and sret between U- and S-mode keep the link epoch (sys_code_cache.hpp, SUCCESSOR
// LINKS): the program's 30 U-mode traps and 30 srets end none (each ended one before), and each
// U-mode call still traps although the S-mode unit at its pc was the newest found there.
TEST_P(HartProgram, TrapsBetweenUserAndSupervisorKeepTheLinks) {
  expect_pass(run("link_us", false, Priv::Machine));
  EXPECT_LT(link_epochs(), 10u) << hart_->stats();
}

// So do writes of sstatus.SUM: a unit's chained exit must then look only among the units of its
// own MMU index, or a call without SUM enters the unit found with it and its load of a user page
// succeeds (the program's check 1 or 2).
TEST_P(HartProgram, UnitsOfOnePcWithAndWithoutSumStayApart) {
  expect_pass(run("link_sum", false, Priv::Machine));
  EXPECT_LT(link_epochs(), 10u) << hart_->stats();
}

// sys_layout.hpp, "Retired instructions": a trapping ecall does not count; mret, sret and a
// store into a page with translations do (the program's checks 1..5).
TEST_P(HartProgram, MinstretCountsExactlyAcrossUnitExits) {
  expect_pass(run("instret", false, Priv::Machine));
  // The store did exit the unit as CodeWritten.
  EXPECT_NE(hart_->stats().find("stores into pages with translations"), std::string::npos)
      << hart_->stats();
}

// AutoBackground: units are compiled on another thread while the hart runs on, installed
// between units whenever they come back (with hot_threshold 2, most of a program's units,
// including those a store into their page drops while their compile is in flight).
INSTANTIATE_TEST_SUITE_P(
    Tiers, HartProgram,
    ::testing::Values(Tier{JitMode::Off}, Tier{JitMode::Baseline},
                      Tier{JitMode::Baseline, false, false}, Tier{JitMode::Auto},
                      Tier{JitMode::Auto, true}, Tier{JitMode::Opt}),
    [](const auto& param_info) {
      switch (param_info.param.jit) {
        case JitMode::Off: return std::string("Interpreter");
        case JitMode::Baseline:
          return std::string(param_info.param.chaining ? "Baseline" : "BaselineUnchained");
        case JitMode::Opt: return std::string("Opt");
        default: return std::string(param_info.param.background ? "AutoBackground" : "Auto");
      }
    });

}  // namespace
}  // namespace strata::jit::rv64sys::test

namespace strata::jit::rv64sys::test {
namespace {

// The debugger's view: a breakpoint inside the first unit stops exactly there, single steps
// move one instruction, and the run then finishes as without a debugger.
TEST(HartDebug, BreakpointAndSteps) {
  TestHost host;
  HartOptions opts;
  opts.ram_size = 1 << 20;
  opts.sbi = false;
  auto h = Hart::create(opts, host);
  ASSERT_TRUE(h.has_value());
  Hart& hart = **h;
  host.hart = &hart;
  const auto image = program("m_traps");
  ASSERT_FALSE(image.empty());
  std::copy(image.begin(), image.end(), hart.ram());
  hart.reset(kRamBase, vm::rv64sys::Priv::Machine, 0);
  // _start: auipc, addi (8 bytes), csrw mtvec (4), li s0, 1 (2): a breakpoint on the li.
  ASSERT_TRUE(hart.set_breakpoint(kRamBase + 12));
  auto r = hart.run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, StopReason::Kind::Breakpoint);
  EXPECT_EQ(hart.pc(), kRamBase + 12);
  EXPECT_EQ(*hart.read_reg("mtvec"), hart.xreg(5));  // the csrw ran
  EXPECT_EQ(hart.xreg(8), 0u);
  r = hart.step(1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, StopReason::Kind::Stepped);
  EXPECT_EQ(hart.pc(), kRamBase + 14);
  EXPECT_EQ(*hart.read_reg("s0"), 1u);
  auto insn = hart.disassemble(kRamBase + 14);
  ASSERT_TRUE(insn);
  EXPECT_EQ(insn->text, "ecall");
  EXPECT_TRUE(hart.clear_breakpoint(kRamBase + 12));
  r = hart.run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, StopReason::Kind::Exited);
  EXPECT_EQ(r->code, 0);
}

}  // namespace
}  // namespace strata::jit::rv64sys::test
