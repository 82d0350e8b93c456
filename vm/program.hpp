// Program: a loaded, linked SVI program (its main module and everything it imports) and the
// entry points the CLI and tests use to run it.
//
//   auto p = Program::load(std::move(module), opts);   // verify, instantiate, link
//   if (!p) ...p.error().message...                     // "link: module 'main' imports ..."
//   RunResult r = (*p)->run_main(args);                 // Returned / Exited / Trapped
//
// Loading verifies every module (isa::verify), materialises constants (strings become heap
// Strings), creates linear memories (data segments copied in), and resolves each import by
// (module, name): first against the native registry (signature text must match exactly), then
// by loading the SVI module through the resolver and taking its export of that name and
// signature. Modules are cached by name, so each is instantiated once; import cycles are
// allowed (a module is registered before its imports are resolved).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"
#include "isa/module.hpp"
#include "vm/limits.hpp"
#include "vm/native.hpp"
#include "vm/trap.hpp"
#include "vm/value.hpp"

namespace strata::vm {

struct Instance;
struct FuncInfo;
struct TierUp;
struct OsrHook;
class ExecState;
class HostContext;

// Loads the SVI module `module_name` imported by the module at `importer_path` (that module's
// file, for relative lookup; may be empty).
using ModuleResolver = std::function<Result<isa::Module>(std::string_view module_name,
                                                         std::string_view importer_path)>;

struct LoadOptions {
  Limits limits;
  std::span<const NativeDef> natives;  // must outlive the Program
  ModuleResolver resolver;             // may be empty: then only natives resolve imports
  std::string main_path;               // the main module's file (importer_path of its imports)
  int out_fd = 1;                      // guest stdout / stderr (tests redirect them)
  int err_fd = 2;
  void* user_data = nullptr;  // handed to natives as NativeContext::user_data()
};

struct RunResult {
  enum class Kind { Returned, Exited, Trapped };
  Kind kind = Kind::Returned;
  // Returned from main: its i64 result, or 0 for a void main. Exited: the code given to
  // std.sys.exit. Trapped: 0 (the CLI picks its own code).
  int64_t exit_code = 0;
  std::optional<Trap> trap;  // set when Trapped
  Value value{};             // call(): the function's result, when it has one
};

class Program {
 public:
  // Verifies and links `main` and its imports. `main` must export `main` with signature
  // () -> i64 or () -> void. Sets the process-wide heap cap (limits.heap_cap).
  static Result<std::unique_ptr<Program>> load(isa::Module main, LoadOptions opts);
  // Links `module` without requiring a `main` (for tests and embedders that call exports).
  static Result<std::unique_ptr<Program>> load_library(isa::Module module, LoadOptions opts);

  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  // Runs the exported main with these program arguments (std.sys.argc/arg). Output streams are
  // flushed before it returns, whatever the outcome.
  RunResult run_main(std::vector<std::string> args);

  // Calls the main module's export `name` with `args` (typed as its signature says; refs must
  // be reachable by the GC). Errors: no such export, wrong argument count. The result is in
  // RunResult::value. Fuel is one budget for the whole Program.
  Result<RunResult> call(std::string_view name, std::span<const Value> args);

  // Asks a running program to stop: it traps with TrapKind::Interrupted at its next fuel check
  // (within ExecState::kFuelSlice calls or loop iterations). Async-signal- and thread-safe.
  void request_stop();

  // Turns on run-time tier-up (vm/interp.hpp "Tiering") for the next runs: every function
  // without compiled code has its calls counted, and `t.promote` is called for hot ones.
  void set_tier_up(const TierUp& t);
  // Turns on on-stack replacement (vm/interp.hpp "Tiering") for the next runs, with fuel slices
  // of `fuel_slice` units; OsrHook{} turns it off.
  void set_osr(const OsrHook& hook, uint32_t fuel_slice);

  // Fuel units charged so far (calls plus taken backward branches).
  uint64_t fuel_used() const;

  // The main module's instance: its name, and its linear memory for tests.
  const Instance& main_instance() const { return *main_; }
  // Every loaded instance (the main module and its imports), e.g. for a JIT to compile.
  const std::vector<std::unique_ptr<Instance>>& instances() const { return instances_; }
  Instance& main_instance() { return *main_; }

  // For a debugger that drives the interpreter itself (vm/debug/svi_vcpu.hpp): the execution
  // state, the natives' host context and the exported main. While it does, nothing else may run
  // this program (run_main, call).
  struct DebugAccess {
    ExecState& exec;
    HostContext& host;
    const FuncInfo* main;
  };
  DebugAccess debug_access() { return DebugAccess{*exec_, *host_, main_fn_}; }

 private:
  Program(LoadOptions opts);
  static Result<std::unique_ptr<Program>> load_common(isa::Module main, LoadOptions opts,
                                                      bool need_main);
  Result<Instance*> load_module(isa::Module module, std::string name, std::string path);
  Result<void> instantiate(Instance& inst);
  Result<void> link(Instance& inst);
  Result<void> link_import(Instance& inst, uint32_t index);
  uint32_t intern_sig(const isa::Signature& sig);
  RunResult invoke(const FuncInfo* fn, std::span<const Value> args);

  LoadOptions opts_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<isa::Signature> sigs_;  // program-wide signature ids
  Instance* main_ = nullptr;
  const FuncInfo* main_fn_ = nullptr;
  bool running_ = false;  // execute() is not reentrant
  std::unique_ptr<ExecState> exec_;
  std::unique_ptr<HostContext> host_;
};

// Parses a native signature in assembler syntax: "(i64, ref) -> void", "() -> f64".
Result<isa::Signature> parse_signature(std::string_view text);

}  // namespace strata::vm
