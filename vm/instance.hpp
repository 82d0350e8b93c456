// Linked module instances: the run-time form of an isa::Module that the interpreter executes.
//
// The loader (vm/program.cpp, vm/linker.cpp) builds one Instance per loaded module and never
// resizes its tables afterwards, so pointers to FuncInfo, RecordType and the code stay valid for
// the Program's lifetime. Tables that hold references (constants, function references) are
// GC_MALLOC_UNCOLLECTABLE blocks: Boehm scans them, std::vector memory it would not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isa/module.hpp"
#include "vm/memory.hpp"
#include "vm/native.hpp"
#include "vm/object.hpp"
#include "vm/value.hpp"

namespace strata::vm {

struct Instance;
struct FuncInfo;
class ExecState;
struct Frame;

// Entry of a function's compiled code (jit/baseline): runs the frame `fp` (already pushed, as
// for run_frames) and returns an ExecStatus: Returned (result in st->jit_retval), Exited, or
// Trapped (the finished trap in st->jit_trap). Fuel is st->fuel_left. Never throws.
using JitEntry = uint64_t (*)(ExecState* st, Value* base, Frame* fp);

// An OSR entry: as JitEntry, plus `target`, a value of the tier that made it (the baseline
// tier: the code address of the branch to jump to once its prologue has run).
using OsrEntry = uint64_t (*)(ExecState* st, Value* base, Frame* fp, const void* target);

// On-stack replacement (vm/interp.hpp "Tiering"): `find` returns where compiled code of `fn`
// continues an activation whose next instruction is the backward branch at `pc` (an index into
// fn.code), or a null entry when it has none. Called on the interpreter's thread when a fuel
// slice runs out at that branch, taking it (after TierUp::promote, if `fn` was watched). The
// entry re-executes the branch with the frame's registers as they are in base[]. Null: no OSR.
struct OsrTarget {
  OsrEntry entry = nullptr;
  const void* target = nullptr;
};
// `compile` gives `fn` the code `find` enters (publishing it with set_jit_entry); false when it
// cannot. Used instead of TierUp::promote for the run's entry function (see interp.cpp).
// `upgrade` (may be null) is `find` for an activation already in compiled code (the baseline
// tier's, which keeps every register in base[]): called by that code, on the run's thread, when
// a fuel slice runs out at the taken backward branch `pc`; it answers only with code of a higher
// tier (jit/opt/opt_auto.hpp), or a null entry to stay.
struct OsrHook {
  OsrTarget (*find)(void* ctx, const FuncInfo& fn, uint32_t pc) = nullptr;
  bool (*compile)(void* ctx, FuncInfo& fn) = nullptr;
  void* ctx = nullptr;
  OsrTarget (*upgrade)(void* ctx, const FuncInfo& fn, uint32_t pc) = nullptr;
};

// Run-time tier-up (--jit=auto, vm/interp.hpp "Tiering"): `promote` compiles `fn` and publishes
// it with set_jit_entry, returning false when it cannot (the function then stays interpreted).
// Called on the interpreter's thread at a call, after the callee's frame is pushed and before
// any of its code runs. `threshold` is the hotness (calls, see FuncInfo::hot_count) that
// triggers it. A null `promote` means tiering is off.
struct TierUp {
  bool (*promote)(void* ctx, FuncInfo& fn) = nullptr;
  void* ctx = nullptr;
  uint32_t threshold = 1000;
};

// A struct type of one module. Records point at their RecordType; rget/rset compare that
// pointer with the field handle's owner, so two modules' same-named structs stay distinct.
struct RecordType {
  std::string name;
  const Instance* owner = nullptr;
  uint32_t field_count = 0;
  std::vector<isa::ValType> field_types;
};

// A linked SVI function. The first fields are what a call reads.
struct FuncInfo {
  const isa::Word* code = nullptr;
  // Where an interpreted call starts: `code`, or vm::kEnterJitWord while jit_entry is set (so the
  // interpreter's call path tests nothing). Set by Program::load; change with set_jit_entry().
  const isa::Word* call_code = nullptr;
  uint32_t nregs = 0;  // registers in its frame; params are the first nparams
  uint32_t nparams = 0;
  uint32_t arg_words = 0;  // argument words after a call instruction: isa::arg_words(nparams)
  uint32_t sig_id = 0;     // program-wide structural signature id (calli compares these)
  // The one code slot (STYLE lesson 8): compiled code, or null to interpret. Written only
  // between runs (the baseline tier compiles at load).
  JitEntry jit_entry = nullptr;
  Instance* inst = nullptr;
  bool has_result = false;
  uint32_t index = 0;  // function index in its module
  std::string name;
  // Hotness for run-time tier-up: calls counted while call_code is vm::kCountCallWord, raised
  // to the threshold when a fuel slice runs out inside the function (a long loop). Touched
  // only under tiering, never by the --jit=off path.
  mutable uint32_t hot_count = 0;
};

// A field handle (Fd): which struct it belongs to and its slot in the record.
struct FieldInfo {
  const RecordType* owner = nullptr;
  uint32_t slot = 0;
};

// A resolved import: exactly one of `native` and `target` is set.
struct ImportBinding {
  NativeFn native = nullptr;
  const FuncInfo* target = nullptr;  // an export of another (or the same) instance
  uint32_t nparams = 0;
  uint32_t arg_words = 0;
  bool has_result = false;
  // Called only on slow paths (a translated RV64 instruction's fallback behind its inline fast
  // path): the optimizing tier treats the call as cold, so the path around it is laid out of
  // line and its register spills stay there.
  bool cold = false;
  std::string qualified_name;  // "std.io.print", for traces
};

struct Instance {
  Instance() = default;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  ~Instance();

  std::string name;    // the name it was loaded under (imports use it)
  std::string path;    // importer_path for the modules it imports (its source file)
  isa::Module module;  // owned; its code vectors are never modified after loading

  Value* consts = nullptr;     // uncollectable; string constants are heap Strings
  FuncRef** fnrefs = nullptr;  // uncollectable; one preallocated FuncRef per function (fnref)
  std::vector<FuncInfo> funcs;
  std::vector<RecordType> types;
  std::vector<FieldInfo> fields;
  std::vector<ImportBinding> imports;
  std::vector<uint32_t> sig_ids;  // module signature index -> program-wide signature id
  LinearMemory memory;
};

}  // namespace strata::vm
