// SviVcpu: creation, break words, single steps, runs and watchpoints (svi_vcpu.hpp explains
// how it stops the interpreter). Inspection is in svi_vcpu_inspect.cpp.
#include "vm/debug/svi_vcpu.hpp"

#include <fmt/format.h>

#include "isa/code_walk.hpp"
#include "vm/host_context.hpp"
#include "vm/instance.hpp"

namespace strata::vm {

namespace {

constexpr unsigned kModuleShift = 48, kFunctionShift = 32;

StopReason stop(StopReason::Kind kind, uint64_t addr, int code = 0, std::string message = {}) {
  return StopReason{kind, code, addr, std::move(message)};
}

bool writes_memory(isa::Op op) {
  return (op >= isa::Op::StI8 && op <= isa::Op::StF64) || op == isa::Op::MCopy ||
         op == isa::Op::MFill;
}

}  // namespace

SviVcpu::SviVcpu(std::unique_ptr<Program> program, std::vector<std::string> args)
    : program_(std::move(program)),
      st_(&program_->debug_access().exec),
      cx_(&program_->debug_access().host) {
  cx_->argv = std::move(args);
  cx_->pending = HostContext::Pending::None;
}

Result<std::unique_ptr<SviVcpu>> SviVcpu::create(std::unique_ptr<Program> program,
                                                 std::vector<std::string> args) {
  const FuncInfo* main = program->debug_access().main;
  if (main == nullptr) return fail("the program was loaded without a main function");
  std::unique_ptr<SviVcpu> v(new SviVcpu(std::move(program), std::move(args)));
  const auto& instances = v->program_->instances();
  if (instances.size() > (1u << (64 - kModuleShift)))
    return fail("{} modules are more than a code address can name", instances.size());
  for (const auto& inst : instances) {
    auto& copies = v->code_.emplace_back();
    for (const isa::Function& f : inst->module.funcs) copies.push_back(f.code);
  }
  // The interpreter runs the copies from now on; no compiled code, no tiering, no on-stack
  // replacement (compiled code has no break words).
  v->st_->tier_up = TierUp{};
  v->st_->osr = OsrHook{};
  for (size_t m = 0; m < instances.size(); ++m) {
    for (size_t f = 0; f < instances[m]->funcs.size(); ++f) {
      FuncInfo& fn = instances[m]->funcs[f];
      fn.code = v->code_[m][f].data();
      set_jit_entry(fn, nullptr);
    }
  }
  ExecState& st = *v->st_;
  if (main->nregs > st.stack_len && !st.grow_stack(main->nregs, nullptr))
    return fail("main's {} registers do not fit in the VM stack", main->nregs);
  st.host = v->cx_;
  if (st.host_stack_limit == 0) st.host_stack_limit = host_stack_floor();
  Frame& fp = st.frames[0];
  fp.fn = main;
  fp.base = st.stack;
  fp.pc = main->code;
  for (uint32_t i = 0; i < main->nregs; ++i) st.stack[i].bits = 0;
  v->depth_ = 0;
  return v;
}

uint32_t SviVcpu::module_index(const Instance* inst) const {
  const auto& instances = program_->instances();
  for (size_t i = 0; i < instances.size(); ++i)
    if (instances[i].get() == inst) return static_cast<uint32_t>(i);
  return 0;
}

uint64_t SviVcpu::address_of(const FuncInfo* fn, uint32_t pc) const {
  return uint64_t{module_index(fn->inst)} << kModuleShift | uint64_t{fn->index} << kFunctionShift |
         pc;
}

uint64_t SviVcpu::pc() const {
  const Frame& f = top();
  return address_of(f.fn, static_cast<uint32_t>(f.pc - f.fn->code));
}

Result<SviVcpu::Site> SviVcpu::site_of(uint64_t addr) const {
  const auto& instances = program_->instances();
  const uint64_t m = addr >> kModuleShift;
  const uint64_t f = (addr >> kFunctionShift) & 0xffff;
  const auto pc = static_cast<uint32_t>(addr);
  if (m >= instances.size())
    return fail("0x{:x} is not an SVI code address (no module {}; the program has {})", addr, m,
                instances.size());
  Instance& inst = *instances[m];
  if (f >= inst.funcs.size())
    return fail("0x{:x} is not an SVI code address (module {} has no function {})", addr, inst.name,
                f);
  const isa::Function& src = inst.module.funcs[f];
  for (const isa::Insn& in : isa::CodeWalk(inst.module, src)) {
    if (in.pc == pc) return Site{&inst, &inst.funcs[f], static_cast<uint32_t>(m), pc};
    if (in.pc > pc) break;
  }
  return fail("{}+{} is not the start of an instruction (the function has {} words)",
              inst.funcs[f].name, pc, src.code.size());
}

isa::Word SviVcpu::original_word(uint64_t addr) const {
  const Instance& inst = *program_->instances()[addr >> kModuleShift];
  return inst.module.funcs[(addr >> kFunctionShift) & 0xffff].code[static_cast<uint32_t>(addr)];
}

void SviVcpu::sync_word(uint64_t addr) {
  const isa::Word w = original_word(addr);
  auto it = planted_.find(addr);
  const bool planted = it != planted_.end() && stepping_over_ != addr;
  code_[addr >> kModuleShift][(addr >> kFunctionShift) & 0xffff][static_cast<uint32_t>(addr)] =
      planted ? debug_break_word(w) : w;
}

void SviVcpu::mark(uint64_t addr, uint8_t why, bool on) {
  uint8_t& bits = planted_[addr];
  bits = on ? bits | why : bits & ~why;
  if (bits == 0) planted_.erase(addr);
  sync_word(addr);
}

Result<void> SviVcpu::set_breakpoint(uint64_t addr) {
  STRATA_TRY(site_of(addr));
  mark(addr, kBreak, true);
  return {};
}

bool SviVcpu::clear_breakpoint(uint64_t addr) {
  auto it = planted_.find(addr);
  if (it == planted_.end() || (it->second & kBreak) == 0) return false;
  mark(addr, kBreak, false);
  return true;
}

std::vector<uint64_t> SviVcpu::successors() const {
  const Frame& f = top();
  const FuncInfo* fn = f.fn;
  const isa::Module& m = fn->inst->module;
  const isa::Function& src = m.funcs[fn->index];
  const auto pc = static_cast<uint32_t>(f.pc - fn->code);
  const isa::Insn in = isa::decode_insn(m, src, pc);
  std::vector<uint64_t> out;
  auto local = [&](int64_t target) {
    if (target >= 0 && static_cast<uint64_t>(target) < src.code.size())
      out.push_back(address_of(fn, static_cast<uint32_t>(target)));
  };
  local(int64_t{pc} + in.length());
  const isa::OpInfo& info = isa::info(in.op());
  for (isa::Operand k : {info.a, info.b, info.c}) {
    if (k == isa::Operand::J16) local(int64_t{pc} + isa::sc_of(in.word));
    if (k == isa::Operand::J32) local(int64_t{pc} + isa::sbc_of(in.word));
  }
  const uint16_t b = isa::b_of(in.word);
  switch (in.op()) {
    case isa::Op::Call: out.push_back(address_of(&fn->inst->funcs[b], 0)); break;
    case isa::Op::CallH:
      if (const FuncInfo* t = fn->inst->imports[b].target) out.push_back(address_of(t, 0));
      break;
    case isa::Op::CallI:
      // The register holds a verified ref: null, or some object (the instruction checks kind).
      if (const Object* o = f.base[b].r; o != nullptr && o->kind == ObjKind::Function)
        out.push_back(address_of(static_cast<const FuncRef*>(o)->fn, 0));
      break;
    default: break;
  }
  return out;
}

std::optional<StopReason> SviVcpu::resume() {
  ++resumes_;
  Frame* entry = &st_->frames[depth_];
  const FuncInfo* fn = entry->fn;
  Value retval{};
  Trap trap;
  const ExecStatus s = run_frames(*st_, *cx_, entry, &retval, &trap);
  depth_ = static_cast<size_t>(st_->last_fp - st_->frames);
  switch (s) {
    case ExecStatus::Paused: ++pauses_; return std::nullopt;
    case ExecStatus::Returned: {
      if (depth_ == 0) {
        const int64_t code = fn->has_result ? retval.i : 0;
        return stop(StopReason::Kind::Exited, pc(), static_cast<int>(code & 0xff));
      }
      // What the interpreter's return does (STRATA_RETURN); the caller's pc is at its call.
      Frame& caller = st_->frames[depth_ - 1];
      if (fn->has_result) caller.base[isa::a_of(*caller.pc)] = retval;
      caller.pc += 1 + fn->arg_words;
      --depth_;
      return std::nullopt;
    }
    case ExecStatus::Exited:
      return stop(StopReason::Kind::Exited, pc(), static_cast<int>(cx_->exit_code & 0xff));
    case ExecStatus::Trapped:
      if (trap.kind == TrapKind::Interrupted) return stop(StopReason::Kind::Stopped, pc());
      trap_ = std::move(trap);
      return stop(StopReason::Kind::Trapped, pc(), 0, format_trap(*trap_));
  }
  return stop(StopReason::Kind::Fault, pc(), 0, "unknown interpreter status");
}

std::optional<StopReason> SviVcpu::step_one() {
  const uint64_t here = pc();
  const std::vector<uint64_t> next = successors();
  stepping_over_ = here;
  sync_word(here);
  for (uint64_t a : next) mark(a, kStep, true);
  auto r = resume();
  for (uint64_t a : next) mark(a, kStep, false);
  stepping_over_.reset();
  if (planted_.contains(here)) sync_word(here);
  ++steps_;
  return r;
}

Result<StopReason> SviVcpu::run(RunLimit limit) {
  if (ended_) return *ended_;
  StopReason r = run_loop(limit);
  cx_->flush_all();
  if (r.ended()) ended_ = r;
  return r;
}

StopReason SviVcpu::run_loop(RunLimit limit) {
  uint64_t done = 0;
  bool first = true;
  for (;;) {
    if (st_->stop.exchange(false, std::memory_order_relaxed))
      return stop(StopReason::Kind::Stopped, pc());
    if (limit.steps != 0 && done == limit.steps) return stop(StopReason::Kind::Stepped, pc());
    const uint64_t here = pc();
    const auto it = planted_.find(here);
    const uint8_t why = it == planted_.end() ? 0 : it->second;
    if (!first && (why & kBreak) != 0) return stop(StopReason::Kind::Breakpoint, here);
    first = false;
    if (limit.steps == 0 && why == 0) {
      if (auto end = resume()) return *end;
      continue;
    }
    std::vector<std::vector<uint8_t>> before;
    if ((why & kWatch) != 0) before = watched_bytes();
    if (auto end = step_one()) return *end;
    ++done;
    if ((why & kWatch) != 0)
      if (auto hit = watch_hit(before, here)) return *hit;
  }
}

void SviVcpu::plant_watch_sites(bool on) {
  Instance& inst = program_->main_instance();
  for (const FuncInfo& fn : inst.funcs) {
    for (const isa::Insn& in : isa::CodeWalk(inst.module, inst.module.funcs[fn.index])) {
      const isa::Op op = in.op();
      const bool host_call =
          op == isa::Op::CallH && inst.imports[isa::b_of(in.word)].native != nullptr;
      if (writes_memory(op) || host_call) mark(address_of(&fn, in.pc), kWatch, on);
    }
  }
}

Result<void> SviVcpu::set_watchpoint(uint64_t addr, uint64_t len) {
  const LinearMemory& mem = program_->main_instance().memory;
  if (len == 0 || len > 4096) return fail("watch: LEN must be 1..4096, not {}", len);
  if (!mem.in_bounds(addr, len))
    return fail("watch: {} bytes at 0x{:x} are outside the linear memory of {} bytes", len, addr,
                mem.size());
  for (const Watch& w : watches_)
    if (w.addr == addr) return fail("a watchpoint is already at 0x{:x}", addr);
  if (watches_.empty()) plant_watch_sites(true);
  watches_.push_back(Watch{addr, len});
  return {};
}

bool SviVcpu::clear_watchpoint(uint64_t addr) {
  const auto it = std::find_if(watches_.begin(), watches_.end(),
                               [&](const Watch& w) { return w.addr == addr; });
  if (it == watches_.end()) return false;
  watches_.erase(it);
  if (watches_.empty()) plant_watch_sites(false);
  return true;
}

std::vector<std::vector<uint8_t>> SviVcpu::watched_bytes() const {
  const LinearMemory& mem = program_->main_instance().memory;
  std::vector<std::vector<uint8_t>> out;
  for (const Watch& w : watches_) {
    std::vector<uint8_t> bytes(w.len);
    // In bounds when set, and a linear memory never shrinks.
    (void)mem.read(w.addr, bytes.data(), w.len);
    out.push_back(std::move(bytes));
  }
  return out;
}

namespace {

// A little-endian integer of 1, 2, 4 or 8 bytes as "-5 (0xfffffffb)"; other sizes as hex bytes.
std::string watched_value(const std::vector<uint8_t>& b) {
  if (b.size() == 1 || b.size() == 2 || b.size() == 4 || b.size() == 8) {
    uint64_t v = 0;
    for (size_t i = b.size(); i-- > 0;) v = v << 8 | b[i];
    const unsigned shift = 64 - 8 * static_cast<unsigned>(b.size());
    const int64_t sv = static_cast<int64_t>(v << shift) >> shift;
    return fmt::format("{} (0x{:x})", sv, v);
  }
  std::string out;
  for (uint8_t x : b) out += fmt::format("{}{:02x}", out.empty() ? "" : " ", x);
  return out;
}

}  // namespace

std::optional<StopReason> SviVcpu::watch_hit(const std::vector<std::vector<uint8_t>>& before,
                                             uint64_t writer) const {
  const std::vector<std::vector<uint8_t>> after = watched_bytes();
  for (size_t i = 0; i < watches_.size(); ++i) {
    if (before[i] == after[i]) continue;
    std::string where = fmt::format("0x{:x}", writer);
    if (auto loc = locate(writer)) {
      where = fmt::format("{}+{}", loc->symbol, loc->offset);
      if (!loc->line.empty()) where += fmt::format(" ({})", loc->line);
    }
    return stop(
        StopReason::Kind::Watchpoint, watches_[i].addr, 0,
        fmt::format("{} bytes at 0x{:x} written by {}: old {}, new {}", watches_[i].len,
                    watches_[i].addr, where, watched_value(before[i]), watched_value(after[i])));
  }
  return std::nullopt;
}

}  // namespace strata::vm
