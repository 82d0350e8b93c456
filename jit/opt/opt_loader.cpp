#include "jit/opt/opt_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "isa/code_walk.hpp"
#include "jit/baseline/runtime.hpp"
#include "jit/compile_timer.hpp"
#include "jit/opt/opt_api.hpp"
#include "vm/interp.hpp"

#ifndef STRATA_OPT_BUILD_DIR
#error "STRATA_OPT_BUILD_DIR must name the directory libstrata_opt.so is built into"
#endif

namespace strata::jit::opt {

namespace {

const void* fnp(auto* f) {
  return reinterpret_cast<const void*>(f);
}

OptRuntime runtime_table() {
  namespace rt = baseline::rt;
  OptRuntime t;
  t.call = fnp(&rt::call);
  t.call_host = fnp(&rt::call_host);
  t.call_indirect = fnp(&rt::call_indirect);
  t.refuel = fnp(&rt::refuel);
  t.record_new = fnp(&rt::record_new);
  t.array_new = fnp(&rt::array_new);
  t.mem_grow = fnp(&rt::mem_grow);
  t.mem_copy = fnp(&rt::mem_copy);
  t.mem_fill = fnp(&rt::mem_fill);
  t.trap_explicit = fnp(&rt::trap_explicit);
  t.trap_div_zero = fnp(&rt::trap_div_zero);
  t.trap_index = fnp(&rt::trap_index);
  t.trap_memory = fnp(&rt::trap_memory);
  t.trap_object = fnp(&rt::trap_object);
  t.trap_record = fnp(&rt::trap_record);
  t.trap_alen = fnp(&rt::trap_alen);
  t.f_min = fnp(&rt::f_min);
  t.f_max = fnp(&rt::f_max);
  return t;
}

std::vector<std::string> candidates() {
  std::vector<std::string> c;
  if (const char* env = std::getenv("STRATA_OPT_LIB"); env != nullptr && *env != '\0')
    c.emplace_back(env);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) c.push_back((exe.parent_path() / kModuleName).string());
  c.push_back(std::string(STRATA_OPT_BUILD_DIR) + "/" + kModuleName);
  return c;
}

}  // namespace

Result<std::unique_ptr<OptTier>> OptTier::load() {
  CompileTimer timer;
  // The load runs on one thread (the run's, or the auto tier's worker while the run goes on), so
  // its CPU time is this thread's, free of the waits for a core that its wall time includes.
  const uint64_t cpu_start = thread_cpu_ns();
  std::string tried;
  void* handle = nullptr;
  std::string path;
  for (const std::string& p : candidates()) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      tried += fmt::format("\n  {}: not found", p);
      continue;
    }
    handle = ::dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
      path = p;
      break;
    }
    tried += fmt::format("\n  {}: {}", p, ::dlerror());
  }
  const uint64_t cpu_opened = thread_cpu_ns();
  if (handle == nullptr)
    return fail("the optimizing tier needs {} (built with the strata target):{}", kModuleName,
                tried);
  auto create = reinterpret_cast<CreateFn>(::dlsym(handle, kCreateSymbol));
  if (create == nullptr) return fail("{}: no symbol {}", path, kCreateSymbol);
  const OptRuntime table = runtime_table();
  std::string err;
  OptCompiler* compiler = create(&table, &err);
  if (compiler == nullptr) return fail("{}: {}", path, err);
  std::unique_ptr<OptTier> tier(new OptTier());
  tier->handle_ = handle;
  tier->compiler_ = compiler;
  tier->stats_.module_path = path;
  // CPU time read inside the wall-time interval, so that neither can exceed it.
  const uint64_t cpu_created = thread_cpu_ns();
  tier->stats_.load_ns = timer.elapsed_ns();
  tier->stats_.load_dlopen_cpu_ns = cpu_opened - cpu_start;
  tier->stats_.load_create_cpu_ns = cpu_created - cpu_opened;
  return tier;
}

OptTier::~OptTier() {
  // The compiled code dies with the compiler; callers withdraw nothing because an OptTier lives
  // as long as the program it compiled. The module stays mapped: LLVM registers atexit and
  // thread-local destructors that must not outlive its text.
  delete compiler_;
}

vm::JitEntry OptTier::translate(const vm::FuncInfo& fn, uint64_t memory_floor) {
  return translate(fn, fn.inst->module.funcs[fn.index], false, memory_floor);
}

void OptTier::release(vm::JitEntry entry) {
  compiler_->release(entry);
  std::lock_guard lock(mu_);
  ++stats_.released;
}

vm::JitEntry OptTier::translate(const vm::FuncInfo& fn, const isa::Function& body, bool guest_unit,
                                uint64_t memory_floor, const baseline::ChainExits* chain) {
  CompileTimer timer;
  std::vector<isa::Insn> insns;
  for (const isa::Insn& in : isa::CodeWalk(fn.inst->module, body)) insns.push_back(in);
  OptRequest req{&fn, insns, body.regs, guest_unit, guest_unit, guest_unit};
  req.memory_floor = memory_floor;
  // A guard exists only where the runner catches host faults over it (jit/rv64/guest_module.hpp).
  if (guest_unit) req.guard_bytes = fn.inst->memory.guard();
  req.chain = chain;
  OptResult r = compiler_->compile(req);
  return record(r, timer.elapsed_ns()) ? r.entry : nullptr;
}

vm::OsrEntry OptTier::translate_osr(const vm::FuncInfo& fn, uint32_t pc, uint64_t memory_floor) {
  CompileTimer timer;
  const isa::Function& body = fn.inst->module.funcs[fn.index];
  std::vector<isa::Insn> insns;
  for (const isa::Insn& in : isa::CodeWalk(fn.inst->module, body)) insns.push_back(in);
  OptRequest req{&fn, insns, body.regs};
  req.osr_pc = pc;
  req.memory_floor = memory_floor;
  OptResult r = compiler_->compile(req);
  return record(r, timer.elapsed_ns()) ? r.osr_entry : nullptr;
}

bool OptTier::record(const OptResult& r, uint64_t elapsed_ns) {
  std::lock_guard lock(mu_);
  if (r.entry == nullptr && r.osr_entry == nullptr) {
    ++stats_.declined;
    if (stats_.declined_reasons.size() < 8) stats_.declined_reasons.push_back(r.error);
    return false;
  }
  stats_.compile.record_ns(elapsed_ns);
  ++(r.entry != nullptr ? stats_.compiled : stats_.osr_compiled);
  stats_.ir_ns += stats_.last_ir_ns = r.phases.ir;
  stats_.opt_ns += stats_.last_opt_ns = r.phases.opt;
  stats_.codegen_ns += stats_.last_codegen_ns = r.phases.codegen;
  stats_.loop_memory_checks += stats_.last_loop_memory_checks = r.loop_memory_checks;
  return true;
}

bool OptTier::compile(vm::FuncInfo& fn) {
  vm::JitEntry entry = translate(fn, fn.inst->memory.size());
  if (entry != nullptr) vm::set_jit_entry(fn, entry);
  return entry != nullptr;
}

OptStats OptTier::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void OptTier::compile_program(const vm::Program& p) {
  for (const auto& inst : p.instances())
    for (vm::FuncInfo& fn : inst->funcs) compile(fn);
}

std::string OptTier::format_stats() const {
  std::lock_guard lock(mu_);
  std::string s = fmt::format(
      "opt: {} functions compiled (LLVM), {} declined, {:.1f} us/function mean, {:.1f} us "
      "p99; module loaded in {:.1f} ms ({})\n",
      stats_.compiled, stats_.declined, stats_.compile.mean_us(), stats_.compile.p99_us(),
      static_cast<double>(stats_.load_ns) / 1e6, stats_.module_path);
  s += fmt::format("opt: module load CPU time: dlopen {:.1f} ms, creating the compiler {:.1f} ms\n",
                   static_cast<double>(stats_.load_dlopen_cpu_ns) / 1e6,
                   static_cast<double>(stats_.load_create_cpu_ns) / 1e6);
  if (stats_.compile.count() != 0)
    s += fmt::format("opt: CPU time per phase: IR {:.1f} ms, passes {:.1f} ms, codegen {:.1f} ms\n",
                     static_cast<double>(stats_.ir_ns) / 1e6,
                     static_cast<double>(stats_.opt_ns) / 1e6,
                     static_cast<double>(stats_.codegen_ns) / 1e6);
  if (stats_.osr_compiled != 0)
    s += fmt::format("opt: {} OSR entries compiled (loops entered mid-activation)\n",
                     stats_.osr_compiled);
  if (stats_.released != 0) s += fmt::format("opt: {} compiled functions freed\n", stats_.released);
  s += fmt::format("opt: {} linear-memory bounds checks left inside loops\n",
                   stats_.loop_memory_checks);
  for (const std::string& why : stats_.declined_reasons)
    s += fmt::format("opt: declined: {}\n", why);
  return s;
}

bool llvm_is_loaded() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(kModuleName) != std::string::npos || line.find("libLLVM") != std::string::npos)
      return true;
  return false;
}

}  // namespace strata::jit::opt
