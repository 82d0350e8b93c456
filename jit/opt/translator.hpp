// The translator's state and vocabulary (see translate.hpp for the contract of the code it
// builds). Private to jit/opt: translate.cpp (frame, control, calls), self_call.cpp (the
// by-value protocol of recursive functions), translate_ops.cpp (data).
#pragma once

#include <cstddef>
#include <deque>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <llvm/ADT/DenseMap.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/MDBuilder.h>

#include "jit/opt/opt_api.hpp"
#include "vm/interp.hpp"
#include "vm/object.hpp"

namespace strata::jit::opt {

class Translator {
 public:
  Translator(const OptRequest& req, const OptRuntime& rt, llvm::Module& mod);
  // Builds the function; empty string on success, else why it is declined.
  std::string run(const std::string& name);

 private:
  // ---- values ----
  llvm::Value* cptr(const void* p);                   // an absolute address
  llvm::Value* at(llvm::Value* p, uint64_t off);      // p + off bytes
  llvm::Value* load64(llvm::Value* p, uint64_t off);  // i64 at p + off
  llvm::Value* loadp(llvm::Value* p, uint64_t off);   // ptr at p + off
  void store(llvm::Value* v, llvm::Value* p, uint64_t off);
  // SVI register r as i64 / f64 / ptr; set() takes any of them (i1 is zero-extended).
  llvm::Value* get(uint16_t r);
  llvm::Value* getf(uint16_t r);
  llvm::Value* getp(uint16_t r);
  void set(uint16_t r, llvm::Value* v);

  // ---- frame state (translate.hpp: sync points) ----
  llvm::Value* fp();
  llvm::Value* base();
  void sync(uint16_t r);
  void sync_refs();                       // every ref register (the GC scans base[])
  void sync_args(const isa::Insn& call);  // a call's arguments (slow paths copy them)
  void reload(uint16_t r);
  // fp's byte offset from st->frames, taken before something that may move the frames, and the
  // frame (and its window) found again from it afterwards.
  llvm::Value* frame_depth();
  void reload_frame(llvm::Value* depth);
  // A body's callers do not write its Frame record (self_call.cpp): it writes fn and base itself
  // before the first thing that can read the frames (save_pc, call_helper; trap blocks write
  // them unconditionally). No-op outside a body.
  void write_frame();
  void save_pc(uint32_t pc);

  // ---- calls out and exits ----
  llvm::CallInst* call_abs(const void* addr, llvm::Type* ret,
                           std::initializer_list<llvm::Value*> args);
  // helper(st, fp, extra...) -> i64 status
  llvm::Value* call_helper(const void* addr, std::initializer_list<llvm::Value*> extra);
  llvm::BasicBlock* block(const char* name);
  // Leaves the function with an ExecStatus (not Returned) / with Returned and `result` (null:
  // a void function), in whichever protocol the function returns (self_call.cpp).
  void ret_status(llvm::Value* status);
  void ret_result(llvm::Value* result);
  // ---- chained exits (chain_exit.cpp, OptRequest::chain) ----
  bool chains() const;  // this function's `ret`s may chain
  // The slot of the `ret` at `pc` when it chains, else null.
  baseline::ChainSlot* chain_slot(uint32_t pc) const;
  // The other `ret`s look the next unit up (baseline/chain.hpp, INDIRECT EXITS).
  bool finds_next() const;
  // The `ret` of `result` that jumps into the slot's linked unit when it may, else returns.
  // `slot`: a baseline::ChainSlot's address (a constant, or a shared writeback's phi).
  void chained_ret(llvm::Value* result, llvm::Value* slot);
  // The `ret` of `result` that jumps into the unit at that pc found in the front cache, when it
  // may.
  void found_ret(llvm::Value* result);
  // The function's one copy of chain.hpp's steps 1-5 (`jump`: the slot and the slot a miss
  // reports, null for none) and of an indirect exit's look-up (`find`: the key; null without
  // ctx->front). The `ret`'s value is stored before branching to either.
  struct SharedChain {
    llvm::BasicBlock* jump = nullptr;
    llvm::PHINode* slot = nullptr;
    llvm::PHINode* report = nullptr;
    llvm::BasicBlock* find = nullptr;
    llvm::PHINode* key = nullptr;
  };
  const SharedChain& shared_chain();
  SharedChain shared_chain_;
  // ---- shared exit writebacks (shared_writeback.cpp) ----
  // A chained or indirect `ret` preceded by stores of registers into the state page (a
  // translated unit's exit writing its dirty guest registers back) branches, with the values,
  // the result and the slot, to one block per distinct store list that stores them and leaves.
  // find_shared_writebacks() marks the runs: writeback_end_[first store] = the ret's index,
  // folded_[later store or ret] = true (its block is unreachable).
  void find_shared_writebacks();
  void emit_shared_writeback(size_t first, size_t ret);
  struct WritebackKey {
    bool chained = false;
    std::vector<uint64_t> offsets;  // in the state page, in the exit's order
    auto operator<=>(const WritebackKey&) const = default;
  };
  WritebackKey writeback_key(size_t first, size_t ret) const;
  struct SharedWriteback {
    llvm::BasicBlock* block = nullptr;
    std::vector<llvm::PHINode*> values;
    llvm::PHINode* result = nullptr;
    llvm::PHINode* slot = nullptr;  // chained ones
  };
  std::map<WritebackKey, SharedWriteback> shared_writebacks_;
  std::vector<size_t> writeback_end_;
  std::vector<bool> folded_;
  void return_if_status(llvm::Value* status);
  // When `fail` holds: save the pc, call the trap helper, return its status.
  // `sync_reg` (unless kNoSync) is stored to base[] on the trap path first.
  static constexpr uint32_t kNoSync = UINT32_MAX;
  void trap_if(llvm::Value* fail, uint32_t pc, const void* helper,
               std::initializer_list<llvm::Value*> extra, uint32_t sync_reg = kNoSync);
  // One cold block per trap helper that every trap_if site of it branches to (phis carry the
  // site's pc, synced register and arguments): hundreds of memory accesses then add no blocks
  // of their own, which the pipeline and the code generator would otherwise all visit.
  struct SharedTrap {
    const void* helper = nullptr;
    llvm::BasicBlock* block = nullptr;
    llvm::PHINode* pc = nullptr;
    llvm::PHINode* sync_off = nullptr;  // null: nothing synced
    llvm::PHINode* sync_val = nullptr;
    std::vector<llvm::PHINode*> extra;
  };
  SharedTrap& shared_trap(const void* helper, std::initializer_list<llvm::Value*> extra, bool sync);
  void branch(uint32_t pc, int32_t offset, llvm::Value* cond);
  void direct_call(const isa::Insn& in, const vm::FuncInfo* callee);
  // ---- recursive functions (self_call.cpp) ----
  // A function that calls itself is built as an internal body taking its parameters and
  // returning {frame, fuel, result} in registers, plus the JitEntry that wraps it; its
  // self-calls call the body directly while the code slot still holds this entry.
  bool calls_itself() const;
  void create_body(const std::string& name);
  void build_entry();
  // The callee window of a self-call as the GC must see it: ref arguments, other refs null.
  void fill_self_window(const isa::Insn& call, llvm::Value* nbase);
  // The body called on the callee frame (nbase, nfp) with `call`'s arguments and the fuel.
  struct BodyCall {
    llvm::Value* returned;  // i1: the callee returned (else `status` says how it ended)
    llvm::Value* status;
    llvm::Value* result;
    llvm::Value* fuel;  // the callee's fuel_left when it returned
    llvm::Value* fp;    // the callee's frame when it returned (the frames may have moved)
  };
  BodyCall call_body(const isa::Insn& call, llvm::Value* nbase, llvm::Value* nfp);
  // Body arguments: st, fp, the fuel, the parameters, then base (self_call.cpp says why).
  static constexpr unsigned kBodyFpArg = 1;
  static constexpr unsigned kBodyFuelArg = 2;
  static constexpr unsigned kBodyParamArg = 3;
  unsigned body_base_arg() const { return kBodyParamArg + fn_.nparams; }
  // st->fuel_left. A body keeps it in a register (fuel_slot_) and stores it to memory only for
  // the helpers and callees that read it (call_helper, trap blocks, entry calls), reloading it
  // after them; elsewhere these are plain accesses to st->fuel_left and the syncs do nothing.
  llvm::Value* fuel_get();
  void fuel_set(llvm::Value* v);
  void fuel_to_memory();
  void fuel_from_memory();
  static constexpr uint32_t kMaxLeafArgs = 8;
  void leaf_host_call(const isa::Insn& in, const vm::ImportBinding& import);
  // The thunk through which a cold leaf native is called (vm::ImportBinding::cold), one per
  // native in the module.
  llvm::Function* cold_thunk(const void* native);

  // ---- instructions: false when the opcode has no translation (the function is declined) ----
  bool emit_control(const isa::Insn& in);  // branches, calls, returns, trap
  bool emit_data(const isa::Insn& in);     // everything else (translate_ops.cpp)
  bool emit_int(const isa::Insn& in);
  bool emit_float(const isa::Insn& in);
  bool emit_memory(const isa::Insn& in);
  bool emit_object(const isa::Insn& in);
  // The linear memory's size and data pointer. They change only where guest code or a host
  // function can run (calls, host calls, mgrow), so they are read at entry and after those
  // (reload_memory) and kept in slots that mem2reg makes SSA values: a loop without calls sees
  // them loop-invariant. Constants under OptRequest::fixed_memory.
  void reload_memory();
  llvm::Value* mem_size();
  // An access of n bytes at addr_reg + off that needs no bounds check: addr_reg is a zero
  // register (zero_regs_) and the bytes lie below the size the memory never shrinks under.
  bool unchecked_access(uint16_t addr_reg, uint64_t off, uint32_t n) const;
  llvm::Value* mem_data();
  llvm::Value* mem_access(const isa::Insn& in, uint16_t addr_reg, uint32_t n);
  llvm::Value* checked_object(const isa::Insn& in, uint16_t r, vm::ObjKind kind);
  llvm::Value* checked_index(const isa::Insn& in, llvm::Value* obj, uint16_t r, uint64_t len_off);
  // ---- rnew / anew (translate_alloc.cpp) ----
  void allocate(const isa::Insn& in);
  void allocate_by_helper(const isa::Insn& in);
  void allocate_ref_array(const isa::Insn& in);
  // An object of `granules` from the thread's allocation cache, in a new block the builder is
  // left in; branches to `empty` when the class has none. Its first word (the cache's link)
  // must be overwritten.
  llvm::Value* take_cached(uint32_t granules, llvm::BasicBlock* empty);

  std::string fmt_error(const char* what, const isa::Insn& in);

  // ---- OptRequest::osr_pc (translate_osr.cpp) ----
  // The OSR entry's first block: every register from base[], the fuel of the taken backward
  // branch, then the loop header osr_pc_. Empty string on success, else why it is declined.
  std::string enter_at_header();

  llvm::LLVMContext& ctx_;
  llvm::Module& mod_;
  llvm::IRBuilder<> b_;
  const vm::FuncInfo& fn_;
  const vm::Instance& inst_;
  std::span<const isa::Insn> insns_;
  std::span<const isa::ValType> reg_types_;
  const OptRuntime& rt_;
  const bool fixed_memory_;            // OptRequest::fixed_memory
  const bool leaf_host_calls_;         // OptRequest::leaf_host_calls
  const bool no_fuel_;                 // OptRequest::unlimited_fuel
  const uint32_t osr_pc_;              // OptRequest::osr_pc
  const uint64_t memory_floor_;        // OptRequest::memory_floor
  const uint64_t guard_bytes_;         // OptRequest::guard_bytes (0 without fixed_memory)
  const baseline::ChainExits* chain_;  // OptRequest::chain
  // cold_thunk()'s. An LLVM map: a std:: container of LLVM types would be a default-visibility
  // template instance, exported by the module (OptCli.ModuleCarriesItsLLVMComponents).
  llvm::DenseMap<const void*, llvm::Function*> cold_thunks_;
  // How far past the memory's end an access checked only by its address may reach, and how far
  // above a passed check's address a later one may lie (guard_checks.hpp): half the guard each.
  uint64_t guard_reach() const { return guard_bytes_ / 2; }
  llvm::AllocaInst* leaf_args_ = nullptr;
  llvm::AllocaInst* leaf_result_ = nullptr;
  llvm::Type *i8_, *i16_, *i32_, *i64_, *f32_, *f64_;
  llvm::PointerType* ptr_;
  // Type-based alias classes for the accesses a loop repeats, so that LICM may keep a loop's
  // object headers and the memory's limits in registers across its stores. Each class is
  // disjoint memory: fuel (st->fuel_left through fuel_get/fuel_set), object headers (kind,
  // length, type, data pointer: written only when the object is made) and guest data (linear
  // memory, array elements, record fields, string bytes). Untagged accesses (the frame window,
  // everything else) alias all of them.
  llvm::MDNode* tbaa_fuel_ = nullptr;
  llvm::MDNode* tbaa_header_ = nullptr;
  llvm::MDNode* tbaa_guest_ = nullptr;
  // The allocation cache and ExecState::alloc_cache (written by compiled code and the helpers).
  llvm::MDNode* tbaa_cache_ = nullptr;
  // Three more classes for the call path, so that the checks of a self-call inlined into its
  // caller (self_inline.hpp) reuse the caller's loads across the frame it pushed: call frames
  // (vm::Frame records), call limits (the ExecState fields compiled code only reads: frames,
  // frames_last, stack_end, host_stack_limit) and code slots (FuncInfo::jit_entry).
  llvm::MDNode* tbaa_frame_ = nullptr;
  llvm::MDNode* tbaa_limits_ = nullptr;
  llvm::MDNode* tbaa_slot_ = nullptr;
  llvm::Value* tagged(llvm::Value* access, llvm::MDNode* tbaa);  // access is a load or store
  llvm::Value* limit(uint64_t off);  // a call-limits field of st, as a ptr
  void frame_store(llvm::Value* v, llvm::Value* frame, uint64_t off);
  llvm::MDNode* unlikely_ = nullptr;
  llvm::MDNode* likely_ = nullptr;
  llvm::MDNode* even_ = nullptr;

  llvm::Function* f_ = nullptr;      // where the code goes: the entry, or the body
  llvm::Function* entry_ = nullptr;  // the JitEntry (f_ unless the function calls itself)
  // {i64 status, i64 fuel, i64 result}: non-null iff f_ is a body.
  llvm::StructType* body_ret_ = nullptr;
  llvm::AllocaInst* fuel_slot_ = nullptr;      // a body's fuel_left
  llvm::AllocaInst* frame_written_ = nullptr;  // a body's i1: write_frame() has run
  llvm::Value* st_ = nullptr;
  llvm::AllocaInst* fp_slot_ = nullptr;
  llvm::AllocaInst* base_slot_ = nullptr;
  llvm::AllocaInst* mem_size_slot_ = nullptr;  // null under fixed_memory_
  llvm::AllocaInst* mem_data_slot_ = nullptr;
  // The callee size (registers) for which a call of this activation has passed the VM stack,
  // frame and host stack checks (0 at entry). The stack and frame array only grow during a run
  // and the activation's rsp and host stack limit stay, so a later call at this frame needing
  // no more registers passes them too: only its slot and fuel are checked. Any entry into the
  // code (an OSR entry too) must start it at 0.
  llvm::AllocaInst* room_ = nullptr;
  std::vector<llvm::AllocaInst*> regs_;
  std::vector<bool> fp_regs_;  // regs_[r] is a double alloca (set up with regs_)
  // regs_[r] holds 0 at every instruction: no instruction writes it and the entry zeroes it
  // (not a parameter, no OSR entry). A translated unit's r0 (the state page's base).
  std::vector<bool> zero_regs_;
  // A backward branch and a linear-memory access were translated: the function may have loops
  // over memory, and range_checks.hpp's passes are worth their time (kMemoryLoopsAttr).
  bool backward_branch_seen_ = false;
  bool memory_access_seen_ = false;
  std::deque<SharedTrap> traps_;           // stable references
  std::vector<llvm::BasicBlock*> blocks_;  // by pc: the block of the instruction starting there
};

}  // namespace strata::jit::opt
