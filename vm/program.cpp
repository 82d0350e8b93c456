// Program: loading entry points and running (run_main, call).
#include "vm/program.hpp"

#include <unistd.h>

#include "vm/heap.hpp"
#include "vm/host_context.hpp"
#include "vm/instance.hpp"
#include "vm/interp.hpp"

namespace strata::vm {

Program::Program(LoadOptions opts) : opts_(std::move(opts)) {
  exec_ = std::make_unique<ExecState>(opts_.limits);
  host_ = std::make_unique<HostContext>(opts_.out_fd, opts_.err_fd);
  host_->user_data_ptr = opts_.user_data;
  // Interactive output appears line by line; pipes and files get full buffering.
  host_->out().set_line_buffered(::isatty(opts_.out_fd) == 1);
  host_->err().set_line_buffered(true);
}

Program::~Program() {
  if (host_) host_->flush_all();
}

Result<std::unique_ptr<Program>> Program::load(isa::Module main, LoadOptions opts) {
  return load_common(std::move(main), std::move(opts), true);
}

Result<std::unique_ptr<Program>> Program::load_library(isa::Module module, LoadOptions opts) {
  return load_common(std::move(module), std::move(opts), false);
}

Result<std::unique_ptr<Program>> Program::load_common(isa::Module main, LoadOptions opts,
                                                      bool need_main) {
  heap_init();
  heap_set_cap(opts.limits.heap_cap);
  std::unique_ptr<Program> p(new Program(std::move(opts)));
  std::string name = main.name.empty() ? std::string("main") : main.name;
  p->main_ = STRATA_TRY(p->load_module(std::move(main), std::move(name), p->opts_.main_path));
  // Every module is loaded now: interpreted calls start at each function's code.
  for (auto& inst : p->instances_)
    for (FuncInfo& fn : inst->funcs) set_jit_entry(fn, nullptr);
  if (!need_main) return p;

  const isa::Module& m = p->main_->module;
  auto f = m.find_export("main");
  if (!f) return fail("module '{}' has no exported function 'main'", p->main_->name);
  const isa::Signature& sig = m.sigs[m.funcs[*f].sig];
  if (!sig.params.empty() || (sig.result && *sig.result != isa::ValType::I64))
    return fail("module '{}': main must have signature () -> i64 or () -> void, not {}",
                p->main_->name, isa::to_string(sig));
  p->main_fn_ = &p->main_->funcs[*f];
  return p;
}

void Program::set_tier_up(const TierUp& t) {
  exec_->tier_up = t;
  for (auto& inst : instances_)
    for (FuncInfo& fn : inst->funcs) arm_tier_up(fn);
}

void Program::set_osr(const OsrHook& hook, uint32_t fuel_slice) {
  exec_->osr = hook;
  exec_->fuel_slice = fuel_slice;
}

RunResult Program::invoke(const FuncInfo* fn, std::span<const Value> args) {
  RunResult r;
  if (running_) {
    // The VM stack and frames belong to the run in progress (a native calling back in).
    r.kind = RunResult::Kind::Trapped;
    r.trap = Trap{TrapKind::HostError, "the program is already running", {}};
    return r;
  }
  running_ = true;
  Trap trap;
  host_->pending = HostContext::Pending::None;
  const ExecStatus status = execute(*exec_, *host_, fn, args.data(), &r.value, &trap);
  running_ = false;
  switch (status) {
    case ExecStatus::Returned: r.kind = RunResult::Kind::Returned; break;
    case ExecStatus::Exited:
      r.kind = RunResult::Kind::Exited;
      r.exit_code = host_->exit_code;
      break;
    case ExecStatus::Trapped:
      r.kind = RunResult::Kind::Trapped;
      r.trap = std::move(trap);
      break;
    case ExecStatus::Paused:
      // Only a debugger's copy of the code holds break words, and a debugger runs the program
      // itself (debug_access), never through here.
      r.kind = RunResult::Kind::Trapped;
      r.trap =
          Trap{TrapKind::HostError, "a debugger break word was reached outside a debugger", {}};
      break;
  }
  host_->flush_all();
  return r;
}

RunResult Program::run_main(std::vector<std::string> args) {
  host_->argv = std::move(args);
  if (!main_fn_) {
    RunResult r;
    r.kind = RunResult::Kind::Trapped;
    r.trap = Trap{TrapKind::HostError, "the program was loaded without a main function", {}};
    return r;
  }
  RunResult r = invoke(main_fn_, {});
  if (r.kind == RunResult::Kind::Returned) r.exit_code = main_fn_->has_result ? r.value.i : 0;
  return r;
}

Result<RunResult> Program::call(std::string_view name, std::span<const Value> args) {
  const isa::Module& m = main_->module;
  auto f = m.find_export(name);
  if (!f) return fail("module '{}' has no export '{}'", main_->name, name);
  const FuncInfo* fn = &main_->funcs[*f];
  if (args.size() != fn->nparams)
    return fail("{} takes {} arguments, got {}", name, fn->nparams, args.size());
  return invoke(fn, args);
}

void Program::request_stop() {
  exec_->stop.store(true, std::memory_order_relaxed);
}

uint64_t Program::fuel_used() const {
  return exec_->fuel_used();
}

}  // namespace strata::vm
