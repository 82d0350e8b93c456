#include "jit/baseline/baseline.hpp"

#include <algorithm>

#include <asmjit/x86.h>
#include <fmt/format.h>

#include "jit/asmjit_install.hpp"
#include "jit/baseline/emitter.hpp"
#include "jit/compile_timer.hpp"
#include "jit/perf_map.hpp"
#include "vm/interp.hpp"

namespace strata::jit::baseline {

namespace {

// Records that asmjit failed (an encoding error); the function then falls back.
class ErrorFlag : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error, const char*, asmjit::BaseEmitter*) override { failed = true; }
  bool failed = false;
};

// Cache keys: the unit is the FuncInfo's address (stable for the Program's lifetime), pc 0.
CodeKey key_of(const vm::FuncInfo& fn) {
  return CodeKey{reinterpret_cast<uint64_t>(&fn), 0};
}

}  // namespace

BaselineJit::BaselineJit(CodeCache& cache) : cache_(cache) {
  // Code that leaves the cache (eviction, invalidation) leaves its function's slot too; callers
  // read the slot at every call, so the function simply runs in the interpreter again.
  cache_.set_drop_hook([this](DropReason, std::span<const DroppedEntry> dropped) {
    for (const DroppedEntry& d : dropped) {
      auto* fn = reinterpret_cast<vm::FuncInfo*>(d.key.unit);
      if (fn->jit_entry == d.entry.as<std::remove_pointer_t<vm::JitEntry>>())
        vm::set_jit_entry(*fn, nullptr);
      osr_.erase(fn);
    }
  });
}

BaselineJit::~BaselineJit() {
  cache_.set_drop_hook({});
}

bool BaselineJit::compile(vm::FuncInfo& fn) {
  return compile(fn, fn.inst->module.funcs[fn.index]);
}

struct BaselineJit::PreparedCode {
  asmjit::CodeHolder code;
  asmjit::Label osr_entry;
  asmjit::Label chain_entry;                                   // chain.hpp FRAMES (invalid: none)
  std::vector<std::pair<uint32_t, asmjit::Label>> osr_points;  // ascending pc
  uint64_t prepare_ns = 0;
  // Non-null: the code is written into this cache already, at `placed` (not yet committed),
  // and the holder is freed.
  CodeCache* placed_in = nullptr;
  PlacedCode placed;
  // What install() needs of the labels, read off the relocated holder (-1: none).
  int64_t chain_entry_offset = -1, osr_entry_offset = -1;
  std::vector<std::pair<uint32_t, uint64_t>> osr_offsets;  // ascending pc
};

namespace {

// Where `label` lies from the start of the code, once relocated (-1: an invalid label).
int64_t offset_of(const asmjit::CodeHolder& code, const asmjit::Label& label) {
  return label.isValid() ? static_cast<int64_t>(code.labelOffsetFromBase(label)) : -1;
}

// Once the holder is relocated: the offsets install() needs, read off its labels.
void take_offsets(BaselineJit::PreparedCode& p) {
  p.chain_entry_offset = offset_of(p.code, p.chain_entry);
  if (!p.osr_points.empty()) {
    p.osr_entry_offset = offset_of(p.code, p.osr_entry);
    for (const auto& [pc, label] : p.osr_points)
      p.osr_offsets.emplace_back(pc, p.code.labelOffsetFromBase(label));
  }
  p.osr_points.clear();
}

}  // namespace

void BaselineJit::PreparedCodeDeleter::operator()(PreparedCode* p) const {
  // Never installed: its reservation unpins the chunk.
  if (p->placed_in != nullptr) p->placed_in->cancel(p->placed.where);
  delete p;
}

uint64_t BaselineJit::prepare_ns(const PreparedCode& code) {
  return code.prepare_ns;
}

bool BaselineJit::placed(const PreparedCode& code) {
  return code.placed_in != nullptr;
}

BaselineJit::Prepared BaselineJit::prepare(const vm::FuncInfo& fn, const isa::Function& body,
                                           const ChainExits* chain, const CodePromises& promises,
                                           std::span<const BlockProbe> probes,
                                           CodeCache* place_in) {
  CompileTimer timer;
  Prepared p(new PreparedCode);
  p->code.init(asmjit::Environment::host());
  ErrorFlag errors;
  p->code.setErrorHandler(&errors);
  {
    Emitter e(p->code, fn, body, chain, promises, probes);
    if (!e.emit_function() || errors.failed) return nullptr;
    p->osr_entry = e.osr_label();
    p->chain_entry = e.chain_entry_label();
    for (uint32_t pc : e.osr_points()) p->osr_points.emplace_back(pc, e.label_at(pc));
  }
  // Installing reports its errors as values; the flag dies here.
  p->code.resetErrorHandler();
  if (errors.failed) return nullptr;
  if (place_in != nullptr) {
    bool holder_used = false;
    if (auto placed = place_asmjit(*place_in, key_of(fn), p->code, &holder_used)) {
      p->placed_in = place_in;
      p->placed = *placed;
      // The installing thread needs only these: the holder's memory goes here, on this thread,
      // not in the installer's cache misses and frees.
      take_offsets(*p);
      p->code.reset();
    } else if (holder_used) {
      return nullptr;  // asmjit refused the code: no other install would take it
    }
  }
  p->prepare_ns = timer.elapsed_ns();
  return p;
}

bool BaselineJit::install(vm::FuncInfo& fn, Prepared p, const void** enter) {
  CompileTimer timer;
  const Result<CodeEntry> entry = [&]() -> Result<CodeEntry> {
    if (p->placed_in == nullptr) {
      Result<CodeEntry> e = install_asmjit(cache_, key_of(fn), p->code, p->prepare_ns);
      if (e) take_offsets(*p);
      return e;
    }
    // (Left placed, the deleter gives the reservation back to the other cache.)
    if (p->placed_in != &cache_) return fail("jit: baseline code prepared in another code cache");
    p->placed_in = nullptr;  // consumed, whatever the commit says
    return cache_.commit(key_of(fn), p->placed.where, p->placed.size, p->prepare_ns);
  }();
  if (!entry) {
    ++stats_.fallen_back;
    return false;
  }
  stats_.compile_ns += p->prepare_ns + timer.elapsed_ns();
  ++stats_.compiled;
  vm::set_jit_entry(fn, entry->as<std::remove_pointer_t<vm::JitEntry>>());
  perf_map_note(entry->code, entry->size, fn.name, "baseline");
  const auto* start = static_cast<const uint8_t*>(entry->code);
  if (enter != nullptr)
    *enter = p->chain_entry_offset >= 0 ? start + p->chain_entry_offset : nullptr;
  if (!p->osr_offsets.empty()) {
    OsrTable& t = osr_[&fn];
    t.entry = reinterpret_cast<decltype(OsrTable::entry)>(
        const_cast<uint8_t*>(start + p->osr_entry_offset));
    t.points.clear();
    for (const auto& [pc, offset] : p->osr_offsets) t.points.emplace_back(pc, start + offset);
  } else if (!osr_.empty()) {
    osr_.erase(&fn);
  }
  return true;
}

bool BaselineJit::compile(vm::FuncInfo& fn, const isa::Function& body, const ChainExits* chain,
                          const CodePromises& promises, std::span<const BlockProbe> probes) {
  Prepared p = prepare(fn, body, chain, promises, probes);
  if (p == nullptr) {
    ++stats_.fallen_back;
    return false;
  }
  return install(fn, std::move(p));
}

void BaselineJit::arm_osr(vm::Program& p, uint32_t fuel_slice) {
  p.set_osr(osr_hook(), fuel_slice);
  osr_armed_ = true;
}

vm::OsrHook BaselineJit::osr_hook() {
  return vm::OsrHook{&BaselineJit::find_osr, &BaselineJit::compile_for_osr, this};
}

bool BaselineJit::compile_for_osr(void* self, vm::FuncInfo& fn) {
  return static_cast<BaselineJit*>(self)->compile(fn);
}

vm::OsrTarget BaselineJit::find_osr(void* self, const vm::FuncInfo& fn, uint32_t pc) {
  auto* jit = static_cast<BaselineJit*>(self);
  // Always this tier's code, even once the function's slot holds optimized code: the baseline
  // code keeps the interpreter's frame at every instruction boundary, so any back-edge is an
  // entry.
  const vm::OsrTarget to = jit->osr_target(fn, pc);
  if (to.entry != nullptr) ++jit->osr_entries_;
  return to;
}

vm::OsrTarget BaselineJit::osr_target(const vm::FuncInfo& fn, uint32_t pc) const {
  auto it = osr_.find(&fn);
  if (it == osr_.end()) return {};
  const auto& points = it->second.points;
  auto p = std::lower_bound(points.begin(), points.end(), pc,
                            [](const auto& point, uint32_t want) { return point.first < want; });
  if (p == points.end() || p->first != pc) return {};
  return vm::OsrTarget{it->second.entry, p->second};
}

void BaselineJit::compile_program(const vm::Program& p) {
  for (const auto& inst : p.instances())
    for (vm::FuncInfo& fn : inst->funcs) compile(fn);
}

std::string BaselineJit::format_stats() const {
  const double us =
      stats_.compiled ? static_cast<double>(stats_.compile_ns) / 1e3 / stats_.compiled : 0.0;
  return fmt::format(
             "baseline: {} functions compiled, {} fell back to the interpreter, {:.1f} "
             "us/function (emit + install)\n",
             stats_.compiled, stats_.fallen_back, us) +
         (osr_armed_ ? fmt::format("osr: {} activations moved into baseline code at a back-edge\n",
                                   osr_entries_)
                     : std::string());
}

}  // namespace strata::jit::baseline
