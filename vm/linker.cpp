// Loading and linking: isa::Module -> Instance (constants, struct types, functions, memory,
// data), then import resolution against the natives and other SVI modules.
#include <fmt/format.h>

#include "isa/verifier.hpp"
#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"
#include "vm/instance.hpp"
#include "vm/program.hpp"

namespace strata::vm {

namespace {

// An uncollectable (GC-scanned, never freed by the collector) array of n pointer-sized slots.
template <typename T>
T* scanned_array(size_t n) {
  return static_cast<T*>(GC_MALLOC_UNCOLLECTABLE((n ? n : 1) * sizeof(T)));
}

uint64_t round_up_page(uint64_t bytes) {
  const uint64_t page = LinearMemory::kPageSize;
  return bytes > UINT64_MAX - (page - 1) ? UINT64_MAX & ~(page - 1)
                                         : (bytes + page - 1) & ~(page - 1);
}

}  // namespace

Instance::~Instance() {
  GC_FREE(consts);
  GC_FREE(fnrefs);
}

uint32_t Program::intern_sig(const isa::Signature& sig) {
  for (uint32_t i = 0; i < sigs_.size(); ++i)
    if (sigs_[i] == sig) return i;
  sigs_.push_back(sig);
  return static_cast<uint32_t>(sigs_.size() - 1);
}

Result<Instance*> Program::load_module(isa::Module module, std::string name, std::string path) {
  if (auto ok = isa::verify(module); !ok) {
    return fail("module '{}': {}", name, ok.error().message);
  }
  auto owned = std::make_unique<Instance>();
  Instance* inst = owned.get();
  inst->name = std::move(name);
  inst->path = path.empty() ? module.debug.source : std::move(path);
  inst->module = std::move(module);
  // Registered before its imports are resolved: a module reached again through an import
  // cycle is found here instead of being loaded twice.
  instances_.push_back(std::move(owned));
  STRATA_TRY(instantiate(*inst));
  STRATA_TRY(link(*inst));
  return inst;
}

Result<void> Program::instantiate(Instance& inst) {
  const isa::Module& m = inst.module;
  for (const isa::Signature& s : m.sigs) inst.sig_ids.push_back(intern_sig(s));

  inst.consts = scanned_array<Value>(m.consts.size());
  if (!inst.consts) return fail("module '{}': out of memory for constants", inst.name);
  for (size_t i = 0; i < m.consts.size(); ++i) {
    const isa::Constant& k = m.consts[i];
    if (auto* iv = std::get_if<int64_t>(&k)) {
      inst.consts[i].i = *iv;
    } else if (auto* fv = std::get_if<double>(&k)) {
      inst.consts[i].f = *fv;
    } else {
      String* s = new_string(std::get<std::string>(k));
      if (!s) return fail("module '{}': out of memory for string constant #{}", inst.name, i);
      inst.consts[i].r = s;
    }
  }

  inst.types.resize(m.structs.size());
  for (size_t t = 0; t < m.structs.size(); ++t) {
    const isa::StructType& st = m.structs[t];
    RecordType& rt = inst.types[t];
    rt.name = st.name;
    rt.owner = &inst;
    rt.field_count = st.field_count;
    for (uint32_t f = 0; f < st.field_count; ++f)
      rt.field_types.push_back(m.fields[st.first_field + f].field.type);
  }
  inst.fields.resize(m.fields.size());
  for (size_t f = 0; f < m.fields.size(); ++f)
    inst.fields[f] = FieldInfo{&inst.types[m.fields[f].owner], m.fields[f].slot};

  inst.funcs.resize(m.funcs.size());
  for (size_t f = 0; f < m.funcs.size(); ++f) {
    const isa::Function& src = m.funcs[f];
    const isa::Signature& sig = m.sigs[src.sig];
    FuncInfo& fi = inst.funcs[f];
    fi.code = src.code.data();
    fi.nregs = static_cast<uint32_t>(src.regs.size());
    fi.nparams = static_cast<uint32_t>(sig.params.size());
    fi.arg_words = static_cast<uint32_t>(isa::arg_words(sig.params.size()));
    fi.sig_id = inst.sig_ids[src.sig];
    fi.inst = &inst;
    fi.has_result = sig.result.has_value();
    fi.index = static_cast<uint32_t>(f);
    fi.name = src.name;
  }
  inst.fnrefs = scanned_array<FuncRef*>(m.funcs.size());
  if (!inst.fnrefs) return fail("module '{}': out of memory for function references", inst.name);
  for (size_t f = 0; f < m.funcs.size(); ++f) {
    inst.fnrefs[f] = new_funcref(&inst.funcs[f]);
    if (!inst.fnrefs[f])
      return fail("module '{}': out of memory for function references", inst.name);
  }

  // The memory cap is the module's declared max (whole pages) lowered to the VM's cap.
  const uint64_t cap = std::min(round_up_page(m.memory.max), opts_.limits.memory_cap);
  if (!inst.memory.init(m.memory.initial, cap)) {
    if (round_up_page(m.memory.initial) > cap)
      return fail("module '{}': initial memory of {} bytes exceeds the memory cap of {} bytes",
                  inst.name, round_up_page(m.memory.initial), cap);
    return fail("module '{}': cannot allocate {} bytes of linear memory", inst.name,
                m.memory.initial);
  }
  for (size_t d = 0; d < m.data.size(); ++d) {
    const isa::DataSegment& seg = m.data[d];
    if (!inst.memory.write(seg.offset, seg.bytes.data(), seg.bytes.size()))
      return fail("module '{}': data segment #{} ({} bytes at {}) outside the memory", inst.name, d,
                  seg.bytes.size(), seg.offset);
  }
  return {};
}

Result<void> Program::link(Instance& inst) {
  inst.imports.resize(inst.module.imports.size());
  for (uint32_t i = 0; i < inst.module.imports.size(); ++i) STRATA_TRY(link_import(inst, i));
  return {};
}

Result<void> Program::link_import(Instance& inst, uint32_t index) {
  const isa::Import& im = inst.module.imports[index];
  const isa::Signature& want = inst.module.sigs[im.sig];
  ImportBinding& b = inst.imports[index];
  b.nparams = static_cast<uint32_t>(want.params.size());
  b.arg_words = static_cast<uint32_t>(isa::arg_words(want.params.size()));
  b.has_result = want.result.has_value();
  b.qualified_name = fmt::format("{}.{}", im.module, im.name);
  auto what = [&] {
    return fmt::format("link: module '{}' imports {}.{} {}", inst.name, im.module, im.name,
                       isa::to_string(want));
  };

  // 1. Natives, by (module, name); the declared signature must match exactly.
  bool native_module = false;
  for (const NativeDef& nd : opts_.natives) {
    if (nd.module != im.module) continue;
    native_module = true;
    if (nd.name != im.name) continue;
    auto have = parse_signature(nd.signature);
    if (!have)
      return fail("{}: the native's signature is malformed: {}", what(), have.error().message);
    if (*have != want)
      return fail("{}: {}.{} has signature {}", what(), im.module, im.name, isa::to_string(*have));
    if (!nd.fn) return fail("{}: the native has no implementation", what());
    b.native = nd.fn;
    return {};
  }

  // 2. An export of an SVI module, loaded once per name.
  Instance* target = nullptr;
  for (auto& other : instances_)
    if (other->name == im.module) target = other.get();
  if (!target) {
    if (!opts_.resolver) {
      if (native_module) return fail("{}: no such function in {}", what(), im.module);
      return fail("{}: no such module {}", what(), im.module);
    }
    auto mod = opts_.resolver(im.module, inst.path);
    if (!mod) {
      if (native_module) return fail("{}: no such function in {}", what(), im.module);
      return fail("{}: cannot load module '{}': {}", what(), im.module, mod.error().message);
    }
    target = STRATA_TRY(load_module(std::move(*mod), std::string(im.module), ""));
  }
  auto f = target->module.find_export(im.name);
  if (!f) return fail("{}: no such function in {}", what(), im.module);
  const isa::Module& tm = target->module;
  const isa::Signature& have = tm.sigs[tm.funcs[*f].sig];
  if (have != want)
    return fail("{}: {}.{} has signature {}", what(), im.module, im.name, isa::to_string(have));
  b.target = &target->funcs[*f];
  return {};
}

}  // namespace strata::vm
