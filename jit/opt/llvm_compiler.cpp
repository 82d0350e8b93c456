// The optimizing tier's compiler inside libstrata_opt.so: translated IR (translate.hpp) ->
// the tier's pass pipeline (pipeline.hpp) -> ORC LLJIT (host CPU, its own JIT memory). One LLVM
// module per SVI function, so each function's compile is measured alone and code becomes
// callable as soon as it is ready. This file is the module's only exported symbol.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/StringSaver.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include "jit/compile_timer.hpp"
#include "jit/opt/code_sizes.hpp"
#include "jit/opt/loop_checks.hpp"
#include "jit/opt/object_compiler.hpp"
#include "jit/opt/opt_api.hpp"
#include "jit/opt/pipeline.hpp"
#include "jit/opt/translate.hpp"
#include "jit/perf_map.hpp"

namespace strata::jit::opt {

namespace {

std::string to_string(llvm::Error e) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << e;
  return s;
}

class LlvmCompiler final : public OptCompiler {
 public:
  static std::unique_ptr<LlvmCompiler> create(const OptRuntime& rt, std::string* err) {
    static std::once_flag once;
    std::call_once(once, [] {
      llvm::InitializeNativeTarget();
      llvm::InitializeNativeTargetAsmPrinter();
      // -disable-x86-domain-reassignment: on AVX-512 hosts the pass that moves integer
      // operations into mask registers (code we never write) took 40% of code generation on a
      // translated RV64 unit (fib's, 53 of 131 ms, `llc -time-passes`); without it the code is
      // the same and the compile about a third shorter (docs/RV64.md, "No X86 domain
      // reassignment").
      const char* tier_args[] = {"strata", "-disable-x86-domain-reassignment"};
      llvm::cl::ParseCommandLineOptions(2, tier_args);
      // STRATA_LLVM_ARGS="-disable-lsr ...": LLVM's own command-line options, for trying code
      // generation settings on the tier without rebuilding it. One LLVM rejects is reported and
      // the rest of the run goes on (given an error stream, the parser does not exit).
      if (const char* args = std::getenv("STRATA_LLVM_ARGS"); args != nullptr) {
        llvm::BumpPtrAllocator arena;
        llvm::StringSaver saver(arena);
        llvm::SmallVector<const char*, 8> argv = {"strata"};
        llvm::cl::TokenizeGNUCommandLine(args, saver, argv);
        llvm::cl::ParseCommandLineOptions(static_cast<int>(argv.size()), argv.data(), "",
                                          &llvm::errs());
      }
    });
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) {
      *err = to_string(jtmb.takeError());
      return nullptr;
    }
    jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);  // llc -O2
    // Made from the builder LLJIT hands its compile function, which it has set up for its
    // linker (JITLink: small code model, PIC); a machine made from `jtmb` itself gets the JIT
    // default, the large code model with static relocations, whose constant-pool loads and
    // calls go through 64-bit immediates.
    std::unique_ptr<llvm::TargetMachine> tm;
    auto jit =
        llvm::orc::LLJITBuilder()
            .setJITTargetMachineBuilder(*jtmb)
            .setCompileFunctionCreator(
                [&tm](llvm::orc::JITTargetMachineBuilder b)
                    -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                  auto made = b.createTargetMachine();
                  if (!made) return made.takeError();
                  tm = std::move(*made);
                  auto objects = ObjectCompiler::create(*tm);
                  if (!objects) return objects.takeError();
                  return std::move(*objects);
                })
            .create();
    if (!jit) {
      *err = to_string(jit.takeError());
      return nullptr;
    }
    // Code calls the strata helpers by absolute address; only libcalls LLVM itself introduces
    // (memset for zeroing a callee's registers) are resolved against the process.
    auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        (*jit)->getDataLayout().getGlobalPrefix());
    if (!gen) {
      *err = to_string(gen.takeError());
      return nullptr;
    }
    (*jit)->getMainJITDylib().addGenerator(std::move(*gen));
    auto c = std::unique_ptr<LlvmCompiler>(new LlvmCompiler());
    c->rt_ = rt;
    c->tm_ = std::move(tm);
    if (const char* passes = std::getenv("STRATA_OPT_PASSES"); passes != nullptr)
      c->passes_ = passes;
    c->jit_ = std::move(*jit);
    if (perf_map_enabled()) c->code_sizes_.attach(*c->jit_);
    return c;
  }

  OptResult compile(const OptRequest& req) noexcept override {
    try {
      return compile_or_decline(req);
    } catch (const std::exception& e) {
      return {nullptr, std::string("opt compile failed: ") + e.what(), {}};
    } catch (...) {
      return {nullptr, "opt compile failed", {}};
    }
  }

 private:
  LlvmCompiler() = default;

  OptResult compile_or_decline(const OptRequest& req) {
    OptPhaseNs phases;
    uint64_t t0 = thread_cpu_ns();
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto mod = std::make_unique<llvm::Module>("svi", *ctx);
    mod->setDataLayout(jit_->getDataLayout());
    mod->setTargetTriple(jit_->getTargetTriple().str());
    const std::string name = "svi_fn_" + std::to_string(next_id_++);
    if (std::string why = translate_function(req, rt_, *mod, name); !why.empty())
      return {nullptr, why, {}};
    std::string verify;
    llvm::raw_string_ostream vos(verify);
    if (llvm::verifyModule(*mod, &vos))
      return {nullptr, "invalid IR for " + req.fn->name + ": " + verify, {}};
    uint64_t t1 = thread_cpu_ns();
    phases.ir = t1 - t0;
    // STRATA_OPT_DUMP=1: the optimized IR of every function on stderr (for tuning the tier);
    // STRATA_OPT_DUMP=raw: the translated IR before the pipeline (to replay it with `opt`).
    const char* dump = std::getenv("STRATA_OPT_DUMP");
    const std::string_view dump_mode = dump != nullptr ? dump : "";
    if (dump_mode == "raw") mod->print(llvm::errs(), nullptr);
    // Only code with a backward branch and a memory access can have loops over memory.
    bool memory_loops = false;
    for (const llvm::Function& f : *mod)
      memory_loops = memory_loops || f.hasFnAttribute(kMemoryLoopsAttr);
    const CodeKind kind = req.fixed_memory && req.leaf_host_calls && req.unlimited_fuel
                              ? CodeKind::GuestUnit
                              : CodeKind::Function;
    if (std::string why = optimize_module(*mod, *tm_, kind, memory_loops, passes_); !why.empty())
      return {nullptr, why, {}};
    if (kind == CodeKind::GuestUnit)
      mod->addModuleFlag(llvm::Module::Warning, ObjectCompiler::kGuestUnitFlag, 1);
    const uint32_t loop_checks =
        memory_loops ? count_loop_memory_checks(*mod, rt_.trap_memory, rt_.refuel) : 0;
    t0 = thread_cpu_ns();
    phases.opt = t0 - t1;
    if (dump_mode == "1") mod->print(llvm::errs(), nullptr);
    // One tracker per function, so release() can free exactly its code.
    llvm::orc::ResourceTrackerSP tracker = jit_->getMainJITDylib().createResourceTracker();
    if (auto e =
            jit_->addIRModule(tracker, llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx))))
      return {nullptr, to_string(std::move(e)), {}};
    auto sym = jit_->lookup(name);
    if (!sym) {
      llvm::consumeError(tracker->remove());
      return {nullptr, to_string(sym.takeError()), {}};
    }
    auto entry = sym->toPtr<vm::JitEntry>();
    trackers_.emplace(entry, std::move(tracker));
    if (perf_map_enabled())
      perf_map_note(sym->toPtr<const void*>(), code_sizes_.take(name), req.fn->name, "llvm");
    phases.codegen = thread_cpu_ns() - t0;
    if (req.osr_pc != OptRequest::kNoOsrPc)
      return {nullptr, {}, phases, sym->toPtr<vm::OsrEntry>(), loop_checks};
    return {entry, {}, phases, nullptr, loop_checks};
  }

 public:
  // Each function's code is removed with its tracker before the JIT goes. A tracker destroyed
  // without remove() hands its code to the JITDylib's default tracker, and LLVM 19's
  // ObjectLinkingLayer::handleTransferResources reads the source's allocation list through a
  // reference its own insertion of the destination key may just have freed (fixed after 19 by
  // llvm-project#114063): valgrind showed the read on every run with a few dozen units, and
  // one run in about fifty aborted on the garbage (std::length_error from vector::reserve).
  ~LlvmCompiler() override {
    for (auto& [entry, tracker] : trackers_) llvm::consumeError(tracker->remove());
  }

  void release(vm::JitEntry entry) noexcept override {
    auto it = trackers_.find(entry);
    if (it == trackers_.end()) return;
    // Removal failing leaves the code mapped: a leak, never a dangling entry.
    llvm::consumeError(it->second->remove());
    trackers_.erase(it);
  }

 private:
  OptRuntime rt_;
  CodeSizes code_sizes_;  // attached only under STRATA_PERF_MAP
  // The pass pipeline's and code generation's (ObjectCompiler): one X86 subtarget built per
  // process, not one per user. Outlives jit_.
  std::unique_ptr<llvm::TargetMachine> tm_;
  std::string passes_;  // STRATA_OPT_PASSES: a textual pipeline instead of ours (pipeline.hpp)
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  uint64_t next_id_ = 0;
  std::unordered_map<vm::JitEntry, llvm::orc::ResourceTrackerSP> trackers_;
};

}  // namespace

}  // namespace strata::jit::opt

extern "C" [[gnu::visibility("default")]] strata::jit::opt::OptCompiler* strata_opt_create(
    const strata::jit::opt::OptRuntime* rt, std::string* err) noexcept {
  using strata::jit::opt::kOptApiVersion;
  try {
    if (rt == nullptr || rt->version != kOptApiVersion) {
      *err = "libstrata_opt.so: runtime table version mismatch (rebuild strata)";
      return nullptr;
    }
    return strata::jit::opt::LlvmCompiler::create(*rt, err).release();
  } catch (...) {
    *err = "libstrata_opt.so: cannot create the LLVM compiler";
    return nullptr;
  }
}
