#include "jit/rv64/guest_module.hpp"

#include <fmt/format.h>

#include "jit/rv64/helpers.hpp"
#include "jit/rv64/translate_float.hpp"
#include "vm/program.hpp"

namespace strata::jit::rv64 {

isa::Module make_guest_module(uint64_t memory_bytes) {
  isa::Module m;
  m.name = "rv64";
  m.sigs.push_back(isa::Signature{{}, isa::ValType::I64});  // kBlockSig
  for (const HelperInfo& h : helper_table()) {
    auto sig = vm::parse_signature(h.signature);
    // The table is ours: a signature that does not parse is a build-time mistake.
    if (!sig) std::abort();
    m.sigs.push_back(*sig);
    m.imports.push_back(isa::Import{"rv64", h.name, static_cast<uint32_t>(m.sigs.size() - 1)});
  }
  m.memory.initial = memory_bytes;
  m.memory.max = memory_bytes;
  return m;
}

Result<std::unique_ptr<vm::Instance>> make_guest_instance(uint64_t memory_bytes,
                                                          uint64_t guard_bytes, bool huge_pages) {
  auto inst = std::make_unique<vm::Instance>();
  inst->name = "rv64";
  inst->module = make_guest_module(memory_bytes);
  for (const HelperInfo& h : helper_table()) {
    vm::ImportBinding b;
    b.native = h.fn;
    b.nparams = h.nparams;
    b.arg_words = static_cast<uint32_t>(isa::arg_words(h.nparams));
    b.has_result = h.has_result;
    b.cold = only_slow_paths_call(static_cast<Helper>(&h - helper_table().data()));
    b.qualified_name = fmt::format("rv64.{}", h.name);
    inst->imports.push_back(std::move(b));
  }
  if (memory_bytes % vm::LinearMemory::kPageSize != 0)
    return fail("rv64: guest memory size {:#x} is not a multiple of {:#x}", memory_bytes,
                vm::LinearMemory::kPageSize);
  // An owned, page-aligned mapping: GuestMemory can then map guest page permissions onto host
  // protections.
  if (guard_bytes % vm::LinearMemory::kPageSize != 0)
    return fail("rv64: guard size {:#x} is not a multiple of {:#x}", guard_bytes,
                vm::LinearMemory::kPageSize);
  if (!inst->memory.init_mapped(memory_bytes, guard_bytes, huge_pages))
    return fail("rv64: cannot reserve {} MiB of host memory for the guest", memory_bytes >> 20);
  return inst;
}

void init_block_func(vm::FuncInfo& fn, const isa::Function& body, vm::Instance& inst,
                     uint32_t index) {
  fn.code = body.code.data();
  fn.call_code = fn.code;
  fn.nregs = static_cast<uint32_t>(body.regs.size());
  fn.nparams = 0;
  fn.arg_words = 0;
  fn.sig_id = 0;
  fn.jit_entry = nullptr;
  fn.inst = &inst;
  fn.has_result = true;
  fn.index = index;
  fn.name = body.name;
}

}  // namespace strata::jit::rv64
